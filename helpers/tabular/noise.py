"""Gaussian noise on continuous columns, scaled per column (course section 4).

``x' = x + eps`` with ``eps_j ~ N(0, (sigma * std_j)^2)`` on continuous columns only;
categorical or binary columns are left untouched and values can be clipped to the range each
column showed in the data. ``sigma`` is therefore in units of each column's standard deviation
(population std, ``ddof=0``, the one ``sklearn.preprocessing.StandardScaler`` uses), so one
``sigma`` suits columns measured in euros and in years alike.

Layout: ``add_feature_noise`` is the deterministic kernel (explicit standard-normal draws in);
``gaussian_noise`` draws them; ``GaussianFeatureNoise`` is a ``torch.nn.Module`` for training
loops (noise in training mode only); ``FeatureNoiseAugmenter`` is an imblearn-style resampler
that appends noisy copies of the rows.

Randomness: the ``(n, d)`` noise is drawn with the generator on the generator's device (the
CPU for ``None`` with a CPU input, or an int seed) and moved to the input's device, so one seed
gives the same noise on the CPU and on CUDA; pass a CUDA ``torch.Generator`` to draw it on the
GPU directly.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import BaseEstimator

from .._validate import check_int, check_positive, make_generator
from ._checks import check_features, numpy_features, numpy_labels
from .samplers import generator_from_random_state


def continuous_columns(X: torch.Tensor) -> torch.Tensor:
    """Default choice of noisy columns: those holding at least one non-integer value.

    Integer-valued columns (codes, counts, 0/1 flags) are treated as categorical and left
    alone; pass ``continuous=`` explicitly when that guess is wrong.

    Returns:
        ``(d,)`` bool tensor on ``X``'s device.
    """
    X = check_features(X)
    return (X != torch.round(X)).any(0)


def _column_mask(continuous, X: torch.Tensor) -> torch.Tensor:
    d = X.shape[1]
    if continuous is None:
        return continuous_columns(X)
    mask = torch.as_tensor(np.asarray(continuous) if not isinstance(continuous, torch.Tensor)
                           else continuous)
    if mask.dtype == torch.bool:
        if mask.shape != (d,):
            raise ValueError(f"continuous as a mask must have shape ({d},), got {tuple(mask.shape)}")
        return mask.to(X.device)
    if mask.ndim != 1 or mask.is_floating_point() or (mask.numel() and (
            int(mask.min()) < -d or int(mask.max()) >= d)):
        raise ValueError(
            f"continuous must be a bool mask of length {d} or column indices in [0, {d}), "
            f"got {continuous!r}"
        )
    out = torch.zeros(d, dtype=torch.bool)
    out[mask.long()] = True
    return out.to(X.device)


def add_feature_noise(X: torch.Tensor, z: torch.Tensor, sigma: float, std: torch.Tensor,
                      continuous: torch.Tensor, bounds=None) -> torch.Tensor:
    """Kernel: ``X + sigma * std * z`` on the ``continuous`` columns, optionally clipped.

    Args:
        X: ``(n, d)`` floating tensor.
        z: ``(n, d)`` standard-normal draws (same device).
        sigma: noise level in units of each column's std.
        std: ``(d,)`` per-column standard deviations.
        continuous: ``(d,)`` bool mask of the columns that receive noise.
        bounds: ``None`` or ``(low, high)``, two ``(d,)`` tensors; continuous columns are
            clamped to them.

    Returns:
        ``(n, d)`` tensor; non-continuous columns are returned bit-for-bit unchanged.
    """
    noisy = X + z.to(X) * (sigma * std.to(X))
    if bounds is not None:
        low, high = (b.to(X) for b in bounds)
        noisy = torch.clamp(noisy, low, high)
    return torch.where(continuous.to(X.device), noisy, X)


def gaussian_noise(X: torch.Tensor, sigma: float = 0.1, *, continuous=None, std=None,
                   clip: bool = False, bounds=None, generator=None) -> torch.Tensor:
    """Gaussian feature noise: ``x' = x + eps``, ``eps ~ N(0, (sigma * std_col)^2)``.

    Args:
        X: ``(n, d)`` floating tensor, any device.
        sigma: noise level (> 0) in units of each column's std.
        continuous: bool mask ``(d,)`` or column indices of the noisy columns; default
            :func:`continuous_columns`.
        std: ``(d,)`` column stds to scale by; default the population std of ``X`` (pass the
            training set's when ``X`` is a small batch).
        clip: clamp noisy columns to ``bounds``, default the min/max observed in ``X``.
        bounds: ``(low, high)`` per-column tensors, used when ``clip`` is true.
        generator: ``None``, an int seed or a ``torch.Generator``.

    Returns:
        ``(n, d)`` noisy copy of ``X``.
    """
    X = check_features(X)
    sigma = check_positive(sigma, "sigma")
    mask = _column_mask(continuous, X)
    std = X.std(0, unbiased=False) if std is None else torch.as_tensor(std).to(X)
    if std.shape != (X.shape[1],):
        raise ValueError(f"std must have shape ({X.shape[1]},), got {tuple(std.shape)}")
    if clip and bounds is None:
        bounds = (X.amin(0), X.amax(0))
    g = make_generator(generator)
    z = torch.randn(X.shape, generator=g, dtype=X.dtype,
                    device=g.device if g is not None else X.device).to(X.device)
    return add_feature_noise(X, z, sigma, std, mask, bounds if clip else None)


class GaussianFeatureNoise(torch.nn.Module):
    """``nn.Module`` adding per-column Gaussian noise to ``(batch, d)`` inputs in training mode.

    Build it from the training set with :meth:`from_data` so every batch is scaled by the
    same column stds and clipped to the same ranges; in evaluation mode it is the identity.
    """

    def __init__(self, sigma: float, std: torch.Tensor, continuous: torch.Tensor,
                 bounds=None, generator=None):
        super().__init__()
        self.sigma = check_positive(sigma, "sigma")
        self.register_buffer("std", torch.as_tensor(std, dtype=torch.float32))
        self.register_buffer("continuous", torch.as_tensor(continuous, dtype=torch.bool))
        if self.std.shape != self.continuous.shape or self.std.ndim != 1:
            raise ValueError("std and continuous must both have shape (d,)")
        self.clip = bounds is not None
        low, high = bounds if bounds is not None else (self.std, self.std)
        self.register_buffer("low", torch.as_tensor(low, dtype=torch.float32))
        self.register_buffer("high", torch.as_tensor(high, dtype=torch.float32))
        self.generator = make_generator(generator)

    @classmethod
    def from_data(cls, X: torch.Tensor, sigma: float = 0.1, *, continuous=None,
                  clip: bool = True, generator=None) -> GaussianFeatureNoise:
        """Take column stds, the continuous mask and (with ``clip``) the ranges from ``X``."""
        X = check_features(X)
        bounds = (X.amin(0), X.amax(0)) if clip else None
        return cls(sigma, X.std(0, unbiased=False), _column_mask(continuous, X), bounds,
                   generator)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return X
        return gaussian_noise(X, self.sigma, continuous=self.continuous, std=self.std,
                              clip=self.clip, bounds=(self.low, self.high),
                              generator=self.generator)


class FeatureNoiseAugmenter(BaseEstimator):
    """Resampler that appends ``n_copies`` noisy copies of every row (labels repeated).

    A step for ``imblearn.pipeline.Pipeline`` (applied to the training part of each fold
    only). Column stds, the continuous mask and the clipping ranges come from the data passed
    to ``fit_resample``.

    Args:
        sigma: noise level in column stds.
        n_copies: noisy copies per row (>= 1).
        continuous: mask or indices of noisy columns; default :func:`continuous_columns`.
        clip: clamp noisy values to each column's observed range.
        random_state: ``None``, an int, a numpy RandomState/Generator or a torch.Generator.
    """

    def __init__(self, *, sigma=0.1, n_copies=1, continuous=None, clip=True, random_state=None):
        self.sigma = sigma
        self.n_copies = n_copies
        self.continuous = continuous
        self.clip = clip
        self.random_state = random_state

    def fit_resample(self, X, y):
        """``(X_res, y_res)``: the original rows, then ``n_copies`` noisy copies of them."""
        n_copies = check_int(self.n_copies, "n_copies", minimum=1)
        g = generator_from_random_state(self.random_state)
        if isinstance(X, torch.Tensor):
            Xt = check_features(X)
            y = torch.as_tensor(y, device=Xt.device)
            if y.shape != (Xt.shape[0],):
                raise ValueError(f"y must have shape ({Xt.shape[0]},), got {tuple(y.shape)}")
            noisy = self._noisy(Xt, n_copies, g)
            return torch.cat([Xt, noisy]), y.repeat(n_copies + 1)
        Xn = numpy_features(X)
        labels, _, _ = numpy_labels(y, Xn.shape[0])
        noisy = self._noisy(torch.from_numpy(np.ascontiguousarray(Xn)), n_copies, g)
        return (np.concatenate([Xn, noisy.numpy().astype(Xn.dtype, copy=False)]),
                np.tile(labels, n_copies + 1))

    def _noisy(self, X, n_copies, g):
        mask = _column_mask(self.continuous, X)
        std = X.std(0, unbiased=False)
        bounds = (X.amin(0), X.amax(0))
        self.n_features_in_ = X.shape[1]
        return gaussian_noise(X.repeat(n_copies, 1), self.sigma, continuous=mask, std=std,
                              clip=self.clip, bounds=bounds, generator=g)
