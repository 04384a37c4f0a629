"""Probe of drill part ``d1_mixup_batch``: runs in the student's kernel, returns plain data."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for linters only: the grader sends prelude.py's text first
    from .prelude import _call, _lookup


def _answer(ns, inputs):
    fn = _lookup(ns, "mixup_batch")
    return [_call(fn, c["x"].clone(), c["y"].clone(), c["lam"], c["perm"].clone())
            for c in inputs["cases"]]
