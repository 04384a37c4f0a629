"""Write the student side of the course (the handout) to a folder and a zip.

    python scripts/handout.py [--out build/handout]     (make handout)

The handout holds what a class receives and nothing else: the released notebooks
(``notebooks/``), the ``helpers`` package with the self-check's data sealed with this course's
secret, the set-up files (Makefile, pyproject.toml, the hashed lock requirements/lock.txt,
environment.yml, requirements-data.txt, scripts/setup_system.sh; ``make setup`` there makes the
handout's own virtual environment from them) and a student README. It never holds
``solutions/``, the ``teacher`` package (grader, answer keys), the course secret or any cache.
``tests/test_handout.py`` checks it.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from helpers.data.paths import course_root

ROOT = course_root()
sys.path.insert(0, str(ROOT))

FILES = ("Makefile", "pyproject.toml", "requirements/lock.txt", "environment.yml",
         "requirements-data.txt", "scripts/setup_system.sh")
TREES = ("helpers", "notebooks")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".augcourse*", "*.egg-info")

README = """# Data augmentation: the course

Notebooks that teach data augmentation for images, text, tables and audio, with exercises you
check yourself and drills D1-D5.

## Two commands

    make lab      # open the course: sets everything up the first time, then starts JupyterLab
    make check    # check my work: every section you have started, a table per exercise

Start with `notebooks/00_start_here/00_start_here.ipynb`. Before the drills, record your
student id (your teacher tells you which): `make student ID=your-id`; the drills' numbers follow it.
`make check NB=notebooks/09_drills/09_drills.ipynb` checks one notebook.

## What the self-check tells you

It runs your notebook in a fresh kernel on a copy (your file is never changed), runs the visible
checks, and compares your answers on hidden cases with *sealed* answers: only salted hashes of
the expected values travel with the course, so the self-check can say right or wrong without
holding the answers. A row says "checked by your teacher" when it cannot decide: hidden cases it
has no seal for, a value too close to a rounding edge to call, answers judged from your own
measurements, and written answers. The drills' multiple-choice and true/false answers are
checked together: all right, or not. Short true/false tables (exercises 1.1 and 3.4) are left to
your teacher: a fingerprint of so few possible answers would give them away.

## Set-up

`make lab` and `make check` set everything up the first time; `make setup` does only that. It
makes a virtual environment in `.venv` with the exact package versions of
`requirements/lock.txt` (pip checks their hashes), installs the course package `helpers` from
this folder, and prepares the data in `data/`; a second run takes seconds. It needs Python 3.11:
when `python3` is another version, name yours, e.g. `make setup PYTHON_BOOT=python3.11`. On
Debian/Ubuntu it also installs WordNet and the speech tools (as root) or says which packages to
install.
"""


def build(out: Path, secret: str | None = None, root: Path = ROOT) -> tuple[Path, Path]:
    """Write the handout folder ``out`` and ``out.zip``; return both paths.

    ``secret``: the course secret that salts the sealed checks (default: the course's,
    ``teacher.secret.course_secret``).
    """
    from teacher.seal import write
    from teacher.secret import course_secret

    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for tree in TREES:
        shutil.copytree(root / tree, out / tree, ignore=SKIP)
    for name in FILES:
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, out / name)
    (out / "README.md").write_text(README, encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:  # seal with this course's secret
        write(Path(tmp) / "data", root, secret or course_secret())
        shutil.rmtree(out / "helpers" / "selfcheck" / "data")
        shutil.copytree(Path(tmp) / "data", out / "helpers" / "selfcheck" / "data")
    archive = shutil.make_archive(str(out), "zip", root_dir=out.parent, base_dir=out.name)
    return out, Path(archive)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "handout")
    args = parser.parse_args(argv)
    from teacher.secret import SECRET_FILE, ensure_course_secret

    _, created = ensure_course_secret()
    if created:
        print(f"wrote a new course secret to {SECRET_FILE} (keep it; never hand it out)")
    folder, archive = build(args.out)
    print(f"handout: {folder} and {archive}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
