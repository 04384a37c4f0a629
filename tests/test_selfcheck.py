"""The students' self-check (``teacher.grader.selfcheck``, ``make check``) on every section.

* a correct copy (the solution notebook) earns every autograded point, and every cell of the
  graded copy ran without an error;
* the untouched student release earns zero in every autograded exercise, and the only errors
  are the open exercises' (answer cells, their tests, ``exercise-demo`` cells);
* a hostile copy (rebinding the checks, the references in ``helpers``, ``torch.Tensor``
  methods and builtins) earns nothing for the exercise it attacks;
* the student's file is byte-identical before and after, and the printed table shows neither
  hidden test code nor expected values;
* progress across the series: started sections graded, the others listed as open, results
  cached by content.

The graded copies are kept under ``.artifacts/selfcheck/`` (git-ignored) to look at.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys

import nbformat
import pytest
from conftest import NOTEBOOK_TIMES, ROOT

from teacher.grader import selfcheck
from teacher.grader.engine import grade_notebook
from teacher.grader.restore import is_solution, is_test, meta

SECTIONS = selfcheck.sections()
ARTIFACTS = ROOT / ".artifacts" / "selfcheck"


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _grade_copy(src, section, tmp_path, kind, student="student-a"):
    """Grade a copy of ``src`` as a student would; return (report, graded notebook)."""
    path = tmp_path / section / src.name
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, path)
    before = _sha(path)
    result = grade_notebook(path, section, student, limits=selfcheck._limits_for(section, None),
                            threads=None)
    assert _sha(path) == before, "the self-check changed the student's notebook"
    NOTEBOOK_TIMES[f"self-check {kind} {section}"] = result.seconds
    out = ARTIFACTS / kind / section / src.name
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(result.autograded, out)
    return selfcheck.report_from_result(result, section, path), result.autograded


def _errors(cell):
    return [f"{o.ename}: {str(o.evalue)[:200]}" for o in cell.get("outputs", []) if o.output_type == "error"]


@pytest.mark.notebook
@pytest.mark.parametrize("section", SECTIONS)
def test_correct_copy_earns_every_point(section, tmp_path):
    src = selfcheck.source_notebook(section, None)
    report, graded = _grade_copy(src, section, tmp_path, "solution")
    bad = [f"cell {i}: {e}" for i, c in enumerate(graded.cells) if c.cell_type == "code" for e in _errors(c)]
    assert not bad, "\n".join(bad)
    auto = [r for r in report.rows if r.status != "teacher-graded"]
    assert auto, f"{section} has no autograded exercise"
    assert all(r.status == "passed" for r in auto), selfcheck.format_report(report)
    assert report.points == report.max_auto > 0
    assert not report.notes, report.notes


@pytest.mark.notebook
@pytest.mark.parametrize("section", SECTIONS)
def test_untouched_release_earns_zero_and_fails_only_in_open_exercises(section, tmp_path):
    release = selfcheck.working_copy(section)
    report, graded = _grade_copy(release, section, tmp_path, "release")
    auto = [r for r in report.rows if r.status != "teacher-graded"]
    assert auto and all(r.points == 0 and r.status == "failed" for r in auto), \
        selfcheck.format_report(report)
    assert all(r.message for r in auto), "every failed exercise says why"
    bad = []
    for i, cell in enumerate(graded.cells):
        if cell.cell_type != "code" or is_test(cell):
            continue
        allowed = is_solution(cell) or "exercise-demo" in cell.metadata.get("tags", [])
        bad += [f"cell {i}: {e}" for e in _errors(cell)
                if not (allowed and e.startswith("NotImplementedError"))]
    assert not bad, "errors outside the open exercises:\n" + "\n".join(bad)


HOSTILE_TABULAR = '''
import builtins
import numpy
import torch
import helpers.grading
import helpers.tabular

# Everything a test might compare with is rebound to agree with anything.
torch.allclose = lambda *a, **k: True
numpy.allclose = lambda *a, **k: True
helpers.grading.check_close = lambda *a, **k: None
helpers.grading.check_shape = lambda *a, **k: None
helpers.tabular.gaussian_noise = lambda X, *a, **k: X
torch.Tensor.double = lambda self: torch.zeros(1, dtype=torch.float64)
builtins.abs = lambda x: 0.0


def per_column_noise(X, s, continuous, z):
    return X
'''


def test_hostile_copy_earns_nothing_for_the_attacked_exercise(tmp_path):
    section = "04_tabular"
    nb = nbformat.read(selfcheck.working_copy(section), as_version=4)
    cell = next(c for c in nb.cells if meta(c).get("grade_id") == "ex2_answer")
    cell.source = HOSTILE_TABULAR
    src = tmp_path / "hostile.ipynb"
    nbformat.write(nb, src)
    report, _ = _grade_copy(src, section, tmp_path / "graded", "hostile")
    row = next(r for r in report.rows if r.grade_id == "ex2_tests")
    assert row.points == 0 and row.status == "failed", selfcheck.format_report(report)
    assert report.points == 0


def test_command_line_prints_a_table_without_hidden_code(tmp_path):
    path = tmp_path / "09_drills" / "09_drills.ipynb"
    path.parent.mkdir()
    shutil.copyfile(ROOT / "tests" / "fixtures" / "submissions" / "wrong_lambda" / "09_drills" / path.name, path)
    before = _sha(path)
    out = subprocess.run([sys.executable, "-m", "teacher.grader", "check", str(path), "--student", "anonymous"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    assert _sha(path) == before
    assert ("| D1.1 — the label-smoothed MixUp target | 0.25 / 2 | partial | "
            "make_soft_target: 1 of 8 hidden cases correct") in out.stdout
    assert "| D1.2 — your own target | 0 / 1 | failed |" in out.stdout
    assert "| D2.1 — the deterministic validation transform | 2 / 2 | passed |" in out.stdout
    assert "| **total (autograded)** | 19.25 / 22 |" in out.stdout
    source = nbformat.read(ROOT / "solutions" / "09_drills" / "09_drills.ipynb", 4)
    for cell in source.cells:
        if is_test(cell):
            for line in cell.source.splitlines():
                if len(line.strip()) > 25 and not line.strip().startswith("#"):
                    assert line.strip() not in out.stdout, f"test code shown: {line.strip()!r}"
    assert "Traceback" not in out.stdout + out.stderr


def test_command_line_rejects_a_missing_notebook(tmp_path):
    out = subprocess.run([sys.executable, "-m", "teacher.grader", "check", str(tmp_path / "nope.ipynb")],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "path: no notebook at" in out.stderr


def test_student_id_is_saved_and_used(tmp_path, monkeypatch):
    from helpers.drills import student_id, variant
    from helpers.drills.variant import save_student_id

    monkeypatch.delenv("AUGCOURSE_STUDENT_ID", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    course = tmp_path / "course"
    (course / "notebooks" / "09_drills").mkdir(parents=True)
    path = save_student_id("dana", root=course)
    assert path == course / ".augcourse-student" and path.read_text() == "dana\n"
    monkeypatch.chdir(course / "notebooks" / "09_drills")  # where the notebook's kernel runs
    assert student_id() == "dana" and variant()["student"] == "dana"
    with pytest.raises(ValueError, match="sid"):
        save_student_id("../x", root=course)


def _started_copy(folder, section, solved=True):
    """Copy a section's release into ``folder``; with ``solved``, put the solutions in."""
    release = nbformat.read(selfcheck.working_copy(section), as_version=4)
    if solved:
        source = nbformat.read(selfcheck.source_notebook(section, None), as_version=4)
        answers = {meta(c)["grade_id"]: c.source for c in source.cells if is_solution(c)}
        for cell in release.cells:
            if meta(cell).get("grade_id") in answers:
                cell.source = answers[meta(cell)["grade_id"]]
    path = folder / section / selfcheck.working_copy(section).name
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(release, path)
    return path


