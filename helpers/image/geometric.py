"""Geometric augmentations with per-sample parameters, one resampling pass per batch.

Functional kernels take explicit per-sample parameters (a number for all samples or a ``(B,)``
tensor) and agree with ``torchvision.transforms.v2.functional`` image by image:

* ``hflip``, ``vflip``: exact.
* ``affine``, ``rotate``, ``elastic``, ``crop``: same matrices and grid convention as torchvision;
  outputs agree to float rounding (bilinear: < 1e-4 on [0, 1] images; nearest: the same pixel
  except where a sample point sits on a rounding tie; uint8: within 1 after rounding).
* ``resized_crop``: samples the crop region of the full image with ``grid_sample``; it equals
  torchvision's ``resized_crop(..., antialias=False)`` except, when the crop is enlarged, on the
  border pixels whose sample point falls within half an input pixel of the crop edge
  (torchvision repeats the crop's edge there, this reads the true neighbour outside the crop).
  torchvision's default ``antialias=True`` additionally low-pass filters when the crop is
  shrunk; a single-pass warp does not, so shrunk crops are sharper (slightly aliased).

Random versions (``random_affine``, ``random_resized_crop``...) draw independent parameters
for every sample with torchvision's sampling rules, and the ``nn.Module`` wrappers
(``RandomAffine``...) also transform segmentation masks (nearest) and XYXY boxes with the
same parameters. Inside :class:`helpers.image.Pipeline`, consecutive geometric transforms are
fused into one matrix per sample (plus an elastic field) and one ``grid_sample``.

Output dtype: the input dtype (uint8 images are resampled in float32 and rounded back).
Interpolation: ``"bilinear"`` (default) or ``"nearest"``. Course section 2 (image catalog).
"""

from __future__ import annotations

import math
from numbers import Real

import torch
import torch.nn.functional as F
from torch import nn

from .._validate import check_positive, check_probability, check_range
from ._common import (
    as_batch,
    bernoulli,
    check_interpolation,
    fill_values,
    make_generator,
    noise_generator,
    per_sample,
    per_sample_pair,
    randint_below,
    symmetric_range,
    unbatch,
    uniform,
)
from .warp import (
    Warp,
    _pair_size,
    apply_warp,
    identity_matrix,
    warp_boxes,
    warp_mask,
)

# --------------------------------------------------------------------------------------------
# matrices (output edge coordinates -> input edge coordinates, float64, (B, 3, 3))
# --------------------------------------------------------------------------------------------


def affine_inverse_matrix(angle, translate, scale, shear, center) -> torch.Tensor:
    """Inverse map of torchvision's affine: ``T * C * R * S * Shear * C^-1``, batched.

    ``angle`` (B,) degrees clockwise, ``translate`` (B, 2) pixels, ``scale`` (B,), ``shear``
    (B, 2) degrees, ``center`` (B, 2) edge coordinates. Returns (B, 3, 3) float64.
    """
    angle, scale = angle.double(), scale.double()
    translate, shear, center = translate.double(), shear.double(), center.double()
    rot = torch.deg2rad(angle)
    sx, sy = torch.deg2rad(shear[:, 0]), torch.deg2rad(shear[:, 1])
    a = torch.cos(rot - sy) / torch.cos(sy)
    b = -(a * torch.tan(sx) + torch.sin(rot))
    c = torch.sin(rot - sy) / torch.cos(sy)
    d = torch.cos(rot) - c * torch.tan(sx)
    m = identity_matrix(angle.shape[0], angle.device)
    m[:, 0, 0], m[:, 0, 1] = d / scale, -b / scale
    m[:, 1, 0], m[:, 1, 1] = -c / scale, a / scale
    shifted = center + translate
    m[:, 0, 2] = center[:, 0] - m[:, 0, 0] * shifted[:, 0] - m[:, 0, 1] * shifted[:, 1]
    m[:, 1, 2] = center[:, 1] - m[:, 1, 0] * shifted[:, 0] - m[:, 1, 1] * shifted[:, 1]
    return m


def crop_matrix(top, left, height, width, out_size) -> torch.Tensor:
    """Inverse map that reads box ``(top, left, height, width)`` into an ``out_size`` canvas."""
    oh, ow = out_size
    m = identity_matrix(top.shape[0], top.device)
    m[:, 0, 0] = width.double() / ow
    m[:, 1, 1] = height.double() / oh
    m[:, 0, 2] = left.double()
    m[:, 1, 2] = top.double()
    return m


