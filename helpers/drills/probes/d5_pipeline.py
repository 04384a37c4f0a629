"""Probe of drill part ``d5_pipeline``: runs in the student's kernel, returns plain data."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for linters only: the grader sends prelude.py's text first
    from .prelude import _call, _lookup


def _answer(ns, inputs):
    from sklearn.base import clone
    fn = _lookup(ns, "make_fold_pipeline")
    X, y = inputs["X_dev"].numpy(), inputs["y_dev"].numpy()

    def run():
        pipe = fn(list(inputs["categorical"]), 0)
        out = []
        for tr, va in inputs["folds"]:
            p = clone(pipe).fit(X[tr.numpy()], y[tr.numpy()])
            out.append(p.predict_proba(X[va.numpy()])[:, 1])
        p = clone(pipe).fit(X, y)
        out.append(p.predict_proba(inputs["X_hold"].numpy())[:, 1])
        return out

    return _call(run)