def test_progress_grades_started_sections_only_and_caches(tmp_path, monkeypatch):
    folder = tmp_path / "notebooks"
    drills = _started_copy(folder, "09_drills")
    _started_copy(folder, "01_intuition", solved=False)  # untouched: not started
    cache = tmp_path / "cache.json"
    graded = []
    real_check = selfcheck.check

    def counting_check(path, section=None, student=None, **kw):
        graded.append(section)
        return real_check(path, section, student, **kw)

    monkeypatch.setattr(selfcheck, "check", counting_check)
    before = _sha(drills)
    reports = selfcheck.progress(folder, "student-b", cache=cache, show_progress=False)
    assert graded == ["09_drills"] and _sha(drills) == before
    by = {r.section: r for r in reports}
    assert [r.section for r in reports] == SECTIONS
    assert by["09_drills"].status == "graded" and by["09_drills"].points == by["09_drills"].max_auto == 22
    assert by["01_intuition"].status == "not started" and by["01_intuition"].points == 0
    assert by["02_image"].status == "missing"
    assert all(r.open_exercises for s, r in by.items() if s != "09_drills")
    table = selfcheck.progress_table(reports)
    assert "| 09_drills | 22 / 22 | graded | none |" in table
    assert "| 01_intuition | 0 / 7 | not started | Exercise 1.1, Exercise 1.2 |" in table
    total = sum(r.max_auto for r in reports)
    assert f"| **all sections** | 22 / {total:g} (" in table

    again = selfcheck.progress(folder, "student-b", cache=cache, show_progress=False)
    assert graded == ["09_drills"], "an unchanged notebook was graded again"
    assert [(r.section, r.points) for r in again] == [(r.section, r.points) for r in reports]
    selfcheck.progress(folder, "student-c", cache=cache, show_progress=False)
    assert graded == ["09_drills", "09_drills"], "another student's numbers need another grading"


def test_touched_detects_a_started_section(tmp_path):
    untouched = _started_copy(tmp_path, "03_text", solved=False)
    assert not selfcheck.touched(untouched, "03_text")
    nb = nbformat.read(untouched, as_version=4)
    next(c for c in nb.cells if is_solution(c) and c.cell_type == "code").source += "\nx = 1"
    nbformat.write(nb, untouched)
    assert selfcheck.touched(untouched, "03_text")
