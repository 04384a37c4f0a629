"""Sealed checks of the drills: the hidden cases a student's self-check can verify alone.

For every part listed in :data:`SEALED`, hidden inputs are made as for grading (``make_inputs``)
but for the pseudo-student ``"selfcheck"`` and the course secret, so they say nothing about any
student's graded inputs; the expected answers are the same references the part's ``score``
compares with, and travel only as seals (``helpers.selfcheck.seal``). The multiple-choice and
true/false parts form one group, sealed as a whole (all right or not): one hash for every set of
D3.1 pairs a student can be given (:func:`seal_draws`).

Parts left out need the teacher: answers that depend on a student's own numbers (``MY_TARGET``,
``MY_VIEWS``), and measured results judged by properties rather than by a value (D3.2, D4's
curve, D5's gaps, D6's pipeline trained on hidden data).
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import torch

from helpers.drills.options import D2_OPTIONS, D3_PAIR_SLOTS, D5_OPTIONS
from helpers.drills.variant import _MEANS, _STDS, variant
from helpers.selfcheck.grade import answer_table, draw_key
from helpers.selfcheck.grade import val_variant_key as variant_key
from helpers.selfcheck.seal import MIN_GROUP_ANSWERS, group_hash, seal_exact, seal_tensor

from .specs import (
    D2_KEY,
    D5_KEY,
    PARTS_BY_ID,
    PRESERVES_PAIRS,
    _prefix_views,
    part_rng,
    reference_val_transform,
    smoothed_target,
)

SEAL_STUDENT = "selfcheck"
GROUP = ("d2_diagnosis", "d3_preserves", "d5_diagnosis")


def _soft_target(inputs, v):
    return [[(smoothed_target(*c), 1e-6, 0.0)] for c in inputs["cases"]]


def _val_transform(inputs, v):
    return [[(reference_val_transform(x, v), 1e-4, 1e-4)] for x in inputs["cases"]]


def _accuracy_runs(inputs, v):
    W, b, X, y = inputs["weight"], inputs["bias"], inputs["X"], inputs["y"]
    views = [X, X.flip(-1), X.flip(-2), X.flip(-2, -1)]
    acc = [float(((views[r % 4].flatten(1) @ W.T + b).argmax(1) == y).float().mean())
           for r in range(inputs["runs"])]
    return [[(torch.tensor(acc, dtype=torch.float64), 1e-6, 0.0)]]


def _views(inputs, v):
    return [[(_prefix_views(lat, budget), None, None)] for lat, budget in inputs["cases"]]


SEALED = {
    "d1_soft_target": (_soft_target, "fraction", False),
    "d2_val_transform": (_val_transform, "fraction", True),
    "d2_accuracy_runs": (_accuracy_runs, "all", False),
    "d4_views": (_views, "fraction", False),
}


def val_variants():
    """Every (resize, crop, mean, std) a student can get, as partial variants."""
    for resize, crop, stats in itertools.product((36, 40, 44, 48), (28, 32), range(len(_MEANS))):
        yield {"resize": resize, "crop": crop, "mean": _MEANS[stats], "std": _STDS[stats]}


def _seal_cases(cases, salt: str, gid: str) -> list:
    sealed = []
    for n, comps in enumerate(cases):
        row = []
        for k, (value, atol, rtol) in enumerate(comps):
            where = f"{gid}|{n}|{k}"
            row.append(seal_exact(value, salt=salt, where=where) if atol is None
                       else seal_tensor(value, atol=atol, rtol=rtol, salt=salt, where=where))
        sealed.append(row)
    return sealed


def seal_draws(slots, values, *, salt: str, where: str) -> dict[str, str]:
    """``{draw key: group hash}`` for every way to give a student one statement of each slot.

    ``slots``: per slot, its ``((task, transform), keeps the label)`` entries; ``values(table)``:
    the group's answers around the true/false table of one draw (``answer_table`` of
    ``{"task|transform": bool}``), as the self-check hashes them.
    """
    def one(picks):
        table = {"|".join(slots[s][k][0]): slots[s][k][1] for s, k in enumerate(picks)}
        return draw_key(picks), group_hash(values(answer_table(table)), salt=salt, where=where)

    draws = list(itertools.product(*(range(len(slot)) for slot in slots)))
    with ThreadPoolExecutor() as pool:  # a slow hash each; the OpenSSL call frees the GIL
        return dict(pool.map(one, draws))


def group_answers() -> int:
    """How many answers the choices group can be given for one draw of D3.1's pairs: any
    non-empty set of D2's options, times any true/false table of the draw, times any non-empty
    set of D5's options. Sealed only when at least ``MIN_GROUP_ANSWERS``."""
    return (2 ** len(D2_OPTIONS) - 1) * 2 ** len(D3_PAIR_SLOTS) * (2 ** len(D5_OPTIONS) - 1)


def seal_drills(secret: str, salt: str) -> tuple[dict, dict]:
    """``(sealed parts as JSON-ready data, hidden inputs per part)`` for the self-check."""
    v0 = variant(SEAL_STUDENT)
    parts, inputs = {}, {}
    for gid, (expected, rule, by_variant) in SEALED.items():
        part = PARTS_BY_ID[gid]
        inp = part.make_inputs(v0, part_rng(part, SEAL_STUDENT, secret))
        inputs[gid] = inp
        entry = {"points": part.points, "probe": gid, "rule": rule}
        if by_variant:
            entry["by_variant"] = {variant_key(v): _seal_cases(expected(inp, v), salt, gid)
                                   for v in val_variants()}
        else:
            entry["cases"] = _seal_cases(expected(inp, v0), salt, gid)
        parts[gid] = entry
    if group_answers() < MIN_GROUP_ANSWERS:
        raise ValueError(f"the choices group has {group_answers()} possible answers, fewer than "
                         f"MIN_GROUP_ANSWERS = {MIN_GROUP_ANSWERS}: its hash would give the answers away")
    slots = [[(pair, PRESERVES_PAIRS[pair]) for pair in slot] for slot in D3_PAIR_SLOTS]
    by_draw = seal_draws(slots, lambda table: [sorted(D2_KEY), table, sorted(D5_KEY)], salt=salt,
                         where="drills-choices")
    group = {"parts": list(GROUP), "names": ["D2_ANSWER", "PRESERVES", "D5_ANSWER"],
             "points": {g: PARTS_BY_ID[g].points for g in GROUP}, "by_draw": by_draw}
    return {"parts": parts, "group": group}, inputs
