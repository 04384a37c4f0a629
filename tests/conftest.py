"""Shared fixtures and the run summary of the course's test suite."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from helpers.data.paths import course_root

ROOT = course_root()
# Tools of the environment (nbgrader's alembic, jupyter) must be found by subprocesses.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

NOTEBOOK_TIMES: dict[str, float] = {}
# Filled once collection is final: whether this run includes the browser suite.
RUN_STATE = {"browser_suite_selected": False}


def pytest_collection_finish(session):
    RUN_STATE["browser_suite_selected"] = any(
        item.get_closest_marker("browser") is not None for item in session.items)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if NOTEBOOK_TIMES:
        terminalreporter.section("notebook execution times (this machine)")
        for name, secs in sorted(NOTEBOOK_TIMES.items()):
            terminalreporter.write_line(f"{secs:7.1f} s  {name}")
        terminalreporter.write_line(f"{sum(NOTEBOOK_TIMES.values()):7.1f} s  total")
