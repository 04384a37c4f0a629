"""nbgrader end to end with the course's configuration, on a small fixture assignment.

Scenarios (one submission each): ``correct-with-warnings`` (library warnings in test cells
must not cost points), ``wrong-hidden`` (passes the visible test, fails the hidden one), and
the feedback of that submission, which must not reveal the hidden tests.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import nbformat
import pytest
from conftest import ROOT

SECRET = "SECRET-HIDDEN-MARKER"


def _meta(**kw):
    base = dict(grade=False, locked=False, schema_version=3, solution=False, task=False)
    base.update(kw)
    return base


def fixture_source_notebook():
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cells = [
        nbformat.v4.new_code_cell(
            "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
            metadata={"nbgrader": _meta(solution=True, grade_id="answer")}),
        nbformat.v4.new_code_cell(
            "import warnings\n"
            "warnings.warn('noise from a library', UserWarning)\n"
            "warnings.warn('more noise', DeprecationWarning)\n"
            "assert double(2) == 4, 'double(2) should be 4'\n"
            "### BEGIN HIDDEN TESTS\n"
            f"assert double(3) == 6, 'double(3) should be 6'  # {SECRET}\n"
            "### END HIDDEN TESTS",
            metadata={"nbgrader": _meta(grade=True, locked=True, points=2, grade_id="tests")}),
    ]
    for i, c in enumerate(cells):
        c.id = f"c{i}"
    nb.cells = cells
    return nb


def _nbgrader(course, *args):
    cmd = [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}",
           f"--CourseDirectory.db_url=sqlite:///{course / 'gradebook.db'}", "--log-level=WARN"]
    # The course's nbgrader_config.py is read from the working directory.
    return subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    src = course / "solutions" / "ps1"
    src.mkdir(parents=True)
    nbformat.write(fixture_source_notebook(), src / "ps1.ipynb")
    _nbgrader(course, "generate_assignment", "ps1", "--create", "--force")
    release = course / "notebooks" / "ps1" / "ps1.ipynb"
    answers = {
        "correct-with-warnings": "def double(x):\n    return x * 2",
        "wrong-hidden": "def double(x):\n    return 4 if x == 2 else 0",
    }
    for student, answer in answers.items():
        nb = nbformat.read(release, as_version=4)
        nb.cells[0].source = answer
        dest = course / "submitted" / student / "ps1"
        dest.mkdir(parents=True)
        nbformat.write(nb, dest / "ps1.ipynb")
        _nbgrader(course, "autograde", "ps1", "--create", "--force", f"--student={student}")
    _nbgrader(course, "generate_feedback", "ps1", "--force")
    return course


def _score(course, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return gb.find_submission("ps1", student).score


def test_release_hides_solution_and_hidden_tests(graded_course):
    text = (graded_course / "notebooks" / "ps1" / "ps1.ipynb").read_text()
    assert "raise NotImplementedError()" in text
    assert SECRET not in text and "return 2 * x" not in text


def test_warnings_in_test_cells_do_not_cost_points(graded_course):
    assert _score(graded_course, "correct-with-warnings") == 2.0
    out = nbformat.read(graded_course / "autograded" / "correct-with-warnings" / "ps1" / "ps1.ipynb", 4)
    streams = [o for o in out.cells[1].outputs if o.output_type == "stream"]
    assert streams and all(o.name == "stdout" for o in streams)
    assert "noise from a library" in "".join(o.text for o in streams)


def test_failing_hidden_test_scores_zero(graded_course):
    assert _score(graded_course, "wrong-hidden") == 0.0


def test_feedback_shows_the_message_but_not_the_hidden_test(graded_course):
    html = (graded_course / "feedback" / "wrong-hidden" / "ps1" / "ps1.html").read_text()
    assert "double(3) should be 6" in html  # the failure message, in words
    assert SECRET not in html and "double(3) == 6" not in html
    assert "hidden tests are not shown" in html


def test_stray_copy_is_not_left_in_the_repository(graded_course):
    assert not (ROOT / "submitted").exists() and not (ROOT / "autograded").exists()
    shutil.rmtree(graded_course, ignore_errors=True)
