"""nbgrader configuration of the data augmentation course.

Source notebooks (with solutions and hidden tests) live in ``solutions/<assignment>/``;
``make release`` writes the student release to ``notebooks/<assignment>/``. One assignment
per course section.
"""

import os

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

_here = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "augmentation-course"
c.CourseDirectory.root = _here
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
# Supporting files copied with each assignment; never data or caches.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]

# Student-facing stubs.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Execution when validating and autograding: CPU training cells need time; runaway cells stop.
c.Execute.timeout = 300
c.Execute.interrupt_on_timeout = True
# Before any cell runs, the kernel prints warnings on stdout: nbgrader fails a test cell that
# writes to stderr, and library warnings must never cost a student points.
from helpers.notebook import KERNEL_ARGS  # noqa: E402 - the one definition of the kernel start-up

c.Execute.extra_arguments = list(KERNEL_ARGS)

# Output limits: a submission that prints without end cannot flood the gradebook or feedback.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100

# Feedback never shows hidden tests' source, nor tracebacks that would quote it.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "teacher.nbgrader_plugins.HideHiddenTestsInFeedback",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
