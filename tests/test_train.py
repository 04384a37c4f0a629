"""The tiny CNN and the training loop: shapes, determinism, augmentation on training only."""

from __future__ import annotations

import pytest
import torch

from helpers.train import History, TinyCNN, count_parameters, evaluate, fit


def _toy(n=40, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.rand(n, 1, 16, 16, generator=g)
    y = torch.arange(n) % 4
    X[torch.arange(n), 0, y * 4, y * 4] = 5.0  # a learnable marker per class
    return X, y


def test_tiny_cnn_shapes_and_size():
    net = TinyCNN(in_channels=3, num_classes=7)
    assert net(torch.rand(5, 3, 20, 24)).shape == (5, 7)
    assert 20_000 < count_parameters(TinyCNN()) < 60_000


def test_fit_is_deterministic_for_a_seed():
    X, y = _toy()
    h1 = fit(TinyCNN(num_classes=4), X, y, X, y, num_epochs=3, seed=3, progress=False)
    h2 = fit(TinyCNN(num_classes=4), X, y, X, y, num_epochs=3, seed=3, progress=False)
    h3 = fit(TinyCNN(num_classes=4), X, y, X, y, num_epochs=3, seed=4, progress=False)
    assert h1.train_loss == h2.train_loss and h1.val_acc == h2.val_acc
    assert h1.train_loss != h3.train_loss


def test_fit_learns_a_separable_toy_problem():
    X, y = _toy()
    h = fit(TinyCNN(num_classes=4), X, y, X, y, num_epochs=40, lr=3e-3, progress=False)
    assert len(h.train_acc) == 40
    assert h.train_acc[-1] == 1.0
    assert h.train_loss[-1] < h.train_loss[0] / 5


def test_augment_is_applied_to_training_batches_only():
    X, y = _toy(n=30)
    X_val, y_val = _toy(n=10, seed=1)
    seen = []

    def spy(xb):
        seen.append(xb.shape[0])
        return xb

    fit(TinyCNN(num_classes=4), X, y, X_val, y_val, num_epochs=2, batch_size=8,
        augment=spy, progress=False)
    # 30 training images in batches of 8 -> 8, 8, 8, 6 per epoch; validation never augmented
    assert seen == [8, 8, 8, 6] * 2


def test_augmentation_changes_training_but_not_validation_metrics():
    X, y = _toy()
    plain = fit(TinyCNN(num_classes=4), X, y, X, y, num_epochs=2, progress=False)
    noisy = fit(TinyCNN(num_classes=4), X, y, X, y, num_epochs=2, progress=False,
                augment=lambda xb: xb + torch.randn_like(xb))
    assert plain.train_loss != noisy.train_loss


def test_evaluate_restores_mode_and_counts_correctly():
    net = TinyCNN(num_classes=2)
    net.train(True)
    X = torch.rand(6, 1, 16, 16)
    with torch.no_grad():
        pred = net.train(False)(X).argmax(1)
    net.train(True)
    acc, loss = evaluate(net, X, pred)
    assert acc == 1.0 and loss > 0 and net.training
    acc0, _ = evaluate(net, X, 1 - pred)
    assert acc0 == 0.0


def test_history_gap_and_summary():
    h = History(train_acc=[0.5, 1.0], val_acc=[0.4, 0.8], train_loss=[1, 0.1], val_loss=[1, 0.5])
    assert h.gap == pytest.approx(0.2)
    assert "gap +0.200" in h.summary("x")


@pytest.mark.parametrize("kwargs, name", [
    ({"num_epochs": 0}, "num_epochs"), ({"lr": -1.0}, "lr"), ({"batch_size": 0}, "batch_size"),
    ({"augment": 3}, "augment"),
])
def test_fit_rejects_bad_arguments(kwargs, name):
    X, y = _toy(n=8)
    with pytest.raises(ValueError, match=name):
        fit(TinyCNN(num_classes=4), X, y, X, y, progress=False, **kwargs)


def test_fit_rejects_mismatched_lengths():
    X, y = _toy(n=8)
    with pytest.raises(ValueError, match="same length"):
        fit(TinyCNN(num_classes=4), X, y[:5], X, y, progress=False)


@pytest.mark.parametrize("c,w,h,k", [(1, 16, 64, 10), (3, 8, 32, 6), (2, 4, 16, 3)])
def test_tiny_cnn_parameter_count_matches_its_docstring_formula(c, w, h, k):
    expected = (9 * c + 1) * w + (18 * w + 2) * w + (32 * w + 1) * h + (h + 1) * k
    assert count_parameters(TinyCNN(c, k, width=w, hidden=h)) == expected
    assert count_parameters(TinyCNN()) == 38_282
