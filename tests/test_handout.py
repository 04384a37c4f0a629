"""``make handout``: the student side alone, with no answer in it, and working.

The handout is built once (``scripts/handout.py``, with a random course secret) and checked:

* nothing of the teacher side: no ``teacher`` package, no ``solutions/``, no line of any
  solution block or hidden test of ``solutions/`` (in the ``helpers`` library, which shares
  short generic lines with them, no three consecutive lines), no answer key, not the secret;
* it works alone: with ``PYTHONPATH`` holding only the handout (and a stub that makes any
  import of ``teacher`` or ``solutions`` fail), the released notebooks start (see
  :func:`test_released_notebooks_start_in_the_handout_alone`) and the self-check command (what
  ``make check`` runs there) works.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import zipfile

import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

sys.path.insert(0, str(ROOT / "scripts"))
import handout  # noqa: E402

_BLOCK = {
    "solution": re.compile(r"### BEGIN SOLUTION(.*?)### END SOLUTION", re.S),
    "hidden": re.compile(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", re.S),
}
KEY_WORDS = ("D2_KEY", "D5_KEY", "PRESERVES_PAIRS", "choice_letter", "def grade_part", "part_rng",
             "BEGIN SOLUTION", "BEGIN HIDDEN TESTS")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    secret = secrets.token_hex(16)
    folder, archive = handout.build(tmp_path_factory.mktemp("h") / "handout", secret=secret)
    blocker = tmp_path_factory.mktemp("blocker")
    for name in ("teacher", "solutions"):  # the teacher side is absent: importing it fails
        (blocker / name).mkdir()
        (blocker / name / "__init__.py").write_text(f"raise ImportError('{name} is not in the handout')\n")
    return folder, archive, secret, blocker


def _code_lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def _secret_blocks(kind: str) -> tuple[set[str], set[tuple[str, ...]]]:
    """``(lines, runs)`` of every ``kind`` block of solutions/: its lines that appear nowhere
    else in solutions/, and every run of 3 consecutive code lines of a block with one line of
    25 characters or more (shorter runs are boilerplate such as ``self.calls += 1``)."""
    inside, outside, runs = set(), set(), set()
    for path in ROOT.glob("solutions/*/*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            for block in _BLOCK[kind].findall(cell.source):
                lines = _code_lines(block)
                inside |= set(lines)
                runs |= {tuple(lines[i:i + 3]) for i in range(len(lines) - 2)
                         if max(map(len, lines[i:i + 3])) >= 25}
            outside |= {ln.strip() for ln in _BLOCK[kind].sub("", cell.source).splitlines()}
    return {ln for ln in inside - outside if len(ln) >= 12}, runs


def _texts(folder):
    """(file, text) of every text file of the handout; notebooks as their cells' sources."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            yield path, "\n".join(c.source for c in nb.cells)
        elif path.suffix in (".pt", ".zip"):
            continue
        else:
            yield path, path.read_text(encoding="utf-8")


def test_handout_has_the_student_side_only(built):
    folder, archive, secret, _ = built
    names = {p.relative_to(folder).parts[0] for p in folder.iterdir()}
    assert {"helpers", "notebooks", "Makefile", "pyproject.toml", "README.md"} <= names
    assert not {"teacher", "solutions", "tests", "nbgrader_config.py", ".augcourse-student"} & names
    assert not list(folder.rglob("*.course-secret")) and not list(folder.rglob("__pycache__"))
    with zipfile.ZipFile(archive) as z:
        zipped = {n for n in z.namelist() if not n.endswith("/")}
    assert zipped == {f"handout/{p.relative_to(folder)}" for p in folder.rglob("*") if p.is_file()}
    readme = (folder / "README.md").read_text()
    assert "make lab" in readme and "make check" in readme


def test_handout_holds_no_solution_hidden_test_key_or_secret(built):
    """Notebooks, README and data: not one line of a solution block or hidden test. The helpers
    library legitimately shares short generic lines with them (``return list(words)``), so
    there no run of three consecutive lines of a block may appear."""
    folder, _, secret, _ = built
    (solution, solution_runs), (hidden, hidden_runs) = _secret_blocks("solution"), _secret_blocks("hidden")
    assert len(solution) > 100 and len(hidden) > 20 and len(solution_runs) > 50  # real lines
    found = []
    for path, text in _texts(folder):
        where = path.relative_to(folder)
        if where.parts[0] == "helpers" and path.suffix == ".py":
            lines = _code_lines(text)
            grams = {tuple(lines[i:i + 3]) for i in range(len(lines) - 2)}
            found += [f"{where}: solution lines {g!r}" for g in grams & solution_runs]
            found += [f"{where}: hidden-test lines {g!r}" for g in grams & hidden_runs]
        else:
            lines = {ln.strip() for ln in text.splitlines()}
            found += [f"{where}: solution line {ln!r}" for ln in lines & solution]
            found += [f"{where}: hidden-test line {ln!r}" for ln in lines & hidden]
        found += [f"{where}: {w!r}" for w in KEY_WORDS if w in text]
        if secret in text:
            found.append(f"{path.relative_to(folder)}: the course secret")
    for path in folder.rglob("*.pt"):
        assert secret.encode() not in path.read_bytes()
    assert not found, "\n".join(found[:20])


def _env(folder, blocker) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "AUGCOURSE_STUDENT_ID")}
    env.update(PYTHONPATH=f"{folder}{os.pathsep}{blocker}", MPLBACKEND="Agg",
               AUGCOURSE_DATA=str(ROOT / "data"))  # the data `make setup` prepares
    return env


def _run(nb, folder):
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    try:
        client.execute()
    except CellExecutionError as e:
        return e
    return None


def test_released_notebooks_start_in_the_handout_alone(built, monkeypatch):
    """00_start_here runs whole (its self-check table included), the drills run up to their
    first open exercise, and sections 1-8 run their set-up cell (every import they need). Their
    full runs are ``test_notebooks.py``'s: the same files, minutes of training."""
    folder, _, _, blocker = built
    for key, value in _env(folder, blocker).items():
        monkeypatch.setenv(key, value)
    setups = nbformat.v4.new_notebook()  # sections 1-8: their set-up cells, one kernel
    for path in sorted(folder.glob("notebooks/*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        section = path.parent.name
        if section not in ("00_start_here", "09_drills"):
            setups.cells.append(next(c for c in nb.cells if c.cell_type == "code"))
            continue
        stopped = _run(nb, path.parent)
        if section == "09_drills":
            assert stopped is not None and stopped.ename == "NotImplementedError", stopped
        else:
            assert stopped is None, (section, stopped)
    assert len(setups.cells) == 8
    assert _run(setups, folder / "notebooks") is None


def test_self_check_command_works_in_the_handout(built, tmp_path):
    folder, _, _, blocker = built
    env = _env(folder, blocker)
    env["HOME"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-m", "helpers.selfcheck", "check"], cwd=folder, env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "| **all sections** | 0 / " in out.stdout and "09_drills" in out.stdout
    bad = subprocess.run([sys.executable, "-c", "import teacher"], cwd=folder, env=env,
                         capture_output=True, text=True)
    assert bad.returncode != 0 and "not in the handout" in bad.stderr
