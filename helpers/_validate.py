"""Argument checks shared by the helpers. Each failure is a ValueError naming the argument."""

from __future__ import annotations

import math
from numbers import Real

import torch


def check_probability(p, name: str) -> float:
    """Return ``p`` as a float, or raise if it is not a number in [0, 1]."""
    if isinstance(p, bool) or not isinstance(p, Real) or not 0.0 <= float(p) <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {p!r}")
    return float(p)


def check_positive(v, name: str, *, allow_zero: bool = False) -> float:
    """Return ``v`` as a float, or raise if it is not a finite number > 0 (>= 0 with allow_zero)."""
    if isinstance(v, bool) or not isinstance(v, Real) or not math.isfinite(float(v)):
        raise ValueError(f"{name} must be a finite number, got {v!r}")
    if float(v) < 0 or (float(v) == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound}, got {v!r}")
    return float(v)


def check_int(v, name: str, *, minimum: int | None = None) -> int:
    """Return ``v`` as an int, or raise if it is not an integer (>= minimum when given)."""
    if isinstance(v, bool) or not isinstance(v, int | torch.SymInt) and not (
        isinstance(v, torch.Tensor) and v.ndim == 0 and not v.is_floating_point()
    ):
        raise ValueError(f"{name} must be an integer, got {v!r}")
    v = int(v)
    if minimum is not None and v < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {v}")
    return v


def check_range(pair, name: str, *, low=None, high=None) -> tuple[float, float]:
    """Return ``(a, b)`` with a <= b, or raise naming ``name``; optional bounds on both ends."""
    try:
        a, b = (float(v) for v in pair)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (min, max) of numbers, got {pair!r}") from None
    if not (math.isfinite(a) and math.isfinite(b)):
        raise ValueError(f"{name} must be finite, got {pair!r}")
    if a > b:
        raise ValueError(f"{name} must be ordered (min, max) with min <= max, got {pair!r}")
    if low is not None and a < low:
        raise ValueError(f"{name} must lie in [{low}, {high}], got {pair!r}")
    if high is not None and b > high:
        raise ValueError(f"{name} must lie in [{low}, {high}], got {pair!r}")
    return a, b


def check_image_batch(x, name: str = "x", *, channels=None) -> tuple[torch.Tensor, bool]:
    """Accept ``(C, H, W)`` or ``(B, C, H, W)``; return the 4-D batch and whether it was 3-D.

    ``channels``, when given, is the set of channel counts allowed (e.g. ``{1, 3}``).
    """
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.ndim not in (3, 4):
        raise ValueError(f"{name} must have shape (C, H, W) or (B, C, H, W), got {tuple(x.shape)}")
    if not (x.dtype == torch.uint8 or x.is_floating_point()):
        raise ValueError(f"{name} must be uint8 or floating point, got {x.dtype}")
    single = x.ndim == 3
    batch = x.unsqueeze(0) if single else x
    if channels is not None and batch.shape[1] not in channels:
        raise ValueError(
            f"{name} must have {sorted(channels)} channels in dim -3, got {batch.shape[1]}"
        )
    return batch, single


def make_generator(generator=None, device=None) -> torch.Generator | None:
    """Turn ``None``, an int seed or a ``torch.Generator`` into a generator (or None).

    An int seeds a fresh generator on ``device`` so the same seed gives the same draws.
    """
    if generator is None or isinstance(generator, torch.Generator):
        return generator
    if isinstance(generator, int) and not isinstance(generator, bool):
        g = torch.Generator(device=device if device is not None else "cpu")
        g.manual_seed(generator)
        return g
    raise ValueError(f"generator must be None, an int seed or a torch.Generator, got {generator!r}")
