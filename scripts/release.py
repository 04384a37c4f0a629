"""Generate the student release ``notebooks/`` from ``solutions/`` with nbgrader.

    python scripts/release.py                # every assignment into notebooks/
    python scripts/release.py --out DIR      # into DIR instead (used by the freshness test)
    python scripts/release.py 01_intuition   # just these assignments

``notebooks/`` is generated and committed; never edit it by hand.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from helpers.data.paths import course_root

ROOT = course_root()
SOURCE = ROOT / "solutions"


def assignments() -> list[str]:
    """Every assignment folder under solutions/ (one per course section), in order."""
    return sorted(p.name for p in SOURCE.iterdir() if p.is_dir() and not p.name.startswith("."))


def generate(names: list[str], out: Path) -> None:
    """Run ``nbgrader generate_assignment`` for ``names`` writing the release into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    # nbgrader runs the `alembic` command of its own environment: put that environment first.
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'release.db'}"
        for name in names:
            cmd = [
                sys.executable, "-m", "nbgrader", "generate_assignment", name,
                "--force", "--create", "--log-level=WARN",
                f"--CourseDirectory.root={ROOT}",
                f"--CourseDirectory.release_directory={out}",
                f"--CourseDirectory.db_url={db}",
            ]
            subprocess.run(cmd, check=True, cwd=ROOT, env=env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="assignments (default: all)")
    parser.add_argument("--out", type=Path, default=ROOT / "notebooks")
    args = parser.parse_args(argv)
    names = args.names or assignments()
    unknown = sorted(set(names) - set(assignments()))
    if unknown:
        parser.error(f"unknown assignment(s): {', '.join(unknown)}")
    generate(names, args.out.resolve())
    print(f"released {len(names)} assignment(s) into {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
