"""Input checks shared by the tabular helpers. Every failure is a ValueError naming the argument."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import torch

NON_NUMERIC_HINT = (
    "encode categorical columns first (for example sklearn's TargetEncoder or OneHotEncoder "
    "as a step before the resampler in an imblearn Pipeline)"
)


def check_features(X, name: str = "X") -> torch.Tensor:
    """Return ``X`` as a 2-D, finite, floating tensor on its own device.

    Integer and boolean tensors are promoted to the default float dtype; half precision is
    computed in float32.
    """
    if not isinstance(X, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, got {type(X).__name__}")
    if X.ndim != 2:
        raise ValueError(f"{name} must have shape (n_samples, n_features), got {tuple(X.shape)}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} must have at least one row and one column, got {tuple(X.shape)}")
    if X.is_complex():
        raise ValueError(f"{name} must be real-valued, got {X.dtype}")
    if not X.is_floating_point():
        X = X.to(torch.get_default_dtype())
    elif X.dtype in (torch.float16, torch.bfloat16):
        X = X.float()
    low, high = torch.aminmax(X)  # one pass; NaN propagates into both
    if not (bool(torch.isfinite(low)) and bool(torch.isfinite(high))):
        raise ValueError(f"{name} contains NaN or infinite values; impute or drop them first")
    return X


def check_labels(y, n_rows: int, name: str = "y") -> torch.Tensor:
    """Return ``y`` as a 1-D integer tensor with ``n_rows`` entries."""
    if not isinstance(y, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, got {type(y).__name__}")
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D with shape (n_samples,), got {tuple(y.shape)}")
    if y.dtype == torch.bool:
        y = y.long()
    if y.is_floating_point() or y.is_complex():
        raise ValueError(f"{name} must hold integer class labels, got {y.dtype}")
    if y.shape[0] != n_rows:
        raise ValueError(f"{name} has {y.shape[0]} labels but X has {n_rows} rows; they must match")
    return y


def check_n_neighbors(k, name: str) -> int:
    """``k`` must be a plain int >= 1 (neighbour-search objects are not accepted)."""
    if isinstance(k, bool) or not isinstance(k, Integral) or int(k) < 1:
        raise ValueError(f"{name} must be an int >= 1, got {k!r}")
    return int(k)


def numpy_features(X, name: str = "X") -> np.ndarray:
    """Return an array-like ``X`` as a 2-D numeric numpy array (no copy when possible)."""
    arr = np.asarray(X)
    if arr.dtype.kind not in "biuf":
        raise ValueError(
            f"{name} must be numeric, got dtype {arr.dtype}; {NON_NUMERIC_HINT}"
        )
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape (n_samples, n_features), got {arr.shape}")
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    elif arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    return arr


def numpy_labels(y, n_rows: int, name: str = "y") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(y, classes, codes)`` for array-like class labels (any sortable dtype)."""
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D with shape (n_samples,), got {arr.shape}")
    if arr.shape[0] != n_rows:
        raise ValueError(f"{name} has {arr.shape[0]} labels but X has {n_rows} rows; they must match")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(f"{name} must hold class labels, got continuous values")
    classes, codes = np.unique(arr, return_inverse=True)
    return arr, classes, codes.reshape(-1)
