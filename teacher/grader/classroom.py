"""Grade a whole class in parallel and record the results.

Input: nbgrader's layout ``<submitted>/<student>/<assignment>/<notebook>.ipynb``. A process
pool grades the students (``grade_notebook`` in each worker: restore, a run in the bubblewrap
sandbox, trusted verdicts, autograded notebook, feedback HTML); a worker that fails or crashes
costs only that student, who gets 0 with the reason. Where bubblewrap cannot run, the round
refuses to start (``SandboxUnavailable``) unless ``isolate=False`` says to grade unconfined. This process is the only writer of the gradebook
(nbgrader's ``Gradebook``, SQLite by default, any SQLAlchemy URL such as PostgreSQL via
``db_url``): it registers the assignment's grade cells, then per student creates or updates
the submission and sets the automatic score of every grade cell, one commit per student. Then it
writes the grade CSV and the class report (``teacher.grader.report``) and returns the rows for the
summary table. With a PostgreSQL ``db_url`` the round is shared by every grader started on it
(``teacher.grader.queue``). Re-grading overwrites files
and updates the submission in place, so it is idempotent.
"""

from __future__ import annotations

import csv
import multiprocessing
import os
import sys
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .engine import ROOT, GradeResult, grade_notebook, kernel_plan, source_notebook
from .report import write_report
from .restore import is_grade, is_solution, meta
from .sandbox import Limits, require_isolation
from .warm import process_pool


@dataclass
class ClassConfig:
    """Settings of one grading round (``load_config`` fills them from nbgrader_config.py)."""

    assignment: str
    submitted: Path
    course_root: Path = ROOT
    workers: int = os.cpu_count() or 1
    db_url: str | None = None
    limits: Limits = field(default_factory=Limits)
    variants: bool = True
    secret: str | None = None
    students: list | None = None
    isolate: bool = True
    lease_seconds: float = 120.0  # shared PostgreSQL rounds: a dead grader's claim expires after this
    warm_kernels: int = 1  # kernels each worker keeps started ahead (teacher.grader.warm); 0: cold kernels

    @property
    def out_root(self) -> Path:
        return self.submitted.resolve().parent


def load_config(path: Path = ROOT / "nbgrader_config.py") -> dict:
    """``AugcourseGrader`` and ``CourseDirectory.db_url`` settings from nbgrader_config.py."""
    from traitlets.config.loader import PyFileConfigLoader

    if not Path(path).exists():
        return {}
    cfg = PyFileConfigLoader(Path(path).name, path=str(Path(path).parent)).load_config()
    out = dict(cfg.get("AugcourseGrader", {}))
    if "db_url" in cfg.get("CourseDirectory", {}):
        out["db_url"] = cfg.CourseDirectory.db_url
    return out


def find_submissions(submitted: Path, assignment: str) -> list[tuple[str, Path | None]]:
    """``[(student, notebook path or None)]`` for every student folder, sorted."""
    rows = []
    for student_dir in sorted(p for p in Path(submitted).iterdir() if p.is_dir() and not p.name.startswith(".")):
        folder = student_dir / assignment
        nbs = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
        rows.append((student_dir.name, nbs[0] if nbs else None))
    return rows


def _plan(cfg: ClassConfig):
    return kernel_plan(cfg.assignment, limits=cfg.limits, variants=cfg.variants, root=cfg.course_root,
                       isolated=cfg.isolate)


def warm_up(cfg: ClassConfig, remaining=None) -> None:
    """Start this worker process's kernels ahead (``cfg.warm_kernels``); ``remaining``: the
    round's count of submissions no worker has taken yet (a shared ``multiprocessing.Value``)."""
    global _REMAINING
    _REMAINING = remaining
    pool = process_pool(cfg.warm_kernels)
    if pool is not None:
        try:
            pool.fill(_plan(cfg))
        except Exception as e:  # noqa: BLE001 - the first submission then starts cold
            print(f"grader: could not start a kernel ahead ({type(e).__name__}: {e})", file=sys.stderr)


_REMAINING = None


def _more_to_come() -> bool:
    """Whether a submission no worker has taken is left after this one (True when unknown)."""
    if _REMAINING is None:
        return True
    with _REMAINING.get_lock():
        _REMAINING.value -= 1
        return _REMAINING.value > 0


def _grade_one(student: str, path: str | None, cfg: ClassConfig, more: bool | None = None) -> GradeResult:
    """Grade one student; ``more``: whether to start a kernel ahead for a next submission
    (default: ask the round's shared count)."""
    more = _more_to_come() if more is None else more
    out = cfg.out_root
    src = source_notebook(cfg.assignment, None, cfg.course_root)
    name = src.name
    if path is None:
        result = GradeResult(student, cfg.assignment, name, status="missing",
                             notes=["no notebook was submitted"])
        result.parts = {meta(c)["grade_id"]: (0.0, float(meta(c).get("points", 0)))
                        for c in nbformat.read(src, 4).cells if is_grade(c)}
        return result
    try:
        return grade_notebook(
            path, cfg.assignment, student, limits=cfg.limits, variants=cfg.variants, secret=cfg.secret,
            autograded_path=out / "autograded" / student / cfg.assignment / name,
            feedback_html=out / "feedback" / student / cfg.assignment / (Path(name).stem + ".html"),
            root=cfg.course_root, isolate=cfg.isolate, pool=process_pool(cfg.warm_kernels), refill=more)
    except Exception as e:  # noqa: BLE001 - one student's failure must not stop the class
        result = GradeResult(student, cfg.assignment, name, status="failed",
                             notes=[f"grading failed ({type(e).__name__}: {e}); scored 0"])
        result.parts = {meta(c)["grade_id"]: (0.0, float(meta(c).get("points", 0)))
                        for c in nbformat.read(src, 4).cells if is_grade(c)}
        result.messages["traceback"] = traceback.format_exc(limit=5)
        return result


