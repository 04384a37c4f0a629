"""The course secret (``teacher.secret``): written once, random, private; the default warns."""

from __future__ import annotations

import stat

from teacher.grader.__main__ import _grading_secret
from teacher.secret import DEFAULT_SECRET, course_secret, ensure_course_secret


def test_secret_is_written_once_random_and_private(tmp_path, monkeypatch):
    monkeypatch.delenv("AUGCOURSE_GRADER_SECRET", raising=False)
    path = tmp_path / "teacher" / ".course-secret"
    assert course_secret(path) == DEFAULT_SECRET  # none yet: the public default
    first, created = ensure_course_secret(path)
    assert created and len(first) == 64 and first != DEFAULT_SECRET
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again, created_again = ensure_course_secret(path)
    assert again == first and not created_again and course_secret(path) == first
    other = tmp_path / "other"
    assert ensure_course_secret(other)[0] != first  # every course its own
    monkeypatch.setenv("AUGCOURSE_GRADER_SECRET", "from-the-environment")
    assert course_secret(path) == "from-the-environment"


def test_grading_warns_only_with_the_public_default(capsys, monkeypatch):
    monkeypatch.setenv("AUGCOURSE_GRADER_SECRET", DEFAULT_SECRET)
    assert _grading_secret({"secret": DEFAULT_SECRET}) == DEFAULT_SECRET
    assert "public default secret" in capsys.readouterr().err
    assert _grading_secret({"secret": "a-course-secret"}) == "a-course-secret"
    assert "warning" not in capsys.readouterr().err
