"""Exact k-nearest-neighbour search in bounded memory, on the input's device.

This is the search that SMOTE, BorderlineSMOTE and ADASYN need (course section 4). It agrees
with ``sklearn.neighbors.NearestNeighbors(n_neighbors=k).kneighbors(queries,
return_distance=False)`` (Euclidean metric) up to the order of exactly tied distances.

How it stays fast and bounded: the queries are processed in chunks of rows. For one chunk the
squared distances to every reference row come from a single matrix product,
``|r|^2 - 2 q.r`` (the expansion ``torch.cdist`` uses in its matrix-product mode, without the
square root and without the per-query constant ``|q|^2``, neither of which changes the
ranking). The reference rows are grouped into blocks of ``BLOCK`` rows; the k nearest
neighbours of a query always lie in the k blocks whose closest member is nearest, so only
``min`` over each block, a ``topk`` over the block minima and a ``topk`` over the few selected
blocks are needed, instead of a ``topk`` over every distance. Memory per chunk is
``chunk_rows x n_reference`` distances, never the full ``n x n`` matrix.
"""

from __future__ import annotations

import torch

from ._checks import check_features, check_n_neighbors

BLOCK = 64
# Extra blocks kept beyond the k strictly needed: a guard against rounding in |r|^2 - 2 q.r
# changing which block holds a near-tied k-th neighbour.
SPARE_BLOCKS = 2
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
    q = r if queries is reference else queries.to(dtype) - centre
    if max_chunk_bytes is None:
        max_chunk_bytes = DEFAULT_CHUNK_BYTES["cuda" if q.is_cuda else "cpu"]
    return _search(q, r, k, int(max_chunk_bytes))


def _search(q: torch.Tensor, r: torch.Tensor, k: int, max_chunk_bytes: int) -> torch.Tensor:
    n_ref, d = r.shape
    n_blocks = -(-n_ref // BLOCK)
    keep = min(n_blocks, k + SPARE_BLOCKS)
    blocked = n_blocks >= 4 * keep
    width = n_blocks * BLOCK if blocked else n_ref
    # One matrix product gives |r|^2 - 2 q.r: append a column of ones to q and |r|^2 to -2r.
    # Padding rows (to fill the last block) get a huge |r|^2 so they are never chosen.
    r_aug = torch.zeros(width, d + 1, dtype=r.dtype, device=r.device)
    r_aug[:n_ref, :d] = -2.0 * r
    r_aug[:n_ref, d] = (r * r).sum(1)
    r_aug[n_ref:, d] = torch.finfo(r.dtype).max / 4
    r_aug_t = r_aug.T.contiguous()
    rows = max(1, min(q.shape[0], max_chunk_bytes // (width * r.element_size())))
    out = torch.empty(q.shape[0], k, dtype=torch.long, device=q.device)
    dist = torch.empty(rows, width, dtype=r.dtype, device=q.device)
    q_aug = torch.ones(q.shape[0], d + 1, dtype=r.dtype, device=q.device)
    q_aug[:, :d] = q
    # Column c belongs to block c % n_blocks: a block's members are n_blocks apart, so the
    # per-block minimum is an elementwise minimum over BLOCK contiguous rows of length n_blocks.
    member = torch.arange(BLOCK, device=q.device) * n_blocks
    for start in range(0, q.shape[0], rows):
        m = min(rows, q.shape[0] - start)
        d_chunk = torch.mm(q_aug[start:start + m], r_aug_t, out=dist[:m])
        if not blocked:
            out[start:start + m] = d_chunk.topk(k, dim=1, largest=False).indices
            continue
        block_min = d_chunk.view(m, BLOCK, n_blocks).amin(dim=1)
        best = block_min.topk(keep, dim=1, largest=False, sorted=False).indices
        cols = (best.unsqueeze(2) + member).view(m, keep * BLOCK)
        pos = d_chunk.gather(1, cols).topk(k, dim=1, largest=False).indices
        torch.gather(cols, 1, pos, out=out[start:start + m])
    return out
