"""Several graders share one round through a real PostgreSQL gradebook (``teacher.grader.queue``).

A PostgreSQL server is started on 127.0.0.1 in a temporary folder for this module
(``tests/pg_server.py``; as ``postgres`` under root) and stopped after; the tests skip only where
the PostgreSQL binaries or the ``psycopg`` driver are missing. The queue unit tests run without
grading; the round test grades a class of 12 copies of the ``correct`` and ``wrong_lambda`` drill
fixtures with three ``python -m teacher.grader grade`` processes, kills one (SIGKILL to its process
group) while it holds a claim, and checks that every student is graded exactly once, with the
scores of a single-process round.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from conftest import ROOT
from pg_server import PostgresServer, missing_reason  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "submissions"
KINDS = ("correct", "wrong_lambda")
CLASS_SIZE = 12


@pytest.fixture(scope="module")
def pg():
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    pytest.importorskip("psycopg", reason="the PostgreSQL driver psycopg is not installed")
    bindir = str(Path(sys.executable).parent)  # nbgrader's Gradebook runs its environment's alembic
    os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    with PostgresServer() as server:
        yield server


def _class(folder: Path, size: int) -> dict[str, str]:
    """``size`` students s01.. alternating over KINDS; returns student -> fixture kind."""
    kinds = {}
    for i in range(size):
        student, kind = f"s{i + 1:02d}", KINDS[i % len(KINDS)]
        shutil.copytree(FIXTURES / kind / "09_drills", folder / student / "09_drills")
        kinds[student] = kind
    return kinds


def _config(submitted: Path, db_url: str | None, **kw):
    from teacher.grader import ClassConfig

    return ClassConfig("09_drills", submitted, workers=1, db_url=db_url, variants=False, **kw)


def _fake_result(student: str, score: float):
    from teacher.grader import GradeResult

    return GradeResult(student, "09_drills", "09_drills.ipynb", parts={"d1_soft_target": (score, 1.0)})


def test_claims_skip_locked_rows_and_take_over_expired_leases(pg, tmp_path):
    from nbgrader.api import Gradebook
    from sqlalchemy import text

    from teacher.grader import queue

    _class(tmp_path / "submitted", 3)
    cfg = _config(tmp_path / "submitted", pg.url)
    assert queue.prepare_round(cfg) == 3
    assert queue.prepare_round(cfg) == 3  # a second grader's set-up queues nothing twice
    engine = queue._engine(pg.url)
    with engine.connect() as a, engine.connect() as b:
        first = queue.claim_next(a, "09_drills", "A", lease_seconds=60)
        second = queue.claim_next(b, "09_drills", "B", lease_seconds=60)
        assert first[0] == "s01" and second[0] == "s02"  # leased rows are skipped
        assert first[1] == "s01/09_drills/09_drills.ipynb"
        # A row locked by an open transaction is skipped, not waited for (SKIP LOCKED).
        held = engine.connect()
        held.begin()
        held.execute(text("SELECT 1 FROM augcourse_queue WHERE student = 's03' FOR UPDATE"))
        assert queue.claim_next(b, "09_drills", "B2", lease_seconds=60) is None
        held.rollback()
        held.close()
        # A's lease expires: another grader takes s01; A's late verdict is refused.
        a.execute(text("UPDATE augcourse_queue SET lease_until = now() - interval '1 second' WHERE claim = 'A'"))
        a.commit()
        assert queue.claim_next(b, "09_drills", "C", lease_seconds=60)[0] == "s01"
        with Gradebook(pg.url) as gb:
            assert not queue.record_verdict(engine, gb, _fake_result("s01", 1.0), "09_drills", "A")
            assert queue.record_verdict(engine, gb, _fake_result("s01", 0.0), "09_drills", "C")
            assert not queue.record_verdict(engine, gb, _fake_result("s01", 1.0), "09_drills", "C")  # done once
            grade = gb.find_grade("d1_soft_target", "09_drills", "09_drills", "s01")
            assert grade.auto_score == 0.0
        row = a.execute(text("SELECT state, attempts, graded_by FROM augcourse_queue WHERE student = 's01'")).one()
        assert tuple(row) == ("done", 2, "C")
    # Resubmitting (the notebook's bytes change) queues the student again; unchanged ones stay done.
    nb = tmp_path / "submitted" / "s01" / "09_drills" / "09_drills.ipynb"
    nb.write_text(nb.read_text() + "\n")
    with engine.begin() as conn:
        conn.execute(text("UPDATE augcourse_queue SET state = 'done' WHERE student <> 's01'"))
    assert queue.prepare_round(cfg) == 1
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM augcourse_queue"))
    engine.dispose()


def _grader(submitted: Path, db_url: str, log: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    cmd = [sys.executable, "-m", "teacher.grader", "grade", "09_drills", "--submitted", str(submitted),
           "--db-url", db_url, "--workers", "1", "--no-variants", "--lease-seconds", "15"]
    return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            start_new_session=True)  # its own process group: SIGKILL takes its kernel too


def _claim_of(engine, pid: int) -> str | None:
    from sqlalchemy import text

    with engine.connect() as conn:
        return conn.execute(text("SELECT student FROM augcourse_queue WHERE state = 'pending' AND claim LIKE :p"),
                            {"p": f"{socket.gethostname()}:{pid}:%"}).scalar()


def test_three_graders_one_killed_grade_every_student_once(pg, tmp_path, monkeypatch):
    from nbgrader.api import Gradebook
    from sqlalchemy import text

    from teacher.grader import grade_class, queue

    # Everyone gets the same drill numbers (variants off: --no-variants / variants=False), so
    # copies of one fixture under different names score alike. The grader must compute the
    # hidden inputs with the same anonymous numbers as the kernel: nothing is set in the
    # environment here, so a grader that read the student's own numbers would fail this test.

    # Single-process reference round (SQLite) on one submission of each kind.
    ref_dir = tmp_path / "reference" / "submitted"
    for kind in KINDS:
        shutil.copytree(FIXTURES / kind / "09_drills", ref_dir / kind / "09_drills")
    reference = {r.student: r.parts for r in grade_class(_config(ref_dir, None))}
    assert reference["correct"] != reference["wrong_lambda"]

    submitted = tmp_path / "round" / "submitted"
    kinds = _class(submitted, CLASS_SIZE)
    graders = [_grader(submitted, pg.url, tmp_path / f"grader{i}.log") for i in range(3)]
    engine = queue._engine(pg.url)
    victim, killed_student = graders[0], None
    deadline = time.monotonic() + 600
    while killed_student is None and victim.poll() is None and time.monotonic() < deadline:
        killed_student = _claim_of(engine, victim.pid) if _queue_exists(engine) else None
        time.sleep(0.5)
    assert killed_student is not None, (tmp_path / "grader0.log").read_text()[-3000:]
    time.sleep(2)  # midway through grading it
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    for i, g in enumerate(graders[1:], start=1):
        assert g.wait(timeout=900) == 0, (tmp_path / f"grader{i}.log").read_text()[-3000:]

    with engine.connect() as conn:
        rows = {r.student: r for r in conn.execute(text(
            "SELECT student, state, attempts, graded_by, parts FROM augcourse_queue WHERE assignment = '09_drills'"))}
    engine.dispose()
    assert sorted(rows) == sorted(kinds) and {r.state for r in rows.values()} == {"done"}
    killed = rows[killed_student]
    assert killed.attempts >= 2 and not killed.graded_by.startswith(f"{socket.gethostname()}:{victim.pid}:")
    survivors = {r.graded_by.rsplit(":", 1)[0] for r in rows.values()}
    assert len(survivors) >= 2, survivors  # the class was shared, not graded by one process
    with Gradebook(pg.url) as gb:
        subs = gb.find_assignment("09_drills").submissions
        assert sorted(s.student.id for s in subs) == sorted(kinds)  # exactly one submission each
        for student, kind in kinds.items():
            scores = {g.name: g.auto_score for g in gb.find_submission_notebook("09_drills", "09_drills",
                                                                                student).grades}
            assert scores == {gid: s for gid, (s, _) in reference[kind].items()}, student
            assert {k: tuple(v) for k, v in json.loads(rows[student].parts).items()} == reference[kind]
    csv_rows = (tmp_path / "round" / "grades" / "09_drills.csv").read_text().splitlines()
    assert len(csv_rows) == 1 + CLASS_SIZE
    report = (tmp_path / "round" / "grades" / "09_drills.html").read_text()
    assert f"<p>{CLASS_SIZE} submissions;" in report and report.count("data:image/png;base64,") == 2


def _queue_exists(engine) -> bool:
    from sqlalchemy import inspect

    return inspect(engine).has_table("augcourse_queue")
