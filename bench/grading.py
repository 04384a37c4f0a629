"""Grading: what the bubblewrap sandbox costs per submission, and ``teacher.grader`` vs stock nbgrader.

Sandbox cost (the default): N D1-D5 submissions (default 10; every fourth one with a wrong
MixUp, the rest correct) are each graded twice by ``grade_notebook``, once in the sandbox and
once unconfined, one at a time, alternating which goes first, so both see the same machine
load; the table gives the median seconds per submission each way and the sandbox's share.
Kernel start-up alone (start, ``import helpers``, stop) is timed the same way.

Class throughput (``--class``): a class of N submissions graded, in one run, by ``grade_class``
with 2 workers and warm kernels (each worker keeps one kernel started ahead, imports done,
``teacher.grader.warm``), by ``grade_class`` with 2 workers and cold kernels (each started when
its submission is), by two grading commands (1 worker each, warm kernels) sharing one PostgreSQL
gradebook (a private server on loopback, ``tests/pg_server.py``), and a few by stock ``nbgrader
autograde`` (serial, in-kernel hidden tests). A second table profiles one submission of each
``grade_class`` row: the median seconds of every phase (``GradeResult.timings``).

    python bench/grading.py                 # sandbox cost, 10 submissions
    python bench/grading.py --class         # 40 students (warm, cold, 2 processes on PostgreSQL), 4 (stock)
    python bench/grading.py --quick         # 4 submissions (sandbox) / 6 and 2 (--class)
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from helpers.data.paths import course_root

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import base_parser, setup_from_args, write_table  # noqa: E402

ROOT = course_root()
FIXTURES = ROOT / "tests" / "fixtures" / "submissions"


def scenario_of(k: int) -> str:
    """Every 4th student hands in the fixture with wrong answers, the others the correct one."""
    return "wrong_lambda" if k % 4 == 3 else "correct"


def expected_total(scenario: str) -> float:
    """The points the fixture corpus's expected.yaml gives ``scenario`` (checked by the tests)."""
    import yaml

    return sum(yaml.safe_load((FIXTURES / "expected.yaml").read_text())[scenario]["parts"].values())


def make_class(folder: Path, n: int) -> list[str]:
    students = [f"s{k:02d}" for k in range(1, n + 1)]
    for k, s in enumerate(students):
        scenario = scenario_of(k)
        dest = folder / s / "09_drills"
        dest.mkdir(parents=True)
        shutil.copy(FIXTURES / scenario / "09_drills" / "09_drills.ipynb", dest / "09_drills.ipynb")
    return students


def ours(n: int, workers: int, warm_kernels: int = 1, results: list | None = None) -> float:
    """Wall seconds of ``grade_class`` on a class of ``n``; the results are appended to ``results``."""
    from teacher.grader import ClassConfig, grade_class

    with tempfile.TemporaryDirectory() as tmp:
        make_class(Path(tmp) / "submitted", n)
        t0 = time.perf_counter()
        graded = grade_class(ClassConfig("09_drills", Path(tmp) / "submitted", workers=workers,
                                         warm_kernels=warm_kernels))
        wall = time.perf_counter() - t0
    assert all(r.status == "graded" for r in graded), [(r.student, r.notes) for r in graded if r.status != "graded"]
    if results is not None:
        results += graded
    return wall


PHASES = ("prepare", "kernel", "cells", "checks", "verdicts", "files")


def profile_rows(by_mode: dict) -> list[list]:
    """Median seconds per phase of one submission, one column per mode; then the slowest cells."""
    rows = []
    for phase in (*PHASES, "total"):
        cells = []
        for results in by_mode.values():
            values = [r.seconds if phase == "total" else r.timings.get(phase, 0.0) for r in results]
            cells.append(f"{statistics.median(values):.2f}")
        rows.append([phase, *cells])
    for mode, results in by_mode.items():
        slow: dict = {}
        for r in results:
            for key, value in r.timings.items():
                if key not in PHASES:
                    slow.setdefault(key, []).append(value)
        top = sorted(slow.items(), key=lambda kv: -statistics.median(kv[1]))[:3]
        rows.append([f"slowest cells, {mode}", "; ".join(f"{k}: {statistics.median(v):.2f}" for k, v in top)]
                    + [""] * (len(by_mode) - 1))
    return rows


