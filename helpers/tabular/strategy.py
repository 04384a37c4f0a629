"""How many synthetic rows each class receives: imbalanced-learn's ``sampling_strategy`` rules.

Agrees with ``imblearn.utils.check_sampling_strategy(strategy, y, "over-sampling")``
(imbalanced-learn 0.14) for every strategy an over-sampler accepts, including which class
counts as the majority or minority when counts tie (the smallest label wins) and the error
cases. Taught in course section 4.
"""

from __future__ import annotations

from collections import OrderedDict
from numbers import Real

import numpy as np

STRING_STRATEGIES = ("auto", "not majority", "minority", "not minority", "all", "majority")


def class_counts(y) -> dict:
    """``{label: count}`` in sorted label order (labels as numpy scalars, as imblearn has them)."""
    labels, counts = np.unique(np.asarray(y), return_counts=True)
    return dict(zip(labels, counts.tolist(), strict=True))


def _first_max(counts: dict):
    return max(counts, key=counts.get)


def _first_min(counts: dict):
    return min(counts, key=counts.get)


def _from_string(strategy: str, counts: dict) -> dict:
    n_major = max(counts.values())
    if strategy == "majority":
        raise ValueError("sampling_strategy='majority' cannot be used to over-sample")
    if strategy == "all":
        targets = list(counts)
    elif strategy in ("auto", "not majority"):
        targets = [c for c in counts if c != _first_max(counts)]
    elif strategy == "not minority":
        targets = [c for c in counts if c != _first_min(counts)]
    else:  # "minority"
        targets = [_first_min(counts)]
    return {c: n_major - counts[c] for c in targets}


def _from_dict(strategy: dict, counts: dict) -> dict:
    unknown = set(strategy) - set(counts)
    if unknown:
        raise ValueError(f"sampling_strategy names classes {unknown} that are not present in y")
    if any(n < 0 for n in strategy.values()):
        raise ValueError(f"sampling_strategy must not contain negative counts, got {strategy}")
    out = {}
    for label, n_wanted in strategy.items():
        if n_wanted < counts[label]:
            raise ValueError(
                f"sampling_strategy asks for {n_wanted} samples of class {label!r}, which has "
                f"{counts[label]}: an over-sampler cannot remove samples"
            )
        out[label] = n_wanted - counts[label]
    return out


def _from_float(ratio: float, counts: dict) -> dict:
    if len(counts) != 2:
        raise ValueError(
            "sampling_strategy can be a float only for a binary target; use a dict for "
            f"{len(counts)} classes"
        )
    if not 0 < ratio <= 1:
        raise ValueError(f"sampling_strategy as a float must lie in (0, 1], got {ratio}")
    major = _first_max(counts)
    n_major = counts[major]
    out = {c: int(n_major * ratio - n) for c, n in counts.items() if c != major}
    if any(n <= 0 for n in out.values()):
        raise ValueError(
            f"sampling_strategy={ratio} would remove samples from the minority class; "
            "increase the ratio"
        )
    return out


def check_sampling_strategy(sampling_strategy, y) -> OrderedDict:
    """Number of new rows per class, ``OrderedDict`` sorted by label.

    Args:
        sampling_strategy: ``"auto"`` / ``"not majority"`` (every class but the majority is
            raised to the majority's count), ``"minority"``, ``"not minority"``, ``"all"``; a
            float ``r`` in (0, 1] for a binary target (minority raised to
            ``int(r * n_majority)``); a dict ``{label: wanted_count}``; or a callable
            ``y -> dict``.
        y: 1-D array-like of class labels (numpy array, list, or a CPU tensor).

    Raises:
        ValueError: ``y`` has a single class, the strategy is unknown, names absent classes,
            or asks an over-sampler to remove samples.
    """
    counts = class_counts(y)
    if len(counts) < 2:
        raise ValueError(f"y must contain at least 2 classes to resample, got {len(counts)}")
    if isinstance(sampling_strategy, str):
        if sampling_strategy not in STRING_STRATEGIES:
            raise ValueError(
                f"sampling_strategy must be one of {STRING_STRATEGIES}, a float, a dict or a "
                f"callable, got {sampling_strategy!r}"
            )
        plan = _from_string(sampling_strategy, counts)
    elif isinstance(sampling_strategy, dict):
        plan = _from_dict(sampling_strategy, counts)
    elif isinstance(sampling_strategy, Real) and not isinstance(sampling_strategy, bool):
        plan = _from_float(float(sampling_strategy), counts)
    elif callable(sampling_strategy):
        wanted = sampling_strategy(np.asarray(y))
        if not isinstance(wanted, dict):
            raise ValueError(
                f"sampling_strategy as a callable must return a dict, got {type(wanted).__name__}"
            )
        plan = _from_dict(wanted, counts)
    else:
        raise ValueError(
            "sampling_strategy must be a string, a float, a dict or a callable, got "
            f"{sampling_strategy!r}"
        )
    return OrderedDict(sorted(plan.items()))
