"""helpers.grading: tolerance checks that explain failures without revealing expected values."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers.grading import check_close, check_shape, rel_error


def test_check_close_accepts_within_tolerance():
    check_close(torch.tensor([1.0, 2.0]), np.array([1.0, 2.0 + 1e-7]), atol=1e-6)


def test_check_close_reports_count_and_error_not_values():
    expected = np.array([0.123456, 2.0, 3.0])
    with pytest.raises(AssertionError) as e:
        check_close([0.0, 2.0, 3.5], expected, atol=1e-3, rtol=0, name="answer")
    msg = str(e.value)
    assert "2 of 3 entries are off" in msg and "0.5" in msg
    assert "0.123456" not in msg


def test_check_close_shape_and_nan():
    with pytest.raises(AssertionError, match=r"shape \(2,\), expected \(3,\)"):
        check_close([1, 2], [1, 2, 3])
    with pytest.raises(AssertionError, match="NaN"):
        check_close([float("nan")], [1.0])
    with pytest.raises(AssertionError, match="tensor or array"):
        check_close("abc", [1.0])


def test_check_shape_and_rel_error():
    check_shape(torch.zeros(2, 3), (2, 3))
    with pytest.raises(AssertionError, match="expected"):
        check_shape(torch.zeros(2, 3), (3, 2))
    assert rel_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert rel_error([1.0], [3.0]) == pytest.approx(0.5)


def test_exercise_seed_follows_student_and_tag(monkeypatch):
    from helpers.grading import exercise_generator, exercise_seed

    monkeypatch.setenv("AUGCOURSE_VARIANTS", "1")
    a, b = exercise_seed("02.ex1", "ada"), exercise_seed("02.ex1", "bob")
    assert a != b and a == exercise_seed("02.ex1", "ada") and 0 <= a < 2**31
    assert exercise_seed("02.ex2", "ada") != a
    monkeypatch.setenv("AUGCOURSE_STUDENT_ID", "ada")
    assert exercise_seed("02.ex1") == a
    assert torch.equal(torch.rand(3, generator=exercise_generator("02.ex1")),
                       torch.rand(3, generator=torch.Generator().manual_seed(a)))
    monkeypatch.setenv("AUGCOURSE_VARIANTS", "0")
    assert exercise_seed("02.ex1", "ada") == exercise_seed("02.ex1", "bob")
    with pytest.raises(ValueError, match="tag"):
        exercise_seed("")
