"""Drills D1-D5 (course section 9): per-student variants and the graded parts.

* :func:`variant` / :func:`student_id`: the numbers each student's drills use, derived from the
  student id (``helpers.drills.variant``);
* :data:`PARTS`: the graded parts, each with hidden inputs, a probe and a trusted check
  (``helpers.drills.specs``); :func:`grade_part` runs one part inside a notebook.
"""

from .specs import (
    D2_OPTIONS,
    D5_OPTIONS,
    PARTS,
    PARTS_BY_ID,
    PRESERVES_PAIRS,
    VIEW_NAMES,
    Part,
    choices,
    grade_part,
    reference_val_transform,
    total_points,
)
from .variant import ANONYMOUS, student_id, variant, variants_enabled

__all__ = [
    "ANONYMOUS", "D2_OPTIONS", "D5_OPTIONS", "PARTS", "PARTS_BY_ID", "PRESERVES_PAIRS",
    "VIEW_NAMES", "Part", "choices", "grade_part", "reference_val_transform", "student_id",
    "total_points", "variant", "variants_enabled",
]
