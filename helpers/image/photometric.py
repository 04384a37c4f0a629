"""Photometric augmentations with per-sample parameters (colour, blur, tone curves).

Every kernel takes ``(C, H, W)`` or ``(B, C, H, W)`` images, uint8 (0..255) or float ([0, 1]),
and per-sample parameters (a number for all samples or a ``(B,)`` tensor). It returns the input
dtype and agrees with ``torchvision.transforms.v2.functional`` image by image:

* float images: to float rounding (< 1e-5), except ``adjust_hue`` (< 1e-5 too, but computed by
  a direct hue-rotation formula instead of a full RGB -> HSV -> RGB round trip) and
  ``gaussian_blur`` (separable; < 1e-5).
* uint8 images: torchvision's integer rules are reproduced (results are truncated, not
  rounded, after each blend, and the grey level is floored), so results agree exactly except
  for rare off-by-one values where float rounding falls on an integer boundary.

Internally each op works in place on a float "work" tensor with a value ``bound`` (1 or 255)
and an ``integer`` flag (emulate uint8 storage after the op); :class:`helpers.image.Pipeline`
chains these in-place ops block by block. Random classes (``ColorJitter``...) draw independent
parameters per sample with torchvision's rules. Course section 2 (image catalog).
"""

from __future__ import annotations

import math
from numbers import Real

import torch
import torch.nn.functional as F
from torch import nn

from .._validate import check_int, check_probability, check_range
from ._common import (
    as_batch,
    bernoulli,
    make_generator,
    per_sample,
    rand,
    scratch,
    unbatch,
    uniform,
)
from .geometric import gaussian_kernel1d

GRAY_WEIGHTS = (0.2989, 0.587, 0.114)  # torchvision's (ITU-R 601-2 luma, rounded as there)

# --------------------------------------------------------------------------------------------
# work-tensor plumbing
# --------------------------------------------------------------------------------------------


def to_work(xb: torch.Tensor) -> tuple[torch.Tensor, float, bool]:
    """A float copy of a ``(B, C, H, W)`` batch, its value bound and whether it was integer."""
    if xb.is_floating_point():
        return xb.clone(), 1.0, False
    if xb.dtype != torch.uint8:
        raise ValueError(f"x must be uint8 or floating point, got {xb.dtype}")
    return xb.to(torch.float32), 255.0, True


