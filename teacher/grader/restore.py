"""Build the notebook that is graded: the source notebook's cells, with the student's answers.

The source notebook (``solutions/<assignment>/``, hidden tests included) gives every cell and
the order; the student gives only the answer cells. The restoring itself is the student side's
(:mod:`helpers.selfcheck.restore`: the self-check restores the release the same way); this
module adds what only the teacher side knows: how a source cell reads in the release
(:func:`release_source`) and the hidden tests (:func:`strip_hidden`).
"""

from __future__ import annotations

import functools
import re

import nbformat

from helpers.data.paths import course_root
from helpers.selfcheck.cells import is_grade, is_solution, is_test, meta
from helpers.selfcheck.restore import restore as restore_cells

__all__ = ["is_grade", "is_solution", "is_test", "meta", "release_source", "restore", "strip_hidden"]

_CONFIG = course_root() / "nbgrader_config.py"
_SOLUTION = re.compile(r"^([ \t]*)### BEGIN SOLUTION.*?^[ \t]*### END SOLUTION[^\n]*\n?", re.S | re.M)
_HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?", re.S | re.M)


@functools.lru_cache(maxsize=1)
def stubs() -> tuple[str, str]:
    """(code stub, text stub) that replace solutions in the release: the course's
    ``ClearSolutions`` settings in nbgrader_config.py, else nbgrader's defaults."""
    from nbgrader.preprocessors import ClearSolutions
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    cfg = PyFileConfigLoader(_CONFIG.name, path=str(_CONFIG.parent)).load_config() \
        if _CONFIG.exists() else Config()
    clear = ClearSolutions(config=cfg)
    return clear.code_stub["python"], clear.text_stub


def release_source(cell) -> str:
    """The cell as released to students: solutions replaced by the stub, hidden tests removed."""
    text = cell.source
    if is_solution(cell):
        if cell.cell_type == "markdown":
            return stubs()[1]

        def stub(m):
            return "".join(m.group(1) + line + "\n" for line in stubs()[0].splitlines())
        text = _SOLUTION.sub(stub, text)
    return _HIDDEN.sub("", text).rstrip()


def strip_hidden(source: str) -> str:
    return _HIDDEN.sub("", source).rstrip()


def restore(source_nb, student_nb) -> tuple[nbformat.NotebookNode, list[str]]:
    """Return ``(notebook to run, notes)``: ``source_nb`` (from ``solutions/``) with the
    student's answers (:func:`helpers.selfcheck.restore.restore`, which the self-check shares);
    a missing answer cell gets the release's starting code (:func:`release_source`)."""
    return restore_cells(source_nb, student_nb, released=release_source)
