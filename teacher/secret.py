"""The course secret: it seeds the drills' hidden inputs and salts the handout's sealed checks.

A teacher's course has its own random secret in ``teacher/.course-secret`` (git-ignored, never
in the handout): ``make course-secret`` or the first ``make grade`` writes it. Without it the
public default :data:`DEFAULT_SECRET` is used, which is fine for self-study only: anyone can
recompute the hidden inputs from it. ``AUGCOURSE_GRADER_SECRET`` in the environment overrides
both (tests, a grading machine that keeps the secret elsewhere).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

DEFAULT_SECRET = "augcourse-grader"
SECRET_FILE = Path(__file__).resolve().parent / ".course-secret"


def course_secret(path: Path = SECRET_FILE) -> str:
    """The secret in use: the environment's, else the course's file, else the public default."""
    env = os.environ.get("AUGCOURSE_GRADER_SECRET", "").strip()
    if env:
        return env
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return DEFAULT_SECRET
    return text or DEFAULT_SECRET


def ensure_course_secret(path: Path = SECRET_FILE) -> tuple[str, bool]:
    """``(secret, created)``: write a new random secret to ``path`` unless one is there.

    The file is readable by its owner only. Returns the secret now in use (the environment's
    still wins, see :func:`course_secret`).
    """
    created = False
    try:
        present = bool(path.read_text(encoding="utf-8").strip())
    except OSError:
        present = False
    if not present:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(secrets.token_hex(32) + "\n")
        created = True
    return course_secret(path), created


def is_default(secret: str) -> bool:
    return secret == DEFAULT_SECRET


def main(argv=None) -> int:
    """``python -m teacher.secret``: write the course secret if missing, say where it is."""
    secret, created = ensure_course_secret()
    if created:
        print(f"wrote a new course secret to {SECRET_FILE} (keep it; never hand it out)")
    else:
        print(f"the course secret is in {SECRET_FILE}")
    if is_default(secret):
        print("warning: AUGCOURSE_GRADER_SECRET sets the public default secret: hidden inputs are "
              "public, fine for self-study only")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
