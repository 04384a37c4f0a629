"""MixUp, CutMix and soft-label cross-entropy on whole batches, in one vectorised step.

Taught in section 2 (image catalog, the mix family), section 7 (the MixUp training step with
soft-label cross-entropy) and drill D1 (the soft target of a mixed pair).

The module has three layers, as ``torchvision.transforms.v2`` does:

* deterministic kernels that take explicit parameters (``mixup_kernel``, ``cutmix_kernel``,
  ``mixup_or_cutmix_kernel``, ``soft_target``): what the exercises are graded against;
* samplers that draw those parameters (``sample_mixup_params`` ...) and functions that sample
  and call the kernel (``mixup``, ``cutmix``, ``mixup_or_cutmix``);
* thin ``torch.nn.Module`` wrappers (``MixUp``, ``CutMix``, ``MixUpOrCutMix``).

Modes (as in timm's ``Mixup``): ``"batch"`` draws one λ (and one box) for the whole batch,
``"pair"`` one per pair of partners (both members of a pair are mixed with each other),
``"elem"`` one per sample. Partners: ``"perm"`` a random permutation (a random matching in pair
mode), ``"flip"`` the reversed batch (sample i with B-1-i), ``"roll"`` torchvision's rule (sample
i with i-1, cyclically).

Random parameters (λ, box centres, coin flips, permutations) are drawn with ``generator`` on the
generator's device (the CPU for ``None`` or an int seed) and then moved to the batch's device, so
one seed gives the same parameters on the CPU and on CUDA. λ is drawn by the same Dirichlet
sampler as ``torch.distributions.Beta``: with ``generator=None`` after ``torch.manual_seed(s)``,
batch mode with ``partner="roll"`` reproduces ``torchvision.transforms.v2.MixUp`` / ``CutMix``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ._validate import check_int, check_positive, check_probability, make_generator

__all__ = [
    "MODES",
    "PARTNERS",
    "one_hot",
    "to_soft_targets",
    "soft_target",
    "soft_cross_entropy",
    "sample_lambda",
    "partner_index",
    "cutmix_box",
    "cutmix_lambda",
    "box_mask",
    "sample_mixup_params",
    "sample_cutmix_params",
    "sample_mixup_or_cutmix_params",
    "mixup_kernel",
    "cutmix_kernel",
    "mixup_or_cutmix_kernel",
    "mixup",
    "cutmix",
    "mixup_or_cutmix",
    "MixUp",
    "CutMix",
    "MixUpOrCutMix",
]

MODES = ("batch", "pair", "elem")
PARTNERS = ("perm", "flip", "roll")


# ----------------------------------------------------------------------------- targets


def one_hot(y, num_classes, *, label_smoothing=0.0, dtype=torch.float32) -> torch.Tensor:
    """Turn class indices into probability rows, each 1 at its class and 0 elsewhere.

    ``y``: ``(B,)`` integer class indices in ``[0, num_classes)``. Returns a ``(B, K)`` tensor
    of ``dtype`` (float32) whose rows sum to 1. With ``label_smoothing=ε`` every row moves a
    share ε of its mass from the true class to all K classes evenly,
    ``(1 - ε) · onehot(y) + ε / K``, so the true class keeps ``1 - ε + ε / K``. This is the
    same smoothing PyTorch applies inside ``F.cross_entropy(..., label_smoothing=ε)``: the
    soft cross-entropy of these rows equals that loss (checked in course section 2).
    """
    k = check_int(num_classes, "num_classes", minimum=1)
    eps = check_probability(label_smoothing, "label_smoothing")
    y = _check_class_indices(y, k, "y")
    out = F.one_hot(y, k).to(dtype)
    if eps:
        out = out * (1.0 - eps) + eps / k
    return out


def to_soft_targets(y, num_classes=None, *, label_smoothing=0.0) -> torch.Tensor:
    """Turn labels into ``(B, K)`` soft targets.

    ``y`` is either ``(B,)`` integer class indices (``num_classes`` required; result float32)
    or ``(B, K)`` floating soft targets (kept in their dtype; ``num_classes``, when given, must
    equal K). Label smoothing ``ε`` maps a row ``t`` to ``(1 - ε) · t + ε / K``.
    """
    eps = check_probability(label_smoothing, "label_smoothing")
    if not isinstance(y, torch.Tensor):
        raise ValueError(f"y must be a torch.Tensor of labels, got {type(y).__name__}")
    if y.ndim == 1:
        if num_classes is None:
            raise ValueError("num_classes must be given when y holds integer class indices")
        return one_hot(y, num_classes, label_smoothing=eps)
    if y.ndim == 2 and y.is_floating_point():
        if num_classes is not None and check_int(num_classes, "num_classes") != y.shape[1]:
            raise ValueError(
                f"num_classes ({num_classes}) must equal the width of the soft targets y "
                f"({y.shape[1]})"
            )
        return y * (1.0 - eps) + eps / y.shape[1] if eps else y
    raise ValueError(
        "y must be (B,) integer class indices or (B, K) floating soft targets, got "
        f"shape {tuple(y.shape)} and dtype {y.dtype}"
    )


def soft_target(lam, i, j, num_classes) -> torch.Tensor:
    """The mixed target ``λ · onehot(i) + (1 - λ) · onehot(j)`` (drill D1).

    Scalars give a ``(K,)`` float32 vector: ``soft_target(0.7, 3, 7, 10)`` has 0.7 at index 3,
    0.3 at index 7 and sums to 1. Tensors ``lam``, ``i``, ``j`` of shape ``(B,)`` (or
    broadcastable scalars) give ``(B, K)``.
    """
    k = check_int(num_classes, "num_classes", minimum=1)
    scalar = all(not isinstance(v, torch.Tensor) or v.ndim == 0 for v in (lam, i, j))
    lam_t = _lam_tensor(lam, "lam").to(torch.float32).reshape(-1)
    i_t = _index_tensor(i, "i").reshape(-1)
    j_t = _index_tensor(j, "j").reshape(-1)
    try:
        lam_t, i_t, j_t = torch.broadcast_tensors(lam_t, i_t, j_t)
    except RuntimeError:
        raise ValueError(
            f"lam, i and j must have the same length, got {lam_t.numel()}, {i_t.numel()}, "
            f"{j_t.numel()}"
        ) from None
    for name, t in (("i", i_t), ("j", j_t)):
        if t.numel() and (int(t.min()) < 0 or int(t.max()) >= k):
            raise ValueError(f"{name} must be a class index in [0, {k}), got {t.tolist()}")
    onehot_i = one_hot(i_t, k)
    onehot_j = one_hot(j_t, k)
    lam_col = lam_t[:, None]
    out = lam_col * onehot_i + (1.0 - lam_col) * onehot_j
    return out[0] if scalar else out


def soft_cross_entropy(logits, soft_targets, reduction="mean") -> torch.Tensor:
    """Cross-entropy with probability targets: ``-Σ_k t_k · log softmax(z)_k``.

    ``logits`` and ``soft_targets``: same shape, ``(B, K)`` or ``(B, K, d1, ...)`` with classes
    in dim 1, floating point. ``reduction``: ``"mean"`` over all non-class positions (default),
    ``"sum"`` or ``"none"`` (shape without dim 1). Agrees with ``torch.nn.functional.
    cross_entropy`` given probability targets; written out so the formula is visible.
    """
    for name, t in (("logits", logits), ("soft_targets", soft_targets)):
        if not isinstance(t, torch.Tensor) or not t.is_floating_point():
            raise ValueError(f"{name} must be a floating-point torch.Tensor, got {_describe(t)}")
    if logits.ndim < 2:
        raise ValueError(f"logits must have shape (B, K, ...), got {tuple(logits.shape)}")
    if soft_targets.shape != logits.shape:
        raise ValueError(
            f"soft_targets must have the shape of logits {tuple(logits.shape)}, got "
            f"{tuple(soft_targets.shape)} (integer labels: use one_hot first)"
        )
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    loss = -(soft_targets * F.log_softmax(logits, dim=1)).sum(dim=1)
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


# ----------------------------------------------------------------------------- sampling


def sample_lambda(n, alpha, *, generator=None) -> torch.Tensor:
    """Draw ``n`` values of λ ~ Beta(α, α): ``(n,)`` float32 on the generator's device.

    Uses the Dirichlet sampler behind ``torch.distributions.Beta`` (which cannot take a
    generator), so the draws follow the same rule as torchvision's MixUp/CutMix.
    Mean 0.5, variance ``1 / (4 (2α + 1))``; small α (0.2) puts most mass near 0 and 1.
    Being float32 (as torchvision's), draws within ~6e-8 of 1 come out as exactly 1.
    """
    n = check_int(n, "n", minimum=0)
    a = check_positive(alpha, "alpha")
    g = make_generator(generator)
    device = g.device if g is not None else torch.device("cpu")
    concentration = torch.full((n, 2), a, dtype=torch.float32, device=device)
    return torch._sample_dirichlet(concentration, generator=g)[:, 0]


def partner_index(batch_size, partner="perm", *, pairs=False, generator=None) -> torch.Tensor:
    """Index of each sample's mixing partner: ``(B,)`` int64 on the generator's device.

    ``"perm"``: a random permutation (with ``pairs=True`` a random perfect matching, so that
    partner[partner[i]] == i); ``"flip"``: ``B - 1 - i``; ``"roll"``: ``i - 1`` modulo B, the
    pairing of torchvision's MixUp/CutMix (``batch.roll(1, 0)``). With ``pairs=True`` and an
    odd B, one sample is its own partner (it comes out unchanged). ``"roll"`` is not a pairing.
    """
    b = check_int(batch_size, "batch_size", minimum=1)
    _check_choice(partner, PARTNERS, "partner")
    g = make_generator(generator)
    device = g.device if g is not None else torch.device("cpu")
    idx = torch.arange(b, device=device)
    if partner == "flip":
        return idx.flip(0)
    if partner == "roll":
        if pairs:
            raise ValueError("partner='roll' does not pair samples; use 'perm' or 'flip' in pair mode")
        return (idx - 1) % b
    order = torch.randperm(b, generator=g, device=device)
    if not pairs:
        return order
    m = b // 2
    first, second = order[:m], order[m : 2 * m]
    out = idx.clone()
    out[first] = second
    out[second] = first
    return out


def cutmix_box(lam, cx, cy, height, width) -> torch.Tensor:
    """CutMix boxes ``(n, 4)`` int64 as ``(x1, y1, x2, y2)``, half-open, clipped to the image.

    torchvision's rule (``v2.CutMix``), vectorised: half-sides ``⌊½·√(1-λ)·W⌋`` and
    ``⌊½·√(1-λ)·H⌋`` (computed in float64) around the centre ``(cx, cy)``, clipped to
    ``[0, W] × [0, H]``. ``lam``, ``cx``, ``cy``: ``(n,)`` tensors (or scalars); centres are
    integer pixel positions, uniform in ``[0, W)`` and ``[0, H)`` when sampled.
    """
    h = check_int(height, "height", minimum=1)
    w = check_int(width, "width", minimum=1)
    lam64 = _lam_tensor(lam, "lam").to(torch.float64).reshape(-1)
    cx = _index_tensor(cx, "cx").reshape(-1).to(lam64.device)
    cy = _index_tensor(cy, "cy").reshape(-1).to(lam64.device)
    lam64, cx, cy = torch.broadcast_tensors(lam64, cx, cy)
    r = 0.5 * torch.sqrt(1.0 - lam64)
    half_w = torch.floor(r * w).long()
    half_h = torch.floor(r * h).long()
    x1 = (cx - half_w).clamp(min=0)
    y1 = (cy - half_h).clamp(min=0)
    x2 = (cx + half_w).clamp(max=w)
    y2 = (cy + half_h).clamp(max=h)
    return torch.stack([x1, y1, x2, y2], dim=1)


def cutmix_lambda(box, height, width) -> torch.Tensor:
    """Exact kept fraction ``1 - box area / (H · W)`` for each box: ``(n,)`` float64."""
    h = check_int(height, "height", minimum=1)
    w = check_int(width, "width", minimum=1)
    box = _check_boxes(box, h, w)
    area = (box[:, 2] - box[:, 0]) * (box[:, 3] - box[:, 1])
    return 1.0 - area.to(torch.float64) / (h * w)


def box_mask(box, height, width, device=None) -> torch.Tensor:
    """Boolean masks ``(n, H, W)``, True inside each half-open box ``(x1, y1, x2, y2)``.

    ``box``: ``(n, 4)`` integer tensor (or one box as 4 ints). Built on ``device`` (default:
    the box's) by broadcasting a ``(n, H, 1)`` row test against a ``(n, 1, W)`` column test.
    """
    h = check_int(height, "height", minimum=1)
    w = check_int(width, "width", minimum=1)
    box = _check_boxes(box, h, w)
    box = box.to(device if device is not None else box.device)
    rows = torch.arange(h, device=box.device)
    cols = torch.arange(w, device=box.device)
    x1, y1, x2, y2 = (box[:, k, None] for k in range(4))
    in_rows = (rows >= y1) & (rows < y2)
    in_cols = (cols >= x1) & (cols < x2)
    return in_rows[:, :, None] & in_cols[:, None, :]


def sample_mixup_params(batch_size, *, alpha=0.2, mode="batch", partner="perm",
                        generator=None) -> dict:
    """Draw MixUp parameters: ``{"lam": (1,) or (B,) float32, "perm": (B,) int64}``.

    ``lam`` has one value in batch mode and one per sample otherwise (equal within a pair in
    pair mode). Draw order: λ, then the partner permutation. Tensors are on the generator's
    device; ``mixup_kernel(x, y_soft, **params)`` applies them.
    """
    b = check_int(batch_size, "batch_size", minimum=1)
    _check_choice(mode, MODES, "mode")
    g = make_generator(generator)
    lam = sample_lambda(1 if mode == "batch" else b, alpha, generator=g)
    perm = partner_index(b, partner, pairs=mode == "pair", generator=g)
    if mode == "pair":
        lam = lam[_pair_leader(perm)]
    return {"lam": lam, "perm": perm}


def sample_cutmix_params(batch_size, height, width, *, alpha=1.0, mode="batch", partner="perm",
                         generator=None) -> dict:
    """Draw CutMix parameters: ``{"box": (n, 4) int64, "lam": (n,) float64, "perm": (B,)}``.

    n is 1 in batch mode (one box for the batch) and B otherwise. λ ~ Beta(α, α) sets the box
    size (``cutmix_box``); centres are uniform integer pixels; the returned ``lam`` is the
    corrected, exact kept fraction ``1 - area / (H · W)``. Draw order: λ, x centres, y centres,
    partner permutation — torchvision's order, so batch mode with ``partner="roll"`` and
    ``generator=None`` reproduces ``v2.CutMix`` after the same ``torch.manual_seed``.
    """
    b = check_int(batch_size, "batch_size", minimum=1)
    h = check_int(height, "height", minimum=1)
    w = check_int(width, "width", minimum=1)
    _check_choice(mode, MODES, "mode")
    g = make_generator(generator)
    n = 1 if mode == "batch" else b
    lam = sample_lambda(n, alpha, generator=g)
    cx, cy = _sample_centres(n, h, w, g)
    perm = partner_index(b, partner, pairs=mode == "pair", generator=g)
    if mode == "pair":
        leader = _pair_leader(perm)
        lam, cx, cy = lam[leader], cx[leader], cy[leader]
    box = cutmix_box(lam, cx, cy, h, w)
    return {"box": box, "lam": cutmix_lambda(box, h, w), "perm": perm}


def sample_mixup_or_cutmix_params(batch_size, height, width, *, mixup_alpha=0.2,
                                  cutmix_alpha=1.0, cutmix_prob=0.5, mode="batch",
                                  partner="perm", generator=None) -> dict:
    """Draw parameters for a MixUp-or-CutMix switch (timm's ``Mixup`` with ``switch_prob``).

    Returns ``{"lam": (n,), "box": (n, 4), "use_cutmix": (n,) bool, "perm": (B,)}`` with n = 1
    in batch mode (one coin for the batch, like torchvision's ``RandomChoice``) and B otherwise
    (one coin per sample or pair). ``lam`` is the MixUp λ where ``use_cutmix`` is False and the
    corrected CutMix λ where it is True. Draw order: MixUp λ, CutMix λ, x/y centres, coins,
    partner permutation.
    """
    b = check_int(batch_size, "batch_size", minimum=1)
    h = check_int(height, "height", minimum=1)
    w = check_int(width, "width", minimum=1)
    p = check_probability(cutmix_prob, "cutmix_prob")
    _check_choice(mode, MODES, "mode")
    g = make_generator(generator)
    n = 1 if mode == "batch" else b
    lam_mix = sample_lambda(n, mixup_alpha, generator=g)
    lam_cut = sample_lambda(n, cutmix_alpha, generator=g)
    cx, cy = _sample_centres(n, h, w, g)
    coin = torch.rand(n, generator=g, device=lam_mix.device) < p
    perm = partner_index(b, partner, pairs=mode == "pair", generator=g)
    if mode == "pair":
        leader = _pair_leader(perm)
        lam_mix, lam_cut, cx, cy, coin = (t[leader] for t in (lam_mix, lam_cut, cx, cy, coin))
    box = cutmix_box(lam_cut, cx, cy, h, w)
    box = torch.where(coin[:, None], box, torch.zeros_like(box))
    lam = torch.where(coin, cutmix_lambda(box, h, w), lam_mix.to(torch.float64))
    return {"lam": lam, "box": box, "use_cutmix": coin, "perm": perm}


# ----------------------------------------------------------------------------- kernels


def mixup_kernel(x, y_soft, lam, perm) -> tuple[torch.Tensor, torch.Tensor]:
    """MixUp with explicit parameters: ``x̃ = λ·x + (1-λ)·x[perm]``, ``ỹ = λ·y + (1-λ)·y[perm]``.

    ``x``: ``(B, ...)`` floating point (images ``(B, C, H, W)``, but any batch works).
    ``y_soft``: ``(B, K)`` floating soft targets (``to_soft_targets`` makes them).
    ``lam``: a number, or a tensor of 1 or B values in [0, 1]. ``perm``: ``(B,)`` int64
    partner indices. Returns ``(x_mix, y_mix)`` with the dtypes and device of the inputs.
    Images are blended with ``torch.lerp`` (exact at λ = 0 and 1, within a few ulp of the
    formula otherwise); targets use the formula as written. Agrees with
    ``torchvision.transforms.v2.MixUp`` given its λ and ``perm = (arange(B) - 1) % B``.
    Values of ``lam`` and ``perm`` are range-checked when they are on the CPU.
    """
    x = _check_batch(x, "x", floating=True)
    b = x.shape[0]
    y_soft = _check_soft_targets(y_soft, b)
    lam = _check_lam(lam, b)
    perm = _check_perm(perm, b)
    return _blend_images(x, lam, perm), _mix_targets(y_soft, lam, perm)


def cutmix_kernel(x, y_soft, box, perm) -> tuple[torch.Tensor, torch.Tensor]:
    """CutMix with explicit boxes: paste ``x[perm]`` inside each box, mix targets by area.

    ``x``: ``(B, C, H, W)`` uint8 or floating. ``y_soft``: ``(B, K)`` floating. ``box``:
    ``(x1, y1, x2, y2)`` ints or a ``(4,)``/``(1, 4)`` tensor (one box for the batch) or a
    ``(B, 4)`` int tensor (one per sample), half-open pixel ranges inside the image.
    ``perm``: ``(B,)`` int64. The target weight is the exact kept fraction
    ``λ = 1 - area / (H · W)`` (``cutmix_lambda``). Agrees with ``v2.CutMix`` given its box and
    ``perm = (arange(B) - 1) % B``. Returns ``(x_mix, y_mix)``.
    """
    x = _check_batch(x, "x", image=True)
    b, _, h, w = x.shape
    y_soft = _check_soft_targets(y_soft, b)
    box = _check_boxes(box, h, w, batch_size=b)
    perm = _check_perm(perm, b)
    lam = cutmix_lambda(box, h, w)
    return _paste_boxes(x, box, perm), _mix_targets(y_soft, lam, perm)


def mixup_or_cutmix_kernel(x, y_soft, lam, box, use_cutmix, perm):
    """MixUp for some samples and CutMix for others, in one pass over the batch.

    ``x``: ``(B, C, H, W)`` floating. ``lam``, ``box``, ``use_cutmix``: 1 or B entries each
    (``(n,)``, ``(n, 4)``, ``(n,)`` bool). Where ``use_cutmix`` is True the sample gets
    ``cutmix_kernel``'s result for its box (``lam`` is ignored and recomputed from the box);
    elsewhere ``mixup_kernel``'s with its λ. Returns ``(x_mix, y_mix)``.
    """
    x = _check_batch(x, "x", image=True, floating=True)
    b, _, h, w = x.shape
    y_soft = _check_soft_targets(y_soft, b)
    lam = _check_lam(lam, b)
    box = _check_boxes(box, h, w, batch_size=b)
    perm = _check_perm(perm, b)
    if not isinstance(use_cutmix, torch.Tensor):
        use_cutmix = torch.tensor(use_cutmix)
    use_cutmix = use_cutmix.reshape(-1).to(torch.bool)
    if use_cutmix.numel() not in (1, b) or use_cutmix.numel() != box.shape[0]:
        raise ValueError(
            f"use_cutmix must have one entry per box ({box.shape[0]}), got {use_cutmix.numel()}"
        )
    lam_eff = torch.where(use_cutmix.to(box.device), cutmix_lambda(box, h, w),
                          lam.to(box.device, torch.float64))
    if use_cutmix.numel() == 1:  # one coin for the whole batch
        if bool(use_cutmix):
            return _paste_boxes(x, box, perm), _mix_targets(y_soft, lam_eff, perm)
        return _blend_images(x, lam, perm), _mix_targets(y_soft, lam, perm)
    if x.device.type == "cpu":
        # Blend with weight λ (MixUp) or 1 (CutMix: x unchanged), then paste only the boxes.
        cut = use_cutmix.to(x.device)
        weight = torch.where(cut, 1.0, lam.to(x.device, torch.float64)).to(x.dtype)
        out = x.index_select(0, perm.to(x.device)).lerp_(x, weight.view(-1, 1, 1, 1))
        partners, boxes = perm.tolist(), box.tolist()
        for i in cut.nonzero()[:, 0].tolist():
            x1, y1, x2, y2 = boxes[i]
            out[i, :, y1:y2, x1:x2] = x[partners[i], :, y1:y2, x1:x2]
        return out, _mix_targets(y_soft, lam_eff, perm)
    # Per-sample weight map: 0 inside a CutMix box, 1 outside it, λ for MixUp samples.
    keep = ~box_mask(box, h, w, device=x.device)
    weight = torch.where(use_cutmix.to(x.device)[:, None, None], keep,
                         lam.to(x.device, x.dtype).reshape(-1, 1, 1))
    out = x.index_select(0, perm.to(x.device))
    out.lerp_(x, weight[:, None])
    return out, _mix_targets(y_soft, lam_eff, perm)


# ----------------------------------------------------------------------------- sample + apply


def mixup(x, y, *, alpha=0.2, mode="batch", partner="perm", num_classes=None,
          label_smoothing=0.0, generator=None, return_params=False):
    """MixUp a batch: draw λ ~ Beta(α, α) and partners, then call ``mixup_kernel``.

    ``x``: ``(B, ...)`` floating. ``y``: ``(B,)`` class indices (with ``num_classes``) or
    ``(B, K)`` soft targets. ``mode``: ``"batch"`` | ``"pair"`` | ``"elem"``; ``partner``:
    ``"perm"`` | ``"flip"`` | ``"roll"``. Returns ``(x_mix, y_mix)`` (and the parameter dict
    when ``return_params``). The same generator seed gives the same result;
    ``mixup_kernel(x, to_soft_targets(y, K), **sample_mixup_params(B, ...))`` is identical.
    Default α = 0.2 as in the course's recipe (torchvision defaults to 1.0).
    """
    x = _check_batch(x, "x", floating=True)
    y_soft = _targets_for(y, x.shape[0], num_classes, label_smoothing)
    params = sample_mixup_params(x.shape[0], alpha=alpha, mode=mode, partner=partner,
                                 generator=generator)
    out = mixup_kernel(x, y_soft, **params)
    return (*out, params) if return_params else out


def cutmix(x, y, *, alpha=1.0, mode="batch", partner="perm", num_classes=None,
           label_smoothing=0.0, generator=None, return_params=False):
    """CutMix a batch: draw λ, box centres and partners, then call ``cutmix_kernel``.

    ``x``: ``(B, C, H, W)`` uint8 or floating; other arguments as in ``mixup``. In elem and
    pair modes every sample (pair) gets its own box. Default α = 1.0 (CutMix paper,
    torchvision, timm).
    """
    x = _check_batch(x, "x", image=True)
    b, _, h, w = x.shape
    y_soft = _targets_for(y, b, num_classes, label_smoothing)
    params = sample_cutmix_params(b, h, w, alpha=alpha, mode=mode, partner=partner,
                                  generator=generator)
    out = cutmix_kernel(x, y_soft, params["box"], params["perm"])
    return (*out, params) if return_params else out


def mixup_or_cutmix(x, y, *, mixup_alpha=0.2, cutmix_alpha=1.0, cutmix_prob=0.5, mode="batch",
                    partner="perm", num_classes=None, label_smoothing=0.0, generator=None,
                    return_params=False):
    """Apply CutMix with probability ``cutmix_prob``, MixUp otherwise.

    Batch mode flips one coin for the batch (torchvision's ``RandomChoice([MixUp, CutMix])``);
    pair and elem modes flip one per pair / sample (timm's ``Mixup(switch_prob=...)``).
    ``x``: ``(B, C, H, W)`` floating; other arguments as in ``mixup``.
    """
    x = _check_batch(x, "x", image=True, floating=True)
    b, _, h, w = x.shape
    y_soft = _targets_for(y, b, num_classes, label_smoothing)
    params = sample_mixup_or_cutmix_params(
        b, h, w, mixup_alpha=mixup_alpha, cutmix_alpha=cutmix_alpha, cutmix_prob=cutmix_prob,
        mode=mode, partner=partner, generator=generator)
    out = mixup_or_cutmix_kernel(x, y_soft, **params)
    return (*out, params) if return_params else out


# ----------------------------------------------------------------------------- modules


class _MixModule(nn.Module):
    """Holds the options and one generator, so successive calls draw fresh parameters."""

    def __init__(self, *, mode, partner, num_classes, label_smoothing, generator):
        super().__init__()
        _check_choice(mode, MODES, "mode")
        _check_choice(partner, PARTNERS, "partner")
        if mode == "pair" and partner == "roll":
            raise ValueError("partner='roll' does not pair samples; use 'perm' or 'flip' in pair mode")
        self.mode, self.partner = mode, partner
        self.num_classes = None if num_classes is None else check_int(
            num_classes, "num_classes", minimum=1)
        self.label_smoothing = check_probability(label_smoothing, "label_smoothing")
        self.generator = make_generator(generator)

    def _options(self) -> dict:
        return dict(mode=self.mode, partner=self.partner, num_classes=self.num_classes,
                    label_smoothing=self.label_smoothing, generator=self.generator)


class MixUp(_MixModule):
    """``MixUp(alpha=0.2, mode="batch", ...)(x, y) -> (x_mix, y_mix)``; see ``mixup``.

    Like ``torchvision.transforms.v2.MixUp`` (called on a batch with its labels) but with
    per-pair / per-sample λ modes and a seedable generator.
    """

    def __init__(self, alpha=0.2, *, mode="batch", partner="perm", num_classes=None,
                 label_smoothing=0.0, generator=None):
        super().__init__(mode=mode, partner=partner, num_classes=num_classes,
                         label_smoothing=label_smoothing, generator=generator)
        self.alpha = check_positive(alpha, "alpha")

    def forward(self, x, y):
        return mixup(x, y, alpha=self.alpha, **self._options())

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}, mode={self.mode!r}, partner={self.partner!r}"


class CutMix(_MixModule):
    """``CutMix(alpha=1.0, mode="batch", ...)(x, y) -> (x_mix, y_mix)``; see ``cutmix``.

    Like ``torchvision.transforms.v2.CutMix`` (same box rule), with per-sample boxes in elem
    and pair modes and a seedable generator.
    """

    def __init__(self, alpha=1.0, *, mode="batch", partner="perm", num_classes=None,
                 label_smoothing=0.0, generator=None):
        super().__init__(mode=mode, partner=partner, num_classes=num_classes,
                         label_smoothing=label_smoothing, generator=generator)
        self.alpha = check_positive(alpha, "alpha")

    def forward(self, x, y):
        return cutmix(x, y, alpha=self.alpha, **self._options())

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}, mode={self.mode!r}, partner={self.partner!r}"


class MixUpOrCutMix(_MixModule):
    """CutMix with probability ``cutmix_prob``, else MixUp; see ``mixup_or_cutmix``.

    The switch of torchvision's ``RandomChoice([MixUp(), CutMix()])`` (batch mode) and of
    timm's ``Mixup(switch_prob=...)`` (per sample in elem mode).
    """

    def __init__(self, mixup_alpha=0.2, cutmix_alpha=1.0, cutmix_prob=0.5, *, mode="batch",
                 partner="perm", num_classes=None, label_smoothing=0.0, generator=None):
        super().__init__(mode=mode, partner=partner, num_classes=num_classes,
                         label_smoothing=label_smoothing, generator=generator)
        self.mixup_alpha = check_positive(mixup_alpha, "mixup_alpha")
        self.cutmix_alpha = check_positive(cutmix_alpha, "cutmix_alpha")
        self.cutmix_prob = check_probability(cutmix_prob, "cutmix_prob")

    def forward(self, x, y):
        return mixup_or_cutmix(x, y, mixup_alpha=self.mixup_alpha, cutmix_alpha=self.cutmix_alpha,
                               cutmix_prob=self.cutmix_prob, **self._options())

    def extra_repr(self) -> str:
        return (f"mixup_alpha={self.mixup_alpha}, cutmix_alpha={self.cutmix_alpha}, "
                f"cutmix_prob={self.cutmix_prob}, mode={self.mode!r}, partner={self.partner!r}")


# ----------------------------------------------------------------------------- internals


def _describe(v) -> str:
    if isinstance(v, torch.Tensor):
        return f"a {v.dtype} tensor of shape {tuple(v.shape)}"
    return type(v).__name__


def _check_choice(value, choices, name):
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")


def _check_batch(x, name, *, image=False, floating=False) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if image and x.ndim != 4:
        raise ValueError(f"{name} must be an image batch (B, C, H, W), got shape {tuple(x.shape)}")
    if x.ndim < 2 or x.shape[0] < 1:
        raise ValueError(f"{name} must be a non-empty batch (B, ...), got shape {tuple(x.shape)}")
    if floating and not x.is_floating_point():
        raise ValueError(f"{name} must be floating point for MixUp blending, got {x.dtype}")
    if not floating and not (x.is_floating_point() or x.dtype == torch.uint8):
        raise ValueError(f"{name} must be uint8 or floating point, got {x.dtype}")
    return x


def _check_soft_targets(y_soft, batch_size) -> torch.Tensor:
    if not isinstance(y_soft, torch.Tensor) or not y_soft.is_floating_point() or y_soft.ndim != 2:
        raise ValueError(
            f"y_soft must be (B, K) floating soft targets (see to_soft_targets), got {_describe(y_soft)}"
        )
    if y_soft.shape[0] != batch_size:
        raise ValueError(f"y_soft must have {batch_size} rows (the batch size of x), got {y_soft.shape[0]}")
    return y_soft


def _check_class_indices(y, num_classes, name) -> torch.Tensor:
    if not isinstance(y, torch.Tensor) or y.ndim != 1 or y.is_floating_point() or y.dtype == torch.bool:
        raise ValueError(f"{name} must be a (B,) integer tensor of class indices, got {_describe(y)}")
    if y.numel() and (int(y.min()) < 0 or int(y.max()) >= num_classes):
        raise ValueError(f"{name} must hold class indices in [0, {num_classes}), got values "
                         f"from {int(y.min())} to {int(y.max())}")
    return y.long()


def _targets_for(y, batch_size, num_classes, label_smoothing) -> torch.Tensor:
    y_soft = to_soft_targets(y, num_classes, label_smoothing=label_smoothing)
    if y_soft.shape[0] != batch_size:
        raise ValueError(f"y must have {batch_size} labels (the batch size of x), got {y_soft.shape[0]}")
    return y_soft


def _lam_tensor(lam, name) -> torch.Tensor:
    if isinstance(lam, torch.Tensor):
        if not (lam.is_floating_point() or lam.dtype in (torch.int64, torch.int32)):
            raise ValueError(f"{name} must be a number or a floating tensor, got {lam.dtype}")
        t = lam
    else:
        try:
            t = torch.as_tensor(check_probability(lam, name), dtype=torch.float64)
        except ValueError:
            raise ValueError(f"{name} must be a number in [0, 1] or a tensor, got {lam!r}") from None
    if t.device.type == "cpu" and t.numel() and not bool(((t >= 0) & (t <= 1)).all()):
        raise ValueError(f"{name} must lie in [0, 1], got values from {float(t.min())} to {float(t.max())}")
    return t


def _index_tensor(v, name) -> torch.Tensor:
    if isinstance(v, torch.Tensor):
        if v.is_floating_point() or v.dtype == torch.bool:
            raise ValueError(f"{name} must be an integer index tensor, got {v.dtype}")
        return v.long()
    return torch.as_tensor(check_int(v, name), dtype=torch.long)


def _check_lam(lam, batch_size) -> torch.Tensor:
    lam = _lam_tensor(lam, "lam").reshape(-1)
    if lam.numel() not in (1, batch_size):
        raise ValueError(f"lam must hold 1 or {batch_size} values (one per sample), got {lam.numel()}")
    return lam


def _check_perm(perm, batch_size) -> torch.Tensor:
    if not isinstance(perm, torch.Tensor) or perm.is_floating_point() or perm.dtype == torch.bool:
        raise ValueError(f"perm must be a (B,) integer tensor of partner indices, got {_describe(perm)}")
    if perm.shape != (batch_size,):
        raise ValueError(f"perm must have shape ({batch_size},), got {tuple(perm.shape)}")
    if perm.device.type == "cpu" and (int(perm.min()) < 0 or int(perm.max()) >= batch_size):
        raise ValueError(f"perm must hold indices in [0, {batch_size}), got values from "
                         f"{int(perm.min())} to {int(perm.max())}")
    return perm.long()


def _check_boxes(box, height, width, *, batch_size=None) -> torch.Tensor:
    if not isinstance(box, torch.Tensor):
        try:
            box = torch.as_tensor([check_int(v, "box") for v in box], dtype=torch.long)
        except (TypeError, ValueError):
            raise ValueError(f"box must be (x1, y1, x2, y2) integers or an (n, 4) integer tensor, "
                             f"got {box!r}") from None
    if box.is_floating_point() or box.dtype == torch.bool:
        raise ValueError(f"box must hold integer pixel coordinates, got {box.dtype}")
    box = box.long().reshape(-1, 4) if box.ndim == 1 and box.numel() == 4 else box.long()
    if box.ndim != 2 or box.shape[1] != 4:
        raise ValueError(f"box must have shape (n, 4) as (x1, y1, x2, y2), got {tuple(box.shape)}")
    if batch_size is not None and box.shape[0] not in (1, batch_size):
        raise ValueError(f"box must hold 1 or {batch_size} boxes, got {box.shape[0]}")
    if box.device.type == "cpu" and box.numel():
        x1, y1, x2, y2 = box.unbind(1)
        ok = (x1 >= 0) & (x1 <= x2) & (x2 <= width) & (y1 >= 0) & (y1 <= y2) & (y2 <= height)
        if not bool(ok.all()):
            bad = box[~ok][0].tolist()
            raise ValueError(f"box must satisfy 0 <= x1 <= x2 <= {width} and 0 <= y1 <= y2 <= "
                             f"{height}, got {bad}")
    return box


def _pair_leader(perm) -> torch.Tensor:
    """The smaller index of each pair: both partners read their parameters from it."""
    return torch.minimum(torch.arange(perm.numel(), device=perm.device), perm)


def _sample_centres(n, height, width, g):
    device = g.device if g is not None else torch.device("cpu")
    cx = torch.randint(0, width, (n,), generator=g, device=device)
    cy = torch.randint(0, height, (n,), generator=g, device=device)
    return cx, cy


def _blend_images(x, lam, perm) -> torch.Tensor:
    out = x.index_select(0, perm.to(x.device))
    if lam.numel() == 1 and lam.device.type == "cpu":
        return out.lerp_(x, float(lam))
    weight = lam.to(x.device, x.dtype).reshape(-1, *([1] * (x.ndim - 1)))
    return out.lerp_(x, weight)


def _paste_boxes(x, box, perm) -> torch.Tensor:
    _, _, h, w = x.shape
    perm = perm.to(x.device)
    if box.shape[0] == 1:  # one box: copy just that region
        x1, y1, x2, y2 = box[0].tolist()
        out = x.clone()
        out[..., y1:y2, x1:x2] = x[..., y1:y2, x1:x2].index_select(0, perm)
        return out
    if x.device.type == "cpu":
        return _paste_box_regions(x, box, perm)
    # On a GPU one masked select over the batch is a single kernel: cheaper than B launches.
    inside = box_mask(box, h, w, device=x.device)[:, None]
    out = x.index_select(0, perm)
    return torch.where(inside, out, x, out=out)


def _paste_box_regions(x, box, perm) -> torch.Tensor:
    """CPU CutMix with one box per sample: copy the batch once, then only the boxes' pixels.

    A per-sample mask would read and write every pixel twice more; here each sample's box is
    one strided copy (the same work as timm's per-element ``Mixup``), so the cost is the copy
    of the batch plus the pasted area. The loop runs over boxes, not pixels: every iteration
    is one native copy of a whole ``(C, h_i, w_i)`` region.
    """
    out = x.clone()
    for i, (j, (x1, y1, x2, y2)) in enumerate(zip(perm.tolist(), box.tolist(), strict=True)):
        if x2 > x1 and y2 > y1 and i != j:
            out[i, :, y1:y2, x1:x2] = x[j, :, y1:y2, x1:x2]
    return out


def _mix_targets(y_soft, lam, perm) -> torch.Tensor:
    lam = lam.to(y_soft.device, y_soft.dtype).reshape(-1, 1)
    return lam * y_soft + (1.0 - lam) * y_soft.index_select(0, perm.to(y_soft.device))
