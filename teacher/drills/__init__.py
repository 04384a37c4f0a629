"""Drills D1-D5, the teacher side: the graded parts with their hidden inputs, answer keys,
reference answers and scores (``teacher.drills.specs``).

The student side (numbers per student, option texts, the probe code run in the kernel) is
``helpers.drills``; nothing there imports this package.
"""

from .specs import (
    D2_KEY,
    D5_KEY,
    PARTS,
    PARTS_BY_ID,
    PRESERVES_PAIRS,
    PROBE_PRELUDE,
    Part,
    choice_letter,
    grade_part,
    part_rng,
    reference_val_transform,
    total_points,
)

__all__ = [
    "D2_KEY", "D5_KEY", "PARTS", "PARTS_BY_ID", "PRESERVES_PAIRS", "PROBE_PRELUDE", "Part",
    "choice_letter", "grade_part", "part_rng", "reference_val_transform", "total_points",
]
