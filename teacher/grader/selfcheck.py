"""Grade your own work: one notebook, or every section you have started.

For students studying alone. The checks are the teacher's checks — visible and hidden tests,
the same sandboxed kernel, time limits and tamper protection (:func:`grade_notebook`) — run on
a copy in a temporary folder; your notebook is only read, never written.

* :func:`check` grades one notebook and returns a :class:`SectionReport` (a row per exercise:
  points, passed / failed / teacher-graded, and the feedback in words);
* :func:`progress` finds the sections you have started (an answer cell differs from the
  release), grades those (results are cached by the notebook's content, so only changed
  notebooks are graded again) and returns the reports of every section;
* :func:`print_report`, :func:`show_report`, :func:`progress_table`, :func:`show_progress` and
  :func:`plot_progress` show them (Markdown and a bar chart in a notebook);
* ``python -m teacher.grader check [NOTEBOOK ...]`` and ``make check [NB=...]`` are the
  command line; ``python -m teacher.grader student ID`` records your student id.

Feedback lines come from the failing checks' messages (in words: which case, shape, how many
entries are off) and never contain hidden test code or expected values.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict
from pathlib import Path

import nbformat

from helpers.selfcheck.cells import norm as _norm
from helpers.selfcheck.report import (  # noqa: F401 - the tables are part of this module's API
    ExerciseRow,
    SectionReport,
    cell_feedback,
    format_report,
    plot_progress,
    print_report,
    progress_table,
    show_progress,
    show_report,
)

from .engine import ROOT, TRUSTED_ASSIGNMENTS, GradeResult, grade_notebook, source_notebook
from .restore import is_grade, is_solution, meta, release_source
from .sandbox import Limits

CACHE = ROOT / ".augcourse" / "selfcheck.json"
CACHE_VERSION = 1
# Sections 1-8 train small networks in some cells: the teacher's nbgrader limit (300 s a cell).
SECTION_LIMITS = Limits(cell_timeout=300.0, notebook_timeout=1500.0)
DRILL_LIMITS = Limits()
_HEADING = re.compile(r"^#{2,4}\s+(.*?)\s*$", re.M)
_POINTS_SUFFIX = re.compile(r"\s*\((\d+(\.\d+)?\s+points?|[^)]*graded by your teacher)\)\s*$")
_MAX_MESSAGE = 240  # feedback of one exercise, in characters


# ----------------------------------------------------------------------------- sections

def sections(root: Path = ROOT) -> list[str]:
    """The course's assignments with graded cells, in order (``00_start_here`` has none)."""
    out = []
    for folder in sorted(p for p in (root / "solutions").iterdir() if p.is_dir()):
        try:
            nb = nbformat.read(source_notebook(folder.name, None, root), as_version=4)
        except ValueError:
            continue
        if any(is_grade(c) for c in nb.cells):
            out.append(folder.name)
    return out


def working_copy(section: str, root: Path = ROOT) -> Path:
    """Where a student's copy of ``section`` lives: ``notebooks/<section>/<name>.ipynb``."""
    return root / "notebooks" / section / source_notebook(section, None, root).name


def _titles(nb) -> dict[str, str]:
    """grade_id -> the heading above it (``Exercise 2.1 — MixUp soft targets``)."""
    titles, current = {}, ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found = _HEADING.findall(cell.source)
            if found:
                current = _POINTS_SUFFIX.sub("", found[-1]).strip()
        if is_grade(cell):
            titles[meta(cell)["grade_id"]] = current or meta(cell)["grade_id"]
    return titles


def touched(path: Path, section: str, root: Path = ROOT) -> bool:
    """True when an answer cell of ``path`` differs from the release (the student started)."""
    src = nbformat.read(source_notebook(section, None, root), as_version=4)
    try:
        theirs = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - an unreadable file counts as started: grading says why
        return True
    by_gid = {meta(c).get("grade_id"): c for c in theirs.cells if meta(c).get("grade_id")}
    for cell in src.cells:
        if not is_solution(cell):
            continue
        mine = by_gid.get(meta(cell)["grade_id"])
        if mine is None or _norm(mine.source) != _norm(release_source(cell)):
            return True
    return False


# ----------------------------------------------------------------------------- one notebook

def report_from_result(result: GradeResult, section: str, notebook: Path) -> SectionReport:
    """Turn the grader's result into the student's table (no expected values, no test code)."""
    nb = result.autograded
    titles = _titles(nb) if nb is not None else {}
    cells = {meta(c)["grade_id"]: c for c in (nb.cells if nb is not None else []) if is_grade(c)}
    rows = []
    for gid, (score, max_points) in result.parts.items():
        cell = cells.get(gid)
        if score is None or (cell is not None and cell.cell_type == "markdown"):
            rows.append(ExerciseRow(gid, titles.get(gid, gid), None, max_points, "teacher-graded",
                                    "written answer: your teacher grades it"))
            continue
        if section in TRUSTED_ASSIGNMENTS:
            message = " | ".join(result.messages.get(gid, []))[:_MAX_MESSAGE]
        else:
            message = cell_feedback(cell) if cell is not None else ""
        status = "passed" if score >= max_points - 1e-9 else ("partial" if score > 0 else "failed")
        if status == "passed":
            message = ""
        rows.append(ExerciseRow(gid, titles.get(gid, gid), float(score), max_points, status, message))
    return SectionReport(section, str(notebook), result.student, "graded", rows, list(result.notes),
                         result.seconds)


