"""nbgrader preprocessors of the course (loaded by ``nbgrader_config.py``).

``HideHiddenTestsInFeedback`` runs when feedback is generated: students see their points and
the failure message of each test, never the hidden tests' source. nbgrader's own feedback
shows the autograded notebook as it is, hidden tests included, and a traceback quotes the
failing line of test code; this preprocessor removes both.
"""

from __future__ import annotations

from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution

HIDDEN_NOTE = "# (hidden tests are not shown in feedback)"


class HideHiddenTestsInFeedback(NbGraderPreprocessor):
    """Strip hidden-test regions from test cells and shorten their tracebacks to one line."""

    def preprocess(self, nb, resources):
        clear = ClearHiddenTests(enforce_metadata=False)
        for cell in nb.cells:
            if cell.cell_type != "code" or not is_grade(cell) or is_solution(cell):
                continue
            if clear._remove_hidden_test_region(cell):
                cell.source = cell.source.rstrip() + "\n" + HIDDEN_NOTE
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        return nb, resources