def flip_matrix(flags: torch.Tensor, length: int, axis: int) -> torch.Tensor:
    """Inverse map of a per-sample flip along x (axis 0) or y (axis 1) where ``flags`` is True."""
    m = identity_matrix(flags.shape[0], flags.device)
    sign = 1.0 - 2.0 * flags.double()
    m[:, axis, axis] = sign
    m[:, axis, 2] = flags.double() * length
    return m


# --------------------------------------------------------------------------------------------
# functional kernels (explicit parameters)
# --------------------------------------------------------------------------------------------


def hflip(x: torch.Tensor) -> torch.Tensor:
    """Mirror left-right. ``(C,H,W)``/``(B,C,H,W)``, any dtype. Same as torchvision ``horizontal_flip``."""
    as_batch(x)
    return x.flip(-1)


def vflip(x: torch.Tensor) -> torch.Tensor:
    """Mirror top-bottom. ``(C,H,W)``/``(B,C,H,W)``, any dtype. Same as torchvision ``vertical_flip``."""
    as_batch(x)
    return x.flip(-2)


def _center(center, batch: int, size, device) -> torch.Tensor:
    if center is None:
        h, w = size
        return torch.tensor([w / 2.0, h / 2.0], device=device).expand(batch, 2)
    return per_sample_pair(center, batch, "center", device)


def affine(x: torch.Tensor, angle=0.0, translate=(0.0, 0.0), scale=1.0, shear=(0.0, 0.0), *,
           center=None, interpolation: str = "bilinear", fill=None) -> torch.Tensor:
    """Affine map keeping the centre fixed, per sample; torchvision ``affine`` semantics.

    Args:
        x: ``(C, H, W)`` or ``(B, C, H, W)`` uint8 or float.
        angle: degrees, CLOCKWISE as in torchvision's ``affine``; number or ``(B,)``.
        translate: ``(tx, ty)`` pixels, or ``(B, 2)``.
        scale: > 0, number or ``(B,)``.
        shear: ``(sx, sy)`` degrees, or ``(B, 2)``.
        center: ``(cx, cy)`` in pixels from the top-left corner (default the image centre).
        interpolation: ``"bilinear"`` or ``"nearest"``.
        fill: None (zero padding, torchvision's functional default) or value(s) for pixels
            coming from outside the image, blended at the border as torchvision does.

    Returns:
        Same shape and dtype as ``x``.
    """
    xb, single = as_batch(x)
    check_interpolation(interpolation)
    B, C, H, W = xb.shape
    dev = xb.device
    s = per_sample(scale, B, "scale", dev)
    if (s <= 0).any():
        raise ValueError(f"scale must be > 0, got {scale!r}")
    m = affine_inverse_matrix(per_sample(angle, B, "angle", dev), per_sample_pair(translate, B, "translate", dev),
                              s, per_sample_pair(shear, B, "shear", dev), _center(center, B, (H, W), dev))
    fill_values(fill, C)
    out = apply_warp(xb, Warp(m, (H, W), (H, W), leaves_image=True), interpolation=interpolation, fill=fill)
    return unbatch(out, single)


def rotate(x: torch.Tensor, angle, *, center=None, interpolation: str = "bilinear", fill=None) -> torch.Tensor:
    """Rotate COUNTER-CLOCKWISE by ``angle`` degrees (number or ``(B,)``), keeping the size.

    torchvision ``rotate(..., expand=False)`` semantics; ``expand`` is not offered because
    per-sample angles would give per-sample output sizes.
    """
    xb, _ = as_batch(x)
    angle_t = per_sample(angle, xb.shape[0], "angle", xb.device)
    return affine(x, angle=-angle_t, center=center, interpolation=interpolation, fill=fill)


def resized_crop(x: torch.Tensor, top, left, height, width, size, *,
                 interpolation: str = "bilinear") -> torch.Tensor:
    """Crop box ``(top, left, height, width)`` of every sample (numbers or ``(B,)``), resize to ``size``.

    Boxes must lie inside the image. See the module note on torchvision's antialiasing.
    """
    xb, single = as_batch(x)
    check_interpolation(interpolation)
    B, _, H, W = xb.shape
    out_size = _pair_size(size, "size")
    t, l_, h, w = (per_sample(v, B, n, xb.device, dtype=torch.float64)
                   for v, n in ((top, "top"), (left, "left"), (height, "height"), (width, "width")))
    if (h <= 0).any() or (w <= 0).any() or (t < 0).any() or (l_ < 0).any() \
            or (t + h > H).any() or (l_ + w > W).any():
        raise ValueError(f"crop boxes (top, left, height, width) must be non-empty and lie inside the "
                         f"{H}x{W} image")
    warp = Warp(crop_matrix(t, l_, h, w, out_size), (H, W), out_size)
    return unbatch(apply_warp(xb, warp, interpolation=interpolation), single)


