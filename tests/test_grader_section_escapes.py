"""The sandbox holds for section assignments too, where the hidden tests run in the student's kernel.

The escape fixtures (``tests/test_grader_fixtures.py``) attack the drills, whose verdicts are
computed outside the kernel. In sections 1-8 the hidden tests run *inside* the student's kernel,
so there a stolen solution would pass them. This module grades one class of section 4
(``04_tabular``, the quickest section to grade) with the real class command, in the sandbox:

* ``correct`` (the solutions in the answer cells) and ``release_untouched``;
* two thefts that, if they worked, would put the teacher's solution of every exercise into the
  answer cells: reading ``solutions/`` from disk, and importing the teacher package to find it;
* the drills' escapes that do not depend on the drills: killing the processes above the kernel,
  a process left behind that rewrites the gradebook, writing the course, the environment and
  other submissions, reading other processes' environment and files, a fork bomb.

Each escape must score like the untouched release, report ``blocked``, leave the course tree and
the environment byte-identical and no process behind, and ``correct`` must still earn every
point (the round completed for everyone else).
"""

from __future__ import annotations

import sys

import nbformat
import pytest
from conftest import ROOT
from test_grader_fixtures import grade_watched

from helpers.selfcheck.cells import is_solution, meta
from teacher.grader import ClassConfig, Limits
from teacher.grader.sandbox import isolation_problem

sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
import make_escapes as E  # noqa: E402

SECTION = "04_tabular"
RELEASE = ROOT / "notebooks" / SECTION / f"{SECTION}.ipynb"
SOURCE = ROOT / "solutions" / SECTION / f"{SECTION}.ipynb"
LIMITS = Limits(cell_timeout=60, notebook_timeout=300, memory_bytes=2 * 1024**3)

pytestmark = pytest.mark.skipif(isolation_problem() is not None, reason=f"no grading sandbox: {isolation_problem()}")

# Defines _steal(gid): the teacher's answer for the cell ``gid``, run in this cell, if ``_find()``
# finds the source notebook; a report line says whether it did.
_STEAL = """
def _steal(gid, find):
    import json, re
    path, why = None, ""
    try:
        path = find()
    except Exception as e:
        why = type(e).__name__
    if path:
        for c in json.load(open(path))["cells"]:
            if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == gid:
                src = re.sub(r"^[ \\t]*### (BEGIN|END) SOLUTION.*$", "", "".join(c["source"]), flags=re.M)
                exec(src, globals())
    print(f"ESCAPE {gid}:", ("ESCAPED ran the solution in " + str(path)) if path else "blocked " + why)
    return bool(path)
"""

FIND_ON_DISK = f"""
def _find():
    import glob, os
    import helpers
    for root in (os.path.dirname(os.path.dirname(helpers.__file__)), os.getcwd(), os.path.expanduser("~"), "/work", "/"):
        for depth in range(0, 4):
            hits = glob.glob(os.path.join(root, *["*"] * depth, "solutions", "{SECTION}", "{SECTION}.ipynb"))
            if hits:
                return hits[0]
"""

FIND_BY_TEACHER = f"""
def _find():
    from teacher.grader.engine import source_notebook
    return str(source_notebook("{SECTION}"))
"""


def _release():
    return nbformat.read(RELEASE, as_version=4)


def _answers(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code" and is_solution(c)]


def _correct():
    nb = _release()
    solutions = {meta(c)["grade_id"]: c.source for c in nbformat.read(SOURCE, as_version=4).cells
                 if is_solution(c)}
    for cell in _answers(nb):
        cell.source = solutions[meta(cell)["grade_id"]]
    return nb


def _theft(find: str):
    """Every answer cell runs the stolen solution of that cell when the theft works; otherwise
    it keeps the release's stub."""
    nb = _release()
    for n, cell in enumerate(_answers(nb)):
        prelude = (_STEAL + find) if n == 0 else ""
        cell.source = f"{prelude}\nif not _steal({meta(cell)['grade_id']!r}, _find):\n" + \
            "".join(f"    {line}\n" for line in cell.source.splitlines()) + "    pass\n"
    return nb


def _attack(code: str):
    """The untouched release with ``code`` at the top of its first answer cell."""
    nb = _release()
    first = _answers(nb)[0]
    first.source = code.replace("09_drills", SECTION) + "\n" + first.source
    return nb


SCENARIOS = {
    "correct": _correct,
    "release_untouched": _release,
    "escape_read_solutions": lambda: _theft(FIND_ON_DISK),
    "escape_answer_key": lambda: _theft(FIND_BY_TEACHER),
    "escape_kill_grader": lambda: _attack(E.KILL_GRADER),
    "escape_lingering_process": lambda: _attack(E.LINGERING),
    "escape_write_files": lambda: _attack(E.WRITE_FILES),
    "escape_proc_snoop": lambda: _attack(E.PROC_SNOOP),
    "escape_fork_bomb": lambda: _attack(E.FORK_BOMB),
}
ESCAPES = [name for name in SCENARIOS if name.startswith("escape_")]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("section_round")
    for name, make in SCENARIOS.items():
        path = root / "submitted" / name / SECTION / f"{SECTION}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(make(), path)
    results, checks = grade_watched(ClassConfig(SECTION, root / "submitted", workers=2, limits=LIMITS,
                                                warm_kernels=1))
    return root, results, checks


def test_the_round_completes_and_the_correct_copy_earns_every_point(graded):
    _, results, _ = graded
    assert set(results) == set(SCENARIOS)
    correct = results["correct"]
    autograded = sum(float(meta(c).get("points", 0)) for c in _release().cells
                     if meta(c).get("grade") and not meta(c).get("solution"))
    assert autograded == 8.0
    assert correct.status == "graded" and correct.total == pytest.approx(autograded), correct.notes
    assert results["release_untouched"].total == 0.0


def test_section_escapes_score_like_the_untouched_release(graded):
    _, results, _ = graded
    for name in ESCAPES:
        assert results[name].status == "graded", (name, results[name].notes)
        assert results[name].total <= results["release_untouched"].total, (name, results[name].parts)


def test_section_escapes_reach_nothing(graded):
    root, _, _ = graded
    for name in ESCAPES:
        nb = nbformat.read(root / "autograded" / name / SECTION / f"{SECTION}.ipynb", 4)
        text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
        lines = [line for line in text.splitlines() if line.startswith("ESCAPE ")]
        assert lines, f"{name}: the attack did not report (did it run?)"
        assert not any("ESCAPED" in line for line in lines), lines
        assert "canary-value" not in text


def test_section_round_leaves_the_course_environment_and_submissions_unchanged(graded):
    _, _, checks = graded
    assert checks["after"] == checks["before"]
    assert checks["survivors"] == []
