"""``make handout``: the student side alone, with no answer in it, and working.

The handout is built once (``scripts/handout.py``, with a random course secret) and checked:

* nothing of the teacher side: no ``teacher`` package, no ``solutions/``, no line of any
  solution block or hidden test of ``solutions/`` (in the ``helpers`` library, which shares
  short generic lines with them, no three consecutive lines), no answer key, not the secret;
* it works alone: unpacked from its zip and set up with its own command (``make setup``: a
  fresh virtual environment from its hashed lock, the package installed from the handout), with
  nothing of this repository importable, every released notebook runs up to its open exercises
  and ``make student`` / ``make check`` work. The environment is deleted afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from browser_lab import cell_label, is_expected_error
from conftest import ROOT
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from helpers.notebook import KERNEL_ARGS

sys.path.insert(0, str(ROOT / "scripts"))
import handout  # noqa: E402

_BLOCK = {
    "solution": re.compile(r"### BEGIN SOLUTION(.*?)### END SOLUTION", re.S),
    "hidden": re.compile(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", re.S),
}
SUBMISSIONS = ROOT / "tests" / "fixtures" / "submissions"
KEY_WORDS = ("D2_KEY", "D5_KEY", "PRESERVES_PAIRS", "choice_letter", "def grade_part", "part_rng",
             "BEGIN SOLUTION", "BEGIN HIDDEN TESTS")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    secret = secrets.token_hex(16)
    folder, archive = handout.build(tmp_path_factory.mktemp("h") / "handout", secret=secret)
    return folder, archive, secret


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
    folder, archive, secret = built
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
    folder, _, secret = built
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


# ----------------------------------------------------------------------------- made from the handout alone

BOOT = os.environ.get("AUGCOURSE_HANDOUT_PYTHON", "python3.11")  # the Python the lock is for
WORKERS = 2  # release notebooks run side by side (the suite's machine has 2 cores)
# one math thread per kernel: two kernels with a thread pool each over 2 cores spin-wait
THREADS = str(max(1, (os.cpu_count() or 1) // WORKERS))


def _student_env() -> dict:
    """The environment of a student's shell: nothing of this repository (no PYTHONPATH, not the
    repository's virtual environment on PATH, no course variables)."""
    repo_bin = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV") and not k.startswith("AUGCOURSE_")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p and p != repo_bin and not p.startswith(str(ROOT)))
    env["MPLBACKEND"] = "Agg"
    return env


def _make(folder, *args, env, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run(["make", *args], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def fresh(built, tmp_path_factory):
    """The handout unpacked from its zip into a new folder and set up with its own command,
    ``make setup``: a new virtual environment ``.venv`` there with the locked packages, helpers
    installed from the handout, the data prepared in its ``data/``. Deleted afterwards."""
    _, archive, _ = built
    where = tmp_path_factory.mktemp("fresh")
    with zipfile.ZipFile(archive) as z:
        z.extractall(where)
    folder, env = where / "handout", _student_env()
    try:
        t0 = time.perf_counter()
        out = _make(folder, "setup", f"PYTHON_BOOT={BOOT}", env=env, timeout=1800)
        print(f"handout: make setup in a fresh virtual environment took {time.perf_counter() - t0:.0f} s")
        assert out.returncode == 0, (out.stdout[-3000:], out.stderr[-3000:])
        yield folder, env
    finally:
        shutil.rmtree(where, ignore_errors=True)


def _kernel_spec(folder: Path, where: Path) -> str:
    """A Jupyter kernel that runs the handout's own Python (``.venv/bin/python``); returns its name."""
    spec = where / "kernels" / "augcourse-handout"
    spec.mkdir(parents=True, exist_ok=True)
    argv = [str(folder / ".venv" / "bin" / "python"), "-m", "ipykernel_launcher", "-f",
            "{connection_file}", *KERNEL_ARGS]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "handout",
                                                  "language": "python"}))
    return spec.name


