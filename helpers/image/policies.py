"""Auto-augmentation policies with a per-sample choice of ops: RandAugment, AutoAugment,
TrivialAugment (wide) and AugMix.

torchvision draws one op sequence per call, so a batch shares it. Here every sample draws its
own ops, signs and magnitudes with torchvision's rules and tables, and a "round" of ops runs
vectorised by grouping: all samples whose op is geometric (shear, translate, rotate) share one
warp (one matrix each, one ``grid_sample``), and each pixel op runs once on the subset of
samples that drew it. Given the same ops and magnitudes, a sample's result equals torchvision's
``_apply_image_or_video_transform`` (see :func:`apply_op`).

Inputs: ``(C, H, W)`` or ``(B, C, H, W)``, uint8 (torchvision's usual input) or float in
[0, 1]; the output keeps the dtype. ``fill`` is in the image's own units and ``None`` (the
default, as in torchvision) pads with zeros. Course section 2 (auto-policies).
"""

from __future__ import annotations

import torch
from torch import nn

from .._validate import check_int, check_positive
from ._common import (
    as_batch,
    check_interpolation,
    make_generator,
    param_device,
    rand,
    unbatch,
)
from .geometric import affine_inverse_matrix
from .photometric import (
    autocontrast_,
    brightness_,
    contrast_,
    equalize_,
    from_work,
    invert_,
    posterize_,
    saturation_,
    sharpness_,
    solarize_,
    to_work,
)
from .warp import Warp, grid_sample_image


def _lin(lo, hi):
    return lambda bins, h, w: torch.linspace(lo, hi, bins)


def _posterize_bins(top, spread):
    return lambda bins, h, w: (top - torch.arange(bins) / ((bins - 1) / spread)).round().int()


def _none(bins, h, w):
    return None


# name -> (magnitudes(num_bins, H, W) or None, signed); the tables of torchvision's policies.
RAND_AUGMENT_SPACE = {
    "Identity": (_none, False),
    "ShearX": (_lin(0.0, 0.3), True),
    "ShearY": (_lin(0.0, 0.3), True),
    "TranslateX": (lambda bins, h, w: torch.linspace(0.0, 150.0 / 331.0 * w, bins), True),
    "TranslateY": (lambda bins, h, w: torch.linspace(0.0, 150.0 / 331.0 * h, bins), True),
    "Rotate": (_lin(0.0, 30.0), True),
    "Brightness": (_lin(0.0, 0.9), True),
    "Color": (_lin(0.0, 0.9), True),
    "Contrast": (_lin(0.0, 0.9), True),
    "Sharpness": (_lin(0.0, 0.9), True),
    "Posterize": (_posterize_bins(8, 4), False),
    "Solarize": (_lin(1.0, 0.0), False),
    "AutoContrast": (_none, False),
    "Equalize": (_none, False),
}
AUTO_AUGMENT_SPACE = {k: v for k, v in RAND_AUGMENT_SPACE.items() if k != "Identity"} | {"Invert": (_none, False)}
TRIVIAL_AUGMENT_SPACE = {
    "Identity": (_none, False),
    "ShearX": (_lin(0.0, 0.99), True),
    "ShearY": (_lin(0.0, 0.99), True),
    "TranslateX": (_lin(0.0, 32.0), True),
    "TranslateY": (_lin(0.0, 32.0), True),
    "Rotate": (_lin(0.0, 135.0), True),
    "Brightness": (_lin(0.0, 0.99), True),
    "Color": (_lin(0.0, 0.99), True),
    "Contrast": (_lin(0.0, 0.99), True),
    "Sharpness": (_lin(0.0, 0.99), True),
    "Posterize": (_posterize_bins(8, 6), False),
    "Solarize": (_lin(1.0, 0.0), False),
    "AutoContrast": (_none, False),
    "Equalize": (_none, False),
}
AUGMIX_PARTIAL_SPACE = {
    "ShearX": (_lin(0.0, 0.3), True),
    "ShearY": (_lin(0.0, 0.3), True),
    "TranslateX": (lambda bins, h, w: torch.linspace(0.0, w / 3.0, bins), True),
    "TranslateY": (lambda bins, h, w: torch.linspace(0.0, h / 3.0, bins), True),
    "Rotate": (_lin(0.0, 30.0), True),
    "Posterize": (_posterize_bins(4, 4), False),
    "Solarize": (_lin(1.0, 0.0), False),
    "AutoContrast": (_none, False),
    "Equalize": (_none, False),
}
AUGMIX_SPACE = AUGMIX_PARTIAL_SPACE | {
    "Brightness": (_lin(0.0, 0.9), True),
    "Color": (_lin(0.0, 0.9), True),
    "Contrast": (_lin(0.0, 0.9), True),
    "Sharpness": (_lin(0.0, 0.9), True),
}

