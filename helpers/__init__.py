"""Batched, GPU-capable data-augmentation helpers for the data augmentation course.

One module per augmentation family (import what you need; nothing heavy loads here):

* ``helpers.image``   geometric and photometric image transforms, erasing, auto-policies
* ``helpers.mix``     MixUp, CutMix and soft-label cross-entropy
* ``helpers.tta``     test-time augmentation
* ``helpers.text``    EDA, WordNet synonyms, back-translation, token noise
* ``helpers.tabular`` SMOTE family, Gaussian feature noise, leak-free cross-validation
* ``helpers.audio``   waveform augmentation and SpecAugment
* ``helpers.ssl``     SimCLR views and the NT-Xent loss
* ``helpers.data``    offline datasets (digits, glyphs, speech, text) and their preparation
* ``helpers.train``   a tiny CNN and a seeded training loop with a progress bar
* ``helpers.viz``     image grids and training curves
* ``helpers.grading`` tolerance checks used by the exercises' tests
* ``helpers.notebook`` the set-up every course notebook runs first
"""

from __future__ import annotations

__version__ = "0.1.0"


def default_device():
    """Return ``torch.device('cuda')`` when a GPU is usable, else the CPU."""
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
