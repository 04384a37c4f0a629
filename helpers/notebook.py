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
