"""Sealed checks of the section exercises (sections 1-8: ``teacher.sections`` writes them,
``helpers.selfcheck.sealed_calls`` runs them) against the teacher's grader.

* On every sealed test cell, the solution's functions earn every point and the untouched
  release's earn none, as the grader gives them (``tests/test_selfcheck.py``: a solution copy
  earns every autograded point, an untouched release zero); a wrong answer (each called
  function's output shifted) loses points, decided (never "too close to call").
  These run the probe in this process on the notebooks' definitions (imports, functions,
  classes), with the answers passed through ``torch.save`` / ``torch.load(weights_only=True)``
  as in the kernel: a notebook's full run is not needed to call its functions.
* End to end, ``helpers.selfcheck.check`` on a notebook in a kernel decides the sealed rows and
  keeps the others with the teacher, with the reason.
* Every cell with hidden cases is sealed or listed with a reason; the data hold no expected value.
"""

from __future__ import annotations

import ast
import io
import json

import nbformat
import pytest
import torch
from conftest import ROOT

import helpers.selfcheck.sealed_calls as sealed_sections
from helpers.selfcheck import TEACHER, grade
from teacher.sections.seal import TABLE, UNSEALED, _generators

DATA = ROOT / "helpers" / "selfcheck" / "data"
SECTIONS = sorted(TABLE)


def _course():
    return json.loads((DATA / "course.json").read_text())


def _definitions(source: str) -> str:
    """The imports, functions and classes of a cell (no computation, no training)."""
    text = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return ""
    keep = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef))]
    return ast.unparse(ast.Module(body=keep, type_ignores=[]))


def _namespace(path) -> dict:
    ns = {"__name__": "__main__"}
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code":
            exec(compile(_definitions(cell.source), str(path), "exec"), ns)  # noqa: S102 - the course's own notebooks
    return ns


WRONG = '''
import torch as _t


def _shift(out):
    if isinstance(out, _t.Tensor):
        if out.dtype == _t.bool:
            return ~out
        return out + 0.25 * (1 + out.detach().abs().max()) if out.is_floating_point() else out + 1
    if isinstance(out, (tuple, list)) and out and not isinstance(out[0], str):
        return type(out)([_shift(out[0]), *out[1:]])
    if isinstance(out, list):
        return [*out, "extra"]
    if isinstance(out, bool):
        return not out
    return out + 1 if isinstance(out, int) else out + 0.25 * (1 + abs(out))


def _wrong(fn):
    return lambda *a, **k: _shift(fn(*a, **k))
'''


def _sealed_scores(ns: dict, section: str, wrap: bool = False) -> dict:
    """``{grade_id: (points earned or None, message)}`` of the section's sealed cells."""
    course = _course()
    entries = course["sections"][section]["sealed_calls"]
    inputs = torch.load(DATA / "sealed_inputs.pt", weights_only=True)
    if wrap:
        exec(WRONG, ns)  # noqa: S102
        for name in {c["fn"] for gid in entries for c in inputs[sealed_sections.input_key(section, gid)]["calls"]}:
            ns[name] = ns["_wrong"](ns[name])
    code = sealed_sections.probe_code()
    scores = {}
    for gid, entry in entries.items():
        key = sealed_sections.input_key(section, gid)
        scope = {}
        exec(compile(code, "<self-check probe>", "exec"), scope)  # noqa: S102
        buf = io.BytesIO()
        torch.save({"answer": scope["_answer"](ns, inputs[key])}, buf)
        buf.seek(0)
        answer = torch.load(buf, weights_only=True)["answer"]
        scores[gid] = sealed_sections.score_cell(key, entry, answer, course["salt"])
    return scores


def _points(section: str) -> dict:
    return {r["grade_id"]: r["points"] for r in _course()["sections"][section]["cells"]}


@pytest.mark.parametrize("section", SECTIONS)
def test_sealed_cells_give_the_graders_points_and_reject_a_wrong_answer(section):
    points = _points(section)
    solution = _sealed_scores(_namespace(ROOT / "solutions" / section / f"{section}.ipynb"), section)
    assert solution and all(solution[g][0] == pytest.approx(points[g]) for g in solution), solution
    release = _sealed_scores(_namespace(ROOT / "notebooks" / section / f"{section}.ipynb"), section)
    assert all(release[g][0] == 0 for g in release), release
    wrong = _sealed_scores(_namespace(ROOT / "solutions" / section / f"{section}.ipynb"), section, wrap=True)
    assert all(wrong[g][0] is not None and wrong[g][0] < points[g] for g in wrong), wrong