def crop(x: torch.Tensor, top, left, height: int, width: int, *, fill=0.0) -> torch.Tensor:
    """Cut a ``height x width`` window at per-sample ``(top, left)`` (numbers or ``(B,)`` ints).

    Windows may reach outside the image (that is how padding works in ``random_crop``); those
    pixels take ``fill``. Pixel values are copied exactly (torchvision ``pad`` + ``crop``).
    """
    xb, single = as_batch(x)
    B, C, H, W = xb.shape
    out_size = _pair_size((height, width), "(height, width)")
    t = per_sample(top, B, "top", xb.device, dtype=torch.float64)
    l_ = per_sample(left, B, "left", xb.device, dtype=torch.float64)
    fill_values(fill, C)
    m = crop_matrix(t, l_, torch.full_like(t, out_size[0]), torch.full_like(t, out_size[1]), out_size)
    out = apply_warp(xb, Warp(m, (H, W), out_size, leaves_image=True), interpolation="nearest", fill=fill)
    return unbatch(out, single)


def center_crop(x: torch.Tensor, size) -> torch.Tensor:
    """Central ``size`` window (torchvision ``center_crop`` for windows inside the image)."""
    xb, _ = as_batch(x)
    h, w = _pair_size(size, "size")
    H, W = xb.shape[-2:]
    if h > H or w > W:
        raise ValueError(f"size must not exceed the image size {(H, W)}, got {(h, w)}")
    top, left = int(round((H - h) / 2.0)), int(round((W - w) / 2.0))
    return x[..., top:top + h, left:left + w]


def resize(x: torch.Tensor, size, *, interpolation: str = "bilinear", antialias: bool = True) -> torch.Tensor:
    """Resize every sample to ``size`` (h, w): torchvision ``resize`` with an explicit size.

    A plain resize is the same for every sample, so it is ``torch.nn.functional.interpolate``
    (antialiased like torchvision); uint8 is rounded back.
    """
    xb, single = as_batch(x)
    check_interpolation(interpolation)
    out_size = _pair_size(size, "size")
    xf = xb if xb.is_floating_point() else xb.to(torch.float32)
    if interpolation == "nearest":
        out = F.interpolate(xf, size=out_size, mode="nearest")
    else:
        out = F.interpolate(xf, size=out_size, mode="bilinear", align_corners=False, antialias=antialias)
    if not xb.is_floating_point():
        out = out.round_().clamp_(0, 255).to(xb.dtype)
    return unbatch(out, single)


def elastic(x: torch.Tensor, displacement: torch.Tensor, *, interpolation: str = "bilinear",
            fill=None) -> torch.Tensor:
    """Displace every pixel by ``displacement`` ``(B or 1, H, W, 2)`` in torchvision's units.

    The (x, y) displacement is in normalised coordinates (2 = the image width/height), exactly
    the ``displacement`` argument of torchvision's ``elastic``.
    """
    xb, single = as_batch(x)
    check_interpolation(interpolation)
    B, C, H, W = xb.shape
    if not isinstance(displacement, torch.Tensor) or displacement.ndim != 4 \
            or displacement.shape[1:] != (H, W, 2) or displacement.shape[0] not in (1, B):
        raise ValueError(f"displacement must have shape ({B}, {H}, {W}, 2), "
                         f"got {getattr(displacement, 'shape', displacement)}")
    fill_values(fill, C)
    offset = _normalised_to_pixels(displacement.to(xb.device, torch.float32), (H, W)).expand(B, H, W, 2)
    warp = Warp(identity_matrix(B, xb.device), (H, W), (H, W), offset, leaves_image=True)
    return unbatch(apply_warp(xb, warp, interpolation=interpolation, fill=fill), single)


def _normalised_to_pixels(d: torch.Tensor, size) -> torch.Tensor:
    h, w = size
    return d * torch.tensor([w / 2.0, h / 2.0], device=d.device, dtype=d.dtype)


# --------------------------------------------------------------------------------------------
# parameter sampling (torchvision's rules, per sample, vectorised)
# --------------------------------------------------------------------------------------------


