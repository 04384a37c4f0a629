"""``Pipeline``: a ``Compose`` that fuses geometry and runs everything per sample, batched.

``Pipeline([RandomResizedCrop(224), RandomHorizontalFlip(), ColorJitter(0.4, 0.4, 0.4, 0.1),
RandomErasing(0.25)])`` does, for a ``(B, C, H, W)`` batch:

1. draws every transform's per-sample parameters for the whole batch, in order, each in one
   vectorised step (so results do not depend on how the batch is processed afterwards);
2. composes each run of consecutive geometric transforms into ONE warp (a matrix per sample,
   plus an elastic field if there is one) and resamples with ONE ``grid_sample``;
3. applies the pixel transforms in place on a float work tensor.

Fusing resamples once (sharper than one bilinear pass per step) and changes one thing on
purpose: a step that reads outside an earlier crop (e.g. rotating a crop) reads the original
image there instead of the earlier step's fill.

On the CPU, when uint8 images go in and float images come out and the first fused warp only
crops, resizes and flips (RandomResizedCrop, flips, ...), that warp runs on uint8 with torch's
native uint8 resize, one call per sample, as torchvision and albumentations do: it reads and
writes a quarter of the bytes of a float ``grid_sample``. That stage then equals torchvision's
``resized_crop(..., antialias=False)`` on uint8 exactly (crop edges repeated, values rounded to
uint8: within 1/255 of the float path, except on the border pixels of enlarged crops, where
the float path reads beyond the crop). The float conversion comes after it.

On a GPU steps 2-3 run on the whole batch at once. On the CPU they run block by block (a few
MB of images at a time) so that the chain of element-wise passes stays in the processor cache
instead of streaming the batch through memory once per pass; samples are ordered so that a
block shares its ColorJitter op order (every op then runs on the whole block), and the
temporaries of one block are reused by the next. The output is the same whatever the blocks.

Dtype rule: ``dtype=torch.float32`` (default) returns float images in [0, 1] (uint8 input is
scaled by 1/255; ``Normalize`` may then move the range) and computes in float throughout.
``dtype=None`` keeps the input dtype; uint8 input then follows torchvision's integer rules
after every op (rounded warps, truncated blends). Masks (nearest) and XYXY boxes follow the
geometric transforms. Course sections 2 and 7.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor

import torch
import torch.nn.functional as F
from torch import nn

from ._common import (
    as_batch,
    block_slices,
    make_generator,
    scratch,
    slice_params,
    unbatch,
    workspace,
)
from .geometric import GeometricTransform, _with_targets
from .warp import grid_sample_image, identity_warp, warp_mask


class Pipeline(nn.Module):
    """Compose transforms with per-sample parameters, fused geometry and an explicit dtype rule.

    Args:
        transforms: sequence of ``helpers.image`` transforms (geometric, photometric, erasing,
            policies, ``Normalize``).
        dtype: output floating dtype (default float32), or None to keep the input dtype.
        block_size: samples per block on the CPU (default: 6 MB of float images per thread,
            at most 16 MB).
        generator: default generator (None, int seed or ``torch.Generator``).

    ``forward(x, mask=None, boxes=None, *, generator=None)`` returns ``x`` or a tuple with the
    transformed mask / boxes (see :class:`helpers.image.geometric.GeometricTransform`).
    """

    def __init__(self, transforms, *, dtype=torch.float32, block_size: int | None = None, generator=None):
        super().__init__()
        transforms = list(transforms)
        for i, t in enumerate(transforms):
            if not (isinstance(t, GeometricTransform) or hasattr(t, "sample_params") and hasattr(t, "apply_")):
                raise ValueError(f"transforms[{i}] is not a helpers.image transform: {t!r}")
        if dtype is not None and not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
            raise ValueError(f"dtype must be a floating torch dtype or None, got {dtype!r}")
        if block_size is not None and (not isinstance(block_size, int) or block_size < 1):
            raise ValueError(f"block_size must be a positive int or None, got {block_size!r}")
        self.transforms = nn.ModuleList(transforms)
        self.dtype = dtype
        self.block_size = block_size
        self.generator = make_generator(generator)
        self.stages = _group(transforms)

    def sample(self, batch: int, shape, *, generator=None, device="cpu", dtype=torch.float32) -> list:
        """Per-sample parameters of every stage for ``batch`` images of ``shape`` (C, H, W)."""
        generator = make_generator(generator)
        C, H, W = shape
        size = (H, W)
        plans = []
        for kind, items in self.stages:
            if kind == "warp":
                warp = None
                for t in items:
                    step = t.sample_warp(batch, size, generator=generator, device=device)
                    warp = step if warp is None else warp.then(step)
                    size = step.out_size
                plans.append(("warp", warp, _interpolation(items), _fill(items)))
            else:
                params = items.sample_params(batch, (C, *size), generator=generator, device=device, dtype=dtype)
                plans.append(("pixel", items, params))
        return plans

    def forward(self, x, mask=None, boxes=None, *, generator=None):
        xb, single = as_batch(x)
        g = make_generator(generator) if generator is not None else self.generator
        float_mode = self.dtype is not None
        integer = xb.dtype == torch.uint8 and not float_mode
        out_dtype = self.dtype if float_mode else xb.dtype
        param_dtype = torch.uint8 if integer else (self.dtype or xb.dtype)
        B, C, H, W = xb.shape
        plans = self.sample(B, (C, H, W), generator=g, device=xb.device, dtype=param_dtype)
        with _cpu_workers(xb) as workers, workspace():
            out = self._run_blocks(xb, plans, float_mode, integer, out_dtype, workers)
        return self._targets(unbatch(out, single), plans, mask, boxes, single, (H, W), B)

    def _run_blocks(self, xb, plans, float_mode, integer, out_dtype, workers=1):
        if float_mode and xb.dtype == torch.uint8 and xb.device.type == "cpu" and plans \
                and plans[0][0] == "warp":
            boxes = crop_boxes(plans[0][1], plans[0][2], plans[0][3])
            if boxes is not None:  # crop and resize on uint8 first, as albumentations does
                xb, plans = resize_crops_uint8(xb, boxes, plans[0][1].out_size, workers), plans[1:]
        B, C, H, W = xb.shape
        sizes = [p[1].out_size for p in plans if p[0] == "warp"] + [(H, W)]
        sample_bytes = 4 * C * max(h * w for h, w in sizes)
        work_dtype = out_dtype if float_mode else (torch.float32 if integer else xb.dtype)
        probe = torch.empty(0, dtype=work_dtype, device=xb.device)
        bound = 255.0 if integer else 1.0
        perm, blocks = self._blocks(plans, B, sample_bytes, xb.device)
        if perm is not None:  # put samples in block order once, so blocks are plain slices
            plans = [(p[0], p[1].select(perm), *p[2:]) if p[0] == "warp" else
                     (p[0], p[1], _select(p[1], p[2], perm)) for p in plans]
        for p in plans:  # grid matrices for the whole batch at once; blocks take slices
            if p[0] == "warp":
                p[1].grid_theta(work_dtype if work_dtype.is_floating_point else torch.float32)
        out = None

        def run(s):
            nonlocal out
            n = s.stop - s.start
            rows = xb[s] if perm is None else torch.index_select(
                xb, 0, perm[s], out=scratch("pipeline.rows", (n, C, H, W), xb))
            w = scratch("pipeline.in", (n, C, H, W), probe)
            w.copy_(rows)
            if float_mode and xb.dtype == torch.uint8:
                w.mul_(1.0 / 255.0)  # (a separate pass: a mixed-dtype multiply is much slower)
            for plan in plans:
                if plan[0] == "warp":
                    _, warp, interpolation, fill = plan
                    w = grid_sample_image(w, warp.select(s), interpolation, fill)
                    if integer:
                        w.round_().clamp_(0.0, 255.0)
                else:
                    w = plan[1].apply_(w, _select(plan[1], plan[2], s), bound, integer)
            if out is None:
                out = torch.empty((B, *w.shape[1:]), dtype=out_dtype, device=xb.device)
            if perm is None:
                out[s] = w
            else:
                out.index_copy_(0, perm[s], w.to(out_dtype))

        run(blocks[0])  # allocates the output
        _in_workers(lambda part: [run(s) for s in part], blocks[1:], workers)
        return out

    def _blocks(self, plans, batch, sample_bytes, device):
        """``(perm, slices)``: an optional reordering of the samples and the blocks (slices of it).

        On the CPU, samples are ordered by the pixel transforms' ``block_key`` (e.g. the
        ColorJitter op order) and blocks never mix keys, so every op of a block runs on the
        whole block instead of on gathered sub-batches. Results do not depend on the blocks.
        """
        keys = [p[1].block_key(p[2]) for p in plans if p[0] == "pixel" and hasattr(p[1], "block_key")]
        if device.type != "cpu" or not keys:
            return None, list(block_slices(batch, sample_bytes, device, self.block_size))
        combined = torch.zeros(batch, dtype=torch.int64)
        for k in keys:
            k = k.to("cpu", torch.int64)
            combined = combined * (int(k.max()) + 1) + k
        perm = torch.argsort(combined, stable=True)
        counts = torch.unique_consecutive(combined[perm], return_counts=True)[1].tolist()
        slices, start = [], 0
        for count in counts:
            slices += [slice(start + s.start, start + s.stop)
                       for s in block_slices(count, sample_bytes, device, self.block_size)]
            start += count
        return perm.to(device), slices

    def _targets(self, out, plans, mask, boxes, single, size, batch):
        if mask is None and boxes is None:
            return out
        total = identity_warp(batch, size, out.device)
        for plan in plans:
            if plan[0] == "warp":
                total = total.then(plan[1])
        return _with_targets(out, total, mask, boxes, single, 0, lambda m, w: warp_mask(m, w))


def crop_boxes(warp, interpolation: str, fill):
    """Per-sample ``(top, left, height, width, flip_x, flip_y)`` int rows when ``warp`` only crops,
    resizes and flips with whole-pixel boxes inside the image; else None.

    That is what RandomResizedCrop, CenterCrop, Resize and the flips compose to. Such a warp
    is a crop followed by a plain bilinear resize, which the uint8 path can run natively.
    """
    if interpolation != "bilinear" or warp.offset is not None or warp.leaves_image:
        return None
    m = warp.matrix.to("cpu", torch.float64)
    (H, W), (h, w) = warp.in_size, warp.out_size
    if bool((m[:, 0, 1] != 0).any() or (m[:, 1, 0] != 0).any()):
        return None
    sx, sy = m[:, 0, 0], m[:, 1, 1]
    if bool((sx == 0).any() or (sy == 0).any()):
        return None
    width, height = sx.abs() * w, sy.abs() * h
    left = torch.where(sx > 0, m[:, 0, 2], m[:, 0, 2] - width)
    top = torch.where(sy > 0, m[:, 1, 2], m[:, 1, 2] - height)
    box = torch.stack((top, left, height, width), 1)
    whole = box.round()
    if bool(((box - whole).abs() > 1e-6).any()):
        return None
    whole = whole.long()
    top, left, height, width = whole.unbind(1)
    if bool((top < 0).any() or (left < 0).any() or (height < 1).any() or (width < 1).any()
            or (top + height > H).any() or (left + width > W).any()):
        return None
    return torch.cat((whole, (sx < 0).long()[:, None], (sy < 0).long()[:, None]), 1)


@contextlib.contextmanager
def _cpu_workers(xb):
    """On the CPU, the number of worker threads, with torch single-threaded meanwhile.

    Each worker runs whole blocks with single-threaded torch ops (as scikit-learn's and
    helpers.tabular's searches do), so threads never wait for each other between the many
    small element-wise passes of a block; on a busy machine those per-op waits cost more than
    the arithmetic. Elsewhere: 1 and nothing changes.
    """
    threads = torch.get_num_threads()
    if xb.device.type != "cpu" or threads == 1:
        yield 1
        return
    torch.set_num_threads(1)
    try:
        yield threads
    finally:
        torch.set_num_threads(threads)


def _in_workers(fn, items: list, workers: int) -> None:
    """``fn(part)`` on ``workers`` interleaved parts of ``items`` (in threads when more than 1)."""
    workers = min(workers, len(items))
    if workers <= 1:
        if items:
            fn(items)
        return

    def part(k):
        with workspace():  # each thread reuses its own scratch buffers
            fn(items[k::workers])

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(part, range(workers)))


def resize_crops_uint8(xb: torch.Tensor, boxes: torch.Tensor, size, workers: int = 1) -> torch.Tensor:
    """Crop each uint8 image to its box and resize it to ``size`` (bilinear), staying in uint8.

    ``xb``: ``(B, C, H, W)`` uint8 on the CPU; ``boxes``: ``(B, 6)`` from :func:`crop_boxes`.
    Returns ``(B, C, h, w)`` uint8. Uses torch's native uint8 resize
    (vectorised, on channels-last images: the path torchvision's ``resize`` takes for uint8),
    which equals ``torchvision.transforms.v2.functional.resized_crop(..., antialias=False)``:
    edge pixels of an enlarged crop repeat the crop's edge, and values are rounded to uint8
    (within 0.5/255 of the float resize). Crop sizes differ per sample and no batched op
    resizes crops of different sizes, so each sample is one native call on a view.
    """
    B, C = xb.shape[:2]
    h, w = size
    out = torch.empty((B, C, h, w), dtype=torch.uint8)

    def resize(rows):
        for i, (top, left, height, width, flip_x, flip_y) in rows:
            crop = xb[i:i + 1, :, top:top + height, left:left + width]
            crop = crop.contiguous(memory_format=torch.channels_last)  # the fast kernel's layout
            if (height, width) == (h, w):
                res = crop
            else:
                res = F.interpolate(crop, size=(h, w), mode="bilinear", align_corners=False,
                                    antialias=False)
            if flip_x or flip_y:
                res = res.flip([d for d, f in ((-1, flip_x), (-2, flip_y)) if f])
            out[i:i + 1].copy_(res)

    _in_workers(resize, list(enumerate(boxes.tolist())), workers)
    return out


def _select(transform, params: dict, index) -> dict:
    select = getattr(transform, "select_params", None)
    return select(params, index) if select else slice_params(params, index)


def _group(transforms) -> list:
    """Runs of consecutive geometric transforms become one ("warp", [...]) stage."""
    stages = []
    for t in transforms:
        if isinstance(t, GeometricTransform):
            if stages and stages[-1][0] == "warp":
                stages[-1][1].append(t)
            else:
                stages.append(("warp", [t]))
        else:
            stages.append(("pixel", t))
    for kind, items in stages:
        if kind == "warp":
            _fill(items)
    return stages


def _interpolation(items) -> str:
    return "bilinear" if any(t.interpolation == "bilinear" for t in items) else "nearest"


def _fill(items):
    """The fill shared by the fused transforms that can read outside the image."""
    fills = {t.fill for t in items if t.may_leave_image()}
    if len(fills) > 1:
        raise ValueError(f"geometric transforms fused into one warp must share one fill value, got {fills}")
    return fills.pop() if fills else None


__all__ = ["Pipeline"]
