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
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from .engine import ROOT, TRUSTED_ASSIGNMENTS, GradeResult, grade_notebook, source_notebook
from .restore import _norm, is_grade, is_solution, meta, release_source
from .sandbox import Limits

CACHE = ROOT / ".augcourse" / "selfcheck.json"
CACHE_VERSION = 1
# Sections 1-8 train small networks in some cells: the teacher's nbgrader limit (300 s a cell).
SECTION_LIMITS = Limits(cell_timeout=300.0, notebook_timeout=1500.0)
DRILL_LIMITS = Limits()
_HEADING = re.compile(r"^#{2,4}\s+(.*?)\s*$", re.M)
_POINTS_SUFFIX = re.compile(r"\s*\((\d+(\.\d+)?\s+points?|[^)]*graded by your teacher)\)\s*$")
_MAX_MESSAGE = 240


@dataclass
class ExerciseRow:
    """One graded cell of a section, as the student sees it."""

    grade_id: str
    title: str
    points: float | None  # None: graded by the teacher
    max_points: float
    status: str  # passed | partial | failed | teacher-graded | not started
    message: str = ""


@dataclass
class SectionReport:
    """Self-check of one section."""

    section: str
    notebook: str
    student: str
    status: str  # graded | not started | missing
    rows: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def points(self) -> float:
        return float(sum(r.points or 0.0 for r in self.rows))

    @property
    def max_auto(self) -> float:
        return float(sum(r.max_points for r in self.rows if r.status != "teacher-graded"))

    @property
    def open_exercises(self) -> list[str]:
        return [r.title for r in self.rows if r.status in ("failed", "partial", "not started")]


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

def _feedback(cell) -> str:
    """The messages of a graded cell's checks (printed lines and the error), on one line.

    Warnings (shown on stdout by the course's kernel set-up) are left out.
    """
    lines = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            skip_next = False
            for ln in out.get("text", "").splitlines():
                if skip_next and ln.startswith(" "):
                    continue
                skip_next = bool(re.search(r"\w+Warning: ", ln))
                if ln.strip() and not skip_next:
                    lines.append(ln.strip().removeprefix("grader:").strip())
        elif out.get("output_type") == "error":
            ename, evalue = out.get("ename", "Error"), str(out.get("evalue", "")).strip()
            if ename == "NotImplementedError" and not evalue:
                lines.append("not answered yet (NotImplementedError)")
            else:
                lines.append(f"{ename}: {evalue}" if evalue else f"{ename} (a check failed)")
    unique = list(dict.fromkeys(lines))
    text = " | ".join(unique)
    return text if len(text) <= _MAX_MESSAGE else text[:_MAX_MESSAGE - 1] + "…"


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
            message = _feedback(cell) if cell is not None else ""
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
             cache: Path | None = CACHE, show_progress: bool = True) -> list[SectionReport]:
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


# ----------------------------------------------------------------------------- showing it

def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:g}"


def format_report(report: SectionReport) -> str:
    """A Markdown table of one section: exercise, points, status, feedback."""
    lines = [f"{report.section} ({report.status}; drill numbers of '{report.student}')", "",
             "| exercise | points | result | feedback |", "| --- | ---: | --- | --- |"]
    for r in report.rows:
        lines.append(f"| {r.title} | {_fmt(r.points)} / {r.max_points:g} | {r.status} | "
                     f"{r.message.replace('|', '/')} |")
    lines.append(f"| **total (autograded)** | {report.points:g} / {report.max_auto:g} | | |")
    for note in report.notes:
        lines.append(f"\nnote: {note}")
    return "\n".join(lines)


def print_report(report: SectionReport) -> None:
    print(format_report(report))


def progress_table(reports: list[SectionReport]) -> str:
    """One row per section: points, status, the exercises still open; then the total."""
    lines = ["| section | points | status | still open |", "| --- | ---: | --- | --- |"]
    for rep in reports:
        still = ", ".join(t.split(" — ")[0] for t in rep.open_exercises) or "none"
        lines.append(f"| {rep.section} | {rep.points:g} / {rep.max_auto:g} | {rep.status} | {still} |")
    got = sum(r.points for r in reports)
    out_of = sum(r.max_auto for r in reports)
    share = f" ({100 * got / out_of:.0f} %)" if out_of else ""
    lines.append(f"| **all sections** | {got:g} / {out_of:g}{share} | | |")
    return "\n".join(lines)


def plot_progress(reports: list[SectionReport], ax=None):
    """Horizontal bars: autograded points per section out of the maximum."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 0.35 * len(reports) + 1.6))
    names = [r.section for r in reports][::-1]
    ax.barh(names, [r.max_auto for r in reports][::-1], color="#e5e5e5", label="available")
    ax.barh(names, [r.points for r in reports][::-1], color="#2a9d8f", label="earned")
    ax.set_xlabel("autograded points")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, frameon=False)
    ax.set_title("Your progress across the course")
    ax.figure.tight_layout()
    return ax


def _display_markdown(text: str) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display

        if get_ipython() is not None:
            display(Markdown(text))
            return
    except ImportError:
        pass
    print(text)


def show_report(report: SectionReport) -> None:
    """Show one section's table (Markdown in a notebook, plain text in a terminal)."""
    _display_markdown(format_report(report))


def show_progress(reports: list[SectionReport]) -> None:
    """Show the progress table and the bar chart of points per section."""
    import matplotlib.pyplot as plt

    _display_markdown(progress_table(reports))
    plot_progress(reports)
    plt.show()
