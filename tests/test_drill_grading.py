"""The drills' value checks: a wrong value earns nothing, the answer keys are what they claim.

Cheap unit checks of ``teacher.drills.specs`` and ``helpers.drills.experiments`` (the
end-to-end run of every fixture submission is ``test_grader_fixtures.py``).
"""

from __future__ import annotations

import pytest
import torch

from helpers.drills import variant
from helpers.drills.experiments import MENU, make_glyph_set, tta_curve
from helpers.drills.variant import GLYPH_FAMILIES
from teacher.drills import PARTS_BY_ID, PRESERVES_PAIRS, specs


def _score(gid, v, ans, inputs=None):
    return PARTS_BY_ID[gid].score(v, inputs or {}, ans)


def _flipped_class(glyphs: str, op) -> list[int]:
    """For each class, the class whose clean glyph best matches the transformed glyph
    (normalised correlation, best over shifts of up to 2 pixels: rendering is pixel-aligned,
    a flip can move the ink by one)."""
    from helpers.data.images import render_glyphs

    def unit(x):
        x = x.flatten(1)
        x = x - x.mean(1, keepdim=True)
        return x / x.norm(dim=1, keepdim=True)

    clean = render_glyphs(glyphs, size=20, font_size=12)
    moved = op(clean)
    base = unit(clean)
    best = torch.stack([unit(torch.roll(moved, (dy, dx), dims=(-2, -1))) @ base.T
                        for dy in range(-2, 3) for dx in range(-2, 3)]).amax(0)
    return best.argmax(1).tolist()


@pytest.mark.parametrize("glyphs", GLYPH_FAMILIES)
def test_label_changing_key_matches_the_rendered_glyphs(glyphs):
    ops = {"hflip": lambda x: x.flip(-1), "vflip": lambda x: x.flip(-2), "rot180": lambda x: x.flip(-2, -1)}
    for name, op in ops.items():
        moved = _flipped_class(glyphs, op)
        changes = moved != list(range(len(glyphs)))
        assert changes == (name in specs.LABEL_CHANGING[glyphs]), (glyphs, name, moved)
    assert set(specs.LABEL_CHANGING) == set(GLYPH_FAMILIES)


def test_glyph_sets_are_seeded_and_checked():
    X, y = make_glyph_set("bdpq", 3, 5)
    assert X.shape == (12, 1, 20, 20) and X.dtype == torch.float32 and y.tolist() == [0] * 3 + [1] * 3 + [2] * 3 + [3] * 3
    assert torch.equal(X, make_glyph_set("bdpq", 3, 5)[0]) and not torch.equal(X, make_glyph_set("bdpq", 3, 6)[0])
    assert 0.0 <= float(X.min()) and float(X.max()) <= 1.0
    with pytest.raises(ValueError, match="glyphs"):
        make_glyph_set("bb", 3, 0)
    with pytest.raises(ValueError, match="n_per_class"):
        make_glyph_set("bd", 0, 0)


def test_d6_result_rejects_label_changing_or_unjustified_pipelines_before_training(monkeypatch):
    v = variant("alice")
    bad_name = sorted(specs.LABEL_CHANGING[v["glyphs"]])[0]

    def no_training(*a, **k):
        raise AssertionError("must not train")

    monkeypatch.setattr("helpers.drills.experiments.train_with", no_training)
    why = {n: "a reason" for n in MENU}
    assert _score("d6_result", v, {"CHOSEN": ["shift", bad_name], "JUSTIFY": why}, {"seed": 1})[0] == 0
    assert _score("d6_result", v, {"CHOSEN": ["shift"], "JUSTIFY": {"shift": " "}}, {"seed": 1})[0] == 0
    assert _score("d6_result", v, {"CHOSEN": [], "JUSTIFY": {}}, {"seed": 1})[0] == 0
    assert _score("d6_result", v, {"CHOSEN": ["warp"], "JUSTIFY": why}, {"seed": 1})[0] == 0


