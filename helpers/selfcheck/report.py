"""The self-check's tables: a row per exercise, a table per section, the progress of the series.

Shared by the student's self-check (``helpers.selfcheck``) and the teacher's
(``teacher.grader.selfcheck``), so both show the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_MAX_MESSAGE = 240
TEACHER = "checked by your teacher"


@dataclass
class ExerciseRow:
    """One graded cell of a section, as the student sees it."""

    grade_id: str
    title: str
    points: float | None  # None: graded by the teacher
    max_points: float
    status: str  # passed | partial | failed | teacher-graded | not started | checked by your teacher
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
        return float(sum(r.max_points for r in self.rows if r.status not in ("teacher-graded", TEACHER)))

    @property
    def max_teacher(self) -> float:
        """Points the self-check cannot decide: your teacher's grading gives them."""
        return float(sum(r.max_points for r in self.rows if r.status == TEACHER))

    @property
    def open_exercises(self) -> list[str]:
        return [r.title for r in self.rows if r.status in ("failed", "partial", "not started")]


def cell_feedback(cell) -> str:
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
    if report.max_teacher:
        lines.append(f"| **{TEACHER}** | — / {report.max_teacher:g} | | |")
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
