"""helpers.tabular SMOTE family: agreement with imbalanced-learn 0.14 and scikit-learn.

Tolerances: float64 geometry checks use 1e-9; distribution checks use two-sample KS tests on
20 000 synthetic rows per side and require p > 1e-3 for the right sampler, while each
deliberately wrong variant (wrong k, wrong step law) must reach p < 1e-4 on the same
statistics, so the check can fail.
"""

from __future__ import annotations

from collections import Counter

import imblearn.over_sampling as imb
import numpy as np
import pytest
import torch
from imblearn.pipeline import Pipeline
from imblearn.utils import check_sampling_strategy as imb_check_sampling_strategy
from scipy.stats import ks_2samp
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import NearestNeighbors

from helpers import tabular as tab

# --------------------------------------------------------------------------- data


def blobs(counts, d=3, seed=0, sep=1.5):
    """Overlapping Gaussian classes with the given row counts (class c centred at c * sep)."""
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(c * sep, 1.0, (n, d)) for c, n in enumerate(counts)])
    y = np.concatenate([np.full(n, c) for c, n in enumerate(counts)])
    perm = rng.permutation(len(y))
    return X[perm], y[perm]


def segment_residual(S, base, pool, neighbors):
    """For each synthetic row: the smallest distance to a segment base[i] -> pool[nn[i, j]],
    with the step of that best segment."""
    start = base[:, None, :]                                   # (n, 1, d)
    end = pool[neighbors]                                      # (n, k, d)
    diff = end - start
    rel = S[:, None, None, :] - start[None]                    # (s, n, 1, d)
    t = (rel * diff[None]).sum(-1) / (diff * diff).sum(-1)[None]
    t = np.clip(t, 0.0, 1.0)
    resid = np.linalg.norm(rel - t[..., None] * diff[None], axis=-1)  # (s, n, k)
    flat = resid.reshape(len(S), -1)
    best = flat.argmin(1)
    return flat[np.arange(len(S)), best], t.reshape(len(S), -1)[np.arange(len(S)), best]


def sk_neighbors(queries, reference, k):
    return NearestNeighbors(n_neighbors=k).fit(reference).kneighbors(queries, return_distance=False)


# --------------------------------------------------------------------------- neighbours


@pytest.mark.parametrize("n, d, k, budget", [(300, 4, 6, None), (5000, 8, 6, 2**16),
                                             (3000, 3, 11, None)])
