"""Where the course folder is, and where the prepared data lives.

Two ways to have the package, one rule for the data:

* **Inside the course folder** (``make lab``, or any notebook under ``notebooks/``): the
  course root is the folder that holds ``pyproject.toml`` and ``helpers/``, and the prepared
  data goes to ``<course root>/data`` (git-ignored).
* **Installed from a wheel** (``pip install augcourse-helpers``, a hosted notebook): there is
  no course folder, and ``python -m helpers.data prepare`` writes to a per-user data folder,
  ``$XDG_DATA_HOME/augcourse`` (``~/.local/share/augcourse``) on Linux,
  ``~/Library/Application Support/augcourse`` on macOS, ``%LOCALAPPDATA%\\augcourse`` on
  Windows.

``$AUGCOURSE_DATA`` overrides both. Every loader asks :func:`data_root`, so the step that
prepares the data and the code that reads it always agree.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DATA_ENV = "AUGCOURSE_DATA"
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder that holds helpers/


def is_course_root(folder: Path) -> bool:
    """True when ``folder`` is a course folder: it holds ``pyproject.toml`` and ``helpers/``."""
    return (folder / "pyproject.toml").is_file() and (folder / "helpers" / "__init__.py").is_file()


def find_course_root(start: Path | None = None) -> Path | None:
    """The course folder, or None when there is none.

    Looks first where this package lives (an editable or in-place install), then in ``start``
    (default: the working directory) and its parents, so a notebook under
    ``notebooks/<section>/`` finds the course even when ``helpers`` is installed from a wheel.
    """
    if is_course_root(_PACKAGE_ROOT):
        return _PACKAGE_ROOT
    here = (start or Path.cwd()).resolve()
    return next((f for f in (here, *here.parents) if is_course_root(f)), None)


def course_root() -> Path:
    """The course folder (the one place that knows it); raises outside a course folder.

    The teacher's tools, scripts, benchmarks and tests all use this instead of counting
    ``Path(__file__).parents``.
    """
    root = find_course_root()
    if root is None:
        raise MissingDataError(
            "no course folder here: this needs the course's own files (solutions/, "
            "notebooks/, nbgrader_config.py). Run it from inside the course folder."
        )
    return root


def user_data_dir() -> Path:
    """The per-user data folder used when ``helpers`` is installed without the course folder."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "augcourse"


def data_root() -> Path:
    """The folder for prepared data: ``$AUGCOURSE_DATA``, else ``<course root>/data``, else
    :func:`user_data_dir`."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
    root = find_course_root()
    return root / "data" if root is not None else user_data_dir()


class MissingDataError(FileNotFoundError):
    """Raised when prepared data is absent; the message says how to get it."""