def test_d6_result_needs_the_margin_on_hidden_data(monkeypatch):
    v = variant("alice")
    gains = {(): 0.50, ("shift",): 0.50 + specs.D6_MARGIN - 1e-3, ("rotate",): 0.50 + specs.D6_MARGIN,
             specs.D6_REFERENCE: 0.70}
    monkeypatch.setattr("helpers.drills.experiments.train_with", lambda names, *a, **k: gains[tuple(names)])
    ans = {"JUSTIFY": {"shift": "moves", "rotate": "tilts"}}
    assert _score("d6_result", v, {**ans, "CHOSEN": ["shift"]}, {"seed": 1})[0] == 0
    assert _score("d6_result", v, {**ans, "CHOSEN": ["rotate"]}, {"seed": 1})[0] == 3.0


def test_d6_result_where_no_pipeline_gains_compares_with_the_courses_own(monkeypatch):
    # Data on which even the course's pipeline loses to no augmentation: a pipeline at least as
    # good as the course's (within D6_TOL) scores, a worse one does not.
    v = variant("alice")
    ref = 0.60
    gains = {(): 0.70, specs.D6_REFERENCE: ref, ("shift",): ref - specs.D6_TOL, ("noise",): ref - 0.05}
    monkeypatch.setattr("helpers.drills.experiments.train_with", lambda names, *a, **k: gains[tuple(names)])
    ans = {"JUSTIFY": {"shift": "moves", "noise": "sensor noise"}}
    assert _score("d6_result", v, {**ans, "CHOSEN": ["shift"]}, {"seed": 1})[0] == 3.0
    assert _score("d6_result", v, {**ans, "CHOSEN": ["noise"]}, {"seed": 1})[0] == 0


def test_d6_course_pipeline_scores_on_a_draw_where_augmentation_loses():
    # Student "memory_bomb" (fixture corpus): "<>()" with a strong baseline, measured above.
    v = variant("memory_bomb")
    ans = {"CHOSEN": list(specs.D6_REFERENCE), "JUSTIFY": {n: "a reason" for n in specs.D6_REFERENCE}}
    assert _score("d6_result", v, ans, {"seed": 1})[0] == 3.0


@pytest.mark.parametrize("glyphs", GLYPH_FAMILIES)
def test_d6_rejected_is_all_or_nothing(glyphs):
    v = {**variant("x"), "glyphs": glyphs}
    key = sorted(specs.LABEL_CHANGING[glyphs])
    assert _score("d6_rejected", v, {"REJECTED": key})[0] == 2.0
    assert _score("d6_rejected", v, {"REJECTED": key[1:]})[0] == 0
    assert _score("d6_rejected", v, {"REJECTED": key + ["noise"]})[0] == 0


def test_preserves_is_all_or_nothing_and_does_not_say_which():
    v = variant("alice")
    right = specs.d3_expected(v)
    assert _score("d3_preserves", v, {"PRESERVES": right})[0] == 2.0
    one_wrong = dict(right)
    first = next(iter(one_wrong))
    one_wrong[first] = not one_wrong[first]
    points, lines = _score("d3_preserves", v, {"PRESERVES": one_wrong})
    assert points == 0 and not any(first.split("|")[0] in line for line in lines)
    assert _score("d3_preserves", v, {"PRESERVES": {**right, "extra|pair": True}})[0] == 0
    assert _score("d3_preserves", v, {"PRESERVES": {k: int(a) for k, a in right.items()}})[0] == 0


