"""The code the grader runs in a student's kernel to collect a drill answer (a *probe*).

Each module here defines ``_answer(ns, inputs)``: it calls the student's functions found in the
notebook's namespace ``ns`` on the hidden ``inputs`` and returns plain data only. The modules are
never imported to grade: the grader reads their text (:func:`prelude_source`,
:func:`probe_source`) and sends ``prelude.py`` followed by one probe to the kernel, so a student who rebinds this package in
the kernel changes nothing. They are real modules so that linters and tests read them.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def prelude_source() -> str:
    """The text of ``prelude.py``: sent to the kernel before every probe."""
    return (_HERE / "prelude.py").read_text(encoding="utf-8")


def probe_source(name: str, names: tuple[str, ...] = ()) -> str:
    """The text of probe ``name`` (a module of this package), sent after the prelude.

    ``names``: for the ``values`` probe, the variables to collect.
    """
    path = _HERE / f"{name}.py"
    if name in ("prelude", "__init__") or not path.is_file():
        raise ValueError(f"name: no probe called {name!r} in {_HERE}")
    text = "\n\n" + path.read_text(encoding="utf-8")
    if name == "values":
        if not names:
            raise ValueError("names: the values probe needs the variables to collect")
        text += f"\n_NAMES = {tuple(names)!r}\n"
    return text
