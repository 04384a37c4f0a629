"""Probe of drill part ``d2_accuracy_runs``: runs in the student's kernel, returns plain data."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for linters only: the grader sends prelude.py's text first
    from .prelude import _call, _lookup


def _answer(ns, inputs):
    import torch as _torch
    fn = _lookup(ns, "accuracy_runs")
    model = _torch.nn.Sequential(_torch.nn.Flatten(), _torch.nn.Linear(*inputs["weight"].shape[::-1]))
    with _torch.no_grad():
        model[1].weight.copy_(inputs["weight"])
        model[1].bias.copy_(inputs["bias"])

    class _Cycle:  # a "random" transform whose draws are known: the views in turn
        def __init__(self):
            self.calls = 0

        def __call__(self, x):
            k = self.calls % 4
            self.calls += 1
            return [x, x.flip(-1), x.flip(-2), x.flip(-2, -1)][k]

    return _call(fn, model, inputs["X"].clone(), inputs["y"].clone(), _Cycle(), inputs["runs"])
