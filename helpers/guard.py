"""In-kernel guard for the course sections' notebooks (not the drills).

Loaded by the kernel's start-up, before any student code: ``snapshot()`` records the builtins,
the comparison functions of torch and numpy, the Python-level methods of ``torch.Tensor``, and
every public name of the course's own modules (``helpers.grading`` and the reference
implementations the hidden tests compare with: ``helpers.mix``, ``helpers.tabular``, …) along
with the attributes of the classes they define. ``restore()``, sent by the grader before every
test cell, puts all of them back, so an answer cell that rebinds ``torch.allclose``,
``torch.Tensor.double``, ``helpers.tabular.gaussian_noise`` or ``builtins.abs`` changes nothing
for the tests. This is as far as hardening can go inside the student's own process: the drills
do better, their verdicts are computed outside it.
"""

from __future__ import annotations

import builtins
import importlib
import sys

_MODULE_ATTRS = {
    "torch": ("allclose", "isclose", "equal", "testing", "tensor", "as_tensor", "all", "any", "abs"),
    "numpy": ("allclose", "isclose", "array_equal", "testing", "asarray", "array", "all", "any", "abs",
              "max", "min", "isfinite", "maximum", "sum", "mean"),
}
# The course's modules the hidden tests import their references and checks from.
COURSE_MODULES = ("helpers.grading", "helpers.mix", "helpers.tta", "helpers.image", "helpers.tabular",
                  "helpers.audio", "helpers.text", "helpers.ssl", "helpers.train", "helpers.data")
_SNAPSHOT: dict = {}


def _course_modules() -> dict:
    """Every loaded ``helpers`` module below the packages in COURSE_MODULES."""
    return {name: mod for name, mod in list(sys.modules.items())
            if mod is not None and any(name == p or name.startswith(p + ".") for p in COURSE_MODULES)}


def _classes(modules: dict) -> dict:
    import torch

    found = {"torch.Tensor": torch.Tensor}
    for mod in modules.values():
        for value in vars(mod).values():
            if isinstance(value, type) and getattr(value, "__module__", "").startswith("helpers"):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return found


def snapshot(course_modules: bool = True) -> None:
    """Record the pristine objects (called once, at kernel start).

    ``course_modules=False`` records only ``helpers.grading`` of the course's modules (and
    whatever else is loaded already): enough where verdicts are computed outside the kernel.
    """
    import numpy  # noqa: F401 - loaded so that its attributes can be recorded
    import torch  # noqa: F401

    for name in COURSE_MODULES if course_modules else ("helpers.grading",):
        importlib.import_module(name)
    _SNAPSHOT["builtins"] = dict(vars(builtins))
    modules = {name: sys.modules[name] for name in _MODULE_ATTRS}
    attrs = {name: {a: getattr(sys.modules[name], a) for a in names if hasattr(sys.modules[name], a)}
             for name, names in _MODULE_ATTRS.items()}
    course = _course_modules()
    modules.update(course)
    attrs.update({name: dict(vars(mod)) for name, mod in course.items()})
    _SNAPSHOT["modules"], _SNAPSHOT["attrs"] = modules, attrs
    _SNAPSHOT["classes"] = {name: (cls, dict(vars(cls))) for name, cls in _classes(course).items()}


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
    for name, (cls, pristine) in _SNAPSHOT.get("classes", {}).items():
        current = vars(cls)
        for attr in [a for a in current if a not in pristine]:
            changed.append(f"{name}.{attr} (added)")
            try:
                delattr(cls, attr)
            except (AttributeError, TypeError):
                pass
        for attr, value in pristine.items():
            if attr in ("__dict__", "__weakref__", "__doc__"):
                continue
            if current.get(attr) is not value:
                changed.append(f"{name}.{attr}")
                try:
                    setattr(cls, attr, value)
                except (AttributeError, TypeError):
                    pass
    return changed
