"""The course as students meet it: JupyterLab in headless Chromium.

One JupyterLab server (the project's ``.venv``, 127.0.0.1, a token, its settings in a temporary
folder) and one headless Chromium serve the whole module; notebooks run one at a time, each in a
fresh kernel and a fresh page.

* Student release (``notebooks/*/*.ipynb``, found by globbing): Run All in the page (going on
  past the open exercises, as a student would) until every cell ran; no error output except the
  ``NotImplementedError`` of unanswered exercises and the failing test cells of exercises; every
  figure shows as an image; every widget renders.
* Explorers (``helpers.viz.explore``): every slider of every explorer is moved with the keyboard
  and the figure must change: a real round trip through the kernel. The explorers the course
  promises (MixUp alpha, RandAugment N/M, SMOTE k, SpecAugment masks) must exist once their
  notebook does.
* Solutions (``solutions/*/*.ipynb``): ``nbgrader validate`` reports every test passing, and Run
  All in the page shows no error output at all.

The page may never save a notebook (autosave is off and saves are refused and reported), and
no checkpoint folder may appear in the repository.

Screenshots land in ``.artifacts/browser/`` (git-ignored), one per notebook; on failure the
page's screenshot and browser console log are kept and their paths printed. The suite skips only
where Chromium is missing (set ``AUGCOURSE_CHROMIUM`` to use another binary). Time per notebook
and for the whole suite is printed in the run summary.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from browser_lab import (
    LabServer,
    NotebookInLab,
    cell_label,
    explorers_in,
    is_expected_error,
    plots,
)
from conftest import ROOT

CHROMIUM = Path(os.environ.get("AUGCOURSE_CHROMIUM", "/usr/bin/chromium"))
if not CHROMIUM.exists():
    pytest.skip(f"browser suite skipped: Chromium not found at {CHROMIUM} (install Debian's "
                "`chromium` package or set AUGCOURSE_CHROMIUM)", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402 - only needed with Chromium

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / ".artifacts" / "browser"
VENV = Path(sys.executable).parent.parent  # the environment running the tests (.venv)
# A notebook takes 20-90 s here; a busy shared machine may need several times that.
RUN_TIMEOUT_S = float(os.environ.get("AUGCOURSE_BROWSER_TIMEOUT", "600"))
VIEWPORT = {"width": 1400, "height": 1000}

RELEASE = sorted(ROOT.glob("notebooks/*/*.ipynb"))
SOLUTIONS = sorted(ROOT.glob("solutions/*/*.ipynb"))

# The explorers the course promises, by section: (what, pattern the explorer's draw function
# or cell must match, patterns its controls' names or labels must match).
REQUIRED_EXPLORERS = [
    ("02_image", "MixUp alpha", r"mix_?up", [r"alpha|α"]),
    ("02_image", "RandAugment N/M", r"rand_?aug",
     [r"^n\b|num_?ops|n_?ops|operations", r"^m\b|magnitude"]),
    ("04_tabular", "SMOTE k", r"smote", [r"^k\b|k_?neighbou?rs|neighbou?rs"]),
    ("05_audio", "SpecAugment masks", r"spec_?aug", [r"^f\b|f_max|freq", r"^t\b|t_max|time"]),
]
IMAGE_MIMES = ("image/png", "image/jpeg")
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


# --------------------------------------------------------------------------------------------
# Run summary: time per notebook and for the whole module.

class BrowserReport:
    def __init__(self):
        self.rows: list[str] = []
        self.started = time.perf_counter()
        self.total: float | None = None

    def add(self, name: str, secs: float, outcome: str, detail: str) -> None:
        self.rows.append(f"{secs:7.1f} s  {name:<28} {outcome:<7} {detail}")

    def pytest_terminal_summary(self, terminalreporter):
        if not self.rows:
            return
        terminalreporter.section("browser suite: JupyterLab in headless Chromium")
        for row in self.rows:
            terminalreporter.write_line(row)
        if self.total is not None:
            terminalreporter.write_line(f"{self.total:7.1f} s  whole browser suite "
                                        f"(server, browser, {len(self.rows)} runs)")
        terminalreporter.write_line(f"screenshots and console logs: {ARTIFACTS}")


@pytest.fixture(scope="module")
def report(request):
    rep = BrowserReport()
    request.config.pluginmanager.register(rep, "augcourse-browser-report")
    yield rep
    rep.total = time.perf_counter() - rep.started


def _checkpoint_dirs() -> set[Path]:
    return set(ROOT.glob("*/*/.ipynb_checkpoints"))


@pytest.fixture(scope="module")
def checkpoints_before():
    """Checkpoint folders in the repository before Lab opened anything."""
    return _checkpoint_dirs()


@pytest.fixture(scope="module")
def lab(tmp_path_factory, report, checkpoints_before):
    server = LabServer(VENV, ROOT, tmp_path_factory.mktemp("jupyterlab"),
                       ARTIFACTS / "jupyterlab-server.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser(lab):
    pw = sync_playwright().start()
    try:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()
    finally:
        pw.stop()


@contextmanager
def notebook_page(browser, lab, report, path: Path, kind: str):
    """A fresh page with ``path`` open; keeps a screenshot and the console log on failure."""
    name = f"{kind}-{path.parent.name}"
    shot, failed_shot = ARTIFACTS / f"{name}.png", ARTIFACTS / f"{name}-FAILED.png"
    console = ARTIFACTS / f"{name}-console.log"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    failed_shot.unlink(missing_ok=True)
    page = browser.new_page(viewport=VIEWPORT)
    messages: list[str] = []
    page.on("console", lambda m: messages.append(f"[{m.type}] {m.text}"))
    page.on("pageerror", lambda e: messages.append(f"[pageerror] {e}"))
    nb = NotebookInLab(page, lab, str(path.relative_to(ROOT)), name, RUN_TIMEOUT_S)
    t0 = time.perf_counter()
    try:
        nb.open()
        yield nb
        assert not nb.saves(), f"JupyterLab tried to save {nb.saves()} (autosave must be off)"
    except BaseException as exc:
        try:
            page.screenshot(path=str(failed_shot))
        except Exception as shot_error:  # noqa: BLE001 - the original failure matters more
            messages.append(f"[test] screenshot failed: {shot_error}")
        console.write_text("\n".join(messages) + "\n")
        where = (f"screenshot: {failed_shot}\nbrowser console log: {console}\n"
                 f"JupyterLab server log: {lab.log_path}")
        exc.add_note(where)
        print(where)
        report.add(name, time.perf_counter() - t0, "FAILED", str(failed_shot.relative_to(ROOT)))
        raise
    else:
        console.write_text("\n".join(messages) + "\n")
        detail = str(shot.relative_to(ROOT))
        if nb.resumes:
            detail += f" (Run All resumed {nb.resumes}x past open exercises)"
        report.add(name, time.perf_counter() - t0, "ok", detail)
    finally:
        page.close()
        lab.shutdown_kernels()


# --------------------------------------------------------------------------------------------
# What a cell must show.

def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _errors(rec: dict) -> list[dict]:
    return [o for o in rec["outputs"] if o["type"] == "error"]


def _rendering_problems(nb_json: dict, recs: list[dict]) -> list[str]:
    """Figures that did not show as images, widgets that did not render."""
    bad = []
    for rec in recs:
        if rec["type"] != "code" or rec["count"] is None or _errors(rec):
            continue
        cell = nb_json["cells"][rec["index"]]
        images = sum(any(m in o["mimes"] for m in IMAGE_MIMES) for o in rec["outputs"])
        expected = max(images, 1 if plots(_source(cell)) else 0)
        if rec["imgs"] < expected:
            bad.append(f"{cell_label(rec['index'], cell)}: {rec['imgs']} image(s) shown, "
                       f"{expected} expected")
        if rec["widgetsRendered"] < rec["widgetsAlive"] or rec["widgetErrors"]:
            bad.append(f"{cell_label(rec['index'], cell)}: {rec['widgets']} widget output(s), "
                       f"{rec['widgetsAlive']} live, {rec['widgetsRendered']} rendered; "
                       f"errors: {rec['widgetErrors']}")
    return bad


def _explorer_problems(nb: NotebookInLab, nb_json: dict, recs: list[dict]) -> list[str]:
    """Every explorer shows its sliders and figure; every slider redraws the figure."""
    bad = []
    by_source = {ex.cell: ex for ex in explorers_in(nb_json)}
    in_page = {r["index"] for r in recs if r["sliders"] and r["widgetsRendered"]}
    for i in sorted(set(by_source) | in_page):
        label = cell_label(i, nb_json["cells"][i])
        sliders = nb.sliders(i)
        wanted = len(by_source[i].controls) if i in by_source else 1
        if len(sliders) < wanted:
            bad.append(f"{label}: explorer shows {len(sliders)} slider(s), {wanted} expected")
            continue
        if not nb.explorer_figure(i):
            bad.append(f"{label}: explorer shows no figure")
            continue
        for k, s in enumerate(sliders):
            try:
                old, new = nb.move_slider(i, k)
            except Exception as exc:  # noqa: BLE001 - reported with the others
                bad.append(f"{label}: slider {s['label']!r} moved, figure did not change "
                           f"({type(exc).__name__}: {str(exc).splitlines()[0]})")
                continue
            print(f"{label}: slider {s['label']!r} {old} -> {new}: figure redrawn")
        errs = nb.output_errors(i)
        if errs:
            bad.append(f"{label}: explorer figure shows an error: {errs[0]!r}")
    return bad


def _find_explorer(nb_json: dict, what: str, controls: list[str]):
    """The explorer matching ``what`` (in its draw function, cell, or the function's own cell)
    whose controls match each of ``controls``; None if there is none."""
    sources = [_source(c) for c in nb_json["cells"]]
    for ex in explorers_in(nb_json):
        defining = [s for s in sources if re.search(rf"def\s+{re.escape(ex.draw)}\b", s)]
        text = " ".join([ex.draw, sources[ex.cell], *defining])
        names = [*ex.controls, *ex.controls.values()]
        if re.search(what, text, re.I) and all(
                any(re.search(c, n, re.I) for n in names) for c in controls):
            return ex
    return None


def _required_for(section: str):
    return [r for r in REQUIRED_EXPLORERS if r[0] == section]


# --------------------------------------------------------------------------------------------
# The tests.

@pytest.mark.parametrize("section,what,pattern,controls", REQUIRED_EXPLORERS,
                         ids=[f"{r[0]}-{r[1]}" for r in REQUIRED_EXPLORERS])
def test_promised_explorer_exists(section, what, pattern, controls):
    path = ROOT / "notebooks" / section / f"{section}.ipynb"
    if not path.exists():
        pytest.skip(f"{section} is not released yet: the {what} explorer is checked once it is")
    found = _find_explorer(json.loads(path.read_text()), pattern, controls)
    assert found is not None, (
        f"{path.relative_to(ROOT)} has no {what} explorer (explore(draw, ...) whose draw "
        f"function or cell matches {pattern!r} and whose controls match {controls}); found: "
        f"{[(e.draw, e.controls) for e in explorers_in(json.loads(path.read_text()))]}")


@pytest.mark.parametrize("path", RELEASE, ids=lambda p: p.parent.name)
def test_release_notebook_in_lab(path, browser, lab, report):
    nb_json = json.loads(path.read_text())
    with notebook_page(browser, lab, report, path, "release") as nb:
        nb.run_all(nb_json["cells"])
        recs = nb.cells()
        bad = []
        for rec in recs:
            cell = nb_json["cells"][rec["index"]]
            for e in _errors(rec):
                if not is_expected_error(cell, e["ename"]):
                    bad.append(f"{cell_label(rec['index'], cell)}: {e['ename']}: {e['evalue']}")
        assert not bad, "error output outside the open exercises:\n" + "\n".join(bad)

        bad = _rendering_problems(nb_json, recs)
        assert not bad, "\n".join(bad)

        bad = _explorer_problems(nb, nb_json, recs)
        for _, what, pattern, controls in _required_for(path.parent.name):
            ex = _find_explorer(nb_json, pattern, controls)
            if ex is None:
                bad.append(f"the {what} explorer is missing")
            elif len(nb.sliders(ex.cell)) < len(ex.controls):
                bad.append(f"the {what} explorer (cell {ex.cell}) does not show its sliders")
        assert not bad, "\n".join(bad)

        explorer_cells = [ex.cell for ex in explorers_in(nb_json)]
        figure_cells = [r["index"] for r in recs if r["imgs"]]
        focus = (explorer_cells or figure_cells or [0])[0]
        nb.screenshot(ARTIFACTS / f"release-{path.parent.name}.png", focus)


def _nbgrader_validate(path: Path) -> str:
    out = subprocess.run(
        [str(VENV / "bin" / "nbgrader"), "validate", str(path.relative_to(ROOT))],
        cwd=ROOT, capture_output=True, text=True, timeout=1800,
        env={k: v for k, v in os.environ.items() if k != "AUGCOURSE_STATIC"})
    return out.stdout + out.stderr


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.parent.name)
def test_solution_passes_nbgrader_validate(path):
    text = _nbgrader_validate(path)
    assert "Success! Your notebook passes all the tests." in text, text[-3000:]
    for failure in ("VALIDATION FAILED", "NOTEBOOK FAILED", "Traceback"):
        assert failure not in text, text[-3000:]


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.parent.name)
def test_solution_notebook_in_lab(path, browser, lab, report):
    nb_json = json.loads(path.read_text())
    with notebook_page(browser, lab, report, path, "solution") as nb:
        nb.run_all(nb_json["cells"])
        recs = nb.cells()
        bad = [f"{cell_label(r['index'], nb_json['cells'][r['index']])}: "
               f"{e['ename']}: {e['evalue']}" for r in recs for e in _errors(r)]
        assert not bad, "error output in the solution notebook:\n" + "\n".join(bad)
        assert nb.resumes == 0, "Run All stopped before the end of a solution notebook"
        bad = _rendering_problems(nb_json, recs)
        assert not bad, "\n".join(bad)
        grade_cells = [r["index"] for r in recs
                       if nb_json["cells"][r["index"]]["metadata"].get("nbgrader", {}).get("grade")
                       and r["type"] == "code"]
        assert all(recs[i]["count"] is not None for i in grade_cells)
        nb.screenshot(ARTIFACTS / f"solution-{path.parent.name}.png",
                      grade_cells[-1] if grade_cells else None)


def test_lab_wrote_no_checkpoints_into_the_repository(checkpoints_before, lab):
    stray = sorted(str(p.relative_to(ROOT)) for p in _checkpoint_dirs() - checkpoints_before)
    assert not stray, f"checkpoints written into the repository: {stray}"
