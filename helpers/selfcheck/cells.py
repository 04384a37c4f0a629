"""Reading nbgrader's marks on notebook cells (``cell.metadata.nbgrader``).

An *answer cell* (``solution``) is where the student writes; a *test cell* (``grade`` and not
``solution``, a code cell) checks it; a graded markdown cell is a written answer.
"""

from __future__ import annotations

import hashlib


def meta(cell) -> dict:
    """The cell's nbgrader metadata (an empty dict when it has none)."""
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_solution(cell) -> bool:
    return bool(meta(cell).get("solution"))


def is_grade(cell) -> bool:
    return bool(meta(cell).get("grade"))


def is_test(cell) -> bool:
    return is_grade(cell) and not is_solution(cell) and cell.cell_type == "code"


def norm(text: str) -> str:
    """``text`` without trailing spaces and surrounding blank lines (what an edit must change)."""
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def digest(text: str) -> str:
    """sha256 of the normalised text: tells whether an answer cell still holds the release's code."""
    return hashlib.sha256(norm(text).encode("utf-8")).hexdigest()
