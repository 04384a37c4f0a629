"""Build the notebook that is graded: the source notebook's cells, with the student's answers.

Every cell of the source notebook (``solutions/<assignment>/``) is taken from the source —
markdown, plain code, and above all the test cells — so a test cell the student deleted,
edited, moved or stripped of its metadata is back in its place, with its original code. Only
the answer cells (nbgrader ``solution`` cells) come from the student, matched by ``grade_id``
(or, when the metadata was stripped, by the cell id). Cells the student added after an answer
cell stay after it. An answer cell that is missing gets the release's starting code.
Every restoration is recorded as a note for the feedback.
"""

from __future__ import annotations

import copy
import functools
import re

import nbformat

from helpers.data.paths import course_root
from helpers.selfcheck.cells import is_grade, is_solution, is_test, meta
from helpers.selfcheck.cells import norm as _norm

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
    """Return ``(notebook to run, notes)`` (see the module docstring)."""
    notes: list[str] = []
    src_ids = {c.get("id") for c in source_nb.cells}
    src_gids = {meta(c).get("grade_id") for c in source_nb.cells if meta(c).get("grade_id")}
    by_gid, by_id = {}, {}
    for pos, c in enumerate(student_nb.cells):
        gid = meta(c).get("grade_id")
        if gid and gid not in by_gid:
            by_gid[gid] = pos
        if c.get("id") and c.get("id") not in by_id:
            by_id[c.get("id")] = pos

    def find(src_cell):
        gid = meta(src_cell).get("grade_id")
        if gid in by_gid:
            return by_gid[gid], True
        if src_cell.get("id") in by_id:
            return by_id[src_cell.get("id")], False
        return None, False

    out = nbformat.v4.new_notebook(metadata=copy.deepcopy(source_nb.metadata))
    order, stripped = [], []
    for src in source_nb.cells:
        cell = copy.deepcopy(src)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        pos, by_grade_id = find(src)
        name = meta(src).get("grade_id") or src.get("id")
        if is_solution(src):
            if pos is None:
                cell.source = release_source(src)
                notes.append(f"answer cell '{name}' was missing: graded with the starting code")
            else:
                cell.source = student_nb.cells[pos].source
                if not by_grade_id:
                    stripped.append(name)
            out.cells.append(cell)
            if pos is not None:
                order.append(pos)
                for extra in student_nb.cells[pos + 1:]:
                    if meta(extra) or extra.get("id") in src_ids or meta(extra).get("grade_id") in src_gids:
                        break
                    added = copy.deepcopy(extra)
                    if added.cell_type == "code":
                        added.outputs, added.execution_count = [], None
                    out.cells.append(added)
            continue
        out.cells.append(cell)
        if is_grade(src) or meta(src).get("locked"):
            if pos is None:
                notes.append(f"test cell '{name}' was deleted: restored from the course's copy")
                continue
            order.append(pos)
            theirs = student_nb.cells[pos]
            if _norm(theirs.source) not in (_norm(release_source(src)), _norm(src.source)):
                notes.append(f"test cell '{name}' was edited: the original was restored")
            elif not by_grade_id:
                stripped.append(name)
    if stripped:
        notes.append(f"{len(stripped)} cells had lost their grading metadata ({', '.join(stripped[:4])}"
                     f"{', ...' if len(stripped) > 4 else ''}): matched by cell id, tests restored")
    if order != sorted(order):
        notes.append("cells were moved: the original order of the exercises and tests was restored")
    return out, notes
