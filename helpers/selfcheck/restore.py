"""Build the notebook that is checked: the course's cells, in the course's order, with the
student's answers.

Both checkers use it: the teacher's grader (``teacher.grader.restore``, with the source notebook
of ``solutions/`` and its hidden tests) and the student's self-check (:mod:`.grade`, with the
release as it was handed out, stored in the self-check data). Every cell of ``source_nb`` is
taken from it — markdown, plain code, and above all the test cells — so a test cell the student
deleted, edited, moved or stripped of its metadata is back in its place, with its original
code. Only the answer cells (nbgrader ``solution`` cells) come from the student, matched by
``grade_id`` (or, when the metadata was stripped, by the cell id). Cells the student added after
an answer cell stay after it. An answer cell that is missing gets the release's starting code.
Every restoration is recorded as a note for the feedback.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import nbformat

from .cells import is_grade, is_solution, meta, norm


def _as_released(cell) -> str:
    return cell.source


def _positions(student_nb) -> tuple[dict, dict]:
    """(grade_id -> index, cell id -> index) of the student's cells; the first one wins."""
    by_gid, by_id = {}, {}
    for pos, c in enumerate(student_nb.cells):
        gid = meta(c).get("grade_id")
        if gid and gid not in by_gid:
            by_gid[gid] = pos
        if c.get("id") and c.get("id") not in by_id:
            by_id[c.get("id")] = pos
    return by_gid, by_id


def _blank(cell):
    """A copy of ``cell`` without outputs (code cells run afresh)."""
    cell = copy.deepcopy(cell)
    if cell.cell_type == "code":
        cell.outputs, cell.execution_count = [], None
    return cell


def restore(source_nb, student_nb, released: Callable = _as_released
            ) -> tuple[nbformat.NotebookNode, list[str]]:
    """Return ``(notebook to run, notes)`` (see the module docstring).

    ``released(cell)``: the text a cell of ``source_nb`` had in the student's release (its
    starting code); by default the cell's own source (``source_nb`` is the release itself).
    """
    notes: list[str] = []
    src_ids = {c.get("id") for c in source_nb.cells}
    src_gids = {meta(c).get("grade_id") for c in source_nb.cells if meta(c).get("grade_id")}
    by_gid, by_id = _positions(student_nb)

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
        cell = _blank(src)
        pos, by_grade_id = find(src)
        name = meta(src).get("grade_id") or src.get("id")
        if is_solution(src):
            if pos is None:
                cell.source = released(src)
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
                    out.cells.append(_blank(extra))
            continue
        out.cells.append(cell)
        if is_grade(src) or meta(src).get("locked"):
            if pos is None:
                notes.append(f"test cell '{name}' was deleted: restored from the course's copy")
                continue
            order.append(pos)
            theirs = student_nb.cells[pos]
            if norm(theirs.source) not in (norm(released(src)), norm(src.source)):
                notes.append(f"test cell '{name}' was edited: the original was restored")
            elif not by_grade_id:
                stripped.append(name)
    if stripped:
        notes.append(f"{len(stripped)} cells had lost their grading metadata ({', '.join(stripped[:4])}"
                     f"{', ...' if len(stripped) > 4 else ''}): matched by cell id, tests restored")
    if order != sorted(order):
        notes.append("cells were moved: the original order of the exercises and tests was restored")
    return out, notes
