"""Command line of the course's grader.

    python -m helpers.grader grade 09_drills --submitted submitted --workers 2
    python -m helpers.grader check NOTEBOOK.ipynb [--assignment 09_drills] [--student ID]

``grade`` autogrades a class (see ``helpers.grader.classroom``); ``check`` grades one notebook
in a temporary folder and prints a table per exercise, without any gradebook and without
changing the file.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .classroom import ClassConfig, grade_class, load_config, summary_table
from .engine import grade_notebook
from .sandbox import Limits


def _limits(args, cfg: dict) -> Limits:
    lim = Limits()
    for key in ("cell_timeout", "notebook_timeout", "memory_bytes", "address_space_bytes", "max_output_bytes"):
        value = getattr(args, key, None)
        value = value if value is not None else cfg.get(key)
        if value is not None:
            setattr(lim, key, type(getattr(lim, key))(value))
    return lim


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.grader", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("grade", help="autograde a folder of submissions in parallel")
    g.add_argument("assignment")
    g.add_argument("--submitted", type=Path, default=Path("submitted"))
    g.add_argument("--workers", type=int, default=None, help="parallel graders (default: CPU cores)")
    g.add_argument("--db-url", default=None, help="gradebook URL (default: sqlite next to the submissions)")
    g.add_argument("--student", action="append", help="grade only these students")
    g.add_argument("--no-variants", action="store_true", help="every student gets the same numbers")
    c = sub.add_parser("check", help="grade one notebook (nothing is recorded)")
    c.add_argument("notebook", type=Path)
    c.add_argument("--assignment", default=None, help="default: the notebook's name")
    c.add_argument("--student", default=None)
    for p in (g, c):
        p.add_argument("--cell-timeout", dest="cell_timeout", type=float, default=None)
        p.add_argument("--notebook-timeout", dest="notebook_timeout", type=float, default=None)
        p.add_argument("--memory-gb", type=float, default=None, help="resident memory cap per submission")
        p.add_argument("--config", type=Path, default=Path(__file__).resolve().parents[2] / "nbgrader_config.py")
    args = parser.parse_args(argv)
    cfg = load_config(args.config)
    if args.memory_gb:
        args.memory_bytes = int(args.memory_gb * 1024**3)
    limits = _limits(args, cfg)
    variants = not getattr(args, "no_variants", False) and bool(cfg.get("variants", True))
    if args.command == "check":
        assignment = args.assignment or args.notebook.stem
        from .engine import source_notebook  # noqa: F401 - fails clearly on unknown assignments
        r = grade_notebook(args.notebook, assignment, args.student or os.environ.get("AUGCOURSE_STUDENT_ID"),
                           limits=limits, variants=variants)
        print("| part | score |\n| --- | ---: |")
        for gid, (score, mx) in r.parts.items():
            print(f"| {gid} | {'manual' if score is None else f'{score:g}'} / {mx:g} |")
        print(f"| total | {r.total:g} / {r.max_total:g} |")
        for note in r.notes:
            print("note:", note)
        return 0
    ccfg = ClassConfig(args.assignment, args.submitted, workers=args.workers or int(cfg.get("workers", 0))
                       or os.cpu_count() or 1, db_url=args.db_url or cfg.get("db_url"), limits=limits,
                       variants=variants, secret=cfg.get("secret"), students=args.student)
    if not args.submitted.is_dir():
        parser.error(f"no submissions folder {args.submitted}")
    t0 = time.perf_counter()
    results = grade_class(ccfg, progress=lambda r: print(f"graded {r.student}: {r.total:g}/{r.max_total:g}",
                                                            file=sys.stderr))
    wall = time.perf_counter() - t0
    print(summary_table(results))
    n = max(1, len(results))
    print(f"\n{len(results)} submissions in {wall:.1f} s with {ccfg.workers} workers "
          f"({wall / n:.2f} s per submission); grades: {ccfg.out_root / 'grades' / (args.assignment + '.csv')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
