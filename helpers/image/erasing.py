"""RandomErasing / Cutout: blank one rectangle per sample (zeros, a constant or noise).

The kernel :func:`erase` takes explicit per-sample boxes; :class:`RandomErasing` draws them with
torchvision's rule (see :func:`sample_erasing_params`), independently for every sample, and
works on any float values, so it can run after ``Normalize`` as the course recommends.
:class:`Cutout` is the fixed-size square variant (DeVries & Taylor, 2017). Masks and boxes
pass through unchanged. Course section 2 (image catalog) and 7 (PyTorch reference).

Output dtype: the input dtype. ``value="random"`` fills with standard-normal noise (float
images) or uniform integers 0..255 (uint8 images); the noise is drawn on the image's device.
"""

from __future__ import annotations

import math
from numbers import Real

import torch
from torch import nn

from .._validate import check_int, check_probability, check_range
from ._common import (
    as_batch,
    make_generator,
    noise_generator,
    per_sample,
    randint_below,
    scratch,
    unbatch,
    uniform,
)


def box_indicators(top, left, height, width, size, dtype=torch.float32):
    """Per-sample row and column indicators ``(B, H)``, ``(B, W)`` of the boxes (1 inside)."""
    H, W = size
    rows = torch.arange(H, device=top.device)
    cols = torch.arange(W, device=top.device)
    in_rows = (rows >= top[:, None]) & (rows < (top + height)[:, None])
    in_cols = (cols >= left[:, None]) & (cols < (left + width)[:, None])
    return in_rows.to(dtype), in_cols.to(dtype)


def box_mask(top, left, height, width, size) -> torch.Tensor:
    """Boolean ``(B, 1, H, W)`` mask of the boxes (empty boxes give all-False rows)."""
    in_rows, in_cols = box_indicators(top, left, height, width, size, torch.bool)
    return in_rows[:, None, :, None] & in_cols[:, None, None, :]


def _value_kind(value, channels: int):
    if isinstance(value, str):
        if value != "random":
            raise ValueError(f"value must be a number, a per-channel sequence or 'random', got {value!r}")
        return "random"
    if isinstance(value, Real) and not isinstance(value, bool):
        return [float(value)] * channels
    if isinstance(value, list | tuple) and len(value) in (1, channels) \
            and all(isinstance(v, Real) and not isinstance(v, bool) for v in value):
        vals = [float(v) for v in value]
        return vals * channels if len(vals) == 1 else vals
    raise ValueError(f"value must be a number, a sequence of 1 or {channels} numbers, or 'random', "
                     f"got {value!r}")


def erase_(w: torch.Tensor, params: dict) -> torch.Tensor:
    """In place: fill each sample's box with its value. ``params`` from :func:`sample_erasing_params`.

    ``params``: ``top, left, height, width`` int64 ``(B,)`` (height 0 = no erasing) and ``value``
    (list of per-channel floats) or ``noise``: a 1-D tensor holding, sample after sample, the
    ``C * height * width`` values of each box in (channel, row, column) order.
    """
    top, left, h, wd = (params[k].to(w.device) for k in ("top", "left", "height", "width"))
    if not bool((h > 0).any()):
        return w
    if params.get("noise") is not None:
        mask = box_mask(top, left, h, wd, w.shape[-2:])
        return w.masked_scatter_(mask.expand_as(w), params["noise"].to(w.dtype))
    if w.device.type == "cpu":
        return _fill_boxes_(w, top, left, h, wd, params["value"])
    if not w.is_floating_point():
        mask = box_mask(top, left, h, wd, w.shape[-2:])[:, 0]
        for c, v in enumerate(params["value"]):
            w[:, c].masked_fill_(mask, v)
        return w
    # A float box indicator: multiply by (1 - box), add value * box. Arithmetic on the whole
    # batch is cheaper than filling through a boolean mask.
    in_rows, in_cols = box_indicators(top, left, h, wd, w.shape[-2:], w.dtype)
    plane = (w.shape[0], 1, *w.shape[2:])
    box = torch.mul(in_rows[:, None, :, None], in_cols[:, None, None, :], out=scratch("erase.box", plane, w))
    w.mul_(torch.mul(box, -1.0, out=scratch("erase.keep", plane, w)).add_(1.0))
    values = torch.tensor(params["value"], dtype=w.dtype, device=w.device)
    if bool((values != 0).any()):
        w.addcmul_(box, values.view(1, -1, 1, 1))
    return w


