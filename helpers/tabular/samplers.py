"""scikit-learn / imbalanced-learn compatible resamplers backed by the tensor SMOTE family.

``SMOTE``, ``BorderlineSMOTE`` and ``ADASYN`` take the same parameters as their
``imblearn.over_sampling`` namesakes (``sampling_strategy``, ``random_state``,
``k_neighbors`` / ``m_neighbors`` / ``kind`` / ``n_neighbors``, ints only for the neighbour
counts) and expose ``fit_resample``, ``get_params`` and ``set_params``, so they can be cloned
by cross-validation and dropped into ``imblearn.pipeline.Pipeline`` (course section 4, the
fraud lab of section 8 and drill D5).

Inputs: numpy arrays (or anything ``numpy.asarray`` accepts) come back as numpy arrays with
the same float dtype and the same label values (strings allowed); torch tensors come back as
tensors on their own device. ``device="cuda"`` runs numpy inputs on the GPU.

``random_state``: ``None``, an int (every call then gives the same rows), a
``numpy.random.RandomState`` / ``Generator`` (a seed is drawn from it), or a
``torch.Generator`` (used as is, so successive calls differ).
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import torch
from sklearn.base import BaseEstimator

from ._checks import check_features, check_labels, numpy_features, numpy_labels
from .oversample import _borderline_resample, adasyn_resample, smote_resample
from .strategy import check_sampling_strategy


def generator_from_random_state(random_state) -> torch.Generator | None:
    """Turn an sklearn-style ``random_state`` into a CPU ``torch.Generator`` (or ``None``)."""
    if random_state is None or isinstance(random_state, torch.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        seed = int(random_state.randint(np.iinfo(np.int32).max))
    elif isinstance(random_state, np.random.Generator):
        seed = int(random_state.integers(np.iinfo(np.int64).max))
    elif isinstance(random_state, Integral) and not isinstance(random_state, bool):
        seed = int(random_state)
    else:
        raise ValueError(
            "random_state must be None, an int, a numpy RandomState/Generator or a "
            f"torch.Generator, got {random_state!r}"
        )
    return torch.Generator().manual_seed(seed)


class _TensorOverSampler(BaseEstimator):
    """Shared input handling: numpy in, numpy out; tensor in, tensor out."""

    _sampling_type = "over-sampling"

    def fit(self, X, y):
        """Check the inputs and compute ``sampling_strategy_`` (``fit_resample`` does both)."""
        self._convert(X, y)
        return self

    def fit_resample(self, X, y):
        """Resample: ``(X_res, y_res)`` with the original rows first, then the new rows.

        Args:
            X: ``(n_samples, n_features)`` numeric array or tensor; no NaN or inf.
            y: ``(n_samples,)`` class labels.
        """
        Xt, yt, totals, restore = self._convert(X, y)
        X_res, y_res = self._resample(Xt, yt, totals, generator_from_random_state(self.random_state))
        return restore(X_res, y_res)

    def _convert(self, X, y):
        if isinstance(X, torch.Tensor):
            Xt = check_features(X)
            if not isinstance(y, torch.Tensor):
                y = np.asarray(y)
                if y.dtype.kind not in "biu":
                    raise ValueError(f"y must hold integer labels when X is a tensor, got {y.dtype}")
                y = torch.from_numpy(y.astype(np.int64))
            yt = check_labels(y, Xt.shape[0]).to(Xt.device)
            labels = yt.cpu().numpy()
            codes, restore = yt, _restore_tensor
            plan = check_sampling_strategy(self.sampling_strategy, labels)
            keys = {label: int(label) for label in plan}
        else:
            Xn = numpy_features(X)
            labels, classes, code_arr = numpy_labels(y, Xn.shape[0])
            device = torch.device(self.device) if self.device is not None else torch.device("cpu")
            if not Xn.flags.writeable:  # torch.from_numpy wants a writeable buffer
                Xn = Xn.copy()
            Xt = check_features(torch.from_numpy(np.ascontiguousarray(Xn)).to(device))
            codes = torch.from_numpy(code_arr.astype(np.int64)).to(device)
            plan = check_sampling_strategy(self.sampling_strategy, labels)
            keys = {label: int(np.searchsorted(classes, label)) for label in plan}

            def restore(X_res, y_res):
                return (X_res.cpu().numpy().astype(Xn.dtype, copy=False),
                        np.concatenate([labels, classes[y_res[len(labels):].cpu().numpy()]]))

        self.sampling_strategy_ = plan
        self.n_features_in_ = Xt.shape[1]
        self._label_of = {code: label for label, code in keys.items()}
        totals = {keys[label]: int((codes == keys[label]).sum()) + n for label, n in plan.items()}
        return Xt, codes, totals, restore


def _restore_tensor(X_res, y_res):
    return X_res, y_res


class SMOTE(_TensorOverSampler):
    """SMOTE (Chawla et al., 2002) on tensors; parameters as ``imblearn.over_sampling.SMOTE``.

    Args:
        sampling_strategy: ``"auto"``, another imblearn string, a float (binary target), a
            dict ``{label: wanted_count}`` or a callable ``y -> dict``.
        random_state: see the module docstring.
        k_neighbors: same-class neighbours to interpolate toward (an int).
        device: where numpy inputs are computed (``None``: the CPU); tensors stay put.

    Attributes:
        sampling_strategy_: ``OrderedDict`` of new rows per class, set by ``fit_resample``.
    """

    def __init__(self, *, sampling_strategy="auto", random_state=None, k_neighbors=5,
                 device=None):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.device = device

    def _resample(self, X, y, totals, g):
        return smote_resample(X, y, sampling_strategy=totals, k_neighbors=self.k_neighbors,
                              generator=g)


class BorderlineSMOTE(_TensorOverSampler):
    """BorderlineSMOTE (Han et al., 2005); parameters as ``imblearn.over_sampling.BorderlineSMOTE``.

    Args:
        sampling_strategy, random_state, k_neighbors, device: as :class:`SMOTE`.
        m_neighbors: neighbours (from all classes) that decide whether a row is in danger.
        kind: ``"borderline-1"`` or ``"borderline-2"``.

    Attributes:
        sampling_strategy_: new rows requested per class.
        in_danger_indices: ``{label: indices into X of the danger rows}`` of the last call
            (imbalanced-learn's attribute of the same name).
    """

    def __init__(self, *, sampling_strategy="auto", random_state=None, k_neighbors=5,
                 m_neighbors=10, kind="borderline-1", device=None):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.m_neighbors = m_neighbors
        self.kind = kind
        self.device = device

    def _resample(self, X, y, totals, g):
        X_res, y_res, danger = _borderline_resample(X, y, totals, self.k_neighbors,
                                                    self.m_neighbors, self.kind, g)
        self.in_danger_indices = {self._label_of[key]: idx.cpu().numpy()
                                  for key, idx in danger.items()}
        return X_res, y_res


class ADASYN(_TensorOverSampler):
    """ADASYN (He et al., 2008); parameters as ``imblearn.over_sampling.ADASYN``.

    Args:
        sampling_strategy, random_state, device: as :class:`SMOTE`.
        n_neighbors: neighbours used both to weight rows and to interpolate (an int).
    """

    def __init__(self, *, sampling_strategy="auto", random_state=None, n_neighbors=5,
                 device=None):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.n_neighbors = n_neighbors
        self.device = device

    def _resample(self, X, y, totals, g):
        return adasyn_resample(X, y, sampling_strategy=totals, n_neighbors=self.n_neighbors,
                               generator=g)