def sample_resized_crop_params(batch: int, size, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3), *,
                               generator=None, device="cpu", attempts: int = 10) -> dict:
    """Crop boxes of ``RandomResizedCrop`` for ``batch`` samples of an ``(H, W)`` image.

    torchvision's rule, per sample: up to 10 attempts of area ~ U(scale) * H * W and
    log(aspect) ~ U(log ratio); ``w = round(sqrt(area * aspect))``, ``h = round(sqrt(area /
    aspect))``; the first attempt with ``0 < w <= W`` and ``0 < h <= H`` wins, with top-left
    uniform among the positions that fit. If none fits: the largest central crop whose aspect is
    clamped to ``ratio``. All attempts are drawn at once, so there is no loop over samples.

    Returns ``dict(top, left, height, width)``: int64 ``(batch,)`` tensors on ``device``.
    """
    H, W = size
    g = make_generator(generator)
    area = uniform(batch, scale[0], scale[1], g, "cpu", attempts).double() * (H * W)
    log_ratio = uniform(batch, math.log(ratio[0]), math.log(ratio[1]), g, "cpu", attempts)
    aspect = torch.exp(log_ratio).double()
    w = torch.sqrt(area * aspect).round()
    h = torch.sqrt(area / aspect).round()
    ok = (w > 0) & (w <= W) & (h > 0) & (h <= H)
    first = ok.to(torch.uint8).argmax(dim=1, keepdim=True)
    found = ok.any(dim=1)
    w, h = w.gather(1, first)[:, 0].long(), h.gather(1, first)[:, 0].long()
    fw, fh = _central_fallback(H, W, ratio)
    w = torch.where(found, w, fw)
    h = torch.where(found, h, fh)
    top = torch.where(found, randint_below(H - h + 1, g), (H - h) // 2)
    left = torch.where(found, randint_below(W - w + 1, g), (W - w) // 2)
    return {k: v.to(device) for k, v in dict(top=top, left=left, height=h, width=w).items()}


def _central_fallback(H: int, W: int, ratio) -> tuple[int, int]:
    in_ratio = W / H
    if in_ratio < min(ratio):
        return W, int(round(W / min(ratio)))
    if in_ratio > max(ratio):
        return int(round(H * max(ratio))), H
    return W, H


def sample_affine_params(batch: int, size, degrees=(0.0, 0.0), translate=None, scale=None, shear=None,
                         *, generator=None, device="cpu") -> dict:
    """``RandomAffine`` parameters per sample (torchvision's rules).

    angle ~ U(degrees); tx = round(U(-a W, a W)), ty = round(U(-b H, b H)) for ``translate=(a, b)``;
    scale ~ U(scale); shear_x ~ U(shear[0:2]), shear_y ~ U(shear[2:4]) when given 4 values.
    Returns ``dict(angle (B,), translate (B, 2), scale (B,), shear (B, 2))`` float32.
    """
    H, W = size
    g = make_generator(generator)
    angle = uniform(batch, degrees[0], degrees[1], g, device)
    if translate is not None:
        mx, my = float(translate[0] * W), float(translate[1] * H)
        t = uniform(batch, -1.0, 1.0, g, device, 2) * torch.tensor([mx, my], device=device)
        t = t.round()
    else:
        t = torch.zeros(batch, 2, device=device)
    s = uniform(batch, scale[0], scale[1], g, device) if scale is not None else torch.ones(batch, device=device)
    sh = torch.zeros(batch, 2, device=device)
    if shear is not None:
        sh[:, 0] = uniform(batch, shear[0], shear[1], g, device)
        if len(shear) == 4:
            sh[:, 1] = uniform(batch, shear[2], shear[3], g, device)
    return dict(angle=angle, translate=t, scale=s, shear=sh)


def sample_elastic_displacement(batch: int, size, alpha=(50.0, 50.0), sigma=(5.0, 5.0), *,
                                generator=None, device="cpu") -> torch.Tensor:
    """``ElasticTransform`` displacement ``(batch, H, W, 2)`` in torchvision's normalised units.

    Per sample and axis: uniform noise in [-1, 1], Gaussian-blurred (kernel ``int(8 sigma + 1)``
    made odd, reflect padding, as torchvision), times ``alpha / W`` (x) or ``alpha / H`` (y).
    The noise is drawn on ``device`` (seeded from ``generator``).
    """
    H, W = size
    g = noise_generator(make_generator(generator), torch.device(device))
    noise = torch.rand(batch, 2, H, W, generator=g, device=device).mul_(2).sub_(1)
    dx = _blur_axes(noise[:, :1], sigma, _elastic_kernel(sigma[0]))
    dy = _blur_axes(noise[:, 1:], sigma, _elastic_kernel(sigma[1]))
    disp = torch.cat((dx * (alpha[0] / W), dy * (alpha[1] / H)), dim=1)
    return disp.permute(0, 2, 3, 1).contiguous()


def _elastic_kernel(sigma: float) -> int:
    k = int(8 * sigma + 1)
    return k + 1 if k % 2 == 0 else k


def gaussian_kernel1d(ksize: int, sigma: torch.Tensor) -> torch.Tensor:
    """Normalised Gaussian taps ``(n, ksize)`` for per-sample ``sigma`` ``(n,)`` (float32)."""
    half = (ksize - 1) / 2.0
    t = torch.linspace(-half, half, ksize, device=sigma.device, dtype=torch.float32)
    logits = -(t[None, :] / sigma[:, None].float()) ** 2 / 2.0
    return torch.softmax(logits, dim=1)


def _blur_axes(img: torch.Tensor, sigma, ksize: int) -> torch.Tensor:
    """Separable Gaussian blur of ``(B, 1, H, W)`` with (sigma_x, sigma_y), reflect padding.

    Images smaller than the kernel get a shorter kernel (reflect padding must stay inside the
    image; torchvision raises an error there instead).
    """
    H, W = img.shape[-2:]
    if sigma[0] <= 0 and sigma[1] <= 0:
        return img
    k = min(ksize, 2 * min(H, W) - 1)  # reflect padding needs pad < size
    k = k if k % 2 else k - 1
    pad = k // 2
    kx = gaussian_kernel1d(k, torch.tensor([max(sigma[0], 1e-6)], device=img.device))
    ky = gaussian_kernel1d(k, torch.tensor([max(sigma[1], 1e-6)], device=img.device))
    out = F.pad(img, (pad, pad, 0, 0), mode="reflect")
    out = F.conv2d(out, kx.view(1, 1, 1, k))
    out = F.pad(out, (0, 0, pad, pad), mode="reflect")
    return F.conv2d(out, ky.view(1, 1, k, 1))


# --------------------------------------------------------------------------------------------
# modules: sample a Warp per batch; masks and boxes follow the image
# --------------------------------------------------------------------------------------------


class GeometricTransform(nn.Module):
    """Base of the geometric transforms: ``sample_warp`` draws per-sample parameters.

    ``forward(x, mask=None, boxes=None, *, generator=None)`` returns ``x`` transformed, or a
    tuple ``(x, mask)``, ``(x, boxes)`` or ``(x, mask, boxes)`` when those are given. Masks are
    ``(B, H, W)``/``(B, K, H, W)`` (or ``(H, W)``/``(K, H, W)`` with a single image), resampled
    with nearest neighbour and filled with ``mask_fill``; boxes are XYXY pixels, ``(B, N, 4)``
    or a list of ``(N_i, 4)`` (or ``(N, 4)`` with a single image).
    """

    interpolation = "bilinear"
    fill = 0.0
    mask_fill = 0

    def __init__(self, generator=None):
        super().__init__()
        self.generator = make_generator(generator)

    def sample_warp(self, batch: int, size, *, generator=None, device="cpu") -> Warp:
        """Per-sample parameters for ``batch`` images of ``size`` (H, W), as one :class:`Warp`."""
        raise TypeError(f"{type(self).__name__} must define sample_warp")

    def may_leave_image(self) -> bool:
        """Whether sample points can fall outside the input (then ``fill`` matters)."""
        return False

    def forward(self, x, mask=None, boxes=None, *, generator=None):
        xb, single = as_batch(x)
        g = make_generator(generator) if generator is not None else self.generator
        warp = self.sample_warp(xb.shape[0], tuple(xb.shape[-2:]), generator=g, device=xb.device)
        out = unbatch(self.apply_image(xb, warp), single)
        return _with_targets(out, warp, mask, boxes, single, self.mask_fill, self.apply_mask)

    def apply_image(self, xb: torch.Tensor, warp: Warp) -> torch.Tensor:
        fill_values(self.fill, xb.shape[1])
        return apply_warp(xb, warp, interpolation=self.interpolation, fill=self.fill)

    def apply_mask(self, mb: torch.Tensor, warp: Warp) -> torch.Tensor:
        return warp_mask(mb, warp, fill=self.mask_fill)


def _with_targets(out, warp: Warp, mask, boxes, single: bool, mask_fill, apply_mask):
    """Transform the optional mask and boxes with ``warp`` and build the return value."""
    result = [out]
    if mask is not None:
        if not isinstance(mask, torch.Tensor) or mask.shape[-2:] != tuple(warp.in_size) \
                or mask.ndim not in ((2, 3) if single else (3, 4)):
            raise ValueError(f"mask must be {'(H, W) or (K, H, W)' if single else '(B, H, W) or (B, K, H, W)'}"
                             f" with H, W = {warp.in_size}, got {getattr(mask, 'shape', mask)}")
        if not single and mask.shape[0] != warp.batch:
            raise ValueError(f"mask must have batch size {warp.batch}, got {mask.shape[0]}")
        mb = mask.unsqueeze(0) if single else mask
        res = apply_mask(mb, warp)
        result.append(res[0] if single else res)
    if boxes is not None:
        if single:
            if not isinstance(boxes, torch.Tensor) or boxes.ndim != 2 or boxes.shape[-1] != 4:
                raise ValueError(f"boxes must be an (N, 4) XYXY tensor for a single image, "
                                 f"got {getattr(boxes, 'shape', boxes)}")
            result.append(warp_boxes(boxes[None], warp)[0])
        else:
            result.append(warp_boxes(boxes, warp))
    return result[0] if len(result) == 1 else tuple(result)


def _check_fill(fill):
    if fill is None:
        return None
    if isinstance(fill, Real) and not isinstance(fill, bool):
        return float(fill)
    if isinstance(fill, list | tuple) and fill and all(isinstance(v, Real) for v in fill):
        return tuple(float(v) for v in fill)
    raise ValueError(f"fill must be None, a number or a sequence of numbers, got {fill!r}")


class _RandomFlip(GeometricTransform):
    axis = 0

    def __init__(self, p: float = 0.5, *, generator=None):
        super().__init__(generator)
        self.p = check_probability(p, "p")

    def sample_warp(self, batch, size, *, generator=None, device="cpu") -> Warp:
        generator = make_generator(generator)
        flags = bernoulli(batch, self.p, generator, device)
        length = size[1] if self.axis == 0 else size[0]
        return Warp(flip_matrix(flags, length, self.axis), tuple(size), tuple(size))

    def apply_image(self, xb, warp):
        # A flip copies pixels: do it exactly with torch.flip rather than resampling.
        flags = warp.matrix[:, self.axis, self.axis] < 0
        dim = -1 if self.axis == 0 else -2
        return torch.where(flags.view(-1, *[1] * (xb.ndim - 1)), xb.flip(dim), xb)

    def apply_mask(self, mb, warp):
        return self.apply_image(mb, warp)


class RandomHorizontalFlip(_RandomFlip):
    """Mirror left-right with probability ``p``, independently per sample (torchvision's rule)."""

    axis = 0


class RandomVerticalFlip(_RandomFlip):
    """Mirror top-bottom with probability ``p``, independently per sample."""

    axis = 1


class RandomAffine(GeometricTransform):
    """Random rotation, translation, scale and shear, independently per sample.

    torchvision ``RandomAffine`` parameters and sampling rules: ``degrees`` d -> angle ~ U(-d, d)
    (or a pair); ``translate=(a, b)`` -> |tx| < a W, |ty| < b H (rounded to pixels); ``scale=(lo,
    hi)``; ``shear`` s -> x-shear ~ U(-s, s), a pair -> x-shear range, 4 values -> x and y ranges.
    Default interpolation here is bilinear (torchvision's is nearest).
    """

    def __init__(self, degrees=0.0, translate=None, scale=None, shear=None, *,
                 interpolation: str = "bilinear", fill=0.0, center=None, generator=None):
        super().__init__(generator)
        self.degrees = symmetric_range(degrees, "degrees")
        if translate is not None:
            if not (isinstance(translate, list | tuple) and len(translate) == 2 and all(
                    isinstance(t, Real) and not isinstance(t, bool) and 0.0 <= t <= 1.0 for t in translate)):
                raise ValueError(f"translate must be a pair of fractions in [0, 1], got {translate!r}")
            translate = (float(translate[0]), float(translate[1]))
        self.translate = translate
        if scale is not None:
            scale = check_range(scale, "scale")
            if scale[0] <= 0:
                raise ValueError(f"scale must be positive, got {scale!r}")
        self.scale = scale
        self.shear = _parse_shear(shear)
        self.interpolation = check_interpolation(interpolation)
        self.fill = _check_fill(fill)
        self.center = None if center is None else _check_center(center)

    def may_leave_image(self) -> bool:
        return True

    def sample_params(self, batch, size, *, generator=None, device="cpu") -> dict:
        generator = make_generator(generator)
        return sample_affine_params(batch, size, self.degrees, self.translate, self.scale, self.shear,
                                    generator=generator, device=device)

    def sample_warp(self, batch, size, *, generator=None, device="cpu") -> Warp:
        generator = make_generator(generator)
        p = self.sample_params(batch, size, generator=generator, device=device)
        center = _center(self.center, batch, size, device)
        m = affine_inverse_matrix(p["angle"], p["translate"], p["scale"], p["shear"], center)
        return Warp(m, tuple(size), tuple(size), leaves_image=True)


def _check_center(center) -> tuple[float, float]:
    if not (isinstance(center, list | tuple) and len(center) == 2
            and all(isinstance(c, Real) and not isinstance(c, bool) for c in center)):
        raise ValueError(f"center must be a pair (x, y) of numbers, got {center!r}")
    return float(center[0]), float(center[1])


def _parse_shear(shear):
    if shear is None:
        return None
    if isinstance(shear, Real) and not isinstance(shear, bool):
        return symmetric_range(shear, "shear")
    if isinstance(shear, list | tuple) and len(shear) == 2:
        return symmetric_range(tuple(shear), "shear")
    if isinstance(shear, list | tuple) and len(shear) == 4:
        return (*symmetric_range(tuple(shear[:2]), "shear"), *symmetric_range(tuple(shear[2:]), "shear"))
    raise ValueError(f"shear must be a number or a sequence of 2 or 4 numbers, got {shear!r}")


class RandomRotation(RandomAffine):
    """Random rotation, angle ~ U(degrees) COUNTER-CLOCKWISE per sample (torchvision rule)."""

    def __init__(self, degrees, *, interpolation: str = "bilinear", fill=0.0, center=None, generator=None):
        super().__init__(degrees, interpolation=interpolation, fill=fill, center=center, generator=generator)

    def sample_params(self, batch, size, *, generator=None, device="cpu") -> dict:
        generator = make_generator(generator)
        p = super().sample_params(batch, size, generator=generator, device=device)
        p["angle"] = -p["angle"]  # torchvision's rotate turns the other way from affine
        return p


class RandomResizedCrop(GeometricTransform):
    """Crop a random area/aspect box per sample and resize it to ``size`` (torchvision rules).

    See :func:`sample_resized_crop_params` for the sampling rule (with its 10 attempts and
    central fallback) and the module note for the antialiasing difference.
    """

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3), *, interpolation: str = "bilinear",
                 generator=None):
        super().__init__(generator)
        self.size = _pair_size(size, "size")
        self.scale = check_range(scale, "scale", low=0.0)
        if self.scale[1] <= 0:
            raise ValueError(f"scale must contain positive values, got {scale!r}")
        self.ratio = check_range(ratio, "ratio")
        if self.ratio[0] <= 0:
            raise ValueError(f"ratio must be positive, got {ratio!r}")
        self.interpolation = check_interpolation(interpolation)

    def sample_warp(self, batch, size, *, generator=None, device="cpu") -> Warp:
        generator = make_generator(generator)
        p = sample_resized_crop_params(batch, size, self.scale, self.ratio, generator=generator, device=device)
        m = crop_matrix(p["top"], p["left"], p["height"], p["width"], self.size)
        return Warp(m, tuple(size), self.size)


