"""``python -m helpers.selfcheck check [NOTEBOOK ...]`` / ``python -m helpers.selfcheck student [ID]``.

``check`` checks each NOTEBOOK (default: every section you started under ``notebooks/``) with the
visible tests and sealed checks and prints a table per exercise; the files are only read.
``student`` records the student id whose drill numbers the checks use.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import grade as _check
from .report import print_report, progress_table


def _student(sid) -> int:
    from helpers.drills.variant import id_file, save_student_id, student_id

    if sid is None:
        print(f"student id: {student_id()} (set it with: make student ID=your-id)")
        return 0
    try:
        path = save_student_id(sid)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"student id {sid!r} saved in {path}; the drills and the self-check use it "
          f"(delete {id_file().name} to go back to 'anonymous')")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.selfcheck", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="check your own notebooks (nothing is recorded)")
    c.add_argument("notebook", type=Path, nargs="*")
    c.add_argument("--section", default=None, help="default: the notebook's folder name")
    c.add_argument("--student", default=None)
    s = sub.add_parser("student", help="record your student id (drill numbers follow it)")
    s.add_argument("id", nargs="?", default=None)
    args = parser.parse_args(argv)
    if args.command == "student":
        return _student(args.id)
    if args.student:
        os.environ["AUGCOURSE_STUDENT_ID"] = args.student
    if not args.notebook:
        reports = _check.progress()
        for rep in reports:
            if rep.status == "graded":
                print_report(rep)
                print()
        print(progress_table(reports))
        return 0
    for path in args.notebook:
        try:
            rep = _check.check(path, args.section, args.student)
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        print_report(rep)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
