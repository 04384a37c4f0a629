"""Sealed checks: compare an answer with an expected value that travels only as salted hashes.

The teacher side (``teacher.seal``) computes the expected answer of every hidden case and
stores, instead of the value, hashes of a few numbers derived from it; this module derives the
same numbers from the student's answer and compares the hashes. The precedent is nbgrader's
hashed autotests (``hashed_autotest``): the expected value is hashed with a salt, so the file
does not reveal it.

A tensor is compared through its shape and ``N_PROJECTIONS`` projections onto fixed random
weight vectors with ``Σ|rᵢ| = 1`` (``p = Σ rᵢ·xᵢ``). With ``δ = atol + rtol·M`` (``M``: the
largest ``|expected|`` rounded up to a power of two, at least every entry's tolerance), an answer
the grader accepts moves every projection by at most ``δ``. Each projection is rounded to a grid of step ``q = 4δ`` and its grid index hashed.

* the student's index has the expected hash: **passed** (every projection within ``q``);
* the student's value lies within ``δ`` of a grid edge and only the neighbouring index has the
  expected hash: **undecided** — a hash cannot tell on which side the expected value lies, so
  the row says "checked by your teacher" instead of guessing;
* neither: **failed**. This verdict is certain: some projection moved by more than ``δ``, so
  some entry is off by more than its tolerance and the grader fails the case too.

A pass is strong evidence, not proof: an error confined to a few entries can move the
projections by less than ``q``. Whole numbers and letters are hashed exactly.
"""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np

N_PROJECTIONS = 3
GRID = 4.0  # grid step in units of the tolerance δ
PASSED, FAILED, UNDECIDED = "passed", "failed", "undecided"
GROUP_ITERATIONS = 200_000  # pbkdf2 rounds of a multiple-choice group's hash
# A multiple-choice / true-false group is sealed only when it has at least this many possible
# answers. With fewer, trying every answer against its hash finds the right one in seconds, so
# the hash would be the answer key: such a part is left to the teacher ("checked by your teacher").
MIN_GROUP_ANSWERS = 2 ** 16


def _h(salt: str, *parts) -> str:
    text = "|".join([salt, *(json.dumps(p, sort_keys=True) for p in parts)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _weights(numel: int, where: str, k: int) -> np.ndarray:
    """Fixed random weights with ``Σ|r| = 1``, drawn from U(-1, 2) before scaling: their mean
    is positive, so a constant offset of the answer moves the projection too."""
    seed = int.from_bytes(hashlib.sha256(f"{where}|{k}".encode()).digest()[:8], "big")
    u = np.random.default_rng(seed).uniform(-1.0, 2.0, size=numel)
    return u / max(float(np.abs(u).sum()), 1e-12)


def _as_array(x) -> np.ndarray | None:
    """float64 array of a tensor, array, number or (nested) list; None when it is none of them."""
    if isinstance(x, bool) or x is None or isinstance(x, (str, dict)):
        return None
    try:
        import torch

        if isinstance(x, torch.Tensor):
            return x.detach().cpu().to(torch.float64).numpy()
    except ImportError:  # pragma: no cover - torch is a course dependency
        pass
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return arr


def seal_tensor(expected, *, atol: float, rtol: float, salt: str, where: str) -> dict:
    """The seal of a tensor-valued expected answer (shape, grid steps, hashed grid indices)."""
    e = _as_array(expected)
    if e is None:
        raise ValueError(f"expected: a tensor or numbers at {where}, got {type(expected).__name__}")
    # δ from the largest |expected| rounded up to a power of two: the grid step then tells
    # the order of magnitude of the values, not the values (a larger δ keeps "failed" certain)
    top = float(np.max(np.abs(e))) if e.size else 0.0
    delta = atol + rtol * (2.0 ** math.ceil(math.log2(top)) if top > 0 else 0.0)
    steps, hashes = [], []
    for k in range(N_PROJECTIONS):
        p = float(np.dot(_weights(e.size, where, k), e.ravel()))
        q = GRID * delta
        steps.append(q)
        hashes.append(_h(salt, where, k, math.floor(p / q + 0.5)))
    return {"kind": "tensor", "shape": _h(salt, where, "shape", list(e.shape)), "steps": steps,
            "hashes": hashes}


def seal_exact(expected, *, salt: str, where: str) -> dict:
    """The seal of a whole number or a string (compared exactly)."""
    return {"kind": "exact", "hash": _h(salt, where, "exact", type(expected).__name__, expected)}


def verify(seal: dict, answer, *, salt: str, where: str) -> str:
    """``passed``, ``failed`` or ``undecided`` (see the module docstring)."""
    if isinstance(answer, dict) and set(answer) == {"error"}:
        return FAILED
    if seal["kind"] == "exact":
        if not isinstance(answer, (int, str)) or isinstance(answer, bool):
            return FAILED
        ok = _h(salt, where, "exact", type(answer).__name__, answer) == seal["hash"]
        return PASSED if ok else FAILED
    a = _as_array(answer)
    if a is None or _h(salt, where, "shape", list(a.shape)) != seal["shape"] or not np.all(np.isfinite(a)):
        return FAILED
    verdict = PASSED
    for k, (q, expected_hash) in enumerate(zip(seal["steps"], seal["hashes"], strict=True)):
        t = float(np.dot(_weights(a.size, where, k), a.ravel())) / q
        m = math.floor(t + 0.5)
        if _h(salt, where, k, m) == expected_hash:
            continue
        near_edge = abs(t - m) > 0.5 - 1.0 / GRID  # within δ = q / GRID of the edge
        neighbour = m + (1 if t > m else -1)
        if near_edge and _h(salt, where, k, neighbour) == expected_hash:
            verdict = UNDECIDED
            continue
        return FAILED
    return verdict


def group_hash(values, *, salt: str, where: str) -> str:
    """A slow salted hash of a multiple-choice group's answers (all of them at once), so the
    self-check tells only "all right" or "not all right" and guessing costs time."""
    text = json.dumps([where, values], sort_keys=True).encode("utf-8")
    return hashlib.pbkdf2_hmac("sha256", text, salt.encode("utf-8"), GROUP_ITERATIONS).hex()[:32]