def _reduced_copy(src, dst):
    """A copy of ``src`` whose code cells keep only their definitions; answer and test cells
    stay whole (the self-check puts the released visible checks back anyway)."""
    nb = nbformat.read(src, as_version=4)
    for cell in nb.cells:
        m = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and not (m.get("grade") or m.get("solution")):
            cell.source = _definitions(cell.source)
    dst.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dst)
    return dst


@pytest.mark.parametrize("section", ["01_intuition"])
def test_self_check_decides_sealed_rows_in_a_kernel(section, tmp_path):
    name = f"{section}.ipynb"
    solved = _reduced_copy(ROOT / "solutions" / section / name, tmp_path / "solved" / section / name)
    rows = {r.grade_id: r for r in grade.check(solved, section, "student-a", timeout=120).rows}
    for gid in TABLE[section]:
        assert rows[gid].status == "passed" and rows[gid].points == rows[gid].max_points, rows[gid]
    for gid, reason in UNSEALED[section].items():
        assert rows[gid].status == TEACHER and rows[gid].message == reason, rows[gid]
    release = _reduced_copy(ROOT / "notebooks" / section / name, tmp_path / "release" / section / name)
    rows = grade.check(release, section, "student-a", timeout=120).rows
    assert all(r.points == 0 for r in rows if r.status != "teacher-graded"), rows


def test_every_cell_with_hidden_cases_is_sealed_or_says_why():
    course = _course()
    for section in [s for s in course["sections"] if s != "09_drills"]:
        sdata = course["sections"][section]
        hidden = {r["grade_id"] for r in sdata["cells"] if r.get("hidden")}
        sealed, unsealed = set(sdata.get("sealed_calls", {})), set(sdata.get("unsealed", {}))
        assert hidden == sealed | unsealed and not sealed & unsealed, section
    # 1.1 and 3.4 are six-answer true/false tables: never sealed (MIN_GROUP_ANSWERS)
    for section in ("01_intuition", "03_text"):
        gid = "ex1_tests" if section == "01_intuition" else "ex4_tests"
        assert gid in course["sections"][section]["unsealed"]


def _tensors(x):
    if isinstance(x, torch.Tensor):
        yield x
    elif isinstance(x, (list, tuple)):
        for v in x:
            yield from _tensors(v)
    elif isinstance(x, dict):
        for v in x.values():
            yield from _tensors(v)


def _same(a, b) -> bool:
    return a.shape == b.shape and torch.equal(a.double(), b.double())


def test_section_seals_hold_no_expected_value():
    """course.json holds only seals; sealed_inputs.pt only the calls, and no expected value among
    them, except where the expected value is that call's own argument (an input left as it was,
    tokens dropped with p = 0)."""
    from teacher.secret import DEFAULT_SECRET

    course = _course()
    inputs = torch.load(DATA / "sealed_inputs.pt", weights_only=True)
    for section, cells in TABLE.items():
        for gid, make in cells.items():
            entry = course["sections"][section]["sealed_calls"][gid]
            for check in entry["checks"]:
                for comp in check["comps"]:
                    assert set(comp) <= {"calls", "path", "kind", "tf", "seal"}
                    assert set(comp["seal"]) <= {"kind", "shape", "steps", "hashes", "hash"}
            calls = inputs[sealed_sections.input_key(section, gid)]["calls"]
            assert all(set(c) == {"fn", "args", "kwargs", "keep", "grad"} for c in calls)
            given = list(_tensors(calls))
            for check in make(*_generators(DEFAULT_SECRET, section, gid)).checks:
                for comp in check.comps:
                    if comp.kind == "exact":
                        continue
                    idx = [comp.calls] if isinstance(comp.calls, int) else comp.calls
                    wants = comp.expected if isinstance(comp.expected, list) else [comp.expected]
                    owners = [[i] for i in idx] if len(wants) == len(idx) else [idx]
                    for want, own in zip(wants, owners, strict=True):
                        if comp.tf is not None:
                            want = sealed_sections.transformed(want, comp.tf)
                        want = torch.as_tensor(want)
                        if any(_same(want, t) for t in given):
                            assert any(_same(want, t) for i in own for t in _tensors(calls[i]["args"])), \
                                (section, gid, comp.path)
