"""The student's self-check (``helpers.selfcheck``: visible tests and sealed checks, no teacher
files) against the teacher's grader, and the seals themselves.

* On every drill part the self-check decides, it gives the points the grader gives
  (``tests/fixtures/submissions/expected.yaml``, which ``test_grader_fixtures`` checks against
  the real grader), on the whole fixture corpus but ``memory_bomb`` (the self-check runs on the
  student's own machine without the grader's memory cap). The multiple-choice group passes
  exactly when the grader gives every part of it full points.
* A seal accepts every answer within the part's tolerance, rejects a wrong one, and says
  "undecided" rather than guess on a rounding edge.
* The self-check data in the repository is fresh and holds no expected value.
"""

from __future__ import annotations

import json
import os
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
import yaml
from conftest import ROOT

from helpers.selfcheck import TEACHER, grade
from helpers.selfcheck.seal import FAILED, GRID, PASSED, UNDECIDED, seal_exact, seal_tensor, verify

SUBMISSIONS = ROOT / "tests" / "fixtures" / "submissions"
EXPECTED = yaml.safe_load((SUBMISSIONS / "expected.yaml").read_text())
# memory_bomb: the self-check has no memory cap.
SKIP = {"memory_bomb"}
SCENARIOS = sorted(s for s in EXPECTED if s not in SKIP)
# What rebuilding a submission from the course's cells says (helpers.selfcheck.restore, shared).
RESTORE_NOTES = ("was deleted", "was edited", "metadata", "moved")


@pytest.fixture(scope="module")
def checked():
    def one(name):
        path = SUBMISSIONS / name / "09_drills" / "09_drills.ipynb"
        return name, grade.check(path, "09_drills", name, timeout=60)

    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return dict(pool.map(one, SCENARIOS))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_self_check_agrees_with_the_grader_where_it_decides(checked, scenario):
    report, expected = checked[scenario], EXPECTED[scenario]["parts"]
    rows = {r.grade_id: r for r in report.rows}
    group = grade.course_data()["sections"]["09_drills"]["sealed"]["group"]["parts"]
    group_full = all(expected[g] == rows[g].max_points for g in group)
    for gid, row in rows.items():
        if gid in group:
            assert (row.status == "passed") == group_full, (gid, row)
        elif row.status != TEACHER:
            assert row.points == pytest.approx(expected[gid]), (gid, row, report.notes)
    note = EXPECTED[scenario]["note"]
    if note in RESTORE_NOTES:  # the self-check rebuilt the notebook as the grader did, and says so
        assert any(note in n for n in report.notes), report.notes


def test_self_check_decides_most_points_of_a_correct_notebook(checked):
    from teacher.drills.seal import GROUP, SEALED
    from teacher.drills.specs import PARTS_BY_ID

    report = checked["correct"]
    sealed_points = sum(PARTS_BY_ID[g].points for g in (*SEALED, *GROUP))
    assert report.points == report.max_auto == sealed_points, report.rows


def test_self_check_rebuilds_a_notebook_from_the_release_cells_and_order():
    """The release the self-check stores is the handed-out notebook's running and graded cells;
    a student's moved cells go back in its order and an edited test is put back as released."""
    import nbformat

    from helpers.selfcheck.restore import restore

    gid = lambda c: c.get("metadata", {}).get("nbgrader", {}).get("grade_id")  # noqa: E731
    release = grade.release_notebook(grade.course_data()["sections"]["09_drills"])
    handed_out = nbformat.read(ROOT / "notebooks" / "09_drills" / "09_drills.ipynb", 4)
    assert [c.id for c in release.cells] == [c.id for c in handed_out.cells
                                             if c.cell_type == "code" or gid(c)]
    student = nbformat.read(SUBMISSIONS / "reordered_cells" / "09_drills" / "09_drills.ipynb", 4)
    assert [c.id for c in student.cells if gid(c)] != [c.id for c in release.cells if gid(c)]
    next(c for c in student.cells if gid(c) == "d4_views").source = "pass"
    nb, notes = restore(release, student)
    assert [c.id for c in nb.cells] == [c.id for c in release.cells]
    released = {gid(c): c.source for c in release.cells}
    answers = {gid(c): c.source for c in student.cells}
    for cell in (c for c in nb.cells if gid(c)):  # answers are the student's, tests as released
        expected = answers if cell.metadata["nbgrader"].get("solution") else released
        assert cell.source == expected[gid(cell)], gid(cell)
    assert any("moved" in n for n in notes) and any("'d4_views' was edited" in n for n in notes)


def test_seal_accepts_within_tolerance_rejects_outside_and_never_guesses():
    rng = np.random.default_rng(0)
    e = torch.from_numpy(rng.standard_normal((4, 3, 8, 8))).float()
    seal = seal_tensor(e, atol=1e-5, rtol=1e-4, salt="s", where="w")
    tol = 1e-5 + 1e-4 * e.abs()
    for _ in range(50):  # anything the grader accepts is never failed
        noise = (torch.rand_like(e) * 2 - 1) * tol
        assert verify(seal, e + noise, salt="s", where="w") in (PASSED, UNDECIDED)
    assert verify(seal, e + 0.01, salt="s", where="w") == FAILED  # an offset
    assert verify(seal, e.flip(-1), salt="s", where="w") == FAILED  # a wrong transform
    assert verify(seal, e[:3], salt="s", where="w") == FAILED  # a wrong shape
    assert verify(seal, e, salt="other", where="w") == FAILED  # the salt matters
    assert verify(seal, {"error": "boom"}, salt="s", where="w") == FAILED


