"""Every course notebook executes top to bottom in a fresh kernel.

* Solution notebooks (``solutions/``): no error and nothing on stderr, in any cell.
* Student release (``notebooks/``): the unanswered exercises may fail, and only they: an
  answer cell raises ``NotImplementedError``, a test cell of an exercise fails, and a cell
  tagged ``exercise-demo`` (it calls a student's function) raises ``NotImplementedError``.
  Every other cell must run cleanly. Where Chromium is installed the browser suite
  (``test_browser.py``) runs every release notebook in JupyterLab with these same checks, so
  this run is skipped there to keep the suite's time down; it runs wherever the browser
  suite cannot.

* Solution notebooks 01-08 print their conclusions as checked statements
  (``helpers.notebook.claim``); a ``✗`` line (a conclusion the run no longer supports) fails.
  The drills' checked statements are listed (``EXPECTED_CLAIMS``): each must be printed as a
  ``✓`` line, so a cell that stops checking its conclusion fails too.

Execution time of each notebook is printed in the run summary and stored in
``.artifacts/notebook_times.json`` for ``scripts/record_times.py``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import nbformat
import pytest
from conftest import NOTEBOOK_TIMES, ROOT, RUN_STATE
from nbclient import NotebookClient

# The same kernel start-up as nbgrader and the grader use: warnings on stdout.
from helpers.notebook import CLAIM_FAILED, CLAIM_OK, KERNEL_ARGS

SOLUTIONS = sorted(ROOT.glob("solutions/*/*.ipynb"))
# The checked statements a solution notebook must print (the start of each ✓ line's text).
EXPECTED_CLAIMS = {
    "09_drills": (
        "the same label-safe augmentation lowers the linear model's accuracy more than the CNN's",  # D3.2
        "the views move the accuracy by a few points at most",  # D4.3
        "past 4 views the curve is nearly flat",  # D4.3
        "the leaky protocol's gap is larger than the fold-scoped pipeline's",  # D5
    ),
}
RELEASE = sorted(ROOT.glob("notebooks/*/*.ipynb"))


def _run(path, allow_errors):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=900, kernel_name="python3", allow_errors=allow_errors,
        extra_arguments=KERNEL_ARGS, resources={"metadata": {"path": str(path.parent)}},
    )
    env_before = os.environ.get("AUGCOURSE_STATIC")
    os.environ["AUGCOURSE_STATIC"] = "1"  # widgets also draw a static figure without a front end
    t0 = time.perf_counter()
    try:
        client.execute()
    finally:
        if env_before is None:
            os.environ.pop("AUGCOURSE_STATIC", None)
    NOTEBOOK_TIMES[str(path.relative_to(ROOT))] = time.perf_counter() - t0
    _store_time(path, NOTEBOOK_TIMES[str(path.relative_to(ROOT))])
    # Keep the executed copy (git-ignored) so its figures and numbers can be looked at.
    out = ROOT / ".artifacts" / "executed" / path.relative_to(ROOT)
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    return nb


def _store_time(path, seconds):
    """Keep the measured seconds for scripts/record_times.py (the course's one time table)."""
    store = ROOT / ".artifacts" / "notebook_times.json"
    store.parent.mkdir(parents=True, exist_ok=True)
    times = json.loads(store.read_text()) if store.exists() else {}
    times[str(path.relative_to(ROOT))] = round(seconds, 1)
    store.write_text(json.dumps(times, indent=1, sort_keys=True))


def _claims(nb):
    """(cell index, line) of every checked statement (helpers.notebook.claim) the run printed."""
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and out.name == "stdout":
                for line in out.text.splitlines():
                    if line.startswith((CLAIM_OK, CLAIM_FAILED)):
                        yield i, line


def _problems(cell):
    for out in cell.get("outputs", []):
        if out.output_type == "error":
            yield f"{out.ename}: {out.evalue}"
        elif out.output_type == "stream" and out.name == "stderr":
            yield f"stderr: {out.text[:300]!r}"


def _cell_label(i, cell):
    first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
    return f"cell {i} ({cell.get('id', '?')}: {first[:60]!r})"


@pytest.mark.notebook
@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.parent.name)
def test_solution_notebook_runs_clean(path):
    nb = _run(path, allow_errors=True)
    bad = [f"{_cell_label(i, c)}: {p}" for i, c in enumerate(nb.cells) if c.cell_type == "code"
           for p in _problems(c)]
    # Every directional conclusion of the prose is printed as a checked statement by the cell
    # that measures it; one that no longer holds (a library update, a changed recipe) fails here.
    claims = list(_claims(nb))
    bad += [f"{_cell_label(i, nb.cells[i])}: {line}" for i, line in claims if line.startswith(CLAIM_FAILED)]
    if path.parent.name[:2] in {f"{k:02d}" for k in range(1, 9)}:
        assert claims, f"{path.name} prints no checked claim (helpers.notebook.claim)"
    held = [line.removeprefix(CLAIM_OK) for _, line in claims if line.startswith(CLAIM_OK)]
    bad += [f"missing checked claim: {text!r}" for text in EXPECTED_CLAIMS.get(path.parent.name, ())
            if not any(line.startswith(text) for line in held)]
    assert not bad, "\n".join(bad)


CHROMIUM = Path(os.environ.get("AUGCOURSE_CHROMIUM", "/usr/bin/chromium"))


@pytest.mark.notebook
@pytest.mark.parametrize("path", RELEASE, ids=lambda p: p.parent.name)
def test_student_release_fails_only_in_open_exercises(path):
    if CHROMIUM.exists() and RUN_STATE["browser_suite_selected"]:
        pytest.skip("checked in JupyterLab by the browser suite (tests/test_browser.py)")
    nb = _run(path, allow_errors=True)
    bad = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        stderr = [o for o in cell.get("outputs", []) if o.output_type == "stream" and o.name == "stderr"]
        if stderr:
            bad.append(f"{_cell_label(i, cell)}: wrote to stderr {stderr[0].text[:200]!r}")
        if meta.get("grade") and not meta.get("solution"):
            continue  # tests of unanswered exercises are expected to fail
        allowed = meta.get("solution") or "exercise-demo" in cell.metadata.get("tags", [])
        for e in errors:
            if not (allowed and e.ename == "NotImplementedError"):
                bad.append(f"{_cell_label(i, cell)}: {e.ename}: {e.evalue}")
    assert not bad, "\n".join(bad)
