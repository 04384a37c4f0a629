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