def shared_postgres(n: int, processes: int = 2, db_url: str | None = None) -> float:
    """Wall seconds for ``processes`` grading commands (1 worker each) sharing one PostgreSQL
    gradebook, as on several machines; a private server on loopback unless ``db_url`` is given."""
    sys.path.insert(0, str(ROOT / "tests"))
    from pg_server import PostgresServer, missing_reason

    if db_url is None and missing_reason():
        raise SystemExit(f"shared PostgreSQL row: {missing_reason()}")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    with tempfile.TemporaryDirectory() as tmp, (PostgresServer() if db_url is None else _nothing()) as pg:
        url = db_url or pg.url
        make_class(Path(tmp) / "submitted", n)
        cmd = [sys.executable, "-m", "teacher.grader", "grade", "09_drills", "--submitted",
               str(Path(tmp) / "submitted"), "--db-url", url, "--workers", "1"]
        t0 = time.perf_counter()
        procs = [subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                 for _ in range(processes)]
        for proc in procs:
            _, err = proc.communicate()
            if proc.returncode:
                raise RuntimeError(err.decode()[-2000:])
        return time.perf_counter() - t0


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def stock(n: int) -> float:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp)
        shutil.copytree(ROOT / "solutions" / "09_drills", course / "solutions" / "09_drills")
        common = [f"--CourseDirectory.root={course}", f"--CourseDirectory.db_url=sqlite:///{course / 'gb.db'}",
                  "--log-level=ERROR"]
        subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", "09_drills", "--create",
                        "--force", *common], cwd=ROOT, env=env, check=True, capture_output=True)
        make_class(course / "submitted", n)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "nbgrader", "autograde", "09_drills", "--create", "--force",
                        *common], cwd=ROOT, env=env, check=True, capture_output=True)
        return time.perf_counter() - t0


def _kernel_startup(isolated: bool) -> float:
    from teacher.grader.sandbox import Limits, Sandbox

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        with Sandbox(tmp, {}, Limits(), isolated=isolated) as sb:
            sb.execute("import helpers.notebook", 60)
        return time.perf_counter() - t0


def sandbox_cost(n: int) -> tuple[list[list], dict]:
    """Median seconds per submission with and without the sandbox, interleaved."""
    from teacher.grader import grade_notebook

    times: dict = {True: [], False: [], "start-True": [], "start-False": []}
    for k in range(4):
        for isolated in ((True, False) if k % 2 == 0 else (False, True)):
            times[f"start-{isolated}"].append(_kernel_startup(isolated))
    with tempfile.TemporaryDirectory() as tmp:
        students = make_class(Path(tmp), n)
        for k, s in enumerate(students):
            path = Path(tmp) / s / "09_drills" / "09_drills.ipynb"
            for isolated in ((True, False) if k % 2 == 0 else (False, True)):
                r = grade_notebook(path, "09_drills", s, isolate=isolated)
                want = expected_total(scenario_of(k))
                assert r.status == "graded" and r.total == want, (s, isolated, r.total, want, r.notes)
                times[isolated].append(r.seconds)
                print(f"{s} {'sandbox' if isolated else 'unconfined'}: {r.seconds:.2f} s", flush=True)
    rows = []
    for label, on, off in (("kernel start-up (start, import helpers, stop)", "start-True", "start-False"),
                           ("grading one D1-D5 submission", True, False)):
        a, b = statistics.median(times[on]), statistics.median(times[off])
        # Paired: each submission (or start-up pair) against its own unconfined twin, graded
        # back to back, so a burst of load on the machine hits both sides of one pair.
        paired = statistics.median(x - y for x, y in zip(times[on], times[off], strict=True))
        rows.append([label, len(times[on]), f"{a:.2f}", f"{b:.2f}", f"{a - b:+.2f}", f"{100 * (a - b) / b:+.1f} %",
                     f"{paired:+.2f} ({100 * paired / b:+.1f} %)"])
    return rows, times


