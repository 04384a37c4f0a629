"""Optional dependencies: one clear message naming the extra to install.

``import helpers`` needs only torch and numpy. Each family's other libraries come with an
extra of the ``augcourse-helpers`` package (``pip install 'augcourse-helpers[text]'``);
:func:`require` imports one and, when it is missing, raises :class:`MissingExtraError`
saying which extra brings it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# import name -> (distribution on PyPI, extra of augcourse-helpers that installs it)
EXTRAS = {
    "torchvision": ("torchvision", "core"),
    "torchaudio": ("torchaudio", "audio"),
    "soundfile": ("soundfile", "audio"),
    "nltk": ("nltk", "text"),
    "sklearn": ("scikit-learn", "tabular"),
    "imblearn": ("imbalanced-learn", "tabular"),
    "matplotlib": ("matplotlib", "notebook"),
    "ipywidgets": ("ipywidgets", "notebook"),
    "IPython": ("ipykernel", "notebook"),
    "tqdm": ("tqdm", "notebook"),
}


class MissingExtraError(ImportError):
    """An optional library is not installed; the message names the extra that installs it."""


def install_hint(module: str) -> str:
    """The pip command that installs what ``module`` (an import name) needs."""
    dist, extra = EXTRAS[module.split(".")[0]]
    if extra == "core":
        return f"pip install {dist}"
    return f"pip install 'augcourse-helpers[{extra}]'   (or: pip install {dist})"


def require(module: str, needed_by: str) -> ModuleType:
    """Import ``module``; if it is missing, raise :class:`MissingExtraError` with the fix.

    ``needed_by`` names what needs it (``"helpers.tabular"``), for the message.
    """
    try:
        return importlib.import_module(module)
    except ImportError as err:
        top = module.split(".")[0]
        if top not in EXTRAS or (err.name or top).split(".")[0] != top:
            raise  # a broken install of something else: keep the original error
        raise MissingExtraError(
            f"{needed_by} needs {EXTRAS[top][0]}, which is not installed. "
            f"Install it with:\n    {install_hint(top)}"
        ) from err