def from_work(w: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    return w if w.dtype == dtype else w.to(dtype)


def _run(x, op, name: str = "x", channels=None):
    """Apply an in-place work op ``op(w, bound, integer) -> w`` to an image tensor."""
    xb, single = as_batch(x, name, channels=channels)
    w, bound, integer = to_work(xb)
    return unbatch(from_work(op(w, bound, integer), xb.dtype), single)


def _col(v: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """A per-sample ``(B,)`` parameter as ``(B, 1, 1, 1)`` in the work dtype."""
    return v.to(device=w.device, dtype=w.dtype).view(-1, 1, 1, 1)


def _one_minus(v: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """``1 - v`` rounded once from float64, as torchvision's Python-float blend weights are."""
    return _col(1.0 - v.double(), w)


def _factor(value, xb: torch.Tensor, name: str, *, low=0.0) -> torch.Tensor:
    f = per_sample(value, xb.shape[0], name, xb.device)
    if low is not None and (f < low).any():
        raise ValueError(f"{name} must be >= {low}, got {value!r}")
    return f


def _finish(w: torch.Tensor, bound: float, integer: bool) -> torch.Tensor:
    w.clamp_(0.0, bound)
    return w.floor_() if integer else w  # truncation (values are >= 0; floor_ is much faster)


def gray_of(w: torch.Tensor, integer: bool = False) -> torch.Tensor:
    """Luma ``(B, 1, H, W)`` of a work tensor (the image itself when it has one channel).

    The result may be a reused scratch buffer: use it before the next ``gray_of`` call.
    """
    if w.shape[1] == 1:
        return w.clone()
    out = scratch("gray", (w.shape[0], 1, *w.shape[2:]), w)
    torch.mul(w[:, 0:1], GRAY_WEIGHTS[0], out=out)
    out.add_(w[:, 1:2], alpha=GRAY_WEIGHTS[1]).add_(w[:, 2:3], alpha=GRAY_WEIGHTS[2])
    return out.floor_() if integer else out


# --------------------------------------------------------------------------------------------
# in-place work ops (w: float (B, C, H, W); factors: (B,) tensors)
# --------------------------------------------------------------------------------------------


def brightness_(w, factor, bound, integer):
    w.mul_(_col(factor, w))
    return _finish(w, bound, integer)


def contrast_(w, factor, bound, integer):
    f = _col(factor, w)
    mean = gray_of(w, integer).mean(dim=(-3, -2, -1), keepdim=True)
    w.mul_(f).add_(mean * _one_minus(factor, w))
    return _finish(w, bound, integer)


def saturation_(w, factor, bound, integer):
    if w.shape[1] == 1:
        return w
    f = _col(factor, w)
    gray = gray_of(w, integer)
    w.mul_(f).addcmul_(gray, _one_minus(factor, w))
    return _finish(w, bound, integer)


def shifted_hue_centres(factor: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """``(B, 3, 1, 1)``: each channel's hue (R 0, G 2, B 4 sixths) minus the shift, in [-1, 5).

    Subtracting the shift from these three numbers instead of adding it to every pixel's hue
    (in [-1, 5]) keeps ``hue - centre`` within (-6, 6], where the trapezoid of
    :func:`hue_` needs no wrap around the circle.
    """
    c = torch.tensor([0.0, 2.0, 4.0], dtype=torch.float64, device=w.device) \
        - 6.0 * factor.to(device=w.device, dtype=torch.float64).view(-1, 1)
    c -= torch.floor((c + 1.0) / 6.0) * 6.0
    return c.to(w.dtype).view(-1, 3, 1, 1)


def hue_(w, factor, bound, integer):
    """Rotate the hue by ``factor`` turns (torchvision's HSV hue shift, computed directly).

    With the pixel's hue H in sixths of a turn (in [-1, 5]), channel c becomes
    ``min + (max - min) * clamp(|3 - d_c| - 1, 0, 1)`` where d_c = |H - e_c| and e_c is the
    channel's own hue (R 0, G 2, B 4) minus the shift, taken modulo 6 into [-1, 5): the
    HSV -> RGB formula without building the HSV image (the trapezoid has period 6 and needs
    no wrap for |H - e_c| <= 7). The ops are few, arithmetic and in place on scratch buffers
    (selects, modulo and fresh allocations are many times slower than arithmetic on CPUs).
    """
    if w.shape[1] == 1:
        return w
    plane = (w.shape[0], 1, *w.shape[2:])
    img = torch.mul(w, 1.0 / 255.0, out=scratch("hue.img", w.shape, w)) if integer else w
    r, g, b = img[:, 0:1], img[:, 1:2], img[:, 2:3]
    maxc = torch.amax(img, dim=1, keepdim=True, out=scratch("hue.max", plane, w))
    minc = torch.amin(img, dim=1, keepdim=True, out=scratch("hue.min", plane, w))
    chroma = torch.sub(maxc, minc, out=scratch("hue.chroma", plane, w))
    # hue * C, torchvision's priority: R max -> g - b; else G max -> b - r + 2C; else r - g + 4C
    h = torch.sub(r, g, out=scratch("hue.h", plane, w)).add_(chroma, alpha=4.0)
    tmp = torch.sub(b, r, out=scratch("hue.tmp", plane, w)).add_(chroma, alpha=2.0)
    is_max = torch.eq(g, maxc, out=scratch("hue.is_max", plane, w))  # 0/1 floats
    h.lerp_(tmp, is_max)  # weight 0 or 1: exactly one of the two
    torch.sub(g, b, out=tmp)
    h.lerp_(tmp, torch.eq(r, maxc, out=is_max))
    h.div_(torch.clamp_min(chroma, 1e-30, out=tmp))  # C = 0 gives h = 0, as torchvision
    d = torch.sub(h, shifted_hue_centres(factor, w), out=scratch("hue.d", w.shape, w)).abs_()
    d.sub_(3.0).abs_().sub_(1.0).clamp_(0.0, 1.0)
    torch.addcmul(minc, d, chroma, out=w)
    if integer:
        w.clamp_(0.0, 1.0).mul_(255.0 + 1.0 - 1e-3).floor_()
    return w


def grayscale_(w, bound, integer, num_output_channels=None):
    """Replace every channel by the luma (torchvision ``rgb_to_grayscale``)."""
    gray = gray_of(w, False)
    if integer:
        gray.trunc_()
    c = w.shape[1] if num_output_channels is None else num_output_channels
    return gray.expand(-1, c, -1, -1).contiguous() if c != w.shape[1] else w.copy_(gray.expand_as(w))


def invert_(w, bound, integer):
    return torch.sub(bound, w, out=w)


def solarize_(w, threshold, bound, integer):
    return torch.where(w >= _col(threshold, w), bound - w, w)


def posterize_(w, bits, bound, integer):
    bits = bits.to(w.device).long()
    if integer:
        keep = 8 - bits.clamp(0, 8)
        step = torch.pow(2.0, keep.to(w.dtype))  # zero the low (8 - bits) bits
        return w.div_(_col(step, w)).floor_().mul_(_col(step, w))
    levels = _col(torch.pow(2.0, bits.to(w.dtype)), w)
    return w.mul_(levels).floor_().clamp_(min=torch.zeros_like(levels), max=levels - 1).div_(levels)


def autocontrast_(w, bound, integer):
    lo = w.amin(dim=(-2, -1), keepdim=True)
    hi = w.amax(dim=(-2, -1), keepdim=True)
    flat = hi == lo
    inv_scale = (hi - lo).mul_(1.0 / bound)
    lo = lo.masked_fill(flat, 0.0)
    inv_scale = inv_scale.masked_fill(flat, 1.0)
    w.sub_(lo).div_(inv_scale)
    return _finish(w, bound, integer)


def sharpness_(w, factor, bound, integer):
    B, C, H, W = w.shape
    if H <= 2 or W <= 2:
        return w
    kernel = torch.full((3, 3), 1.0 / 13.0, dtype=w.dtype, device=w.device)
    kernel[1, 1] = 5.0 / 13.0
    blurred = F.conv2d(w, kernel.expand(C, 1, 3, 3), groups=C)
    if integer:
        blurred.round_()
    inner = w[..., 1:-1, 1:-1]
    inner.addcmul_(blurred.sub_(inner), _one_minus(factor, w))
    return _finish(w, bound, integer)


def equalize_(w, bound, integer):
    """Histogram equalisation per sample and channel with PIL's lookup-table rule."""
    B, C, H, W = w.shape
    q = w if integer else w.mul(255.0 + 1.0 - 1e-3).trunc_()
    flat = q.reshape(B * C, H * W).long()
    hist = torch.zeros(B * C, 256, dtype=torch.int64, device=w.device)
    hist.scatter_add_(1, flat, torch.ones_like(flat))
    cum = hist.cumsum(1)
    last = cum.argmax(1, keepdim=True)  # first bin where the cumulative count is complete
    step = (H * W - hist.gather(1, last)).div(255, rounding_mode="floor")
    lut = (cum[:, :-1] + step // 2).div(step.clamp(min=1), rounding_mode="floor").clamp_(0, 255)
    lut = torch.cat((torch.zeros_like(lut[:, :1]), lut), 1)
    eq = lut.gather(1, flat).to(w.dtype)
    out = torch.where(step > 0, eq, flat.to(w.dtype)).view(B, C, H, W)
    return w.copy_(out) if integer else w.copy_(out.mul_(1.0 / 255.0))


def gaussian_blur_(w, kernel_size, sigma, bound, integer):
    """Separable Gaussian blur with per-sample ``sigma`` (B, 2) = (sigma_x, sigma_y), reflect padding."""
    B, C, H, W = w.shape
    kx, ky = kernel_size
    tx = gaussian_kernel1d(kx, sigma[:, 0].to(w.device)).to(w.dtype)
    ty = gaussian_kernel1d(ky, sigma[:, 1].to(w.device)).to(w.dtype)
    flat = w.reshape(1, B * C, H, W)
    out = F.pad(flat, (kx // 2, kx // 2, 0, 0), mode="reflect")
    out = F.conv2d(out, tx.repeat_interleave(C, 0).view(B * C, 1, 1, kx), groups=B * C)
    out = F.pad(out, (0, 0, ky // 2, ky // 2), mode="reflect")
    out = F.conv2d(out, ty.repeat_interleave(C, 0).view(B * C, 1, ky, 1), groups=B * C)
    out = out.view(B, C, H, W)
    return w.copy_(out.round_() if integer else out)


def permute_channels_(w, perm, bound, integer):
    idx = perm.to(w.device).long().view(w.shape[0], -1, 1, 1).expand_as(w)
    return w.copy_(torch.gather(w, 1, idx))


_JITTER_OPS = (brightness_, contrast_, saturation_, hue_)
_JITTER_NAMES = ("brightness", "contrast", "saturation", "hue")


def order_code(order: torch.Tensor) -> torch.Tensor:
    """An int64 code per row of a ``(B, 4)`` op order (equal codes = equal orders)."""
    return (order.long() * torch.tensor([64, 16, 4, 1], device=order.device)).sum(1)


def color_jitter_(w, params, bound, integer):
    """ColorJitter with a per-sample op order, vectorised over the batch.

    On the CPU, samples that share an order run the four ops together on their sub-batch; a
    batch whose samples all share one order (what :class:`helpers.image.Pipeline` arranges for
    its CPU blocks) runs without any gather. On a GPU, where each extra kernel launch costs more
    than the arithmetic, the whole batch goes through the four steps at once (see
    :func:`_jitter_by_step`). Both give the same result.
    """
    order = params["order"].to(w.device)
    if w.device.type != "cpu":
        return _jitter_by_step(w, params, bound, integer)
    codes = order_code(order)
    if bool(codes.min() == codes.max()):
        return _jitter_in_order(w, params, order[0].tolist(), bound, integer)
    for code in torch.unique(codes).tolist():
        idx = (codes == code).nonzero()[:, 0]
        sub = {k: (v[idx.to(v.device)] if isinstance(v, torch.Tensor) else v) for k, v in params.items()}
        w.index_copy_(0, idx, _jitter_in_order(w.index_select(0, idx), sub, order[idx[0]].tolist(),
                                                bound, integer))
    return w


def _jitter_by_step(w, params, bound, integer):
    """Four steps over the whole batch: at each, every sample applies the op its order names.

    Brightness, contrast and saturation are all ``a * x + b * gray + m`` followed by the clamp,
    so one fused pass serves the three (a = 1, b = m = 0 leaves a sample exactly as it is); hue
    runs on the samples whose step is hue.
    """
    order = params["order"].to(w.device)
    bright, contrast, sat, hue = (params.get(k) for k in _JITTER_NAMES)
    rgb = w.shape[1] == 3
    for step in range(4):
        op = order[:, step]
        a = torch.ones(w.shape[0], device=w.device, dtype=torch.float64)
        b = torch.zeros_like(a)
        m = torch.zeros_like(a)
        if bright is not None:
            a = torch.where(op == 0, bright.double(), a)
        uses_gray = (contrast is not None and bool((op == 1).any())) or \
            (sat is not None and rgb and bool((op == 2).any()))
        if uses_gray:
            gray = gray_of(w, integer)
            if contrast is not None:
                a = torch.where(op == 1, contrast.double(), a)
                mean = gray.mean(dim=(-3, -2, -1)).to(w.dtype)
                m = torch.where(op == 1, mean * (1.0 - contrast.double()).to(w.dtype), m.to(w.dtype))
            if sat is not None and rgb:
                a = torch.where(op == 2, sat.double(), a)
                b = torch.where(op == 2, 1.0 - sat.double(), b)
            w.mul_(_col(a, w)).addcmul_(gray, _col(b, w)).add_(_col(m, w))
            _finish(w, bound, integer)
        elif bright is not None and bool((op == 0).any()):
            brightness_(w, a, bound, integer)
        if hue is not None and rgb:
            idx = (op == 3).nonzero()[:, 0]
            if idx.numel() == w.shape[0]:
                hue_(w, hue, bound, integer)
            elif idx.numel():
                w.index_copy_(0, idx, hue_(w.index_select(0, idx), hue[idx.to(hue.device)], bound, integer))
    return w


def _jitter_in_order(w, params, order, bound, integer):
    for op in order:
        factor = params.get(_JITTER_NAMES[op])
        if factor is not None:
            w = _JITTER_OPS[op](w, factor, bound, integer)
    return w


# --------------------------------------------------------------------------------------------
# functional kernels (explicit parameters)
# --------------------------------------------------------------------------------------------


def adjust_brightness(x, factor):
    """Multiply by ``factor`` (>= 0, number or ``(B,)``) and clip; torchvision ``adjust_brightness``."""
    xb, _ = as_batch(x)
    f = _factor(factor, xb, "factor")
    return _run(x, lambda w, bd, it: brightness_(w, f, bd, it), channels={1, 3})


def adjust_contrast(x, factor):
    """Blend with the mean grey level: ``f x + (1 - f) mean``; torchvision ``adjust_contrast``."""
    xb, _ = as_batch(x)
    f = _factor(factor, xb, "factor")
    return _run(x, lambda w, bd, it: contrast_(w, f, bd, it), channels={1, 3})


def adjust_saturation(x, factor):
    """Blend with the grey image: ``f x + (1 - f) gray``; torchvision ``adjust_saturation``."""
    xb, _ = as_batch(x)
    f = _factor(factor, xb, "factor")
    return _run(x, lambda w, bd, it: saturation_(w, f, bd, it), channels={1, 3})


def adjust_hue(x, factor):
    """Shift the hue by ``factor`` turns, ``factor`` in [-0.5, 0.5]; torchvision ``adjust_hue``."""
    xb, _ = as_batch(x)
    f = _factor(factor, xb, "factor", low=-0.5)
    if (f > 0.5).any():
        raise ValueError(f"factor must lie in [-0.5, 0.5], got {factor!r}")
    return _run(x, lambda w, bd, it: hue_(w, f, bd, it), channels={1, 3})


def rgb_to_grayscale(x, num_output_channels: int = 1):
    """Luma ``0.2989 R + 0.587 G + 0.114 B`` with 1 or 3 output channels (torchvision)."""
    if num_output_channels not in (1, 3):
        raise ValueError(f"num_output_channels must be 1 or 3, got {num_output_channels!r}")
    return _run(x, lambda w, bd, it: grayscale_(w, bd, it, num_output_channels), channels={1, 3})


def invert(x):
    """``bound - x`` (255 - x for uint8, 1 - x for float); torchvision ``invert``."""
    return _run(x, invert_)


def solarize(x, threshold):
    """Invert pixels ``>= threshold`` (image scale; number or ``(B,)``); torchvision ``solarize``."""
    xb, _ = as_batch(x)
    t = _factor(threshold, xb, "threshold")
    if (t > (255 if xb.dtype == torch.uint8 else 1.0)).any():
        raise ValueError(f"threshold must not exceed the image's maximum value, got {threshold!r}")
    return _run(x, lambda w, bd, it: solarize_(w, t, bd, it))


def posterize(x, bits):
    """Keep the top ``bits`` bits (int 0..8 or ``(B,)``); torchvision ``posterize``."""
    xb, _ = as_batch(x)
    b = per_sample(bits, xb.shape[0], "bits", xb.device, dtype=torch.int64)
    if (b < 0).any() or (b > 8).any():
        raise ValueError(f"bits must be integers in [0, 8], got {bits!r}")
    return _run(x, lambda w, bd, it: posterize_(w, b, bd, it))


def autocontrast(x):
    """Stretch every channel of every sample to the full range; torchvision ``autocontrast``."""
    return _run(x, autocontrast_, channels={1, 3})


def equalize(x):
    """Histogram equalisation per channel (PIL's rule); torchvision ``equalize``."""
    return _run(x, equalize_)


def adjust_sharpness(x, factor):
    """Blend with a 3x3 smoothed copy (0 blurs, 1 keeps, 2 sharpens); torchvision ``adjust_sharpness``."""
    xb, _ = as_batch(x)
    f = _factor(factor, xb, "factor")
    return _run(x, lambda w, bd, it: sharpness_(w, f, bd, it), channels={1, 3})


def gaussian_blur(x, kernel_size, sigma):
    """Gaussian blur with an odd ``kernel_size`` (int or (kx, ky)) and per-sample ``sigma``.

    ``sigma``: number, ``(B,)`` tensor or ``(B, 2)`` tensor of (sigma_x, sigma_y), all > 0.
    torchvision ``gaussian_blur`` semantics (reflect padding); computed as two 1-D passes.
    """
    xb, _ = as_batch(x)
    ks = _kernel_size(kernel_size, xb.shape[-2:])
    s = _sigma_pairs(sigma, xb)
    return _run(x, lambda w, bd, it: gaussian_blur_(w, ks, s, bd, it))


def _kernel_size(kernel_size, hw) -> tuple[int, int]:
    ks = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    if len(ks) != 2 or not all(isinstance(k, int) and not isinstance(k, bool) and k > 0 and k % 2 for k in ks):
        raise ValueError(f"kernel_size must be an odd positive int or a pair of them, got {kernel_size!r}")
    if ks[0] // 2 >= hw[1] or ks[1] // 2 >= hw[0]:
        raise ValueError(f"kernel_size {ks} is too large for images of size {tuple(hw)}")
    return ks


def _sigma_pairs(sigma, xb) -> torch.Tensor:
    B = xb.shape[0]
    if isinstance(sigma, torch.Tensor) and sigma.shape == (B, 2):
        s = sigma.to(xb.device, torch.float32)
    else:
        s = per_sample(sigma, B, "sigma", xb.device).unsqueeze(1).expand(B, 2)
    if (s <= 0).any():
        raise ValueError(f"sigma must be > 0, got {sigma!r}")
    return s


def permute_channels(x, permutation):
    """Reorder channels: output channel i is input channel ``permutation[i]`` (``(C,)`` or ``(B, C)``)."""
    xb, _ = as_batch(x)
    B, C = xb.shape[:2]
    perm = torch.as_tensor(permutation, device=xb.device)
    if perm.shape == (C,):
        perm = perm.expand(B, C)
    if perm.shape != (B, C) or perm.is_floating_point() or \
            not torch.equal(perm.sort(1).values, torch.arange(C, device=xb.device).expand(B, C)):
        raise ValueError(f"permutation must be a permutation of range({C}), shape ({C},) or ({B}, {C})")
    return _run(x, lambda w, bd, it: permute_channels_(w, perm, bd, it))


def color_jitter(x, brightness=None, contrast=None, saturation=None, hue=None, order=None):
    """ColorJitter with explicit per-sample factors and op order.

    Args:
        x: ``(C, H, W)`` or ``(B, C, H, W)`` with 1 or 3 channels, uint8 or float.
        brightness, contrast, saturation: None (skip) or factors >= 0 (number or ``(B,)``).
        hue: None or factors in [-0.5, 0.5].
        order: ``(4,)`` or ``(B, 4)`` permutation of 0..3 (brightness, contrast, saturation,
            hue), default 0, 1, 2, 3. Equals torchvision's ``ColorJitter.transform`` with
            ``fn_idx=order[i]`` image by image.
    """
    xb, _ = as_batch(x, channels={1, 3})
    B = xb.shape[0]
    params = {}
    for name, v in (("brightness", brightness), ("contrast", contrast), ("saturation", saturation)):
        params[name] = None if v is None else _factor(v, xb, name)
    params["hue"] = None if hue is None else _factor(hue, xb, "hue", low=-0.5)
    if params["hue"] is not None and (params["hue"] > 0.5).any():
        raise ValueError(f"hue must lie in [-0.5, 0.5], got {hue!r}")
    order = torch.arange(4) if order is None else torch.as_tensor(order)
    order = order.expand(B, 4) if order.shape == (4,) else order
    if order.shape != (B, 4) or not torch.equal(order.sort(1).values.cpu(), torch.arange(4).expand(B, 4)):
        raise ValueError(f"order must be a permutation of 0..3, shape (4,) or ({B}, 4)")
    params["order"] = order.to(xb.device)
    return _run(x, lambda w, bd, it: color_jitter_(w, params, bd, it))


# --------------------------------------------------------------------------------------------
# modules: sample per-sample parameters, then call the work op
# --------------------------------------------------------------------------------------------


class PixelTransform(nn.Module):
    """Base of transforms that change pixel values only (masks and boxes pass through).

    ``sample_params(batch, shape, generator=, device=)`` draws per-sample parameters for images
    of ``shape`` (C, H, W); ``apply_(w, params, bound, integer)`` applies them in place to a
    float work tensor. ``forward(x, mask=None, boxes=None, *, generator=None)`` does both.
    """

    channels = None  # allowed channel counts, e.g. {1, 3}

    def __init__(self, generator=None):
        super().__init__()
        self.generator = make_generator(generator)

    def sample_params(self, batch, shape, *, generator=None, device="cpu", **_) -> dict:
        return {}

    def apply_(self, w, params, bound, integer):
        raise TypeError(f"{type(self).__name__} must define apply_")

    def forward(self, x, mask=None, boxes=None, *, generator=None):
        xb, _ = as_batch(x, channels=self.channels)
        g = make_generator(generator) if generator is not None else self.generator
        params = self.sample_params(xb.shape[0], tuple(xb.shape[1:]), generator=g, device=xb.device)
        out = _run(x, lambda w, bd, it: self.apply_(w, params, bd, it), channels=self.channels)
        extras = [t for t in (mask, boxes) if t is not None]
        return out if not extras else (out, *extras)


class _RandomApply(PixelTransform):
    """A pixel op applied to each sample with probability ``p`` (applied on the chosen subset)."""

    def __init__(self, p: float, generator=None):
        super().__init__(generator)
        self.p = check_probability(p, "p")

    def sample_params(self, batch, shape, *, generator=None, device="cpu", **_) -> dict:
        generator = make_generator(generator)
        return dict(apply=bernoulli(batch, self.p, generator, device))

    def block_key(self, params) -> torch.Tensor:
        """Samples with equal keys share their code path (applied or not)."""
        return params["apply"].long()

    def apply_(self, w, params, bound, integer):
        apply = params["apply"].to(w.device)
        if bool(apply.all()):
            return self.op_(w, params, bound, integer)
        idx = apply.nonzero()[:, 0]
        if idx.numel() == 0:
            return w
        sub = self.op_(w.index_select(0, idx), _rows(params, idx), bound, integer)
        return w.index_copy_(0, idx, sub)

    def op_(self, w, params, bound, integer):
        raise TypeError(f"{type(self).__name__} must define op_")


def _rows(params: dict, idx: torch.Tensor) -> dict:
    return {k: (v[idx.to(v.device)] if isinstance(v, torch.Tensor) and v.ndim > 0 else v)
            for k, v in params.items()}


def _jitter_range(value, name, *, center=1.0, bound=(0.0, math.inf)):
    if value is None:
        return None
    if isinstance(value, Real) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"{name} must be non-negative, got {value!r}")
        lo, hi = center - float(value), center + float(value)
        lo = max(lo, 0.0) if center == 1.0 else lo
    else:
        lo, hi = check_range(value, name)
    if not bound[0] <= lo <= hi <= bound[1]:
        raise ValueError(f"{name} must lie in {list(bound)}, got {value!r}")
    return None if lo == hi == center else (lo, hi)


class ColorJitter(_RandomApply):
    """Random brightness, contrast, saturation and hue, in a random order, per sample.

    torchvision ``ColorJitter`` rules: ``brightness`` b -> factor ~ U(max(0, 1 - b), 1 + b) (or a
    (min, max) pair), same for contrast and saturation; ``hue`` h -> U(-h, h), h <= 0.5. Unlike
    torchvision (one order and one set of factors per call), every sample gets its own factors
    and its own random order of the four ops. ``p`` < 1 jitters each sample with probability
    ``p`` (torchvision's ``RandomApply([ColorJitter(...)], p)``, as in SimCLR).
    """

    channels = {1, 3}

    def __init__(self, brightness=0.0, contrast=0.0, saturation=0.0, hue=0.0, *, p: float = 1.0,
                 generator=None):
        super().__init__(p, generator)
        self.brightness = _jitter_range(brightness, "brightness")
        self.contrast = _jitter_range(contrast, "contrast")
        self.saturation = _jitter_range(saturation, "saturation")
        self.hue = _jitter_range(hue, "hue", center=0.0, bound=(-0.5, 0.5))

    def sample_params(self, batch, shape, *, generator=None, device="cpu", **_) -> dict:
        generator = make_generator(generator)
        params = super().sample_params(batch, shape, generator=generator, device=device)
        params["order"] = rand(batch, generator, "cpu", 4).argsort(dim=1).to(device)
        for name in ("brightness", "contrast", "saturation", "hue"):
            rng = getattr(self, name)
            params[name] = None if rng is None else uniform(batch, rng[0], rng[1], generator, device)
        return params

    def block_key(self, params) -> torch.Tensor:
        """Samples with equal keys are jittered in the same op order (or not at all)."""
        return torch.where(params["apply"], order_code(params["order"]), 256)

    def op_(self, w, params, bound, integer):
        return color_jitter_(w, params, bound, integer)


class RandomGrayscale(_RandomApply):
    """Convert each sample to grey (keeping its channel count) with probability ``p``."""

    channels = {1, 3}

    def __init__(self, p: float = 0.1, *, generator=None):
        super().__init__(p, generator)

    def op_(self, w, params, bound, integer):
        return grayscale_(w, bound, integer)


class GaussianBlur(_RandomApply):
    """Gaussian blur with sigma ~ U(sigma) drawn per sample, applied with probability ``p``.

    torchvision ``GaussianBlur(kernel_size, sigma)`` is ``p=1`` with one sigma for the batch.
    """

    def __init__(self, kernel_size, sigma=(0.1, 2.0), p: float = 1.0, *, generator=None):
        super().__init__(p, generator)
        self.kernel_size = _kernel_size(kernel_size, (math.inf, math.inf))
        is_number = isinstance(sigma, Real) and not isinstance(sigma, bool)
        self.sigma = (float(sigma), float(sigma)) if is_number else check_range(sigma, "sigma")
        if self.sigma[0] <= 0:
            raise ValueError(f"sigma must be > 0, got {sigma!r}")

    def sample_params(self, batch, shape, *, generator=None, device="cpu", **_) -> dict:
        generator = make_generator(generator)
        _kernel_size(self.kernel_size, shape[-2:])
        params = super().sample_params(batch, shape, generator=generator, device=device)
        s = uniform(batch, self.sigma[0], self.sigma[1], generator, device)
        params["sigma"] = torch.stack((s, s), 1)
        return params

    def op_(self, w, params, bound, integer):
        return gaussian_blur_(w, self.kernel_size, params["sigma"], bound, integer)


class RandomChannelShuffle(_RandomApply):
    """Shuffle the channels of each sample (its own random permutation) with probability ``p``."""

    def __init__(self, p: float = 1.0, *, generator=None):
        super().__init__(p, generator)

    def sample_params(self, batch, shape, *, generator=None, device="cpu", **_) -> dict:
        generator = make_generator(generator)
        params = super().sample_params(batch, shape, generator=generator, device=device)
        params["perm"] = rand(batch, generator, "cpu", shape[0]).argsort(1).to(device)
        return params

    def op_(self, w, params, bound, integer):
        return permute_channels_(w, params["perm"], bound, integer)


class RandomSolarize(_RandomApply):
    """Invert pixels above ``threshold`` (a fraction of the max value) with probability ``p``."""

    def __init__(self, threshold: float = 0.5, p: float = 0.5, *, generator=None):
        super().__init__(p, generator)
        self.threshold = check_probability(threshold, "threshold")

    def op_(self, w, params, bound, integer):
        t = torch.full((w.shape[0],), self.threshold * bound, device=w.device)
        return solarize_(w, t, bound, integer)


class RandomPosterize(_RandomApply):
    """Keep the top ``bits`` bits of each pixel with probability ``p``."""

    def __init__(self, bits: int = 4, p: float = 0.5, *, generator=None):
        super().__init__(p, generator)
        self.bits = check_int(bits, "bits", minimum=0)
        if self.bits > 8:
            raise ValueError(f"bits must be <= 8, got {bits!r}")

    def op_(self, w, params, bound, integer):
        return posterize_(w, torch.full((w.shape[0],), self.bits, device=w.device), bound, integer)


class RandomEqualize(_RandomApply):
    """Histogram-equalise each sample with probability ``p``."""

    def __init__(self, p: float = 0.5, *, generator=None):
        super().__init__(p, generator)

    def op_(self, w, params, bound, integer):
        return equalize_(w, bound, integer)


class RandomAutocontrast(_RandomApply):
    """Autocontrast each sample with probability ``p``."""

    channels = {1, 3}

    def __init__(self, p: float = 0.5, *, generator=None):
        super().__init__(p, generator)

    def op_(self, w, params, bound, integer):
        return autocontrast_(w, bound, integer)


class RandomAdjustSharpness(_RandomApply):
    """Adjust sharpness by ``sharpness_factor`` with probability ``p``."""

    channels = {1, 3}

    def __init__(self, sharpness_factor: float, p: float = 0.5, *, generator=None):
        super().__init__(p, generator)
        if isinstance(sharpness_factor, bool) or not isinstance(sharpness_factor, Real) or sharpness_factor < 0:
            raise ValueError(f"sharpness_factor must be a number >= 0, got {sharpness_factor!r}")
        self.sharpness_factor = float(sharpness_factor)

    def op_(self, w, params, bound, integer):
        f = torch.full((w.shape[0],), self.sharpness_factor, device=w.device)
        return sharpness_(w, f, bound, integer)


class RandomInvert(_RandomApply):
    """Invert each sample with probability ``p``."""

    def __init__(self, p: float = 0.5, *, generator=None):
        super().__init__(p, generator)

    def op_(self, w, params, bound, integer):
        return invert_(w, bound, integer)


# --------------------------------------------------------------------------------------------
# dtype and normalisation
# --------------------------------------------------------------------------------------------


def to_float(x, dtype: torch.dtype = torch.float32):
    """uint8 0..255 -> float in [0, 1] (float input is cast); torchvision ``to_dtype(scale=True)``."""
    xb, _ = as_batch(x)
    if not dtype.is_floating_point:
        raise ValueError(f"dtype must be a floating dtype, got {dtype}")
    return x.to(dtype) if x.is_floating_point() else x.to(dtype).mul_(1.0 / 255.0)


def normalize(x, mean, std):
    """``(x - mean) / std`` per channel (float input); torchvision ``normalize``."""
    xb, single = as_batch(x)
    if not xb.is_floating_point():
        raise ValueError(f"x must be floating point to normalise, got {xb.dtype}")
    m, s = _channel_stats(mean, std, xb)
    return unbatch((xb - m) / s, single)


def _channel_stats(mean, std, xb):
    C = xb.shape[1]
    try:
        m = torch.as_tensor(mean, dtype=xb.dtype, device=xb.device).reshape(-1)
        s = torch.as_tensor(std, dtype=xb.dtype, device=xb.device).reshape(-1)
    except (TypeError, ValueError):
        raise ValueError(f"mean and std must be numbers or sequences, got {mean!r}, {std!r}") from None
    if m.numel() not in (1, C) or s.numel() not in (1, C):
        raise ValueError(f"mean and std must have 1 or {C} values, got {m.numel()} and {s.numel()}")
    if (s <= 0).any():
        raise ValueError(f"std must be > 0, got {std!r}")
    return m.view(1, -1, 1, 1), s.view(1, -1, 1, 1)


class Normalize(PixelTransform):
    """Per-channel ``(x - mean) / std`` for float images (no randomness)."""

    def __init__(self, mean, std):
        super().__init__()
        self.mean, self.std = mean, std

    def apply_(self, w, params, bound, integer):
        if integer:
            raise ValueError("Normalize needs float images; convert them first (Pipeline dtype=float32)")
        m, s = _channel_stats(self.mean, self.std, w)
        return w.sub_(m).div_(s)
