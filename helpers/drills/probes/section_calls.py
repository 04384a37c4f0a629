"""Probe of the section exercises' sealed checks (``helpers.selfcheck.sealed_calls``): runs in the
student's kernel and returns plain data.

``inputs["calls"]``: a list of calls ``{"fn", "args", "kwargs", "keep", "grad"}``. Each call gets
fresh copies of its arguments; an argument ``{"__build__": ...}`` is made here (a numpy array, a
small counting model, a list of test-time views). Per call the answer is ``{"out", "meta", "args", "grad_ok",
"sizes"}`` or ``{"error": message}``.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for linters only: the self-check sends prelude.py's text first
    from .prelude import _error, _lookup, _plain


def _describe(x, depth=0):
    """Type, dtype, number of dimensions, length... of an answer (plain data); a list's or
    tuple's first items are described too (one level)."""
    import torch as _torch

    d = {"type": type(x).__name__, "tensor": isinstance(x, _torch.Tensor)}
    if isinstance(x, (_torch.Tensor,)) or type(x).__module__ == "numpy":
        d["dtype"] = str(x.dtype).replace("torch.", "")
    if isinstance(x, _torch.Tensor):
        d["ndim"] = int(x.ndim)
        d["requires_grad"] = bool(x.requires_grad)
    if isinstance(x, (list, tuple)):
        d["len"] = len(x)
        if depth == 0:
            d["items"] = [_describe(v, 1) for v in list(x)[:4]]
        d["item_types"] = sorted({type(v).__name__ for v in x})
    return d


def _counting_linear(spec):
    """``scale · Linear(flatten(x))`` with the given weights; remembers each call's batch size."""
    import torch as _torch

    class _Counting(_torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = _torch.nn.Sequential(_torch.nn.Flatten(), _torch.nn.Linear(*spec["weight"].shape[::-1]))
            with _torch.no_grad():
                self.net[1].weight.copy_(spec["weight"])
                self.net[1].bias.copy_(spec["bias"])
            self.batch_sizes = []

        def forward(self, x):
            self.batch_sizes.append(len(x))
            return spec["scale"] * self.net(x)

    return _Counting().train(False)


_VIEWS = {
    "identity": lambda x: x,
    "hflip": lambda x: x.flip(-1),
    "vflip": lambda x: x.flip(-2),
    "dim": lambda x: 0.5 * x + 0.25,
}


def _argument(a):
    import torch as _torch

    if isinstance(a, _torch.Tensor):
        return a.clone()
    if isinstance(a, dict) and a.get("__build__") == "counting_linear":
        return _counting_linear(a)
    if isinstance(a, dict) and a.get("__build__") == "numpy":
        return a["value"].numpy().copy()
    if isinstance(a, dict) and a.get("__build__") == "views":
        return [_VIEWS[n] for n in a["names"]]
    if isinstance(a, list):
        return [_argument(v) for v in a]
    return a


def _one_call(ns, call):
    import torch as _torch

    try:
        fn = _lookup(ns, call["fn"])
        args = [_argument(a) for a in call["args"]]
        grad = call.get("grad")
        if grad is not None:
            args[grad] = args[grad].detach().clone().requires_grad_(True)
        out = fn(*args, **{k: _argument(v) for k, v in call.get("kwargs", {}).items()})
        record = {"meta": _plain(_describe(out)), "out": _plain(out),
                  "args": [_plain(args[i]) for i in call.get("keep", ())],
                  "sizes": [list(a.batch_sizes) for a in args if isinstance(a, _torch.nn.Module)]}
        if grad is not None:
            out.backward()
            g = args[grad].grad
            record["grad_ok"] = bool(g is not None and bool(_torch.isfinite(g).all()) and float(g.abs().sum()) > 0)
        return record
    except BaseException as e:  # noqa: BLE001 - report any failure of the student's code
        if isinstance(e, KeyboardInterrupt):
            raise
        return _error(e)


def _answer(ns, inputs):
    return [_one_call(ns, call) for call in inputs["calls"]]
