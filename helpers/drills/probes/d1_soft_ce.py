"""Probe of drill part ``d1_soft_ce``: runs in the student's kernel, returns plain data."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for linters only: the grader sends prelude.py's text first
    from .prelude import _call, _lookup


def _answer(ns, inputs):
    fn = _lookup(ns, "soft_cross_entropy")
    return [_call(fn, c["logits"].clone(), c["targets"].clone()) for c in inputs["cases"]]
