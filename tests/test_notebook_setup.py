"""helpers.notebook: warnings go to stdout so they can never zero an nbgrader test cell."""

from __future__ import annotations

import warnings

import torch

import helpers.notebook as nb


def test_warnings_are_printed_on_stdout_not_stderr(capsys, monkeypatch):
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)
    nb.route_warnings_to_stdout()
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("a library warning", UserWarning, stacklevel=1)
    out, err = capsys.readouterr()
    assert "a library warning" in out and "UserWarning" in out
    assert err == ""


def test_setup_returns_a_device_and_seeds(monkeypatch):
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)
    dev = nb.setup(seed=7)
    a = torch.rand(3)
    nb.setup(seed=7)
    assert torch.equal(a, torch.rand(3))
    assert dev.type in ("cpu", "cuda")


def test_claim_prints_a_checked_statement_and_returns_whether_it_held(capsys):
    assert nb.claim("two is more than one", 2 > 1) is True
    assert nb.claim("one is more than two", 1 > 2) is False
    out = capsys.readouterr().out.splitlines()
    assert out == [nb.CLAIM_OK + "two is more than one", nb.CLAIM_FAILED + "one is more than two"]


def test_claim_needs_a_statement():
    import pytest

    with pytest.raises(ValueError, match="text"):
        nb.claim("  ", True)


def test_run_times_come_from_one_table(capsys):
    import time

    table = nb.section_seconds()
    assert "02_image" in table and all(name[:2].isdigit() for name in table)
    assert all(seconds > 0 for seconds in table.values())
    nb.report_run_time("02_image", time.perf_counter(), "cpu")
    out = capsys.readouterr().out
    assert nb.describe_seconds(table["02_image"]) in out
    assert nb.describe_seconds(42) == "about 40 s" and nb.describe_seconds(150) == "about 2.5 min"
