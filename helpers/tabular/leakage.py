"""The target-encoding + SMOTE leak, and the fold-scoped pipeline that fixes it.

Course section 4 (the gotcha), the fraud/churn lab of section 8 and drill D5. Two ways to
score the same model on the same data, each returning a cross-validated AUC and the AUC on a
held-out set that nothing was fitted on:

* :func:`leak_free_cv` -- ``imblearn.pipeline.Pipeline(target encoder -> scaler -> SMOTE ->
  model)`` scored with stratified k-fold: the encoder is fitted inside each fold on its
  training part only and SMOTE only ever sees training rows. Its CV score agrees with the
  held-out score.
* :func:`leaky_cv` -- the mistake of drill D5: target-encode the whole development set
  (``TargetEncoder().fit(X, y).transform(X)``, so every row's encoding contains its own
  label), SMOTE the encoded set, then cross-validate. The CV score is inflated, the held-out
  score is not: the gap is the leak.

:func:`make_leaky_fraud_data` generates a seeded card-fraud-like table whose high-cardinality
``merchant`` column makes the leak large.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler, TargetEncoder
from sklearn.utils import Bunch

from .._extras import require
from .._validate import check_int, check_probability
from ._checks import numpy_features, numpy_labels
from .samplers import SMOTE

FEATURES = ("amount_log", "hour_sin", "hour_cos", "account_age_years", "tx_last_24h",
            "merchant")


def make_leaky_fraud_data(n_samples: int = 3000, *, fraud_rate: float = 0.05,
                          n_merchants: int | None = None, seed: int = 0) -> Bunch:
    """A seeded, imbalanced card-transaction table with a high-cardinality categorical column.

    Columns (``feature_names``): log amount, time of day as sine/cosine, account age in
    years, transactions in the last 24 h, and ``merchant``, an integer merchant id (a
    categorical code, not a quantity) drawn from ``n_merchants`` ids (default ``n_samples //
    3``, about three rows per merchant). The label depends on the numeric columns only, so
    the merchant id carries no real signal; but with so few rows per merchant, a target
    encoding fitted on all rows mostly repeats each row's own label, which is the leak.

    Args:
        n_samples: rows (>= 100).
        fraud_rate: approximate share of class 1, in (0, 0.5].
        n_merchants: number of merchant ids (>= 2).
        seed: numpy seed; the same seed gives the same table.

    Returns:
        ``sklearn.utils.Bunch`` with ``X`` (float64, ``(n_samples, 6)``), ``y`` (int64, 1 =
        fraud), ``feature_names``, ``categorical`` (``[5]``, the merchant column) and
        ``description``.
    """
    n = check_int(n_samples, "n_samples", minimum=100)
    rate = check_probability(fraud_rate, "fraud_rate")
    if not 0 < rate <= 0.5:
        raise ValueError(f"fraud_rate must lie in (0, 0.5], got {fraud_rate}")
    n_merchants = max(2, n // 3) if n_merchants is None else check_int(
        n_merchants, "n_merchants", minimum=2)
    rng = np.random.default_rng(seed)
    amount = rng.normal(3.5, 1.0, n)
    hour = rng.uniform(0, 24, n)
    age = rng.gamma(2.0, 2.0, n)
    recent = rng.poisson(2.0, n).astype(np.float64)
    night = np.cos(2 * np.pi * hour / 24)  # +1 at midnight
    score = 0.9 * (amount - 3.5) + 0.7 * night - 0.25 * (age - 4) + 0.3 * (recent - 2)
    score += rng.logistic(0, 1, n)
    y = (score >= np.quantile(score, 1 - rate)).astype(np.int64)
    merchant = rng.integers(0, n_merchants, n).astype(np.float64)
    X = np.column_stack([amount, np.sin(2 * np.pi * hour / 24), night, age, recent, merchant])
    return Bunch(
        X=X, y=y, feature_names=list(FEATURES), categorical=[len(FEATURES) - 1],
        description=(f"{n} synthetic card transactions, {int(y.sum())} frauds, "
                     f"{n_merchants} merchant ids (seed {seed})"),
    )


@dataclass(frozen=True)
class CVResult:
    """Scores of one evaluation protocol (ROC AUC).

    Attributes:
        cv_score: mean AUC over the folds.
        cv_scores: AUC of each fold.
        holdout_score: AUC on the held-out rows, scored by a model fitted on the rest.
    """

    cv_score: float
    cv_scores: tuple[float, ...]
    holdout_score: float

    @property
    def gap(self) -> float:
        """``cv_score - holdout_score``: how optimistic cross-validation was."""
        return self.cv_score - self.holdout_score


def _encoder(categorical, seed):
    return ColumnTransformer(
        [("target", TargetEncoder(cv=StratifiedKFold(5, shuffle=True, random_state=seed)),
          list(categorical))],
        remainder="passthrough",
    )


def _default_model():
    return LogisticRegression(max_iter=1000)


def leak_free_pipeline(categorical, *, model=None, sampler=None, seed: int = 0):
    """``imblearn.pipeline.Pipeline``: target encoder -> scaler -> SMOTE -> model.

    Args:
        categorical: column indices of ``X`` to target-encode (the rest pass through).
        model: a classifier with ``predict_proba``; default logistic regression.
        sampler: a resampler with ``fit_resample``; default :class:`helpers.tabular.SMOTE`.
        seed: seeds the encoder's internal folds and the default sampler.
    """
    require("imblearn", "helpers.tabular.leakage")
    from imblearn.pipeline import Pipeline

    return Pipeline([
        ("encode", _encoder(categorical, seed)),
        ("scale", StandardScaler()),
        ("resample", sampler if sampler is not None else SMOTE(random_state=seed)),
        ("model", model if model is not None else _default_model()),
    ])


def _split(X, y, categorical, holdout, seed):
    X = numpy_features(X)
    y, classes, _ = numpy_labels(y, X.shape[0])
    if len(classes) != 2:
        raise ValueError(f"y must be binary for ROC AUC, got {len(classes)} classes")
    cat = [int(c) for c in categorical]
    if not cat or any(not -X.shape[1] <= c < X.shape[1] for c in cat):
        raise ValueError(f"categorical must list column indices of X, got {categorical!r}")
    if not 0 < float(holdout) < 1:
        raise ValueError(f"holdout must be a fraction in (0, 1), got {holdout!r}")
    return train_test_split(X, y, test_size=holdout, stratify=y, random_state=seed), cat


def _folds(n_splits, seed):
    return StratifiedKFold(n_splits=check_int(n_splits, "n_splits", minimum=2), shuffle=True,
                           random_state=seed)


def leak_free_cv(X, y, categorical, *, holdout: float = 0.3, n_splits: int = 5, model=None,
                 sampler=None, seed: int = 0) -> CVResult:
    """Score :func:`leak_free_pipeline` by stratified CV on the development part and on a
    held-out part (a stratified ``holdout`` fraction of the rows).

    Args:
        X: ``(n, d)`` numeric array; the ``categorical`` columns hold category codes.
        y: ``(n,)`` binary labels.
        categorical: indices of the columns to target-encode.
        holdout, n_splits, model, sampler, seed: protocol settings.

    Returns:
        :class:`CVResult` (ROC AUC).
    """
    (X_dev, X_hold, y_dev, y_hold), cat = _split(X, y, categorical, holdout, seed)
    pipe = leak_free_pipeline(cat, model=model, sampler=sampler, seed=seed)
    scores = cross_val_score(pipe, X_dev, y_dev, cv=_folds(n_splits, seed), scoring="roc_auc")
    pipe.fit(X_dev, y_dev)
    hold = roc_auc_score(y_hold, pipe.predict_proba(X_hold)[:, 1])
    return CVResult(float(np.mean(scores)), tuple(float(s) for s in scores), float(hold))


def leaky_cv(X, y, categorical, *, holdout: float = 0.3, n_splits: int = 5, model=None,
             sampler=None, seed: int = 0) -> CVResult:
    """The deliberately wrong protocol of drill D5, for teaching.

    On the development part: target-encode with ``fit(X, y).transform(X)`` on all of it (no
    cross fitting: each row's encoding sees its own label), SMOTE the encoded rows, then run
    stratified CV of scaler -> model on the result. The held-out rows are encoded by the same
    fitted encoder and scored by the model fitted on all encoded, resampled rows.

    Same arguments and return type as :func:`leak_free_cv`.
    """
    (X_dev, X_hold, y_dev, y_hold), cat = _split(X, y, categorical, holdout, seed)
    rest = [c for c in range(X_dev.shape[1]) if c not in {c % X_dev.shape[1] for c in cat}]
    encoder = TargetEncoder().fit(X_dev[:, cat], y_dev)

    def encode(X_part):
        return np.column_stack([encoder.transform(X_part[:, cat]), X_part[:, rest]])

    E_dev = encode(X_dev)  # the leak: the encoder was fitted on these very labels
    sampler = sampler if sampler is not None else SMOTE(random_state=seed)
    E_res, y_res = sampler.fit_resample(E_dev, y_dev)
    model = make_pipeline(StandardScaler(), model if model is not None else _default_model())
    scores = cross_val_score(model, E_res, y_res, cv=_folds(n_splits, seed), scoring="roc_auc")
    model.fit(E_res, y_res)
    hold = roc_auc_score(y_hold, model.predict_proba(encode(X_hold))[:, 1])
    return CVResult(float(np.mean(scores)), tuple(float(s) for s in scores), float(hold))
