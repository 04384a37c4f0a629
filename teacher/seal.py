"""Write the student side's self-check data from the teacher side (run at release time).

    python -m teacher.seal [--out helpers/selfcheck/data] [--default-secret]

* ``course.json``: per section, the graded cells as released (grade id, points, title, a digest
  of each answer cell's starting code, whether hidden tests exist), the release's cells that
  run or are graded, in order (the self-check restores a student's notebook from them, as the
  grader does from the source) and the sealed checks: for the drills (``teacher.drills.seal``)
  and for the section exercises (``sealed_calls``, ``unsealed``: ``teacher.sections.seal``);
* ``sealed_inputs.pt``: the hidden inputs of the sealed drill parts and the section exercises'
  sealed calls (plain tensors, numbers and lists).

Nothing written contains solution code, hidden test code or an expected value. The salt of the
seals is derived from the course secret (``teacher.secret``); ``--default-secret`` uses the public
default (the copy kept in the repository, for self-study).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import nbformat

from helpers.data.paths import course_root
from helpers.selfcheck.cells import digest, is_grade, is_solution, is_test, meta

from .secret import DEFAULT_SECRET, course_secret

ROOT = course_root()
DEFAULT_OUT = ROOT / "helpers" / "selfcheck" / "data"
FORMAT = 1

def salt_of(secret: str) -> str:
    return hashlib.sha256(f"augcourse-seal|{secret}".encode()).hexdigest()[:32]


def section_metadata(nb) -> dict:
    """The graded cells of a source notebook, as the student side may know them."""
    from .grader.restore import release_source
    from .grader.selfcheck import _titles

    titles = _titles(nb)
    cells = []
    for cell in nb.cells:
        m = meta(cell)
        if not (is_grade(cell) or is_solution(cell)):
            continue
        row = {"grade_id": m["grade_id"], "cell_type": cell.cell_type, "grade": is_grade(cell),
               "answer": is_solution(cell), "points": float(m.get("points", 0) or 0),
               "title": titles.get(m["grade_id"], m["grade_id"])}
        if is_solution(cell):
            row["release_digest"] = digest(release_source(cell))
        if is_test(cell):
            row["hidden"] = "BEGIN HIDDEN TESTS" in cell.source
        cells.append(row)
    return {"cells": cells}


def release_cells(path: Path) -> list[dict]:
    """The cells of the released notebook at ``path`` that run or are graded (code cells and
    cells with nbgrader metadata), without outputs: what the self-check restores a copy from."""
    nb = nbformat.read(path, as_version=4)
    return [{"cell_type": c.cell_type, "id": c.get("id"), "source": c.source,
             "metadata": {"nbgrader": meta(c)} if meta(c) else {}}
            for c in nb.cells if c.cell_type == "code" or meta(c)]


def build(root: Path = ROOT, secret: str | None = None) -> tuple[dict, dict]:
    """``(course.json data, sealed inputs)`` for the course at ``root``."""
    from teacher.drills.seal import seal_drills
    from teacher.sections.seal import seal_sections

    secret = secret or course_secret()
    salt = salt_of(secret)
    sections = {}
    for folder in sorted(p for p in (root / "solutions").iterdir() if p.is_dir()):
        found = sorted(folder.glob("*.ipynb"))
        if len(found) != 1:
            continue
        nb = nbformat.read(found[0], as_version=4)
        if not any(is_grade(c) for c in nb.cells):
            continue
        sections[folder.name] = {"notebook": found[0].name, **section_metadata(nb),
                                 "release": release_cells(root / "notebooks" / folder.name / found[0].name)}
    sealed, inputs = seal_drills(secret, salt)
    sections["09_drills"]["sealed"] = sealed
    inputs.update(seal_sections(sections, secret, salt))
    return {"format": FORMAT, "salt": salt, "sections": sections}, inputs


def write(out: Path, root: Path = ROOT, secret: str | None = None) -> Path:
    import torch

    data, inputs = build(root, secret)
    out.mkdir(parents=True, exist_ok=True)
    (out / "course.json").write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    torch.save(inputs, out / "sealed_inputs.pt")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m teacher.seal", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--default-secret", action="store_true",
                        help="seal with the public default secret (the repository's self-study copy)")
    args = parser.parse_args(argv)
    out = write(args.out, secret=DEFAULT_SECRET if args.default_secret else None)
    print(f"wrote the self-check data to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
