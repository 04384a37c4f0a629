"""Plots the course shows again and again: image grids and training curves."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ._extras import require


def _to_display(img: torch.Tensor):
    """``(C, H, W)`` uint8 or float tensor -> array matplotlib can show, plus a colormap."""
    img = img.detach().cpu()
    if img.dtype == torch.uint8:
        img = img.float() / 255.0
    img = img.float().clamp(0, 1)
    if img.shape[0] == 1:
        return img[0].numpy(), "gray"
    return img.permute(1, 2, 0).numpy(), None


def show_images(images: torch.Tensor, titles: Sequence[str] | None = None, ncols: int = 8,
                scale: float = 1.3, suptitle: str | None = None):
    """Show a batch ``(B, C, H, W)`` (uint8, or float in [0, 1]) as a grid; returns the figure."""
    require("matplotlib", "helpers.viz")
    import matplotlib.pyplot as plt

    if images.ndim == 3:
        images = images.unsqueeze(0)
    if images.ndim != 4:
        raise ValueError(f"images must have shape (B, C, H, W), got {tuple(images.shape)}")
    n = images.shape[0]
    ncols = max(1, min(ncols, n))
    nrows = (n + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(scale * ncols, scale * nrows + 0.3),
                             squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < n:
            arr, cmap = _to_display(images[k])
            ax.imshow(arr, cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
            if titles is not None:
                ax.set_title(str(titles[k]), fontsize=9)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_histories(histories: dict, metric: str = "acc", ax=None):
    """Plot train (dashed) and validation (solid) curves for several named ``History`` runs."""
    require("matplotlib", "helpers.viz")
    import matplotlib.pyplot as plt

    if metric not in ("acc", "loss"):
        raise ValueError(f"metric must be 'acc' or 'loss', got {metric!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    for k, (name, h) in enumerate(histories.items()):
        color = f"C{k}"
        train, val = getattr(h, f"train_{metric}"), getattr(h, f"val_{metric}")
        epochs = range(1, len(train) + 1)
        ax.plot(epochs, train, "--", color=color, label=f"{name} (train)")
        ax.plot(epochs, val, "-", color=color, label=f"{name} (validation)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy" if metric == "acc" else "cross-entropy")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def static_mode() -> bool:
    """True when notebooks run without a live front end (``AUGCOURSE_STATIC=1``, set by the
    test suite and by batch execution): explorers then draw one static figure."""
    import os

    return os.environ.get("AUGCOURSE_STATIC", "") not in ("", "0")


def explore(draw, **controls):
    """An interactive explorer: ``draw(**values)`` redraws whenever a control moves.

    ``controls`` are ipywidgets (e.g. ``FloatSlider``) keyed by ``draw``'s argument names.
    In a live notebook the controls and the figure are shown and every change re-runs
    ``draw`` in the kernel. Without a front end (``static_mode()``), ``draw`` runs once with
    the controls' initial values, so executed notebooks still contain the figure.
    Returns the widget box, or None in static mode.
    """
    require("matplotlib", "helpers.viz")
    import matplotlib.pyplot as plt

    if not callable(draw):
        raise ValueError(f"draw must be callable, got {type(draw).__name__}")
    if not controls:
        raise ValueError("explore needs at least one control, e.g. alpha=FloatSlider(...)")
    values = {name: c.value for name, c in controls.items()}
    if static_mode():
        draw(**values)
        plt.show()
        return None
    require("ipywidgets", "helpers.viz")
    import ipywidgets as widgets
    from IPython.display import display

    def redraw(**kw):
        draw(**kw)
        plt.show()

    out = widgets.interactive_output(redraw, controls)
    box = widgets.VBox([widgets.HBox(list(controls.values())), out])
    display(box)
    return box