def _register_assignment(gb, assignment: str, src: Path) -> None:
    nb = nbformat.read(src, as_version=4)
    gb.update_or_create_assignment(assignment)
    name = src.stem
    gb.update_or_create_notebook(name, assignment)
    for cell in nb.cells:
        m = meta(cell)
        if is_grade(cell):
            gb.update_or_create_grade_cell(m["grade_id"], name, assignment, max_score=float(m["points"]),
                                           cell_type=cell.cell_type)
        if is_solution(cell):
            gb.update_or_create_solution_cell(m["grade_id"], name, assignment)
        if is_grade(cell) or is_solution(cell) or m.get("locked"):
            gb.update_or_create_source_cell(m["grade_id"], name, assignment, cell_type=cell.cell_type,
                                            locked=bool(m.get("locked")), source=cell.source)


def record(gb, result: GradeResult, notebook: str) -> None:
    """Create or update ``result.student``'s submission and set every automatic score (one commit)."""
    import warnings

    gb.update_or_create_student(result.student)
    with warnings.catch_warnings():  # nbgrader's own autoflush notice on updates; harmless
        warnings.filterwarnings("ignore", message=".*not in session.*")
        gb.update_or_create_submission(result.assignment, result.student)
    for gid, (score, _) in result.parts.items():
        grade = gb.find_grade(gid, notebook, result.assignment, result.student)
        grade.auto_score = score
        grade.needs_manual_grade = score is None
    gb.db.commit()


def grade_class(cfg: ClassConfig, progress=None) -> list[GradeResult]:
    """Grade every submission of ``cfg.assignment``; return results in student order."""
    from nbgrader.api import Gradebook

    if cfg.isolate:
        require_isolation()
    from .queue import grade_shared, is_shared

    if is_shared(cfg.db_url):  # PostgreSQL: several graders share the round through the database
        return grade_shared(cfg, progress)
    subs = find_submissions(cfg.submitted, cfg.assignment)
    if cfg.students:
        subs = [s for s in subs if s[0] in set(cfg.students)]
    src = source_notebook(cfg.assignment, None, cfg.course_root)
    db_url = cfg.db_url or f"sqlite:///{cfg.out_root / 'gradebook.db'}"
    # nbgrader's Gradebook runs the `alembic` command of its own environment.
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    results: dict[str, GradeResult] = {}
    with Gradebook(db_url) as gb:
        _register_assignment(gb, cfg.assignment, src)
        # spawn, not fork: a forked child of a process that already ran torch can deadlock in
        # torch's thread pool (seen as a grader hanging in log_softmax).
        ctx = multiprocessing.get_context("spawn")
        remaining = ctx.Value("i", len(subs))
        workers = max(1, min(cfg.workers, len(subs)))
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=warm_up,
                                 initargs=(cfg, remaining)) as pool:
            futures = {pool.submit(_grade_one, s, str(p) if p else None, cfg): s for s, p in subs}
            for fut in as_completed(futures):
                student = futures[fut]
                try:
                    result = fut.result()
                except Exception as e:  # noqa: BLE001 - a crashed worker costs one student
                    result = GradeResult(student, cfg.assignment, src.name, status="failed",
                                         notes=[f"the grading worker crashed ({type(e).__name__}); scored 0"])
                    result.parts = {meta(c)["grade_id"]: (0.0, float(meta(c).get("points", 0)))
                                    for c in nbformat.read(src, 4).cells if is_grade(c)}
                result.autograded = None  # not needed here; keeps the parent small
                record(gb, result, src.stem)
                results[student] = result
                if progress:
                    progress(result)
    ordered = [results[s] for s, _ in subs]
    write_csv(ordered, cfg.out_root / "grades" / f"{cfg.assignment}.csv")
    write_report(ordered, cfg.out_root / "grades" / f"{cfg.assignment}.html", cfg.assignment)
    return ordered


def write_csv(results: list[GradeResult], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    parts = list(results[0].parts) if results else []
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student", *parts, "total", "max", "status", "notes"])
        for r in results:
            scores = ["" if r.parts.get(p, (None, 0))[0] is None else f"{r.parts[p][0]:g}" for p in parts]
            w.writerow([r.student, *scores, f"{r.total:g}", f"{r.max_total:g}", r.status, " | ".join(r.notes)])


def summary_table(results: list[GradeResult]) -> str:
    lines = ["| student | score | status | seconds | notes |", "| --- | ---: | --- | ---: | --- |"]
    for r in results:
        note = "; ".join(r.notes)[:90]
        lines.append(f"| {r.student} | {r.total:g} / {r.max_total:g} | {r.status} | {r.seconds:.1f} | {note} |")
    return "\n".join(lines)
