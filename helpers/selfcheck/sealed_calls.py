"""Sealed checks of the section exercises (sections 1-8), the student side.

For a test cell with hidden cases, the teacher side (``teacher.sections``) wrote into
``data/course.json`` a list of **calls** of your functions on fixed inputs (the inputs themselves
are in ``data/sealed_inputs.pt``) and a list of **checks**, each worth part of the cell's points.
The probe ``helpers/drills/probes/section_calls.py`` makes the calls in your notebook's kernel and
sends back, per call, what your function returned (``out``), a description of it (``meta``: type,
dtype, length...), the arguments it was given after the call (``args``: did it modify them?) and,
where asked, whether a gradient reached an input (``grad_ok``).

A check compares one or more values taken from those answers (a *component*: which calls, a path
into the answer, an optional transform) with a seal (:mod:`.seal`):

* ``close``: numbers within ``atol + rtol·|expected|`` (``seal_tensor``);
* ``array``: numbers exactly equal, whatever the dtype (the grader's ``check_close`` with
  ``atol = rtol = 0``), hashed as shape + float64 bytes;
* ``exact``: plain data (ints, strings, lists of them) equal, hashed as JSON.

A check passes when every component passes; it fails when one fails; otherwise it is undecided and
the whole row is left to the teacher. A check with ``needs`` counts only when the checks before it
earned at least that many points (as in the hidden test); with ``error_zero`` an exception in any
call costs the whole cell, as an exception outside a ``try`` does in the hidden test.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

from .seal import FAILED, PASSED, UNDECIDED, _as_array, verify

_MISSING = object()
_MAX_MESSAGE = 240


def input_key(section: str, grade_id: str) -> str:
    """The key of a cell's calls in ``sealed_inputs.pt`` (also its probe's name)."""
    return f"{section}.{grade_id}"


def probe_code() -> str:
    """The text sent to the kernel after the notebook: the prelude and the calls probe."""
    from helpers.drills.probes import prelude_source, probe_source

    return prelude_source() + probe_source("section_calls")


def probes(section: str, sealed_calls: dict) -> dict[str, str]:
    """``{input key: probe code}`` of every sealed cell of a section."""
    code = probe_code()
    return {input_key(section, gid): code for gid in sealed_calls}


# ----------------------------------------------------------------------------- values

def _is_error(x) -> bool:
    return isinstance(x, dict) and set(x) == {"error"}


def _walk(record, path):
    if _is_error(record):
        return _MISSING
    cur = record
    for p in path:
        if isinstance(cur, dict) and p in cur:
            cur = cur[p]
        elif isinstance(cur, list) and isinstance(p, int) and 0 <= p < len(cur):
            cur = cur[p]
        else:
            return _MISSING
    return cur


def transformed(value, tf):
    """``value`` after the transform ``tf`` (``None``, ``["sort_rows"]``, ``["div", v]``,
    ``["cols", mask]``); ``_MISSING`` when it is not numbers of a fitting shape."""
    if tf is None or value is _MISSING:
        return value
    a = _as_array(value)
    if a is None:
        return _MISSING
    try:
        if tf[0] == "sort_rows":
            return np.sort(a, axis=-1)
        if tf[0] == "div":
            return a / np.asarray(tf[1], dtype=np.float64)
        if tf[0] == "cols":
            return a[..., np.asarray(tf[1], dtype=bool)]
    except (ValueError, IndexError):
        return _MISSING
    raise ValueError(f"tf: unknown transform {tf[0]!r}")


def _array_digest(value) -> str | None:
    a = _as_array(value)
    if a is None:
        return None
    a = np.ascontiguousarray(a, dtype=np.float64) + 0.0  # -0.0 and 0.0 compare equal
    return f"{list(a.shape)}:{hashlib.sha256(a.tobytes()).hexdigest()}"


def canonical(value, kind: str, many: bool = False) -> str | None:
    """The text an ``array`` or ``exact`` component hashes (``None``: not comparable);
    ``many``: ``value`` is the list of several calls' values."""
    if kind == "array":
        if many:
            digests = [_array_digest(v) for v in value]
            return None if None in digests else json.dumps(digests)
        return _array_digest(value)
    return json.dumps(value, sort_keys=True, default=lambda o: f"<{type(o).__name__}>")