def _fill_boxes_(w: torch.Tensor, top, left, height, width, value: list) -> torch.Tensor:
    """CPU: fill each non-empty box of ``w`` (``(B, C, H, W)``) with the per-channel ``value``.

    A box is a strided view of its own size, so filling it touches its pixels alone; any batched
    form (a box mask over every image, as the GPU path uses) reads and writes every pixel of
    the batch, about 15 times slower on a 2-core CPU for RandomErasing(p=0.25) on 224 x 224
    images. Hence one fill per erased sample here.
    """
    boxes = torch.stack((top, left, height, width), 1).tolist()
    same = all(v == value[0] for v in value)
    for i, (t, lf, h, wd) in enumerate(boxes):
        if h > 0 and wd > 0:
            box = w[i, :, t:t + h, lf:lf + wd]
            if same:
                box.fill_(value[0])
            else:
                for c, v in enumerate(value):
                    box[c].fill_(v)
    return w


def erase(x, top, left, height, width, value=0.0, *, generator=None):
    """Erase box ``(top, left, height, width)`` of every sample (numbers or ``(B,)`` ints).

    Args:
        x: ``(C, H, W)`` or ``(B, C, H, W)``, uint8 or float (any range, e.g. normalised).
        top, left, height, width: per-sample boxes; ``height=0`` or ``width=0`` leaves a sample as is.
        value: number, per-channel sequence, or ``"random"`` (noise, drawn with ``generator``).

    Returns the erased copy (same dtype). Equals torchvision's ``erase`` image by image for a
    constant value.
    """
    xb, single = as_batch(x)
    B, C, H, W = xb.shape
    t, l_, h, w = (per_sample(v, B, n, xb.device, dtype=torch.int64)
                   for v, n in ((top, "top"), (left, "left"), (height, "height"), (width, "width")))
    if (h < 0).any() or (w < 0).any() or (t < 0).any() or (l_ < 0).any() or (t + h > H).any() \
            or (l_ + w > W).any():
        raise ValueError(f"boxes (top, left, height, width) must lie inside the {H}x{W} image")
    params = dict(top=t, left=l_, height=h, width=w)
    params.update(_fill_params(_value_kind(value, C), h * w * C, xb, generator))
    return unbatch(erase_(xb.clone(), params), single)


def _fill_params(kind, sizes: torch.Tensor, xb: torch.Tensor, generator) -> dict:
    if kind != "random":
        return dict(value=kind, noise=None)
    g = noise_generator(make_generator(generator), xb.device)
    n = int(sizes.sum())
    if xb.is_floating_point():
        noise = torch.randn(n, generator=g, device=xb.device, dtype=xb.dtype)
    else:
        noise = torch.randint(0, 256, (n,), generator=g, device=xb.device).to(xb.dtype)
    return dict(value=None, noise=noise)


def sample_erasing_params(batch: int, shape, p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), *,
                          generator=None, device="cpu", attempts: int = 10) -> dict:
    """Per-sample erasing boxes with torchvision ``RandomErasing``'s rule, vectorised.

    Each sample is erased with probability ``p``. Then up to 10 attempts: area ~ U(scale) * H * W,
    log(aspect) ~ U(log ratio), ``h = round(sqrt(area * aspect))``, ``w = round(sqrt(area /
    aspect))``; the first attempt with ``h < H`` and ``w < W`` wins and its top-left corner is
    uniform among the positions that fit; if none does, the sample is left as is (torchvision
    returns the image unchanged). Samples not erased get ``height = width = 0``.

    Returns ``dict(top, left, height, width)`` int64 ``(batch,)`` on ``device``.
    """
    _, H, W = shape
    g = make_generator(generator)
    erase_it = uniform(batch, 0.0, 1.0, g, "cpu") < p
    area = uniform(batch, scale[0], scale[1], g, "cpu", attempts).double() * (H * W)
    aspect = torch.exp(uniform(batch, math.log(ratio[0]), math.log(ratio[1]), g, "cpu", attempts)).double()
    h = torch.sqrt(area * aspect).round()
    w = torch.sqrt(area / aspect).round()
    ok = (h < H) & (w < W)
    first = ok.to(torch.uint8).argmax(1, keepdim=True)
    keep = ok.any(1) & erase_it
    h = torch.where(keep, h.gather(1, first)[:, 0].long(), 0)
    w = torch.where(keep, w.gather(1, first)[:, 0].long(), 0)
    top = randint_below(H - h + 1, g)
    left = randint_below(W - w + 1, g)
    return {k: v.to(device) for k, v in dict(top=top, left=left, height=h, width=w).items()}