class RandomCrop(GeometricTransform):
    """A ``size`` window at a uniform random position per sample, after optional padding.

    torchvision ``RandomCrop`` with ``padding_mode="constant"``: ``padding`` is an int, a pair
    (left/right, top/bottom) or 4 values (left, top, right, bottom); ``pad_if_needed`` pads images
    smaller than ``size``. Pixels are copied exactly (no interpolation).
    """

    interpolation = "nearest"

    def __init__(self, size, padding=None, *, pad_if_needed: bool = False, fill=0.0, generator=None):
        super().__init__(generator)
        self.size = _pair_size(size, "size")
        self.padding = _parse_padding(padding)
        self.pad_if_needed = bool(pad_if_needed)
        self.fill = _check_fill(fill)

    def may_leave_image(self) -> bool:
        return any(self.padding) or self.pad_if_needed

    def sample_params(self, batch, size, *, generator=None, device="cpu") -> dict:
        generator = make_generator(generator)
        H, W = size
        left, top, right, bottom = self.padding
        ch, cw = self.size
        if self.pad_if_needed:
            extra_h = max(0, ch - (H + top + bottom))
            extra_w = max(0, cw - (W + left + right))
            top, bottom, left, right = top + extra_h, bottom + extra_h, left + extra_w, right + extra_w
        ph, pw = H + top + bottom, W + left + right
        if ph < ch or pw < cw:
            raise ValueError(f"size {self.size} is larger than the padded image {(ph, pw)}")
        g = make_generator(generator)
        ty = randint_below(torch.full((batch,), ph - ch + 1, dtype=torch.long), g) - top
        tx = randint_below(torch.full((batch,), pw - cw + 1, dtype=torch.long), g) - left
        return dict(top=ty.to(device), left=tx.to(device))

    def sample_warp(self, batch, size, *, generator=None, device="cpu") -> Warp:
        generator = make_generator(generator)
        p = self.sample_params(batch, size, generator=generator, device=device)
        ch, cw = self.size
        full = torch.ones(batch, dtype=torch.float64, device=device)
        m = crop_matrix(p["top"], p["left"], full * ch, full * cw, self.size)
        return Warp(m, tuple(size), self.size, leaves_image=any(self.padding) or self.pad_if_needed)


