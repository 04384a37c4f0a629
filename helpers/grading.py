"""Checks used by the exercises' tests: clear messages, stated tolerances.

Each check raises ``AssertionError`` with a message that says what is wrong in words
(shape, dtype, which entries differ and by how much) and never prints expected values.
"""

from __future__ import annotations

import numpy as np
import torch


def _as_array(x, name: str) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().double().numpy()
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"{name} must be a tensor or array of numbers, got {type(x).__name__}") \
            from None


def rel_error(a, b, eps: float = 1e-8) -> float:
    """Largest relative error ``|a - b| / max(eps, |a| + |b|)`` over all entries (cs231n style)."""
    a, b = _as_array(a, "a"), _as_array(b, "b")
    return float(np.max(np.abs(a - b) / np.maximum(eps, np.abs(a) + np.abs(b)))) if a.size else 0.0


def check_shape(actual, shape: tuple, name: str = "your answer") -> None:
    """Fail unless ``actual`` has exactly ``shape``."""
    got = tuple(getattr(actual, "shape", np.shape(actual)))
    if got != tuple(shape):
        raise AssertionError(f"{name} has shape {got}, expected {tuple(shape)}")


def check_close(actual, expected, *, atol: float = 1e-6, rtol: float = 1e-5,
                name: str = "your answer") -> None:
    """Fail unless ``actual`` matches ``expected`` entrywise within ``atol + rtol * |expected|``.

    The message reports the shape mismatch, non-finite values, or how many entries are off
    and the largest absolute error, without revealing the expected values.
    """
    a = _as_array(actual, name)
    e = _as_array(expected, "expected")
    if a.shape != e.shape:
        raise AssertionError(f"{name} has shape {a.shape}, expected {e.shape}")
    if not np.all(np.isfinite(a)):
        raise AssertionError(f"{name} contains NaN or infinite values")
    bad = np.abs(a - e) > atol + rtol * np.abs(e)
    if bad.any():
        err = float(np.max(np.abs(a - e)))
        raise AssertionError(
            f"{name}: {int(bad.sum())} of {bad.size} entries are off "
            f"(largest absolute error {err:.3g}; tolerance atol={atol:g}, rtol={rtol:g})"
        )
