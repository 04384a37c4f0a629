"""Tabular augmentation: the SMOTE family on tensors, Gaussian feature noise, leak-free CV.

Taught in course section 4, used by the fraud/churn lab of section 8 and drill D5.

* Functional core on tensors (any device): :func:`smote`, :func:`smote_resample`,
  :func:`borderline_smote_resample`, :func:`adasyn_resample`, the kernel
  :func:`smote_interpolate`, the selection rules :func:`borderline_danger_mask` and
  :func:`adasyn_counts`, and :func:`kneighbors` (chunked exact k-NN).
* imbalanced-learn compatible resamplers (numpy or tensors, ``fit_resample``,
  ``imblearn.pipeline.Pipeline``-ready): :class:`SMOTE`, :class:`BorderlineSMOTE`,
  :class:`ADASYN`, :class:`FeatureNoiseAugmenter`.
* Gaussian noise on continuous columns: :func:`gaussian_noise`, kernel
  :func:`add_feature_noise`, module :class:`GaussianFeatureNoise`.
* The target-encoding leak: :func:`make_leaky_fraud_data`, :func:`leak_free_pipeline`,
  :func:`leak_free_cv`, :func:`leaky_cv`.
"""

from .._extras import require

require("sklearn", "helpers.tabular")

from .leakage import CVResult, leak_free_cv, leak_free_pipeline, leaky_cv, make_leaky_fraud_data
from .neighbors import kneighbors
from .noise import (
    FeatureNoiseAugmenter,
    GaussianFeatureNoise,
    add_feature_noise,
    continuous_columns,
    gaussian_noise,
)
from .oversample import (
    adasyn_counts,
    adasyn_resample,
    borderline_danger_mask,
    borderline_smote_resample,
    smote,
    smote_interpolate,
    smote_resample,
)
from .samplers import ADASYN, SMOTE, BorderlineSMOTE, generator_from_random_state
from .strategy import check_sampling_strategy, class_counts

__all__ = [
    "ADASYN",
    "BorderlineSMOTE",
    "CVResult",
    "FeatureNoiseAugmenter",
    "GaussianFeatureNoise",
    "SMOTE",
    "adasyn_counts",
    "adasyn_resample",
    "add_feature_noise",
    "borderline_danger_mask",
    "borderline_smote_resample",
    "check_sampling_strategy",
    "class_counts",
    "continuous_columns",
    "gaussian_noise",
    "generator_from_random_state",
    "kneighbors",
    "leak_free_cv",
    "leak_free_pipeline",
    "leaky_cv",
    "make_leaky_fraud_data",
    "smote",
    "smote_interpolate",
    "smote_resample",
]