class RandomErasing(nn.Module):
    """Erase a random rectangle of each sample with probability ``p`` (torchvision's rule).

    Args:
        p: probability per sample.
        scale: range of the erased fraction of the image area.
        ratio: range of the box aspect (height / width), sampled log-uniformly.
        value: number, per-channel sequence, or ``"random"`` (noise).

    ``forward(x, mask=None, boxes=None, *, generator=None)``: ``(C, H, W)`` or ``(B, C, H, W)``;
    masks and boxes are returned unchanged when given.
    """

    def __init__(self, p: float = 0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0.0, *, generator=None):
        super().__init__()
        self.p = check_probability(p, "p")
        self.scale = check_range(scale, "scale", low=0.0, high=1.0)
        self.ratio = check_range(ratio, "ratio")
        if self.ratio[0] <= 0:
            raise ValueError(f"ratio must be positive, got {ratio!r}")
        _value_kind(value, 1 if not isinstance(value, list | tuple) else len(value))
        self.value = value
        self.generator = make_generator(generator)

    def sample_params(self, batch, shape, *, generator=None, device="cpu", dtype=torch.float32) -> dict:
        """Boxes for ``batch`` images of ``shape`` (C, H, W); noise (if any) of ``dtype``'s kind."""
        generator = make_generator(generator)
        params = sample_erasing_params(batch, shape, self.p, self.scale, self.ratio,
                                       generator=generator, device=device)
        return self._with_value(params, shape, generator, device, dtype)

    def _with_value(self, params, shape, generator, device, dtype):
        kind = _value_kind(self.value, shape[0])
        sizes = params["height"] * params["width"] * shape[0]
        params.update(_fill_params(kind, sizes, torch.empty(0, dtype=dtype, device=device), generator))
        params["noise_sizes"] = sizes
        return params

    def apply_(self, w, params, bound, integer):
        return erase_(w, params)

    def select_params(self, params: dict, s) -> dict:
        """The parameters of samples ``s`` (a slice or int64 indices); noise is cut per box."""
        out = {k: (v[s] if isinstance(v, torch.Tensor) and k != "noise" else v) for k, v in params.items()}
        if params.get("noise") is not None:
            sizes = params["noise_sizes"].to(params["noise"].device)
            starts = sizes.cumsum(0) - sizes
            if isinstance(s, slice):
                chosen = starts[s]
                lo = int(chosen[0]) if chosen.numel() else 0
                out["noise"] = params["noise"][lo:lo + int(sizes[s].sum())]
            else:
                idx = s.to(sizes.device)
                take = sizes[idx]
                begin = starts[idx] - (take.cumsum(0) - take)
                flat = torch.repeat_interleave(begin, take) + torch.arange(int(take.sum()), device=take.device)
                out["noise"] = params["noise"][flat]
        return out

    def forward(self, x, mask=None, boxes=None, *, generator=None):
        xb, single = as_batch(x)
        g = make_generator(generator) if generator is not None else self.generator
        params = self.sample_params(xb.shape[0], tuple(xb.shape[1:]), generator=g, device=xb.device,
                                    dtype=xb.dtype)
        out = unbatch(erase_(xb.clone(), params), single)
        extras = [t for t in (mask, boxes) if t is not None]
        return out if not extras else (out, *extras)


class Cutout(RandomErasing):
    """Cutout: a ``size x size`` square centred uniformly in the image, clipped at the borders.

    DeVries & Taylor (2017): the centre is uniform over the image, so squares near a border are
    partly outside and erase less. Applied with probability ``p`` per sample.
    """

    def __init__(self, size: int, p: float = 1.0, value=0.0, *, generator=None):
        super().__init__(p=p, value=value, generator=generator)
        self.size = check_int(size, "size", minimum=1)

    def sample_params(self, batch, shape, *, generator=None, device="cpu", dtype=torch.float32) -> dict:
        generator = make_generator(generator)
        _, H, W = shape
        g = make_generator(generator)
        chosen = uniform(batch, 0.0, 1.0, g, "cpu") < self.p
        cy = randint_below(torch.full((batch,), H), g)
        cx = randint_below(torch.full((batch,), W), g)
        half = self.size // 2
        top, left = (cy - half).clamp(min=0), (cx - half).clamp(min=0)
        h = torch.where(chosen, (cy - half + self.size).clamp(max=H) - top, 0)
        w = torch.where(chosen, (cx - half + self.size).clamp(max=W) - left, 0)
        params = {k: v.to(device) for k, v in dict(top=top, left=left, height=h, width=w).items()}
        return self._with_value(params, shape, g, device, dtype)


def random_erasing(x, p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0.0, *, generator=None):
    """Functional form of :class:`RandomErasing`."""
    return RandomErasing(p, scale, ratio, value)(x, generator=generator)


def cutout(x, size: int, p: float = 1.0, value=0.0, *, generator=None):
    """Functional form of :class:`Cutout`."""
    return Cutout(size, p, value)(x, generator=generator)