def _limits_for(section: str, limits: Limits | None) -> Limits:
    if limits is not None:
        return limits
    return DRILL_LIMITS if section in TRUSTED_ASSIGNMENTS else SECTION_LIMITS


def check(path, section: str | None = None, student: str | None = None, *,
          limits: Limits | None = None, root: Path = ROOT) -> SectionReport:
    """Grade the notebook at ``path`` with every check; the file is only read.

    ``section``: the assignment (default: the notebook's folder name, else its file name);
    ``student``: whose drill numbers to use (default: ``AUGCOURSE_STUDENT_ID`` or the
    ``.augcourse-student`` file, see :func:`helpers.drills.student_id`).
    """
    from helpers.drills.variant import student_id

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path: no notebook at {path}")
    section = section or _section_of(path, root)
    student = student or student_id()
    result = grade_notebook(path, section, student, limits=_limits_for(section, limits), root=root,
                            threads=None)  # one notebook at a time: use every core
    return report_from_result(result, section, path)


def _section_of(path: Path, root: Path) -> str:
    known = {p.name for p in (root / "solutions").iterdir() if p.is_dir()}
    for name in (path.parent.name, path.stem):
        if name in known:
            return name
    raise ValueError(f"path: cannot tell which section {path.name} belongs to; pass section= "
                     f"(one of {', '.join(sorted(known))})")


# ----------------------------------------------------------------------------- the series

def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cache_key(section: str, path: Path, student: str, root: Path) -> str:
    src = source_notebook(section, None, root)
    return f"{section}|{student}|{_digest(path)}|{_digest(src)}"


def _load_cache(cache: Path) -> dict:
    try:
        data = json.loads(cache.read_text())
        return data.get("reports", {}) if data.get("version") == CACHE_VERSION else {}
    except (OSError, ValueError, AttributeError):
        return {}


def _save_cache(cache: Path, reports: dict) -> None:
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"version": CACHE_VERSION, "reports": reports}, indent=1))
    except OSError:
        pass  # a read-only course folder only loses the cache


def _from_dict(d: dict) -> SectionReport:
    rows = [ExerciseRow(**r) for r in d.pop("rows")]
    return SectionReport(rows=rows, **d)


def _not_started(section: str, path: Path, student: str, root: Path, status: str) -> SectionReport:
    src = nbformat.read(source_notebook(section, None, root), as_version=4)
    titles = _titles(src)
    rows = []
    for cell in src.cells:
        if not is_grade(cell):
            continue
        gid = meta(cell)["grade_id"]
        manual = cell.cell_type == "markdown"
        rows.append(ExerciseRow(gid, titles.get(gid, gid), None if manual else 0.0,
                                float(meta(cell).get("points", 0)),
                                "teacher-graded" if manual else "not started"))
    return SectionReport(section, str(path), student, status, rows)


def progress(folder: Path | None = None, student: str | None = None, *, root: Path = ROOT,
             cache: Path | None = CACHE, show_progress: bool = True) -> list[SectionReport]:  # noqa: F811 - a flag named after the function
    """Reports for every section: graded when started, else "not started" with zero points.

    ``folder``: where the working copies are (default ``notebooks/``); results are cached in
    ``.augcourse/selfcheck.json`` by notebook content, student and course version.
    """
    from helpers.drills.variant import student_id

    student = student or student_id()
    folder = Path(folder) if folder is not None else root / "notebooks"
    cached = _load_cache(cache) if cache is not None else {}
    todo, reports = [], {}
    for section in sections(root):
        path = folder / section / source_notebook(section, None, root).name
        if not path.is_file():
            reports[section] = _not_started(section, path, student, root, "missing")
        elif not touched(path, section, root):
            reports[section] = _not_started(section, path, student, root, "not started")
        else:
            key = _cache_key(section, path, student, root)
            if key in cached:
                reports[section] = _from_dict(dict(cached[key]))
            else:
                todo.append((section, path, key))
    if todo:
        from tqdm.auto import tqdm

        bar = tqdm(todo, desc="self-check", unit="section", disable=not show_progress)
        for section, path, key in bar:
            bar.set_postfix_str(section)
            reports[section] = check(path, section, student, root=root)
            cached[key] = asdict(reports[section])
        if cache is not None:
            _save_cache(cache, cached)
    return [reports[s] for s in sections(root)]