def _parse_padding(padding) -> tuple[int, int, int, int]:
    if padding is None:
        return (0, 0, 0, 0)
    if isinstance(padding, int) and not isinstance(padding, bool):
        vals = [padding] * 4
    elif isinstance(padding, list | tuple) and len(padding) == 2:
        vals = [padding[0], padding[1], padding[0], padding[1]]
    elif isinstance(padding, list | tuple) and len(padding) == 4:
        vals = list(padding)
    else:
        raise ValueError(f"padding must be an int or a sequence of 2 or 4 ints, got {padding!r}")
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in vals):
        raise ValueError(f"padding must contain non-negative ints, got {padding!r}")
    return tuple(vals)


class ElasticTransform(GeometricTransform):
    """Elastic deformation: a smooth random displacement field per sample (torchvision rule).

    ``alpha`` (strength) and ``sigma`` (smoothness) are numbers or (x, y) pairs, as in
    torchvision's ``ElasticTransform``; see :func:`sample_elastic_displacement`.
    """

    def __init__(self, alpha=50.0, sigma=5.0, *, interpolation: str = "bilinear", fill=0.0, generator=None):
        super().__init__(generator)
        self.alpha = _number_or_pair(alpha, "alpha")
        self.sigma = _number_or_pair(sigma, "sigma")
        self.interpolation = check_interpolation(interpolation)
        self.fill = _check_fill(fill)

    def may_leave_image(self) -> bool:
        return True

    def sample_warp(self, batch, size, *, generator=None, device="cpu") -> Warp:
        generator = make_generator(generator)
        disp = sample_elastic_displacement(batch, size, self.alpha, self.sigma, generator=generator,
                                           device=device)
        offset = _normalised_to_pixels(disp, size)
        return Warp(identity_matrix(batch, device), tuple(size), tuple(size), offset, leaves_image=True)


