"""Image datasets: shapes, ranges, stratified and seeded splits, glyph rendering."""

from __future__ import annotations

import pytest
import torch

from helpers.data import load_digits, load_sample_photos, render_glyphs


def test_digits_split_shapes_ranges_and_balance():
    d = load_digits(n_train=300, n_val=1000, size=12, pad=2, seed=0)
    assert d.X_train.shape == (300, 1, 16, 16) and d.X_val.shape == (1000, 1, 16, 16)
    assert d.X_train.dtype == torch.float32 and d.y_train.dtype == torch.int64
    assert 0.0 <= d.X_train.min() and d.X_train.max() <= 1.0
    # stratified: every class has 30 (±1) training images
    counts = torch.bincount(d.y_train, minlength=10)
    assert counts.sum() == 300 and counts.min() >= 29 and counts.max() <= 31
    # the padding border is empty
    assert d.X_train[..., :2, :].abs().sum() == 0 and d.X_train[..., :, -2:].abs().sum() == 0


def test_digits_split_is_seeded_and_disjoint():
    a, b = load_digits(seed=0), load_digits(seed=0)
    assert torch.equal(a.X_train, b.X_train) and torch.equal(a.y_val, b.y_val)
    c = load_digits(seed=1)
    assert not torch.equal(a.X_train, c.X_train)
    # no validation image is also a training image
    flat_t, flat_v = a.X_train.flatten(1), a.X_val.flatten(1)
    assert torch.cdist(flat_v, flat_t).min() > 0


def test_digits_native_size_matches_sklearn():
    from sklearn.datasets import load_digits as sk

    d = load_digits(n_train=10, n_val=10, size=8, pad=0)
    raw = torch.from_numpy(sk().images).float() / 16
    # each returned image is one of sklearn's images, unchanged
    dist = torch.cdist(d.X_train.flatten(1), raw.flatten(1)).min(dim=1).values
    assert torch.all(dist < 1e-6)


@pytest.mark.parametrize("kwargs, name", [
    ({"n_train": 1700, "n_val": 200}, "n_train \\+ n_val"),
    ({"size": 4}, "size"),
    ({"pad": -1}, "pad"),
    ({"n_train": 2.5}, "n_train"),
])
def test_digits_bad_arguments_name_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        load_digits(**kwargs)


def test_render_glyphs_mirror_pairs():
    g = render_glyphs("bdpq", size=28)
    assert g.shape == (4, 1, 28, 28) and g.dtype == torch.float32
    assert 0 <= g.min() and g.max() <= 1 and (g.flatten(1).sum(1) > 20).all()
    b, d, p, q = g

    def iou(u, v):
        u, v = u > 0.5, v > 0.5
        return (u & v).sum() / (u | v).sum()

    # a mirrored 'b' looks far more like 'd' than like the 'b' it came from
    assert iou(b.flip(-1), d) > 0.6 > iou(b, d)
    assert iou(b.flip(-2), p) > 0.5 > iou(b, p)


def test_render_glyphs_rejects_empty_text():
    with pytest.raises(ValueError, match="text"):
        render_glyphs("")


def test_sample_photos():
    x = load_sample_photos()
    assert x.shape == (2, 3, 427, 640) and x.dtype == torch.uint8
    small = load_sample_photos(size=64)
    assert small.shape == (2, 3, 64, 96) and small.dtype == torch.uint8
