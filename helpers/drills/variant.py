"""Per-student numbers of the drills (section 9), derived from the student id.

Every drill uses a few numbers (MixUp's λ and classes, the resize/crop sizes of the validation
transform, the latency budget, the order of multiple-choice options, a dataset seed). They come
from ``sha256("augcourse-drills:" + student_id)``, so two students get different numbers and a
number copied from a classmate fails the test, while the same student always sees the same
numbers, in the notebook and at grading time.

Where the id comes from (``student_id()``): the environment variable ``AUGCOURSE_STUDENT_ID``
(the grader sets it for every submission), else the first line of a file ``.augcourse-student``
in the working directory, one of its parents (the course root, where
``python -m teacher.grader student ID`` writes it) or the home directory, else ``"anonymous"``.

Turning variants off: ``AUGCOURSE_VARIANTS=0`` in the environment (the grader sets it from
``--no-variants`` or from ``c.AugcourseGrader.variants = False`` in ``nbgrader_config.py``);
every student then gets the ``"anonymous"`` numbers.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..data.paths import find_course_root
from .options import D3_PAIR_SLOTS

ANONYMOUS = "anonymous"
ID_FILE = ".augcourse-student"
_SALT = "augcourse-drills:"

# D6's unseen data sets: four characters each, chosen so that every flip either keeps each
# class or turns it into another class of the same set (never into something in between).
GLYPH_FAMILIES = ("bdpq", "MWU\u2229", "<>()")
_MEANS = ((0.485, 0.456, 0.406), (0.5, 0.5, 0.5), (0.45, 0.45, 0.45), (0.4914, 0.4822, 0.4465))
_STDS = ((0.229, 0.224, 0.225), (0.25, 0.25, 0.25), (0.226, 0.226, 0.226), (0.247, 0.243, 0.261))


def variants_enabled() -> bool:
    """False when ``AUGCOURSE_VARIANTS`` is ``0``, ``false``, ``no`` or ``off``."""
    return os.environ.get("AUGCOURSE_VARIANTS", "1").strip().lower() not in ("0", "false", "no", "off")


def _upwards(folder: Path) -> list[Path]:
    """``folder`` and its parents (a notebook runs in ``notebooks/<section>/``, the id file
    usually sits at the course root)."""
    return [folder, *folder.parents]


def id_file(root: Path | None = None) -> Path:
    """Where ``python -m teacher.grader student ID`` writes the id: the course root (the home
    directory when ``helpers`` is installed without the course folder)."""
    return (root or find_course_root() or Path.home()) / ID_FILE


def save_student_id(sid: str, root: Path | None = None) -> Path:
    """Write ``sid`` to the course root's ``.augcourse-student``; return the file's path."""
    sid = str(sid).strip()
    if not sid or any(ch in sid for ch in "\r\n/\\") or len(sid) > 100:
        raise ValueError(f"sid: a student id is one line of at most 100 characters without "
                         f"slashes, got {sid!r}")
    path = id_file(root)
    path.write_text(sid + "\n", encoding="utf-8")
    return path


def student_id() -> str:
    """The id the drills' numbers are derived from (see the module docstring)."""
    sid = os.environ.get("AUGCOURSE_STUDENT_ID", "").strip()
    if sid:
        return sid
    for folder in (*_upwards(Path.cwd()), Path.home()):
        path = folder / ID_FILE
        try:
            first = path.read_text(encoding="utf-8").strip().splitlines()
        except OSError:
            continue
        if first and first[0].strip():
            return first[0].strip()
    return ANONYMOUS


class _Digits:
    """Draws integers from the bytes of a sha256 chain (deterministic, platform independent)."""

    def __init__(self, text: str):
        self._seed = text.encode("utf-8")
        self._block = b""
        self._counter = 0

    def integer(self, n: int) -> int:
        """A number in ``[0, n)`` (bias below 1e-9 for the small n used here)."""
        while len(self._block) < 8:
            self._block += hashlib.sha256(self._seed + self._counter.to_bytes(4, "big")).digest()
            self._counter += 1
        value, self._block = int.from_bytes(self._block[:8], "big"), self._block[8:]
        return value % n

    def choice(self, options):
        return options[self.integer(len(options))]

    def permutation(self, n: int) -> list[int]:
        order = list(range(n))
        for k in range(n - 1, 0, -1):  # Fisher-Yates
            m = self.integer(k + 1)
            order[k], order[m] = order[m], order[k]
        return order


def variant(student: str | None = None) -> dict:
    """The drills' numbers for ``student`` (default: ``student_id()``), as a plain dict.

    Keys: ``student``, ``lam`` (MixUp λ, two decimals in [0.55, 0.95]), ``i``, ``j`` (distinct
    class indices below ``K``), ``K`` (number of classes, 5..12), ``resize`` and ``crop``
    (validation transform sizes), ``mean`` and ``std`` (per-channel normalisation),
    ``budget_ms`` and ``view_ms`` (D4's latency budget and the cost of one pass),
    ``d2_order`` and ``d5_order`` (the order of the five multiple-choice options),
    ``data_seed`` (seeds the drills' small datasets), ``eps`` (D1's label-smoothing ε, in
    [0.05, 0.2]), ``latency_ms`` (D4's measured latency of 1..8 stacked views, ms, a list of 8
    floats with measurement noise), ``glyphs`` (D6's unseen data set: its four class
    characters), ``d3_picks`` (which pair of each of D3.1's slots, ``helpers.drills.options.
    D3_PAIR_SLOTS``) and ``d3_pairs`` (those eight (task, transform) pairs, in the order shown).
    With variants off (``AUGCOURSE_VARIANTS=0``) every student gets the
    ``"anonymous"`` numbers.
    """
    sid = student_id() if student is None else str(student)
    key = sid if variants_enabled() else ANONYMOUS
    d = _Digits(_SALT + key)
    K = 5 + d.integer(8)
    i = d.integer(K)
    j = (i + 1 + d.integer(K - 1)) % K
    resize = d.choice((36, 40, 44, 48))
    crop = d.choice((28, 32))
    stats = d.integer(len(_MEANS))
    view_ms = 5 + d.integer(21)
    budget_ms = view_ms * (2 + d.integer(6)) + d.integer(view_ms)
    out = {
        "student": sid,
        "lam": (55 + d.integer(41)) / 100,
        "i": i,
        "j": j,
        "K": K,
        "resize": resize,
        "crop": crop,
        "mean": _MEANS[stats],
        "std": _STDS[stats],
        "budget_ms": float(budget_ms),
        "view_ms": float(view_ms),
        "d2_order": d.permutation(4),
        "d5_order": d.permutation(4),
        "data_seed": d.integer(10_000),
    }
    # Drawn after the numbers above, so adding them left every earlier number unchanged.
    out["eps"] = (5 + d.integer(16)) / 100
    # Stacked views cost less than one pass each; the table wobbles like a real measurement.
    per_view = (30 + d.integer(41)) / 100
    out["latency_ms"] = [round(view_ms * (1 + per_view * k) * (1 + (d.integer(15) - 7) / 100), 3)
                         for k in range(8)]
    out["glyphs"] = d.choice(GLYPH_FAMILIES)
    for key in ("d2_order", "d5_order"):  # the fifth option, inserted at a drawn position
        out[key].insert(d.integer(5), 4)
    out["d3_picks"] = [d.integer(len(slot)) for slot in D3_PAIR_SLOTS]
    out["d3_pairs"] = [D3_PAIR_SLOTS[s][out["d3_picks"][s]] for s in d.permutation(len(D3_PAIR_SLOTS))]
    return out
