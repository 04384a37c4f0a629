"""Self-supervised views: SimCLR's two augmented views and the NT-Xent contrastive loss.

SimCLR (Chen et al., 2020) trains an encoder so that two random augmentations of the same image
land close together and far from the other images of the batch. The augmentation is the whole
learning signal: crop (scale 0.08-1) + horizontal flip + colour jitter (p = 0.8) + grayscale
(p = 0.2) + Gaussian blur, every parameter drawn per sample and per view by
:mod:`helpers.image`. Course section 6 (self-supervised views).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ._validate import check_int, check_positive, check_probability
from .image import (
    ColorJitter,
    GaussianBlur,
    Pipeline,
    RandomGrayscale,
    RandomHorizontalFlip,
    RandomResizedCrop,
)
from .image._common import as_batch, make_generator


def simclr_pipeline(size=224, *, strength: float = 1.0, blur_p: float = 0.5, scale=(0.08, 1.0),
                    dtype=torch.float32) -> Pipeline:
    """SimCLR's augmentation as a per-sample :class:`helpers.image.Pipeline`.

    RandomResizedCrop(size, scale) -> horizontal flip (p 0.5) -> ColorJitter(0.8 s, 0.8 s, 0.8 s,
    0.2 s) with p 0.8 -> grayscale (p 0.2) -> Gaussian blur with sigma ~ U(0.1, 2.0) and a kernel
    of about 10 % of the image side, with probability ``blur_p`` (0.5 in the paper's ImageNet
    recipe; set 0 for small images such as CIFAR). ``s`` is ``strength``.
    """
    s = check_positive(strength, "strength", allow_zero=True)
    side = size if isinstance(size, int) else min(size)
    kernel = max(3, int(0.1 * side) // 2 * 2 + 1)
    steps = [
        RandomResizedCrop(size, scale=scale),
        RandomHorizontalFlip(),
        ColorJitter(0.8 * s, 0.8 * s, 0.8 * s, min(0.5, 0.2 * s), p=0.8),
        RandomGrayscale(0.2),
    ]
    if check_probability(blur_p, "blur_p") > 0:
        steps.append(GaussianBlur(kernel, (0.1, 2.0), p=blur_p))
    return Pipeline(steps, dtype=dtype)


class SimCLRViews(nn.Module):
    """Two independently augmented views of every image: ``forward(x) -> (view1, view2)``.

    ``x``: ``(B, C, H, W)`` (or ``(C, H, W)``), uint8 or float in [0, 1], 3 channels (1-channel
    images skip saturation and hue). Both views come from one pass of the pipeline over the
    batch stacked twice, so all ``2B`` samples draw their own parameters. Outputs are float32
    ``(B, C, size, size)``.
    """

    def __init__(self, size=224, *, strength: float = 1.0, blur_p: float = 0.5, scale=(0.08, 1.0),
                 generator=None):
        super().__init__()
        self.pipeline = simclr_pipeline(size, strength=strength, blur_p=blur_p, scale=scale)
        self.generator = make_generator(generator)

    def forward(self, x, *, generator=None):
        xb, single = as_batch(x, channels={1, 3})
        g = make_generator(generator) if generator is not None else self.generator
        views = self.pipeline(torch.cat((xb, xb)), generator=g)
        v1, v2 = views.chunk(2)
        return (v1[0], v2[0]) if single else (v1, v2)


def simclr_views(x, size=224, *, strength: float = 1.0, blur_p: float = 0.5, scale=(0.08, 1.0),
                 generator=None):
    """Functional form of :class:`SimCLRViews`: returns ``(view1, view2)``."""
    return SimCLRViews(size, strength=strength, blur_p=blur_p, scale=scale)(x, generator=generator)


def nt_xent_loss(z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.5) -> torch.Tensor:
    """NT-Xent (normalised temperature-scaled cross entropy), SimCLR's contrastive loss.

    ``z1``, ``z2``: ``(N, D)`` embeddings of the two views (row i of each is a positive pair).
    With the 2N unit vectors ``u`` and ``s_ij = u_i . u_j / temperature``, the loss of anchor i
    with positive p(i) is ``-log(exp(s_i,p(i)) / sum_{k != i} exp(s_ik))``; the result is the
    mean over all 2N anchors (a scalar, differentiable).
    """
    for name, z in (("z1", z1), ("z2", z2)):
        if not isinstance(z, torch.Tensor) or z.ndim != 2 or not z.is_floating_point():
            raise ValueError(f"{name} must be a float tensor of shape (N, D), got "
                             f"{getattr(z, 'shape', type(z).__name__)}")
    if z1.shape != z2.shape:
        raise ValueError(f"z1 and z2 must have the same shape, got {tuple(z1.shape)} and {tuple(z2.shape)}")
    n = check_int(z1.shape[0], "z1.shape[0]", minimum=1)
    t = check_positive(temperature, "temperature")
    u = F.normalize(torch.cat((z1, z2)), dim=1)
    logits = (u @ u.T) / t
    logits.fill_diagonal_(float("-inf"))
    positives = torch.cat((torch.arange(n, 2 * n), torch.arange(n))).to(u.device)
    return F.cross_entropy(logits, positives)


class NTXentLoss(nn.Module):
    """Module form of :func:`nt_xent_loss` with a fixed ``temperature``."""

    def __init__(self, temperature: float = 0.5):
        super().__init__()
        self.temperature = check_positive(temperature, "temperature")

    def forward(self, z1, z2):
        return nt_xent_loss(z1, z2, self.temperature)
