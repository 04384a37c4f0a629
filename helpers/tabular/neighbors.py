"""Exact k-nearest-neighbour search in bounded memory, on the input's device.

This is the search that SMOTE, BorderlineSMOTE and ADASYN need (course section 4). It agrees
with ``sklearn.neighbors.NearestNeighbors(n_neighbors=k).kneighbors(queries,
return_distance=False)`` (Euclidean metric) up to the order of exactly tied distances.

How it stays fast and bounded:

* Queries are processed in chunks of rows. A chunk's squared distances to every reference row
  come from one matrix product, ``|r|^2 - 2 q.r`` (the expansion ``torch.cdist`` uses in its
  matrix-product mode, without the square root and without the per-query constant ``|q|^2``,
  neither of which changes the ranking). Memory is ``chunk_rows x n_reference`` distances per
  worker (``max_chunk_bytes``), never the full ``n x n`` matrix.
* Reference rows are grouped into blocks of ``BLOCK``. The k nearest neighbours of a query
  always lie in the k blocks whose closest member is nearest, so the search takes a ``min``
  over each block, a ``topk`` over the block minima and a ``topk`` over the few selected
  blocks, instead of a ``topk`` over every distance.
* On the CPU the product is computed in 2048-column tiles whose block minima are taken while
  the tile is still in cache. When a chunk's full rows of distances would not fit the memory
  budget (many reference rows), each tile is overwritten by the next one (only the block
  minima are kept) and the distances to the few selected blocks' members are computed again:
  a chunk of 128 queries then needs one L2-sized tile, however many reference rows there
  are, and the distance matrix never streams through memory. Whole chunks are shared
  among ``torch.get_num_threads()``
  worker threads, each running torch single-threaded (as scikit-learn's own search does with
  OpenMP), so threads never wait for one another between small operations. The SMOTE-family
  functions run torch single-threaded around the search for the same reason; both restore the
  thread count on exit. On CUDA one chunk spans all columns and TF32 is switched off for the
  product (it would round distances).
"""

from __future__ import annotations

import functools
import threading
from concurrent.futures import ThreadPoolExecutor

import torch

from ._checks import check_features, check_n_neighbors

BLOCK = 64
# Extra blocks kept beyond the k strictly needed: a guard against rounding in |r|^2 - 2 q.r
# changing which block holds a near-tied k-th neighbour.
SPARE_BLOCKS = 2
CPU_CHUNK_ROWS = 128
DEFAULT_CHUNK_BYTES = {"cpu": 32 * 2**20, "cuda": 512 * 2**20}


def _compute_dtype(dtype: torch.dtype) -> torch.dtype:
    return torch.float64 if dtype == torch.float64 else torch.float32


def kneighbors(queries: torch.Tensor, reference: torch.Tensor, n_neighbors: int, *,
               max_chunk_bytes: int | None = None) -> torch.Tensor:
    """Indices of the ``n_neighbors`` nearest reference rows of every query row.

    Args:
        queries: ``(n_queries, d)`` floating tensor.
        reference: ``(n_reference, d)`` floating tensor on the same device.
        n_neighbors: how many neighbours, ``1 <= n_neighbors <= n_reference``.
        max_chunk_bytes: memory budget for one chunk of distances (default 32 MiB on the CPU,
            512 MiB on CUDA).

    Returns:
        ``(n_queries, n_neighbors)`` int64 tensor on the input's device, nearest first. When
        the queries are the reference rows themselves, column 0 is the row itself (or an exact
        duplicate of it), which is why SMOTE asks for ``k + 1`` and drops that column, as
        imbalanced-learn does.
    """
    queries = check_features(queries, "queries")
    reference = check_features(reference, "reference")
    k = check_n_neighbors(n_neighbors, "n_neighbors")
    if queries.device != reference.device:
        raise ValueError(
            f"queries and reference must be on the same device, got {queries.device} and "
            f"{reference.device}"
        )
    if queries.shape[1] != reference.shape[1]:
        raise ValueError(
            f"queries and reference must have the same number of columns, got "
            f"{queries.shape[1]} and {reference.shape[1]}"
        )
    if k > reference.shape[0]:
        raise ValueError(
            f"n_neighbors must be <= the number of reference rows ({reference.shape[0]}), got {k}"
        )
    return _kneighbors(queries, reference, k, max_chunk_bytes)


