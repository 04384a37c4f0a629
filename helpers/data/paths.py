"""Where the course keeps the data it prepares (git-ignored)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def data_root() -> Path:
    """The folder for prepared data: ``$AUGCOURSE_DATA`` if set, else ``<repo>/data``."""
    env = os.environ.get("AUGCOURSE_DATA")
    return Path(env) if env else REPO_ROOT / "data"


class MissingDataError(FileNotFoundError):
    """Raised when prepared data is absent; the message says how to get it."""
