"""helpers.tabular Gaussian feature noise: exact kernel values, per-column scale, untouched
categorical columns, clipping, seeding, the module and the resampler.

Statistical checks use 200 000 rows: the sample std of N(0, s^2) noise is then within 1 % of s
with overwhelming probability; the tolerance used is 2 %.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from imblearn.pipeline import Pipeline
from sklearn.linear_model import LogisticRegression

from helpers import tabular as tab


def mixed_table(n=200_000, seed=0):
    """Columns: euros (std ~ 200), years (std ~ 10), a 0/1 flag, an integer category code."""
    g = torch.Generator().manual_seed(seed)
    euros = torch.randn(n, generator=g, dtype=torch.float64) * 200 + 1000
    years = torch.rand(n, generator=g, dtype=torch.float64) * 35 + 18
    flag = (torch.rand(n, generator=g) < 0.3).double()
    code = torch.randint(0, 12, (n,), generator=g).double()
    return torch.stack([euros, years, flag, code], 1)


def test_kernel_exact_values_and_clipping():
    X = torch.tensor([[1.0, 5.0, 1.0], [3.0, 7.0, 0.0]])
    z = torch.tensor([[1.0, -2.0, 9.0], [0.5, 10.0, 9.0]])
    std = torch.tensor([2.0, 1.0, 0.5])
    mask = torch.tensor([True, True, False])
    out = tab.add_feature_noise(X, z, 0.5, std, mask)
    torch.testing.assert_close(out, torch.tensor([[2.0, 4.0, 1.0], [3.5, 12.0, 0.0]]))
    bounds = (torch.tensor([1.0, 5.0, 0.0]), torch.tensor([3.0, 7.0, 1.0]))
    clipped = tab.add_feature_noise(X, z, 0.5, std, mask, bounds)
    torch.testing.assert_close(clipped, torch.tensor([[2.0, 5.0, 1.0], [3.0, 7.0, 0.0]]))


def test_noise_scale_is_sigma_times_column_std_and_categoricals_untouched():
    X = mixed_table()
    out = tab.gaussian_noise(X, 0.2, generator=0)
    eps = out - X
    col_std = X.std(0, unbiased=False)
    np.testing.assert_allclose(eps[:, :2].std(0).numpy(), 0.2 * col_std[:2].numpy(), rtol=0.02)
    np.testing.assert_allclose(eps[:, :2].mean(0).numpy() / col_std[:2].numpy(), 0.0, atol=0.002)
    assert torch.equal(out[:, 2:], X[:, 2:])                 # flag and code: bit-for-bit
    # the noise is Gaussian: about 95.45 % of standardised draws lie within 2 sigma
    inside = ((eps[:, 0] / (0.2 * col_std[0])).abs() < 2).double().mean().item()
    assert abs(inside - 0.9545) < 0.004


def test_continuous_columns_detection_and_explicit_choice():
    X = mixed_table(1000)
    assert tab.continuous_columns(X).tolist() == [True, True, False, False]
    out = tab.gaussian_noise(X, 0.1, continuous=[1], generator=1)
    assert torch.equal(out[:, [0, 2, 3]], X[:, [0, 2, 3]]) and not torch.equal(out[:, 1], X[:, 1])
    mask = torch.tensor([True, False, False, False])
    out = tab.gaussian_noise(X, 0.1, continuous=mask, generator=1)
    assert torch.equal(out[:, 1:], X[:, 1:])


def test_clip_keeps_observed_ranges():
    X = mixed_table(5000)
    out = tab.gaussian_noise(X, 1.0, clip=True, generator=2)
    assert (out.amin(0) >= X.amin(0)).all() and (out.amax(0) <= X.amax(0)).all()
    assert not torch.equal(out[:, :2], X[:, :2])


def test_seeded_and_device_convention():
    X = mixed_table(500)
    a = tab.gaussian_noise(X, 0.1, generator=5)
    torch.testing.assert_close(a, tab.gaussian_noise(X, 0.1, generator=5), rtol=0, atol=0)
    assert not torch.equal(a, tab.gaussian_noise(X, 0.1, generator=6))
    if torch.cuda.is_available():
        b = tab.gaussian_noise(X.cuda(), 0.1, generator=5)
        torch.testing.assert_close(b.cpu(), a)


def test_module_noise_only_in_training_mode():
    X = mixed_table(2000)
    layer = tab.GaussianFeatureNoise.from_data(X.float(), 0.3, generator=0)
    batch = X[:64].float()
    assert layer.eval()(batch) is batch
    noisy = layer.train()(batch)
    assert noisy.shape == batch.shape and not torch.equal(noisy[:, :2], batch[:, :2])
    assert torch.equal(noisy[:, 2:], batch[:, 2:])
    assert (noisy >= layer.low).all() and (noisy <= layer.high).all()


def test_augmenter_appends_noisy_copies_and_fits_a_pipeline():
    X = mixed_table(600).numpy()
    y = (X[:, 0] > 1000).astype(int)
    X_res, y_res = tab.FeatureNoiseAugmenter(sigma=0.1, n_copies=2,
                                             random_state=0).fit_resample(X, y)
    assert X_res.shape == (1800, 4) and X_res.dtype == X.dtype
    np.testing.assert_array_equal(X_res[:600], X)
    np.testing.assert_array_equal(y_res, np.tile(y, 3))
    np.testing.assert_array_equal(X_res[600:, 2:], np.tile(X[:, 2:], (2, 1)))
    pipe = Pipeline([("noise", tab.FeatureNoiseAugmenter(random_state=0)),
                     ("model", LogisticRegression(max_iter=500))])
    assert pipe.fit(X, y).predict(X).shape == y.shape


@pytest.mark.parametrize("call, match", [
    (lambda X: tab.gaussian_noise(X, 0.0), "sigma"),
    (lambda X: tab.gaussian_noise(X, -1.0), "sigma"),
    (lambda X: tab.gaussian_noise(X, 0.1, continuous=[7]), "continuous"),
    (lambda X: tab.gaussian_noise(X, 0.1, continuous=torch.ones(3, dtype=torch.bool)),
     "continuous"),
    (lambda X: tab.gaussian_noise(X, 0.1, std=torch.ones(2)), "std"),
    (lambda X: tab.gaussian_noise(X[:, 0], 0.1), "X"),
    (lambda X: tab.gaussian_noise(X.masked_fill(X > 1100, float("nan")), 0.1), "NaN"),
    (lambda X: tab.FeatureNoiseAugmenter(n_copies=0).fit_resample(X, torch.zeros(len(X))),
     "n_copies"),
])
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call(mixed_table(100))
