"""The committed student release ``notebooks/`` is exactly what ``make release`` generates."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest
from conftest import ROOT

VOLATILE_NOTEBOOK_KEYS = {"widgets"}  # editor state, not content


def _normalised(path):
    nb = nbformat.read(path, as_version=4)
    for key in VOLATILE_NOTEBOOK_KEYS:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)
    return nb


def _notebooks(folder):
    return sorted(p.relative_to(folder) for p in folder.glob("*/*.ipynb"))


@pytest.fixture(scope="module")
def fresh_release(tmp_path_factory):
    out = tmp_path_factory.mktemp("release")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "release.py"), "--out", str(out)],
                   check=True, cwd=ROOT, capture_output=True)
    return out


def test_every_solution_assignment_is_released(fresh_release):
    sources = sorted(p.relative_to(ROOT / "solutions") for p in ROOT.glob("solutions/*/*.ipynb"))
    assert sources, "no solution notebooks found"
    assert _notebooks(ROOT / "notebooks") == sources, (
        "notebooks/ and solutions/ hold different notebooks: run `make release`"
    )


def test_release_is_not_stale(fresh_release):
    stale = [str(rel) for rel in _notebooks(fresh_release)
             if _normalised(fresh_release / rel) != _normalised(ROOT / "notebooks" / rel)]
    assert not stale, f"notebooks/ is stale for {stale}: run `make release` and commit notebooks/"


def test_release_has_no_solutions_or_hidden_tests():
    for path in (ROOT / "notebooks").glob("*/*.ipynb"):
        text = path.read_text()
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS"):
            assert marker not in text, f"{path.name} contains {marker!r}"
        src = nbformat.read(ROOT / "solutions" / path.parent.name / path.name, as_version=4)
        released = nbformat.reads(text, as_version=4)
        stubs = any("raise NotImplementedError" in c.source for c in released.cells if c.cell_type == "code")
        assert any("BEGIN SOLUTION" in c.source for c in src.cells) == stubs, path.name