def main() -> int:
    p = base_parser(__doc__.splitlines()[0])
    p.add_argument("--students", type=int, default=None)
    p.add_argument("--class", dest="klass", action="store_true", help="class throughput vs stock nbgrader")
    p.add_argument("--db-url", default=None, help="--class: PostgreSQL for the shared row (default: a private server)")
    args = p.parse_args()
    device = setup_from_args(args)
    if not args.klass:
        n = args.students or (4 if args.quick else 10)
        rows, _ = sandbox_cost(n)
        notes = ("Each submission graded twice in one run, one at a time (1 kernel thread), alternating "
                 "which mode goes first: in the bubblewrap sandbox (own PID, network, IPC and mount "
                 "namespaces, read-only student side, IPC sockets) and unconfined. Medians. The "
                 "machine was shared with other work while it ran: compare the columns of one row, "
                 "not absolute seconds between runs.")
        write_table("grading-sandbox", device, ["what", "runs", "sandbox s", "unconfined s", "difference s",
                                                "sandbox cost (medians)", "median paired difference s"],
                    rows, notes, write=not args.no_write)
        return 0
    n = args.students or (6 if args.quick else 40)
    ns = 2 if args.quick else 4
    rows, by_mode = [], {"warm kernels": [], "cold kernels": []}
    t_run = time.perf_counter()
    for label, count, fn in (
            ("teacher.grader, 2 workers, warm kernels", n, lambda: ours(n, 2, 1, by_mode["warm kernels"])),
            ("teacher.grader, 2 workers, cold kernels", n, lambda: ours(n, 2, 0, by_mode["cold kernels"])),
            ("teacher.grader, 2 processes sharing PostgreSQL (1 worker each, warm kernels)", n,
             lambda: shared_postgres(n, 2, args.db_url)),
            ("stock nbgrader autograde (serial)", ns, lambda: stock(ns))):
        wall = fn()
        rows.append([label, count, f"{wall:.1f}", f"{wall / count:.2f}"])
        print(rows[-1], flush=True)
    base = float(rows[-1][3])
    for r in rows:
        r.append(f"{base / float(r[3]):.2f}x")
    profile = profile_rows(by_mode)
    lines = ["| phase of one submission (median s) | " + " | ".join(by_mode) + " |", "|---|---|---|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in profile]
    notes = ("Class of D1-D5 submissions (09_drills), every submission in a fresh kernel in the bubblewrap "
             "sandbox, 2 workers on the machine's cores. Warm kernels: each worker keeps one kernel started "
             "ahead (in its own sandbox, the guard's snapshot taken, the notebook's modules imported) and "
             "starts the next as it claims one, so the imports overlap the grading of the submission before; "
             "on a machine whose cores are all busy grading, that overlap only fills idle time, the imports' "
             "CPU time stays. Phases: prepare (read, restore), kernel (cold: start, imports in the notebook's "
             "first cells come later under cells; warm: waiting for the claimed kernel and the hand-over), "
             "cells (the notebook's cells, the drills' experiments included), checks (tamper report), "
             "verdicts (hidden inputs, probes, scoring), files (autograded notebook, feedback page, kernel "
             "shut-down). Seconds of one submission overlap those of the other worker. "
             f"The whole run took {time.perf_counter() - t_run:.0f} s. Absolute figures vary with the "
             "machine's load: compare the rows of one run.\n\n" + "\n".join(lines))
    write_table("grading", device, ["grader", "submissions", "wall s", "s / submission", "speed-up vs stock"],
                rows, notes, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
