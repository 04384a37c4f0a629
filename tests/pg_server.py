"""A real PostgreSQL server for tests: ``initdb`` in a temporary folder, ``pg_ctl`` on 127.0.0.1.

Used by the gradebook tests (``tests/test_grader_queue.py``) as a pytest fixture; never a mock.
Debian's ``postgresql`` package provides the binaries (``scripts/setup_system.sh`` installs it).
PostgreSQL refuses to run as root, so under root (CI) the server runs as the unprivileged
``postgres`` user through ``runuser``; the data folder is made for that user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def find_bindir() -> Path | None:
    """Folder holding ``initdb`` and ``pg_ctl``: Debian's versioned folders (newest first), then PATH."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True):
        if Path(folder, "initdb").exists() and Path(folder, "pg_ctl").exists():
            return Path(folder)
    on_path = shutil.which("pg_ctl")
    if on_path and Path(on_path).with_name("initdb").exists():
        return Path(on_path).parent
    return None


def missing_reason() -> str | None:
    """Why no test server can start here, or None when it can."""
    if find_bindir() is None:
        return "PostgreSQL's initdb/pg_ctl not found (install Debian's postgresql: scripts/setup_system.sh)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no unprivileged 'postgres' user to run the server"
        if shutil.which("runuser") is None:
            return "running as root without runuser to start the server as 'postgres'"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """``with PostgresServer() as pg: pg.url`` -> ``postgresql+psycopg://grader@127.0.0.1:PORT/course``."""

    def __init__(self, dbname: str = "course", user: str = "grader"):
        self.bindir = find_bindir()
        self.dbname, self.user = dbname, user
        self.port = _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="augcourse-pg-"))
        self.data = self.folder / "data"
        self._as = []
        if os.geteuid() == 0:
            self._as = ["runuser", "-u", "postgres", "--"]
            pw = pwd.getpwnam("postgres")
            os.chown(self.folder, pw.pw_uid, pw.pw_gid)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{self.dbname}"

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self._as, *args], capture_output=True, text=True, timeout=120, cwd=self.folder)
        if done.returncode:
            raise RuntimeError(f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr.strip()[-800:]}")

    def start(self) -> PostgresServer:
        b = self.bindir
        self._run(str(b / "initdb"), "-D", str(self.data), "-U", self.user, "--auth=trust",
                  "--no-sync", "-E", "UTF8")
        opts = (f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off "
                "-c max_connections=60 -c shared_buffers=16MB")
        self._run(str(b / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"), "-o", opts,
                  "-w", "-t", "60", "start")
        self._run(str(b / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, self.dbname)
        return self

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()
