"""A tiny CNN and a seeded training loop with a progress bar (course section 1 onwards).

The loop is deliberately plain: shuffle, optionally augment each mini-batch, step, and
measure accuracy and loss on the clean training set and on the validation set after every
epoch, so the generalisation gap can be plotted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

from ._extras import require
from ._validate import check_int, check_positive


class TinyCNN(nn.Module):
    """Two conv blocks and a small classifier head for ``(B, C, H, W)`` float images.

    The parameter count does not depend on the image size (adaptive pooling to 4x4 fixes the
    head's input): with ``C`` input channels, ``w = width``, ``h = hidden`` and ``K`` classes it
    is ``(9C + 1)w + (18w + 2)w + (32w + 1)h + (h + 1)K``, which :func:`count_parameters`
    confirms: 38 282 for the defaults and one channel (digits), enough capacity to memorise a
    few hundred images, which is the point of section 1.
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10, width: int = 16,
                 hidden: int = 64):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.AdaptiveAvgPool2d(4),
        )
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(2 * width * 16, hidden), nn.ReLU(), nn.Linear(hidden, num_classes)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@dataclass
class History:
    """Per-epoch metrics of one training run (accuracies in [0, 1])."""

    train_acc: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)

    @property
    def gap(self) -> float:
        """Final train accuracy minus final validation accuracy."""
        return self.train_acc[-1] - self.val_acc[-1]

    def summary(self, name: str = "") -> str:
        label = f"{name}: " if name else ""
        return (f"{label}train acc {self.train_acc[-1]:.3f}, val acc {self.val_acc[-1]:.3f}, "
                f"gap {self.gap:+.3f}")


@torch.no_grad()
def evaluate(model: nn.Module, X: torch.Tensor, y: torch.Tensor,
             batch_size: int = 512) -> tuple[float, float]:
    """Return ``(accuracy, mean cross-entropy)`` of ``model`` on ``X (N, ...)``, ``y (N,)``.

    Runs in inference mode and restores the model's previous mode.
    """
    was_training = model.training
    model.train(False)
    device = next(model.parameters()).device
    correct, loss = 0, 0.0
    for i in range(0, len(X), batch_size):
        xb, yb = X[i:i + batch_size].to(device), y[i:i + batch_size].to(device)
        logits = model(xb)
        loss += F.cross_entropy(logits, yb, reduction="sum").item()
        correct += (logits.argmax(1) == yb).sum().item()
    model.train(was_training)
    return correct / len(X), loss / len(X)


def fit(model: nn.Module, X: torch.Tensor, y: torch.Tensor, X_val: torch.Tensor,
        y_val: torch.Tensor, *, num_epochs: int = 60, batch_size: int = 64, lr: float = 3e-3,
        weight_decay: float = 0.0, augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
        seed: int = 0, device=None, progress: bool = True, desc: str = "train") -> History:
    """Train ``model`` with Adam (cosine learning-rate decay) and record metrics every epoch.

    ``X`` is float ``(N, C, H, W)``, ``y`` int64 ``(N,)``. ``augment``, if given, maps a float
    batch to an augmented batch of the same shape and is applied to every training
    mini-batch (never to validation). ``seed`` seeds torch's global generator, so the
    initial weights, the shuffling and any augmentation drawn from the global generator are
    the same on every run. Shows a tqdm progress bar unless ``progress`` is False.
    """
    require("tqdm", "helpers.train")
    from tqdm.auto import trange

    num_epochs = check_int(num_epochs, "num_epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    check_positive(lr, "lr")
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
    if augment is not None and not callable(augment):
        raise ValueError(f"augment must be callable or None, got {type(augment).__name__}")
    device = torch.device(device) if device is not None else next(model.parameters()).device
    torch.manual_seed(seed)
    for m in model.modules():  # same initial weights for the same seed
        if hasattr(m, "reset_parameters"):
            m.reset_parameters()
    model.to(device)
    X, y = X.to(device), y.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    # Cosine decay to zero: the last epochs settle, so the final accuracies are stable numbers.
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=num_epochs)
    history = History()
    bar = trange(num_epochs, desc=desc, disable=not progress, leave=True)
    for _ in bar:
        model.train(True)
        order = torch.randperm(len(X), device=device)
        for i in range(0, len(X), batch_size):
            idx = order[i:i + batch_size]
            xb = X[idx] if augment is None else augment(X[idx])
            loss = F.cross_entropy(model(xb), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        sched.step()
        tr_acc, tr_loss = evaluate(model, X, y)
        va_acc, va_loss = evaluate(model, X_val, y_val)
        history.train_acc.append(tr_acc)
        history.train_loss.append(tr_loss)
        history.val_acc.append(va_acc)
        history.val_loss.append(va_loss)
        bar.set_postfix(train=f"{tr_acc:.3f}", val=f"{va_acc:.3f}")
    return history