def _kneighbors(queries: torch.Tensor, reference: torch.Tensor, k: int,
                max_chunk_bytes: int | None = None) -> torch.Tensor:
    """:func:`kneighbors` without the argument checks (for callers that already checked)."""
    dtype = _compute_dtype(torch.promote_types(queries.dtype, reference.dtype))
    centre = reference.to(dtype).mean(0)
    # Centring keeps |r|^2 - 2 q.r well conditioned when the data sit far from the origin.
    r = reference.to(dtype) - centre
    if max_chunk_bytes is None:
        max_chunk_bytes = DEFAULT_CHUNK_BYTES["cuda" if r.is_cuda else "cpu"]
    q = r if queries is reference else queries.to(dtype) - centre
    if not r.is_cuda:
        return _search(q, r, k, int(max_chunk_bytes))
    # TF32 matrix products (if a caller enabled them) would round distances to ~3 digits.
    precision = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision("highest")
    try:
        return _search(q, r, k, int(max_chunk_bytes))
    finally:
        torch.set_float32_matmul_precision(precision)


def _search(q: torch.Tensor, r: torch.Tensor, k: int, max_chunk_bytes: int) -> torch.Tensor:
    n_ref, d = r.shape
    keep = min(-(-n_ref // BLOCK), k + SPARE_BLOCKS)
    layout = _BlockLayout(n_ref, keep, cpu=not q.is_cuda)
    width = layout.width
    # One matrix product gives |r|^2 - 2 q.r: append a column of ones to q and |r|^2 to -2r.
    # Padding rows (to fill the last block) get a huge |r|^2 so they are never chosen.
    r_aug = torch.zeros(width, d + 1, dtype=r.dtype, device=r.device)
    r_aug[:n_ref, :d] = -2.0 * r
    r_aug[:n_ref, d] = (r * r).sum(1)
    r_aug[n_ref:, d] = torch.finfo(r.dtype).max / 4
    r_aug_t = r_aug.T.contiguous()
    workers = _cpu_workers(q, width)
    # CPU, and full rows of distances for a whole chunk would not fit the budget: keep one
    # tile of distances at a time instead of shrinking the chunk (small matrix products)
    # (only when re-reading the candidates' rows costs less than a full row of distances)
    tiled = layout.blocked and not q.is_cuda and \
        max_chunk_bytes // (workers * width * r.element_size()) < CPU_CHUNK_ROWS and \
        keep * BLOCK * (d + 1) < width
    if not tiled:
        del r_aug
    stored = layout.tile_width if tiled else width  # distance columns held per query
    rows = max(1, max_chunk_bytes // (workers * stored * r.element_size()))
    if not q.is_cuda:  # keep each (rows x 2048) tile of distances in the core's L2 cache
        rows = min(rows, CPU_CHUNK_ROWS)
    rows = min(rows, -(-q.shape[0] // workers))
    q_aug = torch.ones(q.shape[0], d + 1, dtype=r.dtype, device=q.device)
    q_aug[:, :d] = q
    out = torch.empty(q.shape[0], k, dtype=torch.long, device=q.device)
    starts = list(range(0, q.shape[0], rows))

    def run(worker: int) -> None:
        dist = torch.empty(rows, stored, dtype=r.dtype, device=q.device)
        block_min = torch.empty(rows, layout.n_blocks, dtype=r.dtype, device=q.device)
        for start in starts[worker::workers]:
            m = min(rows, q.shape[0] - start)
            chunk = q_aug[start:start + m]
            if not layout.blocked:
                d_chunk = torch.mm(chunk, r_aug_t, out=dist[:m])
                out[start:start + m] = d_chunk.topk(k, dim=1, largest=False).indices
                continue
            if tiled:
                layout.tile_block_min(chunk, r_aug_t, dist[:m], block_min[:m])
                layout.select_recomputed(chunk, r_aug, block_min[:m], k, keep, out[start:start + m])
                continue
            layout.distances_and_block_min(chunk, r_aug_t, dist[:m], block_min[:m])
            layout.select(dist[:m], block_min[:m], k, keep, out[start:start + m])

    _run_workers(run, workers)
    return out


class _BlockLayout:
    """How reference columns are grouped into blocks of ``BLOCK`` and into column tiles.

    The columns are cut into ``n_tiles`` tiles of ``tile_width = BLOCK * blocks_per_tile``
    columns; in tile t, column ``t * tile_width + s * blocks_per_tile + b`` (s < BLOCK)
    belongs to block ``t * blocks_per_tile + b``. A block's members are therefore
    ``blocks_per_tile`` apart, so a block minimum is an elementwise minimum over BLOCK
    contiguous runs, computed while the tile is still in cache on the CPU (one tile of the
    whole width on a GPU).
    """

    CPU_BLOCKS_PER_TILE = 32  # 2048-column tiles: L2-sized, and rows of 32 floats vectorise well

    def __init__(self, n_ref: int, keep: int, cpu: bool):
        n_blocks = -(-n_ref // BLOCK)
        self.blocked = n_blocks >= 4 * keep
        if not self.blocked:
            self.width, self.n_tiles, self.n_blocks = n_ref, 1, n_blocks
            return
        if cpu:  # whole 32-float runs keep the minimum vectorised; the last tile is padded
            self.blocks_per_tile = self.CPU_BLOCKS_PER_TILE
            self.n_tiles = -(-n_blocks // self.blocks_per_tile)
        else:
            self.blocks_per_tile, self.n_tiles = n_blocks, 1
        self.tile_width = BLOCK * self.blocks_per_tile
        self.width = self.n_tiles * self.tile_width
        self.n_blocks = self.n_tiles * self.blocks_per_tile

    def distances_and_block_min(self, chunk, r_aug_t, dist, block_min) -> None:
        m, bpt, tw = chunk.shape[0], self.blocks_per_tile, self.tile_width
        for t in range(self.n_tiles):
            tile = torch.mm(chunk, r_aug_t[:, t * tw:(t + 1) * tw], out=dist[:, t * tw:(t + 1) * tw])
            torch.amin(tile.view(m, BLOCK, bpt), dim=1, out=block_min[:, t * bpt:(t + 1) * bpt])

    def tile_block_min(self, chunk, r_aug_t, tile_buf, block_min) -> None:
        """Block minima of every tile, each tile computed into the same cache-sized buffer."""
        m, bpt, tw = chunk.shape[0], self.blocks_per_tile, self.tile_width
        for t in range(self.n_tiles):
            tile = torch.mm(chunk, r_aug_t[:, t * tw:(t + 1) * tw], out=tile_buf)
            torch.amin(tile.view(m, BLOCK, bpt), dim=1, out=block_min[:, t * bpt:(t + 1) * bpt])

    def candidates(self, block_min, keep: int) -> torch.Tensor:
        """``(m, keep * BLOCK)`` columns of the ``keep`` blocks with the smallest minima."""
        m, bpt = block_min.shape[0], self.blocks_per_tile
        best = block_min.topk(keep, dim=1, largest=False, sorted=False).indices
        first = (best // bpt) * self.tile_width + best % bpt
        member = torch.arange(BLOCK, device=block_min.device) * bpt
        return (first.unsqueeze(2) + member).view(m, keep * BLOCK)

    def select_recomputed(self, chunk, r_aug, block_min, k: int, keep: int, out) -> None:
        """Like :meth:`select`, computing the candidates' distances again from the rows."""
        cols = self.candidates(block_min, keep)
        members = r_aug.index_select(0, cols.view(-1)).view(*cols.shape, -1)  # (m, c, d + 1)
        dist = torch.bmm(members, chunk.unsqueeze(2)).squeeze(2)
        torch.gather(cols, 1, dist.topk(k, dim=1, largest=False).indices, out=out)

    def select(self, dist, block_min, k: int, keep: int, out) -> None:
        """Write the k nearest columns of each row into ``out`` (nearest first)."""
        cols = self.candidates(block_min, keep)
        pos = dist.gather(1, cols).topk(k, dim=1, largest=False).indices
        torch.gather(cols, 1, pos, out=out)


def _run_workers(run, workers: int) -> None:
    """Call ``run(w)`` for each worker; on the CPU each owns whole chunks of the work."""
    if workers == 1:
        run(0)
        return
    # sklearn-style parallelism: torch runs single-threaded inside each worker thread, so
    # there is no per-operation synchronisation between threads.
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(run, range(workers)))
    finally:
        torch.set_num_threads(previous)


_THREADS = threading.local()


def _cpu_workers(q: torch.Tensor, width: int) -> int:
    """Worker threads for a CPU search (1 on a GPU, or when the search is tiny)."""
    if q.device.type != "cpu" or q.shape[0] * width < 2**20:
        return 1
    return max(1, getattr(_THREADS, "workers", None) or torch.get_num_threads())


def single_threaded_cpu(fn):
    """Decorator: run ``fn(X, ...)`` with torch single-threaded when ``X`` is on the CPU.

    The O(n d) steps around a neighbour search (indexing, interpolation, concatenation) are
    memory-bound and gain little from threads, while each multi-threaded call pays a thread
    hand-off that dominates on small inputs or busy machines. The k-NN searches inside still
    use as many worker threads as torch had when ``fn`` was called.
    """
    @functools.wraps(fn)
    def wrapper(X, *args, **kwargs):
        if not isinstance(X, torch.Tensor) or X.device.type != "cpu" or \
                getattr(_THREADS, "workers", None):
            return fn(X, *args, **kwargs)
        previous = torch.get_num_threads()
        _THREADS.workers = previous
        torch.set_num_threads(1)
        try:
            return fn(X, *args, **kwargs)
        finally:
            torch.set_num_threads(previous)
            _THREADS.workers = None
    return wrapper
