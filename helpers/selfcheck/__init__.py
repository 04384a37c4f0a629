"""Self-check for students: grade your own work with the visible tests and sealed checks.

Nothing here needs the teacher's files: the hidden cases' expected answers travel only as
salted hashes (``seal``), written by the teacher side into ``data/``. See :mod:`.grade`.

    from helpers import selfcheck
    reports = selfcheck.progress()      # every section you started
    selfcheck.show_progress(reports)

Command line: ``python -m helpers.selfcheck check [NOTEBOOK ...]`` (``make check``) and
``python -m helpers.selfcheck student ID`` (``make student ID=...``).
"""

from .grade import check, course_data, progress, sections, touched, working_copy
from .report import (
    TEACHER,
    ExerciseRow,
    SectionReport,
    format_report,
    plot_progress,
    print_report,
    progress_table,
    show_progress,
    show_report,
)

__all__ = [
    "TEACHER", "ExerciseRow", "SectionReport", "check", "course_data", "format_report",
    "plot_progress", "print_report", "progress", "progress_table", "sections", "show_progress",
    "show_report", "touched", "working_copy",
]
