"""Feedback HTML for one graded submission, with nbgrader's feedback template.

The scores come from the :class:`~teacher.grader.engine.GradeResult` (no gradebook needed);
hidden tests are removed and tracebacks shortened (``HideHiddenTestsInFeedback``), and a first
cell lists the grading notes (restored cells, stopped cells, detected tampering) in words.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import nbformat


def _template_dirs():
    import nbgrader

    base = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader"
    return str(base / "templates"), str(base / "static" / "node_modules" / "bootstrap" / "dist" / "css")


def feedback_notebook(result):
    """The notebook shown to the student: scores in the metadata, hidden tests removed."""
    from ..nbgrader_plugins import HideHiddenTestsInFeedback
    from .restore import is_grade, meta

    nb = copy.deepcopy(result.autograded)
    for cell in nb.cells:
        if is_grade(cell):
            score, points = result.parts.get(meta(cell)["grade_id"], (None, 0.0))
            cell.metadata.nbgrader["score"] = score if score is not None else 0.0
            cell.metadata.nbgrader["points"] = points
            cell.metadata.nbgrader.setdefault("comment", None)
    nb, _ = HideHiddenTestsInFeedback().preprocess(nb, {})
    notes = result.notes or ["nothing unusual: every cell ran as submitted"]
    text = "**Grading notes**\n\n" + "\n".join(f"* {line}" for line in notes)
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(text))
    return nb


def write_feedback(result, path) -> None:
    from nbconvert.exporters import HTMLExporter
    from traitlets.config import Config

    templates, css = _template_dirs()
    c = Config()
    c.HTMLExporter.template_name = "feedback"
    c.HTMLExporter.extra_template_basedirs = [templates]
    c.HTMLExporter.extra_template_paths = [css]
    exporter = HTMLExporter(config=c)
    resources = {"nbgrader": {"notebook": os.path.splitext(result.notebook)[0], "score": result.total,
                              "max_score": result.max_total, "late_penalty": 0,
                              "assignment": result.assignment, "student": result.student}}
    body, _ = exporter.from_notebook_node(feedback_notebook(result), resources=resources)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(body, encoding="utf-8")