def _isolation_cell(folder: Path) -> nbformat.NotebookNode:
    """First cell of every run: the kernel is the handout's Python and sees nothing of this
    repository (``teacher`` and ``solutions`` cannot be imported, no path of it on sys.path)."""
    repo = sorted({str(ROOT), str(ROOT.resolve()), sys.prefix, os.path.realpath(sys.prefix)})
    return nbformat.v4.new_code_cell(f"""\
import importlib.util, os, sys
import helpers
assert os.path.realpath(sys.prefix) == {os.path.realpath(folder / ".venv")!r}, sys.prefix
assert os.path.realpath(helpers.__file__).startswith({os.path.realpath(folder)!r}), helpers.__file__
assert importlib.util.find_spec("teacher") is None and importlib.util.find_spec("solutions") is None
assert not [p for p in sys.path if p.startswith(tuple({repo!r}))], sys.path
del importlib, helpers""")


def _run_to_first_open_exercise(release: Path, folder: Path, kernel: str, env: dict) -> list[str]:
    """Run the release notebook ``release`` in the handout's kernel (working folder: its copy
    in ``folder``) until a cell fails; return the problems: a failure that is not an open
    exercise (``browser_lab.is_expected_error``), or output on stderr before it."""
    nb = nbformat.read(release, as_version=4)
    nb.cells.insert(0, _isolation_cell(folder))
    cwd = folder / release.relative_to(release.parents[2]).parent
    client = NotebookClient(nb, timeout=900, kernel_name=kernel,
                            resources={"metadata": {"path": str(cwd)}})
    with contextlib.suppress(CellExecutionError):
        client.execute(env=dict(env, AUGCOURSE_STATIC="1", OMP_NUM_THREADS=THREADS,
                                MKL_NUM_THREADS=THREADS), cwd=str(cwd))
    problems = []
    for i, cell in enumerate(nb.cells):
        outputs = cell.get("outputs", [])
        label = f"{release.parent.name} {cell_label(i - 1, cell)}"
        problems += [f"{label}: stderr {o.text[:200]!r}" for o in outputs
                     if o.output_type == "stream" and o.name == "stderr"]
        errors = [o for o in outputs if o.output_type == "error"]
        if errors:
            if i == 0 or not is_expected_error(cell, errors[0].ename):
                problems.append(f"{label}: {errors[0].ename}: {errors[0].evalue}")
            break
    return problems


def test_every_release_runs_to_its_open_exercises_in_a_fresh_handout(built, fresh, tmp_path, monkeypatch):
    """In the handout's own environment, with its folder as the working folder and nothing of
    this repository importable, every released notebook runs up to its first open exercise
    (00_start_here, which has none, runs whole). Where each release stops is decided as in the
    browser suite (``browser_lab.is_expected_error``), which runs them whole from the repository's
    environment."""
    folder, env = fresh
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))  # where _kernel_spec writes the kernel
    kernel = _kernel_spec(folder, tmp_path)
    releases = sorted(built[0].glob("notebooks/*/*.ipynb"))
    assert len(releases) == 10
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        problems = [p for found in pool.map(lambda r: _run_to_first_open_exercise(r, folder, kernel, env), releases)
                    for p in found]
    print(f"handout: {len(releases)} releases to their open exercises in {time.perf_counter() - t0:.0f} s")
    assert not problems, "\n".join(problems)


def test_make_check_works_in_a_fresh_handout(fresh):
    """``make check`` (the handout's self-check, sealed with its own secret) on a drills
    notebook whose cells were moved: the release's order is restored and every sealed point is
    given; ``make student`` records whose numbers it uses."""
    from teacher.drills.seal import GROUP, SEALED
    from teacher.drills.specs import PARTS_BY_ID

    folder, env = fresh
    student = "reordered_cells"  # the fixture's answers are this student's numbers
    shutil.copyfile(SUBMISSIONS / student / "09_drills" / "09_drills.ipynb",
                    folder / "notebooks" / "09_drills" / "09_drills.ipynb")
    assert _make(folder, "student", f"ID={student}", env=env).returncode == 0
    out = _make(folder, "check", env=env)
    assert out.returncode == 0, (out.stdout[-3000:], out.stderr[-3000:])
    sealed = sum(PARTS_BY_ID[g].points for g in (*SEALED, *GROUP))
    assert f"drill numbers of '{student}'" in out.stdout
    assert f"| **total (autograded)** | {sealed:g} / " in out.stdout, out.stdout
    assert f"| 09_drills | {sealed:g} / " in out.stdout and "| 01_intuition | 0 / " in out.stdout
    assert "cells were moved" in out.stdout
