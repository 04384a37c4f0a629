"""Probe of drill part ``d4_views``: runs in the student's kernel, returns plain data."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for linters only: the grader sends prelude.py's text first
    from .prelude import _call, _lookup


def _answer(ns, inputs):
    fn = _lookup(ns, "views_within_budget")
    return [_call(fn, list(latency), budget) for latency, budget in inputs["cases"]]