def test_kneighbors_equals_sklearn(n, d, k, budget):
    rng = np.random.default_rng(n)
    X = rng.normal(50.0, 3.0, (n, d))  # far from the origin: exercises the centring
    Q = X[: n // 3] + rng.normal(0, 0.1, (n // 3, d))
    got = tab.kneighbors(torch.from_numpy(Q), torch.from_numpy(X), k, max_chunk_bytes=budget)
    assert got.dtype == torch.int64 and got.shape == (n // 3, k)
    np.testing.assert_array_equal(got.numpy(), sk_neighbors(Q, X, k))


def test_kneighbors_float32_distances_match():
    rng = np.random.default_rng(1)
    X = rng.normal(0, 1, (4000, 16)).astype(np.float32)
    got = tab.kneighbors(torch.from_numpy(X), torch.from_numpy(X), 6).numpy()
    dist, _ = NearestNeighbors(n_neighbors=6).fit(X).kneighbors(X)
    ours = np.linalg.norm(X[:, None, :].astype(np.float64) - X[got].astype(np.float64), axis=-1)
    np.testing.assert_allclose(ours, dist, atol=1e-4)


def test_kneighbors_memory_is_chunked():
    from torch.profiler import ProfilerActivity, profile

    X = torch.randn(6000, 8)
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        tab.kneighbors(X, X, 6, max_chunk_bytes=2**20)
    largest = max(e.cpu_memory_usage for e in prof.events())
    assert largest < 2 * 2**20, largest          # the 1 MiB chunk, not 6000 x 6000 x 4 bytes


def test_kneighbors_errors():
    X = torch.randn(10, 3)
    with pytest.raises(ValueError, match="n_neighbors"):
        tab.kneighbors(X, X, 11)
    with pytest.raises(ValueError, match="columns"):
        tab.kneighbors(X, torch.randn(10, 4), 2)
    with pytest.raises(ValueError, match="queries"):
        tab.kneighbors(X.numpy(), X, 2)


# --------------------------------------------------------------------------- sampling strategy

STRATEGY_CASES = [
    ([30, 80], "auto"), ([30, 80], "minority"), ([30, 80], "not minority"), ([30, 80], "all"),
    ([30, 80], 0.5), ([30, 80], 1.0), ([30, 80], {0: 50}), ([30, 80], {0: 30, 1: 90}),
    ([40, 40, 10], "auto"), ([40, 40, 10], "not minority"), ([40, 40, 10], "minority"),
    ([10, 40, 40, 20], "all"), ([15, 50, 25], {2: 60, 0: 15}),
    ([15, 50, 25], lambda y: {0: 2 * int((y == 0).sum())}),
]


@pytest.mark.parametrize("counts, strategy", STRATEGY_CASES)
def test_sampling_strategy_equals_imblearn(counts, strategy):
    y = np.concatenate([np.full(n, c) for c, n in enumerate(counts)])
    ours = tab.check_sampling_strategy(strategy, y)
    theirs = imb_check_sampling_strategy(strategy, y, "over-sampling")
    assert list(ours.items()) == list(theirs.items())


@pytest.mark.parametrize("counts, strategy", [
    ([50], "auto"),                         # a single class
    ([30, 80], "majority"),                 # not an over-sampling target
    ([30, 80], {0: 20}),                    # asks to remove samples
    ([30, 80], {0: -1}),
    ([30, 80], {7: 100}),                   # unknown class
    ([30, 80], 0.2),                        # ratio below the current minority share
    ([30, 80], 1.5), ([30, 80], 0.0),
    ([10, 20, 30], 0.5),                    # float with more than two classes
    ([30, 80], "sometimes"), ([30, 80], [0]),
])
def test_sampling_strategy_errors_like_imblearn(counts, strategy):
    y = np.concatenate([np.full(n, c) for c, n in enumerate(counts)])
    with pytest.raises(ValueError, match="sampling_strategy|y must contain"):
        tab.check_sampling_strategy(strategy, y)
    with pytest.raises(ValueError):
        imb_check_sampling_strategy(strategy, y, "over-sampling")


# --------------------------------------------------------------------------- class counts, order

SAMPLERS = [
    (tab.SMOTE, imb.SMOTE, {}),
    (tab.BorderlineSMOTE, imb.BorderlineSMOTE, {"kind": "borderline-1"}),
    (tab.BorderlineSMOTE, imb.BorderlineSMOTE, {"kind": "borderline-2"}),
    (tab.ADASYN, imb.ADASYN, {}),
]


@pytest.mark.parametrize("ours, theirs, kw", SAMPLERS)
@pytest.mark.parametrize("counts, strategy", [
    ([200, 40], "auto"), ([200, 40], 0.6), ([150, 60, 25], "auto"),
    ([150, 60, 25], "not minority"), ([150, 60, 25], {1: 100, 2: 90}), ([90, 90, 30], "all"),
])
def test_class_counts_equal_imblearn(ours, theirs, kw, counts, strategy):
    X, y = blobs(counts, seed=len(counts))
    X_res, y_res = ours(sampling_strategy=strategy, random_state=0, **kw).fit_resample(X, y)
    X_ref, y_ref = theirs(sampling_strategy=strategy, random_state=0, **kw).fit_resample(X, y)
    assert Counter(y_res.tolist()) == Counter(y_ref.tolist())
    assert X_res.shape == X_ref.shape and X_res.dtype == X_ref.dtype
    # imblearn's order: the original rows untouched, then new rows class by class, sorted
    np.testing.assert_array_equal(X_res[: len(y)], X)
    np.testing.assert_array_equal(y_res[: len(y)], y)
    np.testing.assert_array_equal(y_res[len(y):], np.sort(y_res[len(y):], kind="stable"))
    np.testing.assert_array_equal(y_res, y_ref)


def test_tensor_path_matches_numpy_path_and_keeps_labels():
    X, y = blobs([120, 30, 50], seed=3)
    Xn, yn = tab.SMOTE(random_state=7).fit_resample(X, y)
    Xt, yt = tab.SMOTE(random_state=7).fit_resample(torch.from_numpy(X), torch.from_numpy(y))
    assert isinstance(Xt, torch.Tensor) and Xt.dtype == torch.float64
    np.testing.assert_allclose(Xt.numpy(), Xn, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(yt.numpy(), yn)
    Xf, yf = tab.SMOTE(random_state=7).fit_resample(X.astype(np.float32),
                                                    np.array(["fraud", "ok", "review"])[y])
    assert Xf.dtype == np.float32 and Counter(yf.tolist()) == {"fraud": 120, "ok": 120,
                                                               "review": 120}


def test_functional_resample_equals_class():
    X, y = blobs([100, 20], seed=4)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    a = tab.smote_resample(Xt, yt, k_neighbors=4, generator=11)
    b = tab.SMOTE(k_neighbors=4, random_state=11).fit_resample(Xt, yt)
    torch.testing.assert_close(a[0], b[0], rtol=0, atol=0)
    torch.testing.assert_close(a[1], b[1])


# --------------------------------------------------------------------------- SMOTE geometry


def test_kernel_exact_values():
    base = torch.tensor([[0.0, 0.0], [2.0, 2.0]])
    pool = torch.tensor([[10.0, 0.0], [0.0, 10.0], [4.0, 4.0]])
    neighbors = torch.tensor([[0, 1], [2, 0]])
    out = tab.smote_interpolate(base, pool, neighbors, torch.tensor([0, 0, 1, 1]),
                                torch.tensor([0, 1, 0, 1]), torch.tensor([0.5, 0.25, 0.5, 0.0]))
    expected = torch.tensor([[5.0, 0.0], [0.0, 2.5], [3.0, 3.0], [2.0, 2.0]])
    torch.testing.assert_close(out, expected)


def test_smote_rows_lie_on_segments_to_k_nearest_neighbours():
    rng = np.random.default_rng(5)
    X_min = rng.normal(0, 1, (60, 3))
    k = 5
    S = tab.smote(torch.from_numpy(X_min), 400, k=k, generator=0).numpy()
    nn = sk_neighbors(X_min, X_min, k + 1)[:, 1:]
    resid, t = segment_residual(S, X_min, X_min, nn)
    assert resid.max() < 1e-9
    assert S.shape == (400, 3) and 0.0 <= t.min() and t.max() <= 1.0
    # with only k-1 neighbours some rows no longer fit: the test sees the k-th neighbour
    resid_short, _ = segment_residual(S, X_min, X_min, nn[:, : k - 1])
    assert resid_short.max() > 1e-3


def test_smote_seeded_and_errors():
    X_min = torch.randn(20, 4)
    a = tab.smote(X_min, 50, k=3, generator=1)
    torch.testing.assert_close(a, tab.smote(X_min, 50, k=3, generator=1))
    assert not torch.equal(a, tab.smote(X_min, 50, k=3, generator=2))
    assert tab.smote(X_min, 0, generator=1).shape == (0, 4)
    with pytest.raises(ValueError, match="k=20"):
        tab.smote(X_min, 5, k=20)
    with pytest.raises(ValueError, match="n_synth"):
        tab.smote(X_min, -1)


# --------------------------------------------------------------------------- distributions

NEW = 20_000


def _lopsided_minority():
    """A tight cluster of 25 rows and 5 far rows whose neighbours are cluster rows, but never
    the reverse: such one-way pairs make the step law and k observable."""
    rng = np.random.default_rng(0)
    angle = np.arange(5) * 2 * np.pi / 5
    X_min = np.concatenate([rng.normal(0, 1, (25, 2)),
                            20 * np.column_stack([np.cos(angle), np.sin(angle)])])
    X_maj = rng.normal(0, 10, (100, 2))
    return np.concatenate([X_maj, X_min]), np.r_[np.zeros(100, int), np.ones(30, int)], X_min


def _min_pvalue(S, ref, X_min):
    nearest = NearestNeighbors(n_neighbors=1).fit(X_min)
    stats = [(S[:, 0], ref[:, 0]), (S[:, 1], ref[:, 1]),
             (np.linalg.norm(S, axis=1), np.linalg.norm(ref, axis=1)),
             (nearest.kneighbors(S)[0][:, 0], nearest.kneighbors(ref)[0][:, 0])]
    return min(ks_2samp(a, b).pvalue for a, b in stats)


def _variant(X_min, k, step_high, seed):
    X = torch.from_numpy(X_min)
    g = torch.Generator().manual_seed(seed)
    nn = tab.kneighbors(X, X, k + 1)[:, 1:]
    flat = torch.randint(0, len(X_min) * k, (NEW,), generator=g)
    steps = torch.rand(NEW, generator=g, dtype=torch.float64) * step_high
    return tab.smote_interpolate(X, X, nn, flat // k, flat % k, steps).numpy()


def test_smote_distribution_matches_imblearn_and_wrong_variants_fail():
    X, y, X_min = _lopsided_minority()
    strategy = {1: 30 + NEW}
    ref = imb.SMOTE(sampling_strategy=strategy, random_state=np.random.RandomState(0)
                    ).fit_resample(X, y)[0][len(y):]
    ours = tab.SMOTE(sampling_strategy=strategy, random_state=1).fit_resample(X, y)[0][len(y):]
    assert _min_pvalue(ours, ref, X_min) > 1e-3
    np.testing.assert_allclose(ours.mean(0), ref.mean(0), atol=0.15)
    np.testing.assert_allclose(np.cov(ours.T), np.cov(ref.T), atol=1.5)   # entries are ~30
    for k, step_high in [(3, 1.0), (7, 1.0), (5, 0.5), (5, 0.9)]:
        assert _min_pvalue(_variant(X_min, k, step_high, seed=2), ref, X_min) < 1e-4, (k, step_high)


def test_borderline2_and_adasyn_distributions_match_imblearn():
    X, y = blobs([300, 60], d=2, seed=8, sep=1.2)
    for ours, theirs, kw in SAMPLERS[2:]:
        pooled = {"ours": [], "ref": []}
        for seed in range(40):
            pooled["ours"].append(ours(random_state=seed, **kw).fit_resample(X, y)[0][len(y):])
            pooled["ref"].append(theirs(random_state=np.random.RandomState(seed), **kw
                                        ).fit_resample(X, y)[0][len(y):])
        a, b = np.concatenate(pooled["ours"]), np.concatenate(pooled["ref"])
        for j in range(2):
            assert ks_2samp(a[:, j], b[:, j]).pvalue > 1e-3, (ours.__name__, kw, j)


# --------------------------------------------------------------------------- Borderline


def _sk_danger(X, y, label, m):
    X_class = X[y == label]
    nn = sk_neighbors(X_class, X, m + 1)[:, 1:]
    n_other = (y[nn] != label).sum(1)
    return (n_other >= m / 2) & (n_other < m)


@pytest.mark.parametrize("m", [5, 10])
def test_danger_set_equals_sklearn_and_imblearn(m):
    X, y = blobs([200, 50, 40], seed=9, sep=1.0)
    for label in (1, 2):
        ours = tab.borderline_danger_mask(torch.from_numpy(X), torch.from_numpy(y), label, m)
        np.testing.assert_array_equal(ours.numpy(), _sk_danger(X, y, label, m))
    sampler = tab.BorderlineSMOTE(m_neighbors=m, random_state=0)
    sampler.fit_resample(X, y)
    ref = imb.BorderlineSMOTE(m_neighbors=m, random_state=0)
    ref.fit_resample(X, y)
    assert sampler.in_danger_indices.keys() == ref.in_danger_indices.keys()
    for label, idx in ref.in_danger_indices.items():
        np.testing.assert_array_equal(sampler.in_danger_indices[label], idx)


@pytest.mark.parametrize("kind", ["borderline-1", "borderline-2"])
def test_borderline_rows_lie_on_segments_from_danger_rows(kind):
    X, y = blobs([150, 40], d=2, seed=10, sep=1.0)
    k = 5
    X_res, y_res = tab.BorderlineSMOTE(kind=kind, k_neighbors=k, random_state=3).fit_resample(X, y)
    S = X_res[len(y):]
    danger = X[y == 1][_sk_danger(X, y, 1, 10)]
    pool = X[y == 1] if kind == "borderline-1" else X
    nn = sk_neighbors(danger, pool, k + 1)[:, 1:]
    resid, t = segment_residual(S, danger, pool, nn)
    assert len(S) == 110 and resid.max() < 1e-9
    if kind == "borderline-2":
        # toward other-class neighbours the step is u * v, v ~ U(0, 0.5): never past halfway
        start = danger[:, None, :]
        other = (y[nn] != 1)
        rel = S[:, None, None, :] - start[None]
        diff = pool[nn] - start
        tt = np.clip((rel * diff[None]).sum(-1) / (diff * diff).sum(-1)[None], 0, 1)
        fit = np.linalg.norm(rel - tt[..., None] * diff[None], axis=-1) < 1e-9
        to_other = (fit & other[None]).any((1, 2)) & ~(fit & ~other[None]).any((1, 2))
        assert to_other.sum() > 10
        assert (tt[fit & other[None]] < 0.5).all()


def test_borderline_class_without_danger_rows_gets_none_like_imblearn():
    rng = np.random.default_rng(12)
    X = np.concatenate([rng.normal(0, 1, (100, 2)), rng.normal(30, 1, (20, 2))])
    y = np.r_[np.zeros(100, int), np.ones(20, int)]
    ours = tab.BorderlineSMOTE(random_state=0).fit_resample(X, y)
    ref = imb.BorderlineSMOTE(random_state=0).fit_resample(X, y)
    assert len(ours[1]) == len(ref[1]) == 120


# --------------------------------------------------------------------------- ADASYN


def _formula_counts(X, y, label, n_samples, k):
    nn = sk_neighbors(X[y == label], X, k + 1)[:, 1:]
    ratio = (y[nn] != label).sum(1) / k
    return np.rint(ratio / ratio.sum() * n_samples).astype(int)


def test_adasyn_counts_equal_formula_and_rows_are_grouped_by_base():
    X, y = blobs([200, 45], d=2, seed=13, sep=1.0)
    k = 5
    counts = tab.adasyn_counts(torch.from_numpy(X), torch.from_numpy(y), 1, 155, k).numpy()
    expected = _formula_counts(X, y, 1, 155, k)
    np.testing.assert_array_equal(counts, expected)
    X_res, y_res = tab.ADASYN(n_neighbors=k, random_state=0).fit_resample(X, y)
    assert len(y_res) - len(y) == expected.sum()
    X_min = X[y == 1]
    nn = sk_neighbors(X_min, X_min, k + 1)[:, 1:]
    S = X_res[len(y):]
    start = 0
    for i, c in enumerate(expected):   # block i comes from base row i
        block = S[start:start + c]
        start += c
        if c:
            resid, _ = segment_residual(block, X_min[i:i + 1], X_min, nn[i:i + 1])
            assert resid.max() < 1e-9


def test_adasyn_error_when_every_ratio_is_zero():
    rng = np.random.default_rng(14)
    X = np.concatenate([rng.normal(0, 1, (100, 2)), rng.normal(50, 1, (20, 2))])
    y = np.r_[np.zeros(100, int), np.ones(20, int)]
    with pytest.raises(ValueError, match="ratios are 0"):
        tab.ADASYN().fit_resample(X, y)
    with pytest.raises(RuntimeError):
        imb.ADASYN().fit_resample(X, y)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("make, match", [
    (lambda X, y: tab.SMOTE(k_neighbors=30).fit_resample(X, y), "k_neighbors"),
    (lambda X, y: tab.SMOTE().fit_resample(X, np.zeros_like(y)), "at least 2 classes"),
    (lambda X, y: tab.SMOTE().fit_resample(np.where(X > 2, np.nan, X), y), "NaN"),
    (lambda X, y: tab.SMOTE().fit_resample(np.where(X > 2, np.inf, X), y), "infinite"),
    (lambda X, y: tab.SMOTE().fit_resample(X, y[:-1]), "must match"),
    (lambda X, y: tab.SMOTE().fit_resample(X.astype(str).astype(object), y), "numeric"),
    (lambda X, y: tab.SMOTE(sampling_strategy={1: 10}).fit_resample(X, y), "remove"),
    (lambda X, y: tab.SMOTE(k_neighbors=2.5).fit_resample(X, y), "k_neighbors"),
    (lambda X, y: tab.BorderlineSMOTE(kind="borderline-3").fit_resample(X, y), "kind"),
    (lambda X, y: tab.ADASYN(n_neighbors=0).fit_resample(X, y), "n_neighbors"),
    (lambda X, y: tab.SMOTE(random_state="x").fit_resample(X, y), "random_state"),
    (lambda X, y: tab.smote_resample(torch.from_numpy(X), torch.from_numpy(y).double()), "y"),
])
def test_bad_input_raises_value_error(make, match):
    X, y = blobs([100, 30], seed=15)
    with pytest.raises(ValueError, match=match):
        make(X, y)


# --------------------------------------------------------------------------- sklearn API


def test_sklearn_api_clone_params_and_pipeline():
    X, y = blobs([300, 40], seed=16)
    sampler = tab.BorderlineSMOTE(k_neighbors=4, kind="borderline-2", random_state=5)
    params = sampler.get_params()
    assert params["k_neighbors"] == 4 and params["kind"] == "borderline-2"
    twin = clone(sampler)
    np.testing.assert_array_equal(twin.fit_resample(X, y)[0], sampler.fit_resample(X, y)[0])
    assert tab.SMOTE().set_params(k_neighbors=3).k_neighbors == 3
    pipe = Pipeline([("smote", tab.SMOTE(random_state=0)), ("model", LogisticRegression())])
    scores = cross_val_score(pipe, X, y, cv=3, scoring="roc_auc")
    assert scores.shape == (3,) and scores.min() > 0.8
    assert pipe.fit(X, y).predict(X).shape == y.shape  # no resampling at predict time
    assert tab.SMOTE(random_state=0).fit(X, y).sampling_strategy_ == {1: 260}


def test_torch_generator_as_random_state_advances():
    X, y = blobs([100, 30], seed=17)
    sampler = tab.SMOTE(random_state=torch.Generator().manual_seed(0))
    assert not np.array_equal(sampler.fit_resample(X, y)[0], sampler.fit_resample(X, y)[0])
    fixed = tab.SMOTE(random_state=3)
    np.testing.assert_array_equal(fixed.fit_resample(X, y)[0], fixed.fit_resample(X, y)[0])


# --------------------------------------------------------------------------- devices


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cpu_and_cuda_give_the_same_rows():
    X, y = blobs([400, 60, 90], seed=18)
    Xc, yc = torch.from_numpy(X), torch.from_numpy(y)
    for fn, kw in [(tab.smote_resample, {}), (tab.adasyn_resample, {}),
                   (tab.borderline_smote_resample, {"kind": "borderline-2"})]:
        cpu = fn(Xc, yc, generator=4, **kw)
        gpu = fn(Xc.cuda(), yc.cuda(), generator=4, **kw)
        assert gpu[0].is_cuda
        torch.testing.assert_close(gpu[0].cpu(), cpu[0], rtol=1e-10, atol=1e-10)
        torch.testing.assert_close(gpu[1].cpu(), cpu[1])
    Xn = tab.SMOTE(random_state=0, device="cuda").fit_resample(X, y)[0]
    np.testing.assert_allclose(Xn, tab.SMOTE(random_state=0).fit_resample(X, y)[0], atol=1e-10)
