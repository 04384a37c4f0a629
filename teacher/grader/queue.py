"""Several graders, one round: the PostgreSQL gradebook is the work queue.

Every grader of a round (``make grade`` on one machine or several, the same gradebook URL, the
same shared submissions folder) runs :func:`grade_shared`:

1. under a PostgreSQL advisory lock (one grader at a time): create nbgrader's tables, register
   the assignment, create the queue table ``augcourse_queue`` and enqueue every student of the
   shared folder (a row per student; a row already graded is queued again only when the
   notebook's SHA-256 changed, i.e. the student resubmitted);
2. each worker claims the next ungraded row with ``SELECT ... FOR UPDATE SKIP LOCKED`` (rows
   another grader is claiming are skipped, not waited for) and sets a lease: a claim token and an
   expiry, which a heartbeat thread pushes forward while the submission is graded;
3. the verdict is recorded in ONE transaction: the row is locked again, the claim checked (a
   grader whose lease expired and was taken over records nothing), nbgrader's gradebook rows
   written and the row marked done. nbgrader's ``Gradebook`` commits after each call; its session
   is joined to our transaction in SQLAlchemy's ``create_savepoint`` mode, so those commits only
   release savepoints and the whole verdict commits or rolls back at once;
4. a worker with nothing to claim waits while other graders still hold leases: a grader killed
   midway stops its heartbeat, its lease expires and a surviving grader takes the submission;
5. when every row is done, each grader writes the grade CSV (and the class report) from the
   database, so any machine's copy is the whole class.

Only PostgreSQL is supported here (``SKIP LOCKED``); a SQLite gradebook keeps the single-process
round of :func:`teacher.grader.classroom.grade_class`. PostgreSQL semantics used: row locks of
``FOR UPDATE`` last until the transaction ends, and are released when a session dies, so a killed
grader never blocks a row; its lease only delays the row until ``lease_seconds`` have passed.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import socket
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .engine import GradeResult, source_notebook

LOCK_KEY = 0x61756763  # advisory lock id of the set-up step ("augc")

SCHEMA = """
CREATE TABLE IF NOT EXISTS augcourse_queue (
    assignment   text NOT NULL,
    student      text NOT NULL,
    notebook     text,                      -- path inside the shared submissions folder, or NULL
    digest       text,                      -- SHA-256 of that notebook when it was queued
    state        text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
    claim        text,                      -- token of the grader holding the lease
    lease_until  timestamptz,
    attempts     integer NOT NULL DEFAULT 0,
    graded_by    text,                      -- claim token that recorded the verdict
    status       text,
    notes        text,
    parts        text,                      -- JSON {grade_id: [score, max]}
    seconds      double precision,
    finished_at  timestamptz,
    PRIMARY KEY (assignment, student)
)"""


def is_shared(db_url: str | None) -> bool:
    """True where ``db_url`` is a PostgreSQL URL, the only gradebook several graders can share."""
    return bool(db_url) and db_url.split(":", 1)[0].split("+", 1)[0] in ("postgresql", "postgres")


def _engine(db_url: str):
    from sqlalchemy import create_engine

    return create_engine(db_url, future=True, pool_pre_ping=True)


def _digest(path: Path | None) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path else None


def prepare_round(cfg) -> int:
    """Set up the gradebook and queue the class (idempotent, one grader at a time); returns the
    number of rows that are pending."""
    from nbgrader.api import Gradebook
    from sqlalchemy import text

    from .classroom import _register_assignment, find_submissions

    subs = find_submissions(cfg.submitted, cfg.assignment)
    if cfg.students:
        subs = [s for s in subs if s[0] in set(cfg.students)]
    rows = [{"a": cfg.assignment, "s": student,
             "nb": str(Path(path).resolve().relative_to(Path(cfg.submitted).resolve())) if path else None,
             "d": _digest(path)} for student, path in subs]
    engine = _engine(cfg.db_url)
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": LOCK_KEY})
        conn.commit()
        try:
            with Gradebook(cfg.db_url) as gb:
                _register_assignment(gb, cfg.assignment, source_notebook(cfg.assignment, None, cfg.course_root))
            conn.execute(text(SCHEMA))
            if rows:
                conn.execute(text(
                    "INSERT INTO augcourse_queue (assignment, student, notebook, digest) VALUES (:a, :s, :nb, :d) "
                    "ON CONFLICT (assignment, student) DO UPDATE SET notebook = excluded.notebook, "
                    "digest = excluded.digest, state = 'pending', claim = NULL, lease_until = NULL "
                    "WHERE augcourse_queue.digest IS DISTINCT FROM excluded.digest"), rows)
            pending = conn.execute(text("SELECT count(*) FROM augcourse_queue WHERE assignment = :a "
                                        "AND state = 'pending'"), {"a": cfg.assignment}).scalar_one()
            conn.commit()
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
            conn.commit()
    engine.dispose()
    return pending


def claim_next(conn, assignment: str, token: str, lease_seconds: float) -> tuple[str, str | None] | None:
    """Claim the next pending student whose lease is free or expired: ``(student, notebook)``."""
    from sqlalchemy import text

    row = conn.execute(text("""
        UPDATE augcourse_queue q SET claim = :t, lease_until = now() + make_interval(secs => :lease),
               attempts = q.attempts + 1
        WHERE (q.assignment, q.student) = (
            SELECT assignment, student FROM augcourse_queue
            WHERE assignment = :a AND state = 'pending' AND (lease_until IS NULL OR lease_until < now())
            ORDER BY student LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING q.student, q.notebook"""), {"a": assignment, "t": token, "lease": lease_seconds}).first()
    conn.commit()
    return (row[0], row[1]) if row else None


def pending_count(conn, assignment: str) -> int:
    from sqlalchemy import text

    n = conn.execute(text("SELECT count(*) FROM augcourse_queue WHERE assignment = :a AND state = 'pending'"),
                     {"a": assignment}).scalar_one()
    conn.commit()
    return n


def unclaimed_count(conn, assignment: str) -> int:
    """Students no grader holds a live claim on (whether a kernel started ahead will be used)."""
    from sqlalchemy import text

    n = conn.execute(text("SELECT count(*) FROM augcourse_queue WHERE assignment = :a AND state = 'pending' "
                          "AND (lease_until IS NULL OR lease_until < now())"), {"a": assignment}).scalar_one()
    conn.commit()
    return n


class _Heartbeat(threading.Thread):
    """Pushes the lease of ``token`` forward every third of ``lease_seconds`` until stopped."""

    def __init__(self, engine, assignment: str, student: str, token: str, lease_seconds: float):
        super().__init__(daemon=True)
        self.engine, self.args, self.lease = engine, (assignment, student, token), lease_seconds
        self.stopped = threading.Event()

    def run(self):
        from sqlalchemy import text

        a, s, t = self.args
        while not self.stopped.wait(self.lease / 3):
            try:
                with self.engine.begin() as conn:
                    conn.execute(text("UPDATE augcourse_queue SET lease_until = now() + make_interval(secs => :l) "
                                      "WHERE assignment = :a AND student = :s AND claim = :t AND state = 'pending'"),
                                 {"a": a, "s": s, "t": t, "l": self.lease})
            except Exception:  # noqa: BLE001 - a missed beat only shortens the lease
                pass

    def stop(self):
        self.stopped.set()
        self.join()


def record_verdict(engine, gb, result: GradeResult, notebook: str, token: str) -> bool:
    """Write ``result`` into nbgrader's gradebook and mark the row done, in one transaction;
    False (nothing written) where ``token`` no longer holds the claim."""
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from .classroom import record

    with engine.connect() as conn:
        trans = conn.begin()
        row = conn.execute(text("SELECT claim, state FROM augcourse_queue WHERE assignment = :a AND student = :s "
                                "FOR UPDATE"), {"a": result.assignment, "s": result.student}).first()
        if row is None or row[0] != token or row[1] != "pending":
            trans.rollback()
            return False
        session = Session(bind=conn, join_transaction_mode="create_savepoint", autoflush=True)
        own = gb.db
        gb.db = session
        try:
            record(gb, result, notebook)
        finally:
            gb.db = own
            session.close()
        conn.execute(text("""
            UPDATE augcourse_queue SET state = 'done', graded_by = :t, status = :st, notes = :n, parts = :p,
                   seconds = :sec, finished_at = now(), lease_until = NULL
            WHERE assignment = :a AND student = :s"""),
                     {"a": result.assignment, "s": result.student, "t": token, "st": result.status,
                      "n": json.dumps(result.notes), "p": json.dumps(result.parts), "sec": result.seconds})
        trans.commit()
    return True


def worker_loop(cfg, owner: str) -> int:
    """Claim, grade and record until the round is done; returns how many verdicts this worker recorded."""
    from nbgrader.api import Gradebook

    from .classroom import _grade_one, warm_up
    from .warm import process_pool

    engine = _engine(cfg.db_url)
    stem = source_notebook(cfg.assignment, None, cfg.course_root).stem
    recorded = 0
    with Gradebook(cfg.db_url) as gb, engine.connect() as conn:
        if unclaimed_count(conn, cfg.assignment) > 0:
            warm_up(cfg)
        while True:
            token = f"{owner}:{uuid.uuid4().hex[:8]}"
            claimed = claim_next(conn, cfg.assignment, token, cfg.lease_seconds)
            if claimed is None:
                if pending_count(conn, cfg.assignment) == 0:
                    break
                time.sleep(min(5.0, max(0.5, cfg.lease_seconds / 4)))  # others hold leases; one may expire
                continue
            student, rel = claimed
            beat = _Heartbeat(engine, cfg.assignment, student, token, cfg.lease_seconds)
            beat.start()
            try:
                result = _grade_one(student, str(Path(cfg.submitted) / rel) if rel else None, cfg,
                                    more=unclaimed_count(conn, cfg.assignment) > 0)
            finally:
                beat.stop()
            result.autograded = None
            recorded += record_verdict(engine, gb, result, stem, token)
    if (pool := process_pool(cfg.warm_kernels)) is not None:
        pool.close()  # a kernel started for a submission another grader took
    engine.dispose()
    return recorded


def load_results(cfg) -> list[GradeResult]:
    """The round's verdicts from the queue table, in student order."""
    from sqlalchemy import text

    engine = _engine(cfg.db_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT student, status, notes, parts, seconds FROM augcourse_queue "
                                 "WHERE assignment = :a AND state = 'done' ORDER BY student"),
                            {"a": cfg.assignment}).all()
    engine.dispose()
    name = source_notebook(cfg.assignment, None, cfg.course_root).name
    wanted = set(cfg.students) if cfg.students else None
    return [GradeResult(s, cfg.assignment, name, parts={k: tuple(v) for k, v in json.loads(p).items()},
                        notes=json.loads(n), status=st, seconds=sec or 0.0)
            for s, st, n, p, sec in rows if wanted is None or s in wanted]


def grade_shared(cfg, progress=None) -> list[GradeResult]:
    """This grader's share of a round on a shared PostgreSQL gradebook (see the module docstring)."""
    from .classroom import write_csv
    from .report import write_report

    prepare_round(cfg)
    owner = f"{socket.gethostname()}:{os.getpid()}"
    workers = max(1, cfg.workers)
    if workers == 1:
        worker_loop(cfg, owner)
    else:
        # spawn, not fork (see classroom.grade_class)
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            for fut in [pool.submit(worker_loop, cfg, f"{owner}/{i}") for i in range(workers)]:
                fut.result()
    results = load_results(cfg)
    if progress:
        for r in results:
            progress(r)
    out = cfg.out_root / "grades" / f"{cfg.assignment}.csv"
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    write_csv(results, tmp)  # each grader writes the whole class; rename keeps readers off half a file
    os.replace(tmp, out)
    page = out.with_suffix(".html")
    tmp = page.with_name(f".{page.name}.{os.getpid()}.tmp")
    write_report(results, tmp, cfg.assignment)
    os.replace(tmp, page)
    return results