def test_seal_says_undecided_on_a_rounding_edge():
    # one entry: the projection is r·x, its grid step q = GRID·tol; put x just below a grid edge
    tol = 1e-3
    x = torch.tensor([0.0])
    seal0 = seal_tensor(x, atol=tol, rtol=0.0, salt="s", where="edge")
    q = seal0["steps"][0]
    from helpers.selfcheck.seal import _weights

    r = float(_weights(1, "edge", 0)[0])
    edge = (0.5 * q - 0.1 * tol) / r  # expected value just inside its grid cell
    e = torch.tensor([edge])
    seal = seal_tensor(e, atol=tol, rtol=0.0, salt="s", where="edge")
    across = torch.tensor([edge + 0.5 * tol / abs(r) * np.sign(r)])  # within tolerance, other cell
    assert verify(seal, e, salt="s", where="edge") == PASSED
    assert verify(seal, across, salt="s", where="edge") == UNDECIDED
    assert GRID * tol == pytest.approx(q)


def test_exact_seal_needs_the_same_type_and_value():
    seal = seal_exact(4, salt="s", where="v")
    assert verify(seal, 4, salt="s", where="v") == PASSED
    assert verify(seal, 4.0, salt="s", where="v") == FAILED
    assert verify(seal, True, salt="s", where="v") == FAILED
    assert verify(seal, 5, salt="s", where="v") == FAILED


def test_self_check_data_is_fresh_and_holds_no_expected_value():
    from teacher.seal import build
    from teacher.secret import DEFAULT_SECRET

    data, _ = build(secret=DEFAULT_SECRET)
    on_disk = json.loads((ROOT / "helpers" / "selfcheck" / "data" / "course.json").read_text())
    assert on_disk == json.loads(json.dumps(data)), "run: python -m teacher.seal --default-secret"
    sealed = on_disk["sections"]["09_drills"]["sealed"]
    group = sealed["group"]  # names, points and a hash per draw of D3.1's pairs: no index, no True/False
    assert set(group) == {"parts", "names", "points", "by_draw"} and len(group["by_draw"]) == 2 ** 8
    assert not re.search(r"\b(true|false)\b", json.dumps(group))
    assert not any("groups" in s for s in on_disk["sections"].values())  # no small table sealed
    for entry in sealed["parts"].values():  # only hashes, steps and shapes' hashes
        for cases in ([entry["cases"]] if "cases" in entry else entry["by_variant"].values()):
            for case in cases:
                for seal in case:
                    assert set(seal) <= {"kind", "shape", "steps", "hashes", "hash"}


def test_true_false_tables_follow_one_rule_sealed_only_with_many_possible_answers():
    """A group's hash is an answer key when its answers can all be tried: the drills' choices
    group has enough of them to be sealed; the six-answer tables of 1.1 and 3.4 are not sealed
    at all and say why."""
    from helpers.selfcheck.seal import MIN_GROUP_ANSWERS
    from teacher.drills.seal import group_answers

    assert group_answers() == 31 * 2 ** 8 * 31 >= MIN_GROUP_ANSWERS
    sections = grade.course_data()["sections"]
    for section, gid in (("01_intuition", "ex1_tests"), ("03_text", "ex4_tests")):
        assert gid not in sections[section]["sealed_calls"]
        assert "trying them all" in sections[section]["unsealed"][gid]


def _hidden_literal(nb, grade_id: str, name: str):
    import ast

    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    node = next(n for n in ast.walk(ast.parse(cell.source))
                if isinstance(n, ast.Assign) and any(getattr(t, "id", None) == name for t in n.targets))
    return ast.literal_eval(node.value)


def test_self_check_leaves_exercise_3_4_to_the_teacher_and_tells_nothing(tmp_path):
    """End to end on a notebook of exercise 3.4's cells as released: the right table and one with
    an answer flipped get the same row, "checked by your teacher" with the reason, no points."""
    import shutil

    import nbformat

    from helpers.grading import exercise_picks

    course = grade.course_data()
    section = dict(course["sections"]["03_text"])
    section["cells"] = [r for r in section["cells"] if r["grade_id"] in ("ex4_answer", "ex4_tests")]
    data = tmp_path / "data"
    data.mkdir()
    (data / "course.json").write_text(json.dumps({**course, "sections": {"03_text": section}}))
    shutil.copyfile(grade.DATA / "sealed_inputs.pt", data / "sealed_inputs.pt")
    release = nbformat.read(ROOT / "notebooks" / "03_text" / "03_text.ipynb", as_version=4)
    keep = [c for c in release.cells if c.get("id") in ("ex4-pairs", "ex4-answer", "ex4-tests")]
    pool = _hidden_literal(nbformat.read(ROOT / "solutions" / "03_text" / "03_text.ipynb", as_version=4),
                           "ex4_tests", "_SAFE_POOL")
    picks = exercise_picks("03.ex4", [len(s) for s in pool], "alice")
    right = dict(slot[k] for slot, k in zip(pool, picks, strict=True))
    rows = {}
    for name, table in (("right", right), ("flipped", {**right, next(iter(right)): not next(iter(right.values()))})):
        nb = nbformat.v4.new_notebook(cells=[nbformat.from_dict(c) for c in keep])
        nb.cells[1].source = f"SAFE = {table!r}"
        path = tmp_path / name / "03_text.ipynb"
        path.parent.mkdir()
        nbformat.write(nb, path)
        report = grade.check(path, "03_text", "alice", data=data, timeout=60)
        rows[name] = next(r for r in report.rows if r.grade_id == "ex4_tests")
    for row in rows.values():
        assert (row.status, row.points) == ("checked by your teacher", None), row
        assert "trying them all" in row.message, row.message
    assert rows["right"].message == rows["flipped"].message
