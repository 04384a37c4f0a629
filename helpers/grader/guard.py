"""In-kernel guard for the course sections' notebooks (not the drills).

Loaded by the kernel's start-up, before any student code: ``snapshot()`` records the builtins
and the comparison functions of torch, numpy and ``helpers.grading``; ``restore()``, sent by
the grader before every test cell, puts them back. This is as far as hardening can go inside
the student's own process: the drills do better, their verdicts are computed outside it.
"""

from __future__ import annotations

import builtins
import sys

_MODULE_ATTRS = {
    "torch": ("allclose", "isclose", "equal", "testing", "tensor", "as_tensor", "all", "any", "abs"),
    "numpy": ("allclose", "isclose", "array_equal", "testing", "asarray", "array", "all", "any", "abs"),
    "helpers.grading": ("check_close", "check_shape", "rel_error", "_as_array"),
}
_SNAPSHOT: dict = {}


def snapshot() -> None:
    """Record the pristine objects (called once, at kernel start)."""
    import numpy  # noqa: F401 - loaded so that its attributes can be recorded
    import torch  # noqa: F401

    import helpers.grading  # noqa: F401

    _SNAPSHOT["builtins"] = dict(vars(builtins))
    _SNAPSHOT["modules"] = {name: sys.modules[name] for name in _MODULE_ATTRS}
    _SNAPSHOT["attrs"] = {name: {a: getattr(sys.modules[name], a) for a in attrs
                                 if hasattr(sys.modules[name], a)}
                          for name, attrs in _MODULE_ATTRS.items()}


def restore() -> list[str]:
    """Put the recorded objects back; return the names that had been changed."""
    changed = []
    for key, value in _SNAPSHOT.get("builtins", {}).items():
        if vars(builtins).get(key) is not value:
            changed.append(f"builtins.{key}")
            setattr(builtins, key, value)
    for name, module in _SNAPSHOT.get("modules", {}).items():
        if sys.modules.get(name) is not module:
            changed.append(f"sys.modules[{name!r}]")
            sys.modules[name] = module
        for attr, value in _SNAPSHOT["attrs"][name].items():
            if getattr(module, attr, None) is not value:
                changed.append(f"{name}.{attr}")
                setattr(module, attr, value)
    return changed