def _number_or_pair(v, name: str) -> tuple[float, float]:
    if isinstance(v, Real) and not isinstance(v, bool):
        check_positive(v, name, allow_zero=True)
        return float(v), float(v)
    if isinstance(v, list | tuple) and len(v) == 2:
        return tuple(check_positive(t, name, allow_zero=True) for t in v)
    raise ValueError(f"{name} must be a non-negative number or a pair of them, got {v!r}")


# --------------------------------------------------------------------------------------------
# random functional forms
# --------------------------------------------------------------------------------------------


def random_hflip(x, p: float = 0.5, *, mask=None, boxes=None, generator=None):
    """Per-sample horizontal flip with probability ``p`` (see :class:`GeometricTransform`)."""
    return RandomHorizontalFlip(p)(x, mask, boxes, generator=generator)


def random_vflip(x, p: float = 0.5, *, mask=None, boxes=None, generator=None):
    """Per-sample vertical flip with probability ``p``."""
    return RandomVerticalFlip(p)(x, mask, boxes, generator=generator)


def random_affine(x, degrees=0.0, translate=None, scale=None, shear=None, *, interpolation="bilinear",
                  fill=0.0, mask=None, boxes=None, generator=None):
    """Per-sample random affine map with torchvision ``RandomAffine`` semantics (see the class)."""
    t = RandomAffine(degrees, translate, scale, shear, interpolation=interpolation, fill=fill)
    return t(x, mask, boxes, generator=generator)


