"""Sections 1-8, the teacher side: the sealed checks of their autograded exercises
(``teacher.sections.seal``), run by the student's self-check without the hidden tests."""

from .seal import TABLE, UNSEALED, seal_sections

__all__ = ["TABLE", "UNSEALED", "seal_sections"]
