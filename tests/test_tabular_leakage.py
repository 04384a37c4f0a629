"""helpers.tabular leakage helpers: the seeded fraud table and the two CV protocols.

On the seeded table (2 000 rows, 5 % fraud, ~670 merchant ids) the leak-free protocol's CV AUC
must agree with its held-out AUC within 0.1, while the leaky protocol (target encoding fitted
on all rows, then SMOTE, then CV) must overstate its held-out AUC by more than 0.2.
"""

from __future__ import annotations

import numpy as np
import pytest
from imblearn.pipeline import Pipeline

from helpers import tabular as tab


@pytest.fixture(scope="module")
def fraud():
    return tab.make_leaky_fraud_data(2000, seed=0)


@pytest.fixture(scope="module")
def results(fraud):
    kw = dict(n_splits=3, holdout=0.3, seed=0)
    return (tab.leak_free_cv(fraud.X, fraud.y, fraud.categorical, **kw),
            tab.leaky_cv(fraud.X, fraud.y, fraud.categorical, **kw))


def test_data_is_seeded_imbalanced_and_high_cardinality(fraud):
    again = tab.make_leaky_fraud_data(2000, seed=0)
    np.testing.assert_array_equal(again.X, fraud.X)
    assert not np.array_equal(tab.make_leaky_fraud_data(2000, seed=1).X, fraud.X)
    assert fraud.X.shape == (2000, 6) and fraud.X.dtype == np.float64
    assert fraud.y.mean() == pytest.approx(0.05, abs=0.002)
    merchants = fraud.X[:, fraud.categorical[0]]
    assert np.array_equal(merchants, np.round(merchants))
    assert len(np.unique(merchants)) > 500                   # about 3 rows per merchant
    assert fraud.feature_names[fraud.categorical[0]] == "merchant"


def test_leak_free_cv_agrees_with_holdout(results):
    honest, _ = results
    assert 0.6 < honest.holdout_score < 0.95
    assert abs(honest.gap) < 0.1, honest
    assert len(honest.cv_scores) == 3 and honest.cv_score == pytest.approx(np.mean(honest.cv_scores))


def test_leaky_cv_overstates_holdout(results):
    honest, leaky = results
    assert leaky.gap > 0.2, leaky
    assert leaky.cv_score > honest.cv_score + 0.1
    # the held-out rows are never leaked: both protocols score them honestly
    assert abs(leaky.holdout_score - honest.holdout_score) < 0.1


def test_pipeline_steps_are_fold_scoped():
    pipe = tab.leak_free_pipeline([5], seed=1)
    assert isinstance(pipe, Pipeline)
    assert [name for name, _ in pipe.steps] == ["encode", "scale", "resample", "model"]
    assert isinstance(pipe.named_steps["resample"], tab.SMOTE)


@pytest.mark.parametrize("call, match", [
    (lambda d: tab.leak_free_cv(d.X, d.y * 0, d.categorical), "binary"),
    (lambda d: tab.leak_free_cv(d.X, d.y, [9]), "categorical"),
    (lambda d: tab.leaky_cv(d.X, d.y, d.categorical, holdout=1.5), "holdout"),
    (lambda d: tab.leaky_cv(d.X, d.y[:-1], d.categorical), "must match"),
    (lambda d: tab.make_leaky_fraud_data(50), "n_samples"),
    (lambda d: tab.make_leaky_fraud_data(500, fraud_rate=0.9), "fraud_rate"),
])
def test_bad_input_raises_value_error(fraud, call, match):
    with pytest.raises(ValueError, match=match):
        call(fraud)