# AutoAugment's learned sub-policies: ((op, probability, magnitude bin), (op, probability, bin)).
IMAGENET_POLICY = (
    (("Posterize", 0.4, 8), ("Rotate", 0.6, 9)), (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
    (("Equalize", 0.8, None), ("Equalize", 0.6, None)), (("Posterize", 0.6, 7), ("Posterize", 0.6, 6)),
    (("Equalize", 0.4, None), ("Solarize", 0.2, 4)), (("Equalize", 0.4, None), ("Rotate", 0.8, 8)),
    (("Solarize", 0.6, 3), ("Equalize", 0.6, None)), (("Posterize", 0.8, 5), ("Equalize", 1.0, None)),
    (("Rotate", 0.2, 3), ("Solarize", 0.6, 8)), (("Equalize", 0.6, None), ("Posterize", 0.4, 6)),
    (("Rotate", 0.8, 8), ("Color", 0.4, 0)), (("Rotate", 0.4, 9), ("Equalize", 0.6, None)),
    (("Equalize", 0.0, None), ("Equalize", 0.8, None)), (("Invert", 0.6, None), ("Equalize", 1.0, None)),
    (("Color", 0.6, 4), ("Contrast", 1.0, 8)), (("Rotate", 0.8, 8), ("Color", 1.0, 2)),
    (("Color", 0.8, 8), ("Solarize", 0.8, 7)), (("Sharpness", 0.4, 7), ("Invert", 0.6, None)),
    (("ShearX", 0.6, 5), ("Equalize", 1.0, None)), (("Color", 0.4, 0), ("Equalize", 0.6, None)),
    (("Equalize", 0.4, None), ("Solarize", 0.2, 4)), (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
    (("Invert", 0.6, None), ("Equalize", 1.0, None)), (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
    (("Equalize", 0.8, None), ("Equalize", 0.6, None)),
)
CIFAR10_POLICY = (
    (("Invert", 0.1, None), ("Contrast", 0.2, 6)), (("Rotate", 0.7, 2), ("TranslateX", 0.3, 9)),
    (("Sharpness", 0.8, 1), ("Sharpness", 0.9, 3)), (("ShearY", 0.5, 8), ("TranslateY", 0.7, 9)),
    (("AutoContrast", 0.5, None), ("Equalize", 0.9, None)), (("ShearY", 0.2, 7), ("Posterize", 0.3, 7)),
    (("Color", 0.4, 3), ("Brightness", 0.6, 7)), (("Sharpness", 0.3, 9), ("Brightness", 0.7, 9)),
    (("Equalize", 0.6, None), ("Equalize", 0.5, None)), (("Contrast", 0.6, 7), ("Sharpness", 0.6, 5)),
    (("Color", 0.7, 7), ("TranslateX", 0.5, 8)), (("Equalize", 0.3, None), ("AutoContrast", 0.4, None)),
    (("TranslateY", 0.4, 3), ("Sharpness", 0.2, 6)), (("Brightness", 0.9, 6), ("Color", 0.2, 8)),
    (("Solarize", 0.5, 2), ("Invert", 0.0, None)), (("Equalize", 0.2, None), ("AutoContrast", 0.6, None)),
    (("Equalize", 0.2, None), ("Equalize", 0.6, None)), (("Color", 0.9, 9), ("Equalize", 0.6, None)),
    (("AutoContrast", 0.8, None), ("Solarize", 0.2, 8)), (("Brightness", 0.1, 3), ("Color", 0.7, 0)),
    (("Solarize", 0.4, 5), ("AutoContrast", 0.9, None)), (("TranslateY", 0.9, 9), ("TranslateY", 0.7, 9)),
    (("AutoContrast", 0.9, None), ("Solarize", 0.8, 3)), (("Equalize", 0.8, None), ("Invert", 0.1, None)),
    (("TranslateY", 0.7, 9), ("AutoContrast", 0.9, None)),
)
POLICIES = {"imagenet": IMAGENET_POLICY, "cifar10": CIFAR10_POLICY}

GEOMETRIC_OPS = ("ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate")

# --------------------------------------------------------------------------------------------
# applying one round of per-sample ops
# --------------------------------------------------------------------------------------------


def _geometry_warp(names, ops, mags, size, device) -> Warp:
    """One inverse matrix per sample for its shear / translate / rotate op (torchvision's params)."""
    n = ops.shape[0]
    H, W = size
    code = {name: i for i, name in enumerate(names)}

    def is_op(name):
        return ops == code[name] if name in code else torch.zeros_like(ops, dtype=torch.bool)

    mags = mags.double()
    zero = torch.zeros(n, dtype=torch.float64, device=device)
    shear_deg = torch.rad2deg(torch.atan(mags))
    angle = torch.where(is_op("Rotate"), -mags, zero)  # rotate turns counter-clockwise
    translate = torch.stack((torch.where(is_op("TranslateX"), mags.trunc(), zero),
                             torch.where(is_op("TranslateY"), mags.trunc(), zero)), 1)
    shear = torch.stack((torch.where(is_op("ShearX"), shear_deg, zero),
                         torch.where(is_op("ShearY"), shear_deg, zero)), 1)
    sheared = (is_op("ShearX") | is_op("ShearY"))[:, None]
    center = torch.where(sheared, zero[:, None].expand(n, 2),
                         torch.tensor([W / 2.0, H / 2.0], dtype=torch.float64, device=device))
    m = affine_inverse_matrix(angle, translate, torch.ones_like(angle), shear, center)
    return Warp(m, size, size, leaves_image=True)


def _pixel_op(name, w, mags, bound, integer):
    mags = mags.double()  # factors 1 + m, thresholds: rounded once, like torchvision's floats
    if name == "Brightness":
        return brightness_(w, 1.0 + mags, bound, integer)
    if name == "Color":
        return saturation_(w, 1.0 + mags, bound, integer)
    if name == "Contrast":
        return contrast_(w, 1.0 + mags, bound, integer)
    if name == "Sharpness":
        return sharpness_(w, 1.0 + mags, bound, integer)
    if name == "Posterize":
        return posterize_(w, mags.trunc().long(), bound, integer)
    if name == "Solarize":
        return solarize_(w, bound * mags, bound, integer)
    if name == "AutoContrast":
        return autocontrast_(w, bound, integer)
    if name == "Equalize":
        return equalize_(w, bound, integer)
    if name == "Invert":
        return invert_(w, bound, integer)
    raise ValueError(f"unknown op {name!r}")


def apply_ops_(w, names, ops, mags, bound, integer, *, interpolation="nearest", fill=None):
    """One round: sample i applies op ``names[ops[i]]`` with magnitude ``mags[i]`` (-1 = none).

    ``w`` is a float work tensor (see :mod:`helpers.image.photometric`); geometric ops of all
    samples run as one warp, each pixel op once on its group.
    """
    ops = ops.to(w.device)
    mags = mags.to(w.device, torch.float64)
    geo_codes = [i for i, n in enumerate(names) if n in GEOMETRIC_OPS]
    geo = torch.isin(ops, torch.tensor(geo_codes, device=w.device, dtype=ops.dtype))
    idx = geo.nonzero()[:, 0]
    if idx.numel():
        warp = _geometry_warp(names, ops[idx], mags[idx], tuple(w.shape[-2:]), w.device)
        out = grid_sample_image(w.index_select(0, idx), warp, interpolation, fill)
        if integer:
            out.round_().clamp_(0.0, bound)
        w.index_copy_(0, idx, out)
    for code, name in enumerate(names):
        if name in GEOMETRIC_OPS or name == "Identity":
            continue
        idx = (ops == code).nonzero()[:, 0]
        if idx.numel():
            w.index_copy_(0, idx, _pixel_op(name, w.index_select(0, idx), mags[idx], bound, integer))
    return w


def apply_op(x, op: str, magnitude: float = 0.0, *, interpolation: str = "nearest", fill=None):
    """Apply one policy op with an explicit signed magnitude to every sample (for grading).

    ``op`` is one of the names of :data:`RAND_AUGMENT_SPACE` or ``"Invert"``; ``magnitude`` is the
    value torchvision would pass (shear: tangent, translate: pixels, rotate: degrees,
    brightness/color/contrast/sharpness: factor - 1, posterize: bits, solarize: threshold
    fraction). Equals torchvision's ``_AutoAugmentBase._apply_image_or_video_transform``.
    """
    names = tuple(AUTO_AUGMENT_SPACE) + ("Identity",)
    if op not in names:
        raise ValueError(f"op must be one of {names}, got {op!r}")
    check_interpolation(interpolation)
    xb, single = as_batch(x, channels={1, 3})
    w, bound, integer = to_work(xb)
    ops = torch.full((xb.shape[0],), names.index(op), dtype=torch.long)
    mags = torch.full((xb.shape[0],), float(magnitude), dtype=torch.float64)
    out = apply_ops_(w, names, ops, mags, bound, integer, interpolation=interpolation, fill=fill)
    return unbatch(from_work(out, xb.dtype), single)


def _signed(magnitude: torch.Tensor, signed: torch.Tensor, generator) -> torch.Tensor:
    flip = rand(magnitude.shape[0], generator, "cpu") <= 0.5
    return torch.where(signed & flip, -magnitude, magnitude)


def _space_tables(space, size, bins):
    """Name list, a ``(ops, bins)`` magnitude table (0 for magnitude-free ops) and signed flags."""
    names = tuple(space)
    H, W = size
    table = torch.zeros(len(names), bins)
    for i, name in enumerate(names):
        mags = space[name][0](bins, H, W)
        if mags is not None:
            table[i] = mags.float()
    signed = torch.tensor([space[n][1] for n in names])
    return names, table, signed


class _Policy(nn.Module):
    """Shared plumbing: ``forward(x, mask=None, boxes=None, *, generator=None)``.

    Masks and boxes are refused (as torchvision does): policy ops are not label-preserving for them.
    """

    channels = {1, 3}

    def __init__(self, interpolation, fill, generator):
        super().__init__()
        self.interpolation = check_interpolation(interpolation)
        if fill is not None and not isinstance(fill, int | float | list | tuple):
            raise ValueError(f"fill must be None, a number or a per-channel sequence, got {fill!r}")
        self.fill = fill
        self.generator = make_generator(generator)

    def forward(self, x, mask=None, boxes=None, *, generator=None):
        if mask is not None or boxes is not None:
            raise ValueError(f"{type(self).__name__} transforms images only; mask and boxes must be None")
        xb, single = as_batch(x, channels=self.channels)
        g = make_generator(generator) if generator is not None else self.generator
        params = self.sample_params(xb.shape[0], tuple(xb.shape[1:]), generator=g, device=xb.device)
        w, bound, integer = to_work(xb)
        return unbatch(from_work(self.apply_(w, params, bound, integer), xb.dtype), single)


class RandAugment(_Policy):
    """RandAugment(N, M): each sample applies ``num_ops`` ops drawn uniformly from the 14-op list
    (torchvision's table, ``num_magnitude_bins`` = 31), all at magnitude bin ``magnitude``, with a
    random sign for signed ops. Ops, signs: per sample.
    """

    def __init__(self, num_ops: int = 2, magnitude: int = 9, num_magnitude_bins: int = 31, *,
                 interpolation: str = "nearest", fill=None, generator=None):
        super().__init__(interpolation, fill, generator)
        self.num_ops = check_int(num_ops, "num_ops", minimum=0)
        self.num_magnitude_bins = check_int(num_magnitude_bins, "num_magnitude_bins", minimum=2)
        self.magnitude = check_int(magnitude, "magnitude", minimum=0)
        if self.magnitude >= self.num_magnitude_bins:
            raise ValueError(f"magnitude must be < num_magnitude_bins={num_magnitude_bins}, got {magnitude}")

    def sample_params(self, batch, shape, *, generator=None, device="cpu", **_) -> dict:
        generator = make_generator(generator)
        names, table, signed = _space_tables(RAND_AUGMENT_SPACE, shape[-2:], self.num_magnitude_bins)
        ops, mags = [], []
        for _ in range(self.num_ops):
            op = (rand(batch, generator, "cpu") * len(names)).long().clamp_(max=len(names) - 1)
            ops.append(op)
            mags.append(_signed(table[op, self.magnitude], signed[op], generator))
        empty = torch.zeros(batch, 0)
        ops_t = torch.stack(ops, 1) if ops else empty.long()
        mags_t = torch.stack(mags, 1) if mags else empty
        return dict(ops=ops_t.to(device), magnitudes=mags_t.to(device), names=names)

    def apply_(self, w, params, bound, integer):
        for r in range(params["ops"].shape[1]):
            w = apply_ops_(w, params["names"], params["ops"][:, r], params["magnitudes"][:, r], bound,
                           integer, interpolation=self.interpolation, fill=self.fill)
        return w


class TrivialAugmentWide(_Policy):
    """TrivialAugment (wide): one op per sample, uniform over 14 ops, magnitude bin uniform."""

    def __init__(self, num_magnitude_bins: int = 31, *, interpolation: str = "nearest", fill=None,
                 generator=None):
        super().__init__(interpolation, fill, generator)
        self.num_magnitude_bins = check_int(num_magnitude_bins, "num_magnitude_bins", minimum=2)

    def sample_params(self, batch, shape, *, generator=None, device="cpu", **_) -> dict:
        generator = make_generator(generator)
        names, table, signed = _space_tables(TRIVIAL_AUGMENT_SPACE, shape[-2:], self.num_magnitude_bins)
        op = (rand(batch, generator, "cpu") * len(names)).long().clamp_(max=len(names) - 1)
        level = (rand(batch, generator, "cpu") * self.num_magnitude_bins).long().clamp_(
            max=self.num_magnitude_bins - 1)
        mags = _signed(table[op, level], signed[op], generator)
        return dict(ops=op[:, None].to(device), magnitudes=mags[:, None].to(device), names=names)

    apply_ = RandAugment.apply_


class AutoAugment(_Policy):
    """AutoAugment with the learned ImageNet or CIFAR-10 policy (torchvision's tables).

    Each sample draws one of the 25 sub-policies and applies each of its two ops with the op's
    probability, at the op's magnitude bin (of 10), with a random sign for signed ops.
    """

    def __init__(self, policy: str = "imagenet", *, interpolation: str = "nearest", fill=None,
                 generator=None):
        super().__init__(interpolation, fill, generator)
        key = str(getattr(policy, "value", policy)).lower()
        if key not in POLICIES:
            raise ValueError(f"policy must be one of {sorted(POLICIES)}, got {policy!r}")
        self.policy = key

    def sample_params(self, batch, shape, *, generator=None, device="cpu", **_) -> dict:
        generator = make_generator(generator)
        names, table, signed = _space_tables(AUTO_AUGMENT_SPACE, shape[-2:], 10)
        policy = POLICIES[self.policy]
        op_of = torch.tensor([[names.index(step[0]) for step in sub] for sub in policy])
        prob_of = torch.tensor([[step[1] for step in sub] for sub in policy])
        bin_of = torch.tensor([[step[2] or 0 for step in sub] for sub in policy])
        choice = (rand(batch, generator, "cpu") * len(policy)).long().clamp_(max=len(policy) - 1)
        ops, mags = [], []
        for r in range(2):
            op = op_of[choice, r]
            apply = rand(batch, generator, "cpu") <= prob_of[choice, r]
            mag = _signed(table[op, bin_of[choice, r]], signed[op], generator)
            ops.append(torch.where(apply, op, -1))
            mags.append(mag)
        return dict(ops=torch.stack(ops, 1).to(device), magnitudes=torch.stack(mags, 1).to(device),
                    names=names, policy_index=choice.to(device))

    apply_ = RandAugment.apply_


class AugMix(_Policy):
    """AugMix: ``mixture_width`` chains of 1-3 random ops, mixed with Dirichlet weights and then
    with the original through a Beta(alpha, alpha) weight (torchvision's rule, per sample).

    Every sample draws its own chain depths (when ``chain_depth <= 0``), ops, magnitudes and
    weights. Output: ``m0 * x + m1 * sum_i w_i * chain_i(x)`` in the input dtype (uint8 truncated).
    """

    PARAMETER_MAX = 10

    def __init__(self, severity: int = 3, mixture_width: int = 3, chain_depth: int = -1, alpha: float = 1.0,
                 all_ops: bool = True, *, interpolation: str = "bilinear", fill=None, generator=None):
        super().__init__(interpolation, fill, generator)
        self.severity = check_int(severity, "severity", minimum=1)
        if self.severity > self.PARAMETER_MAX:
            raise ValueError(f"severity must be in [1, {self.PARAMETER_MAX}], got {severity}")
        self.mixture_width = check_int(mixture_width, "mixture_width", minimum=1)
        self.chain_depth = check_int(chain_depth, "chain_depth")
        self.alpha = check_positive(alpha, "alpha")
        self.all_ops = bool(all_ops)

    def sample_params(self, batch, shape, *, generator=None, device="cpu", **_) -> dict:
        generator = make_generator(generator)
        space = AUGMIX_SPACE if self.all_ops else AUGMIX_PARTIAL_SPACE
        names, table, signed = _space_tables(space, shape[-2:], self.PARAMETER_MAX)
        g = generator
        dev = param_device(g)
        pair = torch._sample_dirichlet(torch.full((batch, 2), self.alpha, dtype=torch.float64, device=dev),
                                       generator=g).cpu()
        chain_w = torch._sample_dirichlet(torch.full((batch, self.mixture_width), self.alpha,
                                                     dtype=torch.float64, device=dev), generator=g).cpu()
        chain_w = chain_w * pair[:, 1:]
        if self.chain_depth > 0:
            depth = torch.full((batch, self.mixture_width), self.chain_depth)
        else:
            depth = 1 + (rand(batch, g, "cpu", self.mixture_width) * 3).long().clamp_(max=2)
        max_depth = int(depth.max()) if depth.numel() else 0
        ops = (rand(batch, g, "cpu", self.mixture_width, max_depth) * len(names)).long().clamp_(max=len(names) - 1)
        level = (rand(batch, g, "cpu", self.mixture_width, max_depth) * self.severity).long().clamp_(
            max=self.severity - 1)
        mags = table[ops, level]
        flip = rand(batch, g, "cpu", self.mixture_width, max_depth) <= 0.5
        mags = torch.where(signed[ops] & flip, -mags, mags)
        active = torch.arange(max_depth)[None, None, :] < depth[:, :, None]
        ops = torch.where(active, ops, -1)
        return dict(original_weight=pair[:, 0].float().to(device), chain_weights=chain_w.float().to(device),
                    ops=ops.to(device), magnitudes=mags.to(device), names=names)

    def apply_(self, w, params, bound, integer):
        shape = (-1, 1, 1, 1)
        mix = w * params["original_weight"].to(w).view(shape)
        for i in range(params["ops"].shape[1]):
            aug = w.clone()
            for d in range(params["ops"].shape[2]):
                aug = apply_ops_(aug, params["names"], params["ops"][:, i, d], params["magnitudes"][:, i, d],
                                 bound, integer, interpolation=self.interpolation, fill=self.fill)
            mix.add_(aug.mul_(params["chain_weights"][:, i].to(w).view(shape)))
        return mix.trunc_() if integer else mix


def rand_augment(x, num_ops: int = 2, magnitude: int = 9, *, generator=None, **kwargs):
    """Functional form of :class:`RandAugment`."""
    return RandAugment(num_ops, magnitude, **kwargs)(x, generator=generator)


def auto_augment(x, policy: str = "imagenet", *, generator=None, **kwargs):
    """Functional form of :class:`AutoAugment`."""
    return AutoAugment(policy, **kwargs)(x, generator=generator)


def trivial_augment(x, *, generator=None, **kwargs):
    """Functional form of :class:`TrivialAugmentWide`."""
    return TrivialAugmentWide(**kwargs)(x, generator=generator)


def augmix(x, severity: int = 3, mixture_width: int = 3, *, generator=None, **kwargs):
    """Functional form of :class:`AugMix`."""
    return AugMix(severity, mixture_width, **kwargs)(x, generator=generator)

