"""Small image datasets that ship with installed packages (no download)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .._extras import require
from .._validate import check_int


@dataclass
class Split:
    """A labelled train/validation split of images.

    ``X_*`` are float32 tensors ``(N, C, H, W)`` in [0, 1]; ``y_*`` are int64 ``(N,)``.
    """

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_val: torch.Tensor
    y_val: torch.Tensor
    classes: list[str]

    def __repr__(self) -> str:
        return (
            f"Split(train={tuple(self.X_train.shape)}, val={tuple(self.X_val.shape)}, "
            f"classes={len(self.classes)})"
        )


def load_digits(n_train: int = 300, n_val: int = 1000, size: int = 16, pad: int = 2,
                seed: int = 0) -> Split:
    """scikit-learn's handwritten digits (1 797 images, 8x8, 10 classes) as a small split.

    Images are upsampled to ``size x size`` (bilinear, antialiased), then padded with ``pad``
    zero pixels per side so that shifts and rotations keep the stroke in the frame; the
    result has shape ``(N, 1, size + 2*pad, size + 2*pad)``. The split is stratified and
    seeded: the same ``seed`` gives the same images.
    """
    require("sklearn", "helpers.data.images")
    from sklearn.datasets import load_digits as _load
    from sklearn.model_selection import train_test_split

    n_train = check_int(n_train, "n_train", minimum=10)
    n_val = check_int(n_val, "n_val", minimum=10)
    size = check_int(size, "size", minimum=8)
    pad = check_int(pad, "pad", minimum=0)
    bunch = _load()
    if n_train + n_val > len(bunch.target):
        raise ValueError(
            f"n_train + n_val must be <= {len(bunch.target)}, got {n_train} + {n_val}"
        )
    X = torch.from_numpy(bunch.images.astype(np.float32) / 16.0).unsqueeze(1)
    if size != 8:
        X = F.interpolate(X, size=(size, size), mode="bilinear", antialias=True,
                          align_corners=False).clamp_(0, 1)
    if pad:
        X = F.pad(X, (pad, pad, pad, pad))
    y = torch.from_numpy(bunch.target.astype(np.int64))
    idx_train, idx_val = train_test_split(
        np.arange(len(y)), train_size=n_train, test_size=n_val, stratify=bunch.target,
        random_state=seed,
    )
    idx_train, idx_val = torch.from_numpy(idx_train), torch.from_numpy(idx_val)
    return Split(X[idx_train], y[idx_train], X[idx_val], y[idx_val],
                 classes=[str(d) for d in range(10)])


def render_glyphs(text: str, size: int = 28, font_size: int | None = None) -> torch.Tensor:
    """Render each character of ``text`` with its ink centred on a ``size x size`` canvas.

    Uses the DejaVu Sans font that ships with matplotlib, so it works offline everywhere.
    Returns float32 ``(len(text), 1, size, size)``, ink = 1, background = 0.
    """
    require("matplotlib", "helpers.data.images")
    from matplotlib import font_manager
    from PIL import Image, ImageDraw, ImageFont

    if not isinstance(text, str) or not text:
        raise ValueError(f"text must be a non-empty string, got {text!r}")
    size = check_int(size, "size", minimum=8)
    font = ImageFont.truetype(font_manager.findfont("DejaVu Sans"), font_size or int(size * 0.8))
    out = []
    for ch in text:
        canvas = Image.new("L", (size, size), 0)
        draw = ImageDraw.Draw(canvas)
        left, top, right, bottom = draw.textbbox((0, 0), ch, font=font)
        origin = ((size - (right - left)) / 2 - left, (size - (bottom - top)) / 2 - top)
        draw.text(origin, ch, fill=255, font=font)
        out.append(torch.from_numpy(np.asarray(canvas, dtype=np.float32) / 255.0))
    return torch.stack(out).unsqueeze(1)


def load_sample_photos(size: int | None = None) -> torch.Tensor:
    """scikit-learn's two sample photographs (china, flower) as uint8 ``(2, 3, H, W)``.

    With ``size`` the photos are resized (antialiased) so their shorter side is ``size``.
    """
    require("sklearn", "helpers.data.images")
    from sklearn.datasets import load_sample_images

    imgs = np.stack(load_sample_images().images)  # (2, 427, 640, 3) uint8
    x = torch.from_numpy(imgs).permute(0, 3, 1, 2).contiguous()
    if size is not None:
        size = check_int(size, "size", minimum=8)
        h, w = x.shape[-2:]
        scale = size / min(h, w)
        new = (round(h * scale), round(w * scale))
        x = F.interpolate(x.float(), size=new, mode="bilinear", antialias=True,
                          align_corners=False).round_().clamp_(0, 255).to(torch.uint8)
    return x