def test_d3_pairs_are_drawn_per_student_from_the_labelled_pool(monkeypatch):
    from helpers.drills.options import D3_PAIR_SLOTS

    pool = [pair for slot in D3_PAIR_SLOTS for pair in slot]
    assert sorted(pool) == sorted(PRESERVES_PAIRS) and len(set(pool)) == 16
    draws = {sid: variant(sid) for sid in (f"student-{n}" for n in range(40))}
    for v in draws.values():  # one pair of every slot, each slot's pick as recorded
        assert sorted(v["d3_pairs"]) == sorted(s[k] for s, k in zip(D3_PAIR_SLOTS, v["d3_picks"], strict=True))
    assert len({tuple(v["d3_picks"]) for v in draws.values()}) > 30
    # another student's right answer, copied, fails wherever the pairs differ
    a, b = draws["student-0"], draws["student-1"]
    assert a["d3_picks"] != b["d3_picks"]
    assert _score("d3_preserves", b, {"PRESERVES": specs.d3_expected(a)})[0] == 0
    monkeypatch.setenv("AUGCOURSE_VARIANTS", "0")  # variants off: everyone answers anonymous's pairs
    assert variant("student-0")["d3_pairs"] == variant("anonymous")["d3_pairs"]


def test_solution_answers_d3_1_right_for_every_student():
    import re

    import nbformat
    from conftest import ROOT

    nb = nbformat.read(ROOT / "solutions" / "09_drills" / "09_drills.ipynb", as_version=4)
    src = next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "d3_preserves_answer")
    src = re.sub(r"^\s*### (BEGIN|END) SOLUTION\s*$", "", src, flags=re.M)
    for sid in ("anonymous", "alice", *(f"s{n}" for n in range(30))):
        v = variant(sid)
        scope = {"V": v}
        exec(src, scope)  # noqa: S102 - the course's own solution
        ans = {"|".join(k): val for k, val in scope["PRESERVES"].items()}
        assert _score("d3_preserves", v, {"PRESERVES": ans})[0] == 2.0, sid


def test_d3_checks_values_within_the_stated_tolerance(monkeypatch):
    ref = {"linear/plain": 0.9, "linear/augmented": 0.8, "cnn/plain": 0.85, "cnn/augmented": 0.86}
    monkeypatch.setattr("helpers.drills.experiments.capacity_experiment", lambda seed: dict(ref))
    v = variant("x")
    near = {k: a + specs.ACC_TOL / 2 for k, a in ref.items()}
    assert _score("d3_experiment", v, {"ACC": near, "PAYS_MORE": "linear"})[0] == 2.0
    assert _score("d3_experiment", v, {"ACC": near, "PAYS_MORE": "cnn"})[0] == 0
    shifted = {k: a + 0.05 for k, a in ref.items()}
    assert _score("d3_experiment", v, {"ACC": shifted, "PAYS_MORE": "linear"})[0] == 0
    assert _score("d3_experiment", v, {"ACC": {k: 1 for k in ref}, "PAYS_MORE": "linear"})[0] == 0


def test_tta_curve_is_reproducible_and_checked_against_a_rerun():
    v = variant("x")
    curve = tta_curve(v["data_seed"], steps=30)
    assert curve == tta_curve(v["data_seed"], steps=30)  # the run-to-run spread: 0
    curve = tta_curve(v["data_seed"])
    ans = {"CURVE": {str(k): a for k, a in curve.items()}}
    assert _score("d4_curve", v, ans)[0] == 1.0
    ans["CURVE"]["3"] += 2 * specs.ACC_TOL
    assert _score("d4_curve", v, ans)[0] == 0


def test_my_views_follows_section_8s_rule_on_the_students_table():
    for sid in ("a", "b", "c", "d", "e"):
        v = variant(sid)
        lat, budget = v["latency_ms"], v["budget_ms"]
        assert len(lat) == 8 and all(t > 0 for t in lat) and 0.05 <= v["eps"] <= 0.2
        want = next((k for k, t in enumerate(lat) if t > budget), len(lat))
        assert _score("d4_my_views", v, {"MY_VIEWS": want})[0] == 1.0
        assert _score("d4_my_views", v, {"MY_VIEWS": want + 1})[0] == 0
        assert _score("d4_my_views", v, {"MY_VIEWS": float(want)})[0] == 0
