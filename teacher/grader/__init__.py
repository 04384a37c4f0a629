"""The course's grader: nbgrader's layout and gradebook, hardened against hostile notebooks.

* :func:`grade_notebook` grades one notebook (no gradebook): restore the test cells from the
  source, run in a sandboxed kernel, score the drills out of the student's kernel;
* :func:`grade_class` grades a class in parallel, writes the gradebook, the autograded
  notebooks, feedback HTML and a grade CSV;
* with a PostgreSQL gradebook, every grader started on it shares the round
  (``teacher.grader.queue``); each round ends with a class report (``teacher.grader.report``);
* ``python -m teacher.grader grade|check`` is the command line (``make grade``).

Teacher documentation: ``docs/grading.md``.
"""

from .classroom import ClassConfig, grade_class, load_config, summary_table, write_csv
from .engine import GradeResult, grade_notebook
from .sandbox import Limits

__all__ = ["ClassConfig", "GradeResult", "Limits", "grade_class", "grade_notebook", "load_config",
           "summary_table", "write_csv"]
