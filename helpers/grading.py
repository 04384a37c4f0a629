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


def exercise_seed(tag: str, student: str | None = None) -> int:
    """A seed in ``[0, 2**31)`` for the section exercise ``tag`` (e.g. ``"02.ex1"``) and a student.

    The section exercises draw their numbers and test data from this seed, so every student gets
    their own (a copied number fails) and the same student gets the same ones in the notebook and
    at grading time. The student id and the switch that turns variants off are the drills' own
    (``helpers.drills.variant.student_id`` / ``variants_enabled``); ``student`` overrides the id.
    """
    import hashlib

    from helpers.drills.variant import ANONYMOUS, student_id, variants_enabled

    if not isinstance(tag, str) or not tag:
        raise ValueError(f"tag: a non-empty string naming the exercise, got {tag!r}")
    sid = student_id() if student is None else str(student)
    key = sid if variants_enabled() else ANONYMOUS
    digest = hashlib.sha256(f"augcourse-exercises:{tag}:{key}".encode()).digest()
    return int.from_bytes(digest[:4], "big") >> 1


def exercise_picks(tag: str, sizes, student: str | None = None) -> list[int]:
    """Which item of each slot a student answers in the section exercise ``tag``: one index in
    ``[0, n)`` for every ``n`` of ``sizes``, drawn from :func:`exercise_seed` (``tag``, ``student``).

    A true/false exercise keeps its statements in slots of a few; each student answers one of
    every slot, so a copied table of answers does not fit another student's statements.
    """
    import random

    sizes = list(sizes) if isinstance(sizes, (list, tuple)) else None
    if not sizes or any(type(n) is not int or n < 1 for n in sizes):
        raise ValueError(f"sizes: a non-empty list of positive ints (items per slot), got {sizes!r}")
    draw = random.Random(exercise_seed(tag, student))
    return [draw.randrange(n) for n in sizes]


def exercise_generator(tag: str, student: str | None = None) -> torch.Generator:
    """A CPU ``torch.Generator`` seeded with :func:`exercise_seed` (``tag``, ``student``)."""
    return torch.Generator().manual_seed(exercise_seed(tag, student))
