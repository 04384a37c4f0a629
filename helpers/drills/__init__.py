"""Drills D1-D5 (course section 9), the student side: per-student numbers, option texts, probes.

* :func:`variant` / :func:`student_id`: the numbers each student's drills use, derived from the
  student id (``helpers.drills.variant``);
* :data:`D2_OPTIONS`, :data:`D5_OPTIONS`, :func:`choices`: the multiple-choice options as shown
  (``helpers.drills.options``; no answer key);
* ``helpers.drills.probes``: the code that collects an answer in the student's kernel.

The graded parts (hidden inputs, reference answers, scores) live with the grader, in
``teacher.drills``.
"""

from .options import D2_OPTIONS, D5_OPTIONS, VIEW_NAMES, choices
from .variant import ANONYMOUS, student_id, variant, variants_enabled

__all__ = [
    "ANONYMOUS", "D2_OPTIONS", "D5_OPTIONS", "VIEW_NAMES", "choices", "student_id", "variant",
    "variants_enabled",
]