def random_rotation(x, degrees, *, interpolation="bilinear", fill=0.0, mask=None, boxes=None, generator=None):
    """Per-sample random rotation, angle ~ U(degrees), counter-clockwise."""
    t = RandomRotation(degrees, interpolation=interpolation, fill=fill)
    return t(x, mask, boxes, generator=generator)


def random_resized_crop(x, size, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3), *, interpolation="bilinear",
                        mask=None, boxes=None, generator=None):
    """Per-sample RandomResizedCrop to ``size`` (torchvision's sampling rule)."""
    t = RandomResizedCrop(size, scale, ratio, interpolation=interpolation)
    return t(x, mask, boxes, generator=generator)


def random_crop(x, size, padding=None, *, pad_if_needed=False, fill=0.0, mask=None, boxes=None,
                generator=None):
    """Per-sample RandomCrop (with optional constant padding)."""
    t = RandomCrop(size, padding, pad_if_needed=pad_if_needed, fill=fill)
    return t(x, mask, boxes, generator=generator)


def random_elastic(x, alpha=50.0, sigma=5.0, *, interpolation="bilinear", fill=0.0, mask=None,
                   generator=None):
    """Per-sample elastic deformation (torchvision ``ElasticTransform`` rule)."""
    t = ElasticTransform(alpha, sigma, interpolation=interpolation, fill=fill)
    return t(x, mask, generator=generator)
