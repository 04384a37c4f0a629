"""Argument checks and random draws shared by the audio helpers."""

from __future__ import annotations

import math
from numbers import Real

import torch

from .._validate import check_int, check_range, make_generator


def check_waveform(x, name: str = "waveform") -> tuple[torch.Tensor, torch.Size]:
    """Accept a float ``(B, T)`` or ``(B, C, T)`` batch; return it as rows ``(B*C, T)`` and its shape."""
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.ndim not in (2, 3):
        raise ValueError(f"{name} must have shape (B, T) or (B, C, T), got {tuple(x.shape)}")
    if not x.is_floating_point():
        raise ValueError(f"{name} must be a floating-point tensor, got {x.dtype}")
    if x.shape[-1] < 1 or x.shape[0] < 1:
        raise ValueError(f"{name} must hold at least one sample, got shape {tuple(x.shape)}")
    return x.reshape(-1, x.shape[-1]), x.shape


def check_sample_rate(sample_rate, name: str = "sample_rate") -> int:
    """Return the sample rate as a positive int."""
    return check_int(sample_rate, name, minimum=1)


def match_sample_rate(expected: int, given, name: str = "sample_rate") -> None:
    """Raise when a caller says its audio has another sample rate than the one configured."""
    if given is not None and check_sample_rate(given, name) != expected:
        raise ValueError(
            f"{name} mismatch: this transform was built for {expected} Hz, got audio at {given} Hz "
            "(resample it first, e.g. with torchaudio.functional.resample)"
        )


def per_sample(value, batch: int, name: str, *, device=None, dtype=torch.float64,
               positive: bool = False) -> torch.Tensor:
    """A number or a ``(B,)`` tensor of numbers as a finite ``(B,)`` tensor on ``device``."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number or a tensor of shape ({batch},), got {value!r}")
    if isinstance(value, Real):
        t = torch.full((batch,), float(value), dtype=dtype)
    elif isinstance(value, torch.Tensor):
        if value.ndim == 0:
            value = value.expand(batch)
        if value.shape != (batch,):
            raise ValueError(
                f"{name} must be a number or a tensor of shape ({batch},), got {tuple(value.shape)}"
            )
        if value.is_complex():
            raise ValueError(f"{name} must be real, got {value.dtype}")
        t = value.detach().to(dtype)
    else:
        raise ValueError(f"{name} must be a number or a tensor of shape ({batch},), got {value!r}")
    if not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name} must be finite (no NaN or inf), got {t.tolist()}")
    if positive and not bool((t > 0).all()):
        raise ValueError(f"{name} must be > 0, got {t.tolist()}")
    return t.to(device) if device is not None else t


def expand_rows(params: torch.Tensor, shape: torch.Size) -> torch.Tensor:
    """Repeat per-sample parameters ``(B,)`` over the channels of a ``(B, C, T)`` batch."""
    if len(shape) == 3:
        return params.repeat_interleave(shape[1])
    return params


def check_bounds(bounds, name: str, *, low=None, high=None) -> tuple[float, float]:
    """A range ``(a, b)`` with a <= b (a bare number ``v`` means ``(v, v)``) within [low, high]."""
    if isinstance(bounds, Real) and not isinstance(bounds, bool):
        if not math.isfinite(float(bounds)):
            raise ValueError(f"{name} must be finite, got {bounds!r}")
        bounds = (bounds, bounds)
    return check_range(bounds, name, low=low, high=high)


def uniform(batch: int, bounds, name: str, generator=None, *, low=None, high=None) -> torch.Tensor:
    """``batch`` float32 draws from U[a, b) on the generator's device, returned on the CPU.

    A bare number ``v`` means the fixed value ``v`` (no random draw).
    """
    a, b = check_bounds(bounds, name, low=low, high=high)
    if a == b:
        return torch.full((batch,), a)
    gen = make_generator(generator)
    device = gen.device if gen is not None else "cpu"
    u = torch.rand(batch, generator=gen, device=device)
    return (a + (b - a) * u).cpu()


def draw_normal(shape, generator, device, dtype) -> torch.Tensor:
    """Standard normal noise of ``shape`` on ``device``.

    Drawn directly on ``device`` when the generator lives there (fast on a GPU); otherwise on
    the generator's device (the CPU for an int seed or None) and moved, so that one seed gives
    the same noise on every device.
    """
    gen = make_generator(generator)
    device = torch.device(device)
    if gen is None:
        return torch.randn(shape, device=device, dtype=dtype)
    if gen.device.type == device.type:
        return torch.randn(shape, generator=gen, device=device, dtype=dtype)
    return torch.randn(shape, generator=gen, device=gen.device, dtype=dtype).to(device)