def component_value(comp: dict, calls: list):
    """The value a component compares, from the answers of every call (``_MISSING`` if absent).

    ``comp["calls"]``: one call's index (its value) or a list of indices (the list of values)."""
    idx = comp["calls"]
    one = isinstance(idx, int)
    values = []
    for i in [idx] if one else idx:
        if not 0 <= i < len(calls):
            return _MISSING
        v = transformed(_walk(calls[i], comp["path"]), comp.get("tf"))
        if v is _MISSING:
            return _MISSING
        values.append(v)
    if one:
        return values[0]
    if comp["kind"] == "close":
        arrays = [_as_array(v) for v in values]
        if any(a is None for a in arrays) or len({a.shape for a in arrays}) > 1:
            return _MISSING
        return np.stack(arrays)
    return values


def comparable(comp: dict, value):
    """What the seal of ``comp`` is checked against: an array (``close``) or a text."""
    if value is _MISSING:
        return None
    if comp["kind"] == "close":
        return value
    return canonical(value, comp["kind"], many=not isinstance(comp["calls"], int))


def component_verdict(comp: dict, calls: list, salt: str, where: str) -> str:
    x = comparable(comp, component_value(comp, calls))
    if x is None:
        return FAILED
    return verify(comp["seal"], x, salt=salt, where=where)


# ----------------------------------------------------------------------------- scoring

def score_cell(key: str, entry: dict, answer, salt: str) -> tuple[float | None, str]:
    """Points of one sealed test cell (None: undecided) and a message in words."""
    if _is_error(answer):
        return 0.0, f"your code raised {answer['error']}"[:_MAX_MESSAGE]
    if not (isinstance(answer, list) and len(answer) == entry["n_calls"]):
        return 0.0, "no answer came back for the sealed cases"
    errors = [r["error"] for r in answer if _is_error(r)]
    if errors and entry.get("error_zero"):
        return 0.0, f"your code raised {errors[0]}"[:_MAX_MESSAGE]
    earned, passed, undecided = 0.0, 0, 0
    for n, check in enumerate(entry["checks"]):
        found = [component_verdict(c, answer, salt, f"{key}|{n}|{k}") for k, c in enumerate(check["comps"])]
        verdict = FAILED if FAILED in found else (UNDECIDED if UNDECIDED in found else PASSED)
        if verdict == UNDECIDED:
            undecided += 1
        elif verdict == PASSED and earned >= check.get("needs", 0.0) - 1e-9:
            earned += float(check["points"])
            passed += 1
    n = len(entry["checks"])
    if undecided:
        from .report import TEACHER

        return None, f"{passed} of {n} sealed checks correct, {undecided} too close to call: {TEACHER}"
    message = f"{passed} of {n} sealed checks correct"
    if errors:
        message += f"; your code raised {errors[0]}"
    return round(earned, 6), message[:_MAX_MESSAGE]


def decide(row, section: str, sdata: dict, answers: dict, salt: str):
    """``row`` of a section test cell, decided by its sealed checks where it has them.

    Only a row the visible checks let through to the hidden cases ("checked by your teacher") is
    decided; a cell without seals keeps that status, with the reason from ``sdata["unsealed"]``."""
    from dataclasses import replace

    from .report import TEACHER

    if row.status != TEACHER:
        return row
    entry = sdata.get("sealed_calls", {}).get(row.grade_id)
    if entry is None:
        reason = sdata.get("unsealed", {}).get(row.grade_id)
        return row if reason is None else replace(row, message=reason)
    key = input_key(section, row.grade_id)
    earned, message = score_cell(key, entry, answers.get(key), salt)
    if earned is None:
        return replace(row, message=message)
    status = "passed" if earned >= row.max_points - 1e-9 else ("partial" if earned > 0 else "failed")
    return replace(row, points=earned, status=status, message="" if status == "passed" else message)
