"""Command line of the course's grader.

    python -m teacher.grader grade 09_drills --submitted submitted --workers 2 [--cold-kernels] [--no-isolation]
    python -m teacher.grader check [NOTEBOOK.ipynb ...] [--assignment 09_drills] [--student ID]
    python -m teacher.grader student ID

``grade`` autogrades a class (see ``teacher.grader.classroom``); every submission's kernel runs
in the bubblewrap sandbox, and the command refuses to start where bubblewrap cannot run unless
``--no-isolation`` says to grade unconfined. ``check`` is the self-check
(``teacher.grader.selfcheck``): each NOTEBOOK is graded in a temporary folder with every check
and a table per exercise is printed, without any gradebook and without changing the file;
with no NOTEBOOK it grades every section started under ``notebooks/`` and prints the progress
table. ``student`` records the student id whose drill numbers the checks use.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from helpers.data.paths import course_root

from .classroom import ClassConfig, grade_class, load_config, summary_table
from .engine import TRUSTED_ASSIGNMENTS
from .sandbox import Limits, SandboxUnavailable, isolation_problem
from .selfcheck import SECTION_LIMITS


def _limits(args, cfg: dict) -> Limits:
    lim = Limits()
    for key in ("cell_timeout", "notebook_timeout", "memory_bytes", "address_space_bytes", "max_output_bytes"):
        value = getattr(args, key, None)
        value = value if value is not None else cfg.get(key)
        if value is not None:
            setattr(lim, key, type(getattr(lim, key))(value))
    return lim


def _limits_given(args, cfg: dict) -> bool:
    keys = ("cell_timeout", "notebook_timeout", "memory_bytes")
    return any(getattr(args, k, None) is not None or k in cfg for k in keys)


def default_warm_kernels(workers: int, cores: int | None = None) -> int:
    """1 when the machine has more cores than workers, else 0.

    A kernel started ahead hides its start-up and imports behind the grading of the submission
    before, which pays only where a core would otherwise sit idle. With every core grading, its
    imports compete with that grading: on 2 cores with 2 workers, warm kernels measured 7-11 %
    slower per submission than cold ones (``bench/grading.py --class``).
    """
    cores = cores if cores is not None else (os.cpu_count() or 1)
    return 1 if cores > workers else 0


def _warm_kernels(args, cfg: dict, workers: int) -> int:
    if args.cold_kernels:
        return 0
    n = args.warm_kernels if args.warm_kernels is not None else \
        int(cfg.get("warm_kernels", default_warm_kernels(workers)))
    if n < 0:
        raise SystemExit(f"error: --warm-kernels must be 0 or more, got {n}")
    return n


def _student(args) -> int:
    from helpers.drills.variant import id_file, save_student_id, student_id

    if args.id is None:
        print(f"student id: {student_id()} (set it with: python -m teacher.grader student ID)")
        return 0
    try:
        path = save_student_id(args.id)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"student id {args.id!r} saved in {path}; the drills and the self-check use it "
          f"(delete {id_file().name} to go back to 'anonymous')")
    return 0


def _grading_secret(cfg: dict) -> str:
    """The secret of this round: nbgrader_config's, else the course's (written on first use)."""
    from teacher.secret import SECRET_FILE, ensure_course_secret, is_default

    secret = cfg.get("secret")
    if not secret:
        secret, created = ensure_course_secret()
        if created:
            print(f"note: wrote a new course secret to {SECRET_FILE}; hand out a fresh `make handout` "
                  "so its sealed checks use it", file=sys.stderr)
    if is_default(secret):
        print("warning: grading with the public default secret: students can recompute the drills' "
              "hidden inputs. Run `make course-secret` and unset AUGCOURSE_GRADER_SECRET / "
              "c.AugcourseGrader.secret for a class.", file=sys.stderr)
    return secret


def _check(args, limits) -> int:
    from . import selfcheck

    if args.student:
        os.environ["AUGCOURSE_STUDENT_ID"] = args.student
    if not args.notebook:
        reports = selfcheck.progress()
        for rep in reports:
            if rep.status == "graded":
                selfcheck.print_report(rep)
                print()
        print(selfcheck.progress_table(reports))
        return 0
    for path in args.notebook:
        try:
            rep = selfcheck.check(path, args.assignment, args.student, limits=limits)
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        selfcheck.print_report(rep)
        print()
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m teacher.grader", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("grade", help="autograde a folder of submissions in parallel")
    g.add_argument("assignment")
    g.add_argument("--submitted", type=Path, default=Path("submitted"))
    g.add_argument("--workers", type=int, default=None, help="parallel graders (default: CPU cores)")
    g.add_argument("--db-url", default=None, help="gradebook URL (default: sqlite next to the submissions)")
    g.add_argument("--lease-seconds", type=float, default=None,
                   help="PostgreSQL rounds: seconds after which a silent grader's claim is taken over (120)")
    g.add_argument("--student", action="append", help="grade only these students")
    g.add_argument("--no-variants", action="store_true", help="every student gets the same numbers")
    g.add_argument("--warm-kernels", type=int, default=None, metavar="N",
                   help="kernels each worker keeps started ahead, imports done, in their sandboxes "
                        "(default 1 when the machine has more cores than workers, else 0)")
    g.add_argument("--cold-kernels", action="store_true",
                   help="start every submission's kernel when its grading starts (same as --warm-kernels 0)")
    g.add_argument("--no-isolation", action="store_true",
                   help="run submissions WITHOUT the bubblewrap sandbox: they can then read the solutions, "
                        "write the gradebook and the course, and kill the grader; only for code you trust")
    c = sub.add_parser("check", help="self-check: grade your own notebooks (nothing is recorded)")
    c.add_argument("notebook", type=Path, nargs="*",
                   help="notebooks to grade (default: every started section under notebooks/)")
    c.add_argument("--assignment", default=None, help="default: the notebook's folder name")
    c.add_argument("--student", default=None)
    s = sub.add_parser("student", help="record your student id (drill numbers follow it)")
    s.add_argument("id", nargs="?", default=None, help="your id; without it, show the current one")
    s.add_argument("--config", type=Path, default=course_root() / "nbgrader_config.py")
    for p in (g, c):
        p.add_argument("--cell-timeout", dest="cell_timeout", type=float, default=None)
        p.add_argument("--notebook-timeout", dest="notebook_timeout", type=float, default=None)
        p.add_argument("--memory-gb", type=float, default=None, help="resident memory cap per submission")
        p.add_argument("--config", type=Path, default=course_root() / "nbgrader_config.py")
    args = parser.parse_args(argv)
    cfg = load_config(args.config)
    if getattr(args, "memory_gb", None):
        args.memory_bytes = int(args.memory_gb * 1024**3)
    limits = _limits(args, cfg)
    variants = not getattr(args, "no_variants", False) and bool(cfg.get("variants", True))
    if args.command == "student":
        return _student(args)
    if args.command == "check":
        return _check(args, limits if _limits_given(args, cfg) else None)
    if args.assignment not in TRUSTED_ASSIGNMENTS and not _limits_given(args, cfg):
        limits = SECTION_LIMITS  # sections 1-8 train networks: nbgrader's 300 s a cell
    secret = _grading_secret(cfg)
    workers = args.workers or int(cfg.get("workers", 0)) or os.cpu_count() or 1
    ccfg = ClassConfig(args.assignment, args.submitted, workers=workers, db_url=args.db_url or cfg.get("db_url"),
                       limits=limits, variants=variants, secret=secret, students=args.student,
                       isolate=not args.no_isolation, warm_kernels=_warm_kernels(args, cfg, workers),
                       lease_seconds=args.lease_seconds or float(cfg.get("lease_seconds", 120)))
    if not args.submitted.is_dir():
        parser.error(f"no submissions folder {args.submitted}")
    if args.no_isolation:
        print("warning: --no-isolation: submissions run unconfined, with the grader's rights", file=sys.stderr)
    elif (problem := isolation_problem()) is not None:
        print(f"error: cannot grade safely: {problem}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    try:
        results = grade_class(ccfg, progress=lambda r: print(f"graded {r.student}: {r.total:g}/{r.max_total:g}",
                                                                file=sys.stderr))
    except SandboxUnavailable as e:
        print(f"error: cannot grade safely: {e}", file=sys.stderr)
        return 2
    wall = time.perf_counter() - t0
    print(summary_table(results))
    n = max(1, len(results))
    print(f"\n{len(results)} submissions in {wall:.1f} s with {ccfg.workers} workers "
          f"({wall / n:.2f} s per submission); grades: {ccfg.out_root / 'grades' / (args.assignment + '.csv')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
