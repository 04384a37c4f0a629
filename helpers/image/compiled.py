"""ColorJitter as generated CPU loops, compiled with ``torch.compile`` (opt-in).

Eager PyTorch runs every element-wise op as its own pass over the image: ColorJitter with hue
takes about 30 passes over float32 images (the hue rotation alone about 12), where OpenCV,
which albumentations uses, reads and writes each pixel once per op in 8 bits.
``torch.compile`` (the inductor backend) turns each op below into one generated C++ loop
(contrast: two, one for its mean grey level) that reads the image once and writes it once:
five passes in all (the uint8 -> float conversion included) instead of about 30.

The formulas are those of :mod:`helpers.image.photometric` (torchvision's rules; hue is the
direct hue rotation of :func:`helpers.image.photometric.hue_`). The compiled code may round in
a different order than the eager ops (fused multiply-adds), so results agree with the eager
path to about 1e-6, well within the 1e-5 of the torchvision agreement.

Costs: compiling needs a C++ compiler and takes tens of seconds to minutes on the first call
(once per process; the batch size and image size are compiled as symbols, so other shapes
reuse it). When compiling fails (no compiler, an unsupported platform), :func:`run_compiled`
warns once and returns None, and the caller runs the eager ops instead. Used by
``helpers.image.Pipeline(..., compile=True)`` on the CPU.
"""

from __future__ import annotations

import threading
import warnings

import torch

from .photometric import GRAY_WEIGHTS, shifted_hue_centres

_STATE = {"fns": {}, "failed": False}
_LOCK = threading.Lock()


# One small function per op: each becomes one or two generated loops (contrast adds the
# reduction for its mean). Whole ColorJitter as one graph was slower: with four random steps
# every pixel computes all four ops, and inductor recomputes earlier steps at each read.


def to_float(x: torch.Tensor) -> torch.Tensor:
    """uint8 ``(n, 3, h, w)`` -> float32 in [0, 1] (one loop)."""
    return x.to(torch.float32) * (1.0 / 255.0)


def _gray(w: torch.Tensor) -> torch.Tensor:
    return w[:, 0:1] * GRAY_WEIGHTS[0] + w[:, 1:2] * GRAY_WEIGHTS[1] + w[:, 2:3] * GRAY_WEIGHTS[2]


def brightness(w: torch.Tensor, f: torch.Tensor, one_minus: torch.Tensor) -> torch.Tensor:
    return (w * f.view(-1, 1, 1, 1)).clamp(0.0, 1.0)


def contrast(w: torch.Tensor, f: torch.Tensor, one_minus: torch.Tensor) -> torch.Tensor:
    mean = _gray(w).mean(dim=(1, 2, 3), keepdim=True)
    return (w * f.view(-1, 1, 1, 1) + mean * one_minus.view(-1, 1, 1, 1)).clamp(0.0, 1.0)


def saturation(w: torch.Tensor, f: torch.Tensor, one_minus: torch.Tensor) -> torch.Tensor:
    return (w * f.view(-1, 1, 1, 1) + _gray(w) * one_minus.view(-1, 1, 1, 1)).clamp(0.0, 1.0)


def hue(w: torch.Tensor, centres: torch.Tensor, unused: torch.Tensor) -> torch.Tensor:
    """:func:`helpers.image.photometric.hue_`: channel c = min + C * trapezoid(H - e_c)."""
    r, g, b = w[:, 0:1], w[:, 1:2], w[:, 2:3]
    maxc = torch.maximum(torch.maximum(r, g), b)
    minc = torch.minimum(torch.minimum(r, g), b)
    chroma = maxc - minc
    h = torch.where(r == maxc, g - b, torch.where(g == maxc, b - r + 2.0 * chroma, r - g + 4.0 * chroma))
    h = h / chroma.clamp_min(1e-30)
    t = (((h - centres.view(-1, 3, 1, 1)).abs() - 3.0).abs() - 1.0).clamp(0.0, 1.0)
    return minc + t * chroma


OPS = (brightness, contrast, saturation, hue)
NAMES = ("brightness", "contrast", "saturation", "hue")


def _compiled(fn):
    with _LOCK:
        if fn.__name__ not in _STATE["fns"]:
            _STATE["fns"][fn.__name__] = torch.compile(fn, dynamic=True, fullgraph=True)
        return _STATE["fns"][fn.__name__]


def eager(fn):
    return fn


def color_jitter(x: torch.Tensor, params: dict, compile=_compiled) -> torch.Tensor | None:
    """ColorJitter of ``x`` (``(n, 3, h, w)``, uint8 or float in [0, 1]) -> float32.

    ``params``: ColorJitter's (``order``, factors, ``apply``); every sample must share one op
    order and be jittered or not alike (as :class:`helpers.image.Pipeline` arranges its CPU
    blocks); returns None otherwise. ``compile=eager`` runs the same functions uncompiled.
    """
    order, apply = params["order"], params.get("apply")
    if not bool((order == order[0]).all()) or (apply is not None and bool(apply.any() != apply.all())):
        return None
    if x.dtype == torch.uint8 and x.is_contiguous():
        w = compile(to_float)(x)
    else:  # float input, or channels-last uint8 (the uint8 resize's output), which an eager
        # copy turns planar and float in one pass, faster than the compiled loop reads it
        w = torch.empty(x.shape, dtype=torch.float32, device=x.device).copy_(x)
        if x.dtype == torch.uint8:
            w.mul_(1.0 / 255.0)
    if apply is not None and not bool(apply[0]):
        return w
    for op in order[0].tolist():
        factor = params.get(NAMES[op])
        if factor is None:
            continue
        factor = factor.to(device=w.device)
        if op == 3:
            args = (shifted_hue_centres(factor, w).view(-1, 3), factor)
        else:  # 1 - f rounded once from float64, as torchvision's Python-float blend weights
            args = (factor.to(w.dtype), (1.0 - factor.double()).to(w.dtype))
        w = compile(OPS[op])(w, *args)
    return w


def run_compiled(x: torch.Tensor, params: dict) -> torch.Tensor | None:
    """:func:`color_jitter` compiled (``x`` on the CPU), or None if it cannot run compiled.

    A batch of one sample is run as two (the compiled code treats sizes 0 and 1 apart, and a
    second compilation inside a worker thread would stall the pipeline).
    """
    if _STATE["failed"]:
        return None
    n = x.shape[0]
    if not (x.dtype == torch.uint8 and x.is_contiguous(memory_format=torch.channels_last)):
        x = x.contiguous()
    if n == 1:
        x = torch.cat((x, x))
        params = {k: (torch.cat((v, v)) if isinstance(v, torch.Tensor) and v.ndim else v)
                  for k, v in params.items()}
    try:
        out = color_jitter(x, params)
    except Exception as err:  # no C++ compiler, unsupported platform...: eager from now on
        _STATE["failed"] = True
        warnings.warn(f"helpers.image: torch.compile failed ({type(err).__name__}: {err}); "
                      "running ColorJitter eagerly", RuntimeWarning, stacklevel=2)
        return None
    return None if out is None else (out[:1] if n == 1 else out)
