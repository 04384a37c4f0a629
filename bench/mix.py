"""Benchmark: MixUp and CutMix with one λ (and one box) per sample, on a float image batch.

Compares, in one run and on one device:

* helpers.mix in ``"elem"`` mode (per-sample λ / boxes, one vectorised step);
* a per-sample Python loop doing the same thing (what one writes without vectorising);
* timm's ``Mixup(mode="elem")`` (the ``bench`` extra; rows skipped with a note without it),
  the per-sample peer: it works in place on the batch (one copy of it, then a per-sample loop
  of blends or box pastes), given its own copy of the batch here;
* helpers.mix in ``"batch"`` mode and torchvision v2 ``MixUp`` / ``CutMix``, which draw ONE λ
  (one box) for the whole batch: a like-for-like reference for the shared-parameter case.

Parameter sampling and label one-hot encoding are inside the timed region for every row.
Implementations are timed in interleaved rounds (median per row), so load from other
processes hits all rows alike.

    python bench/mix.py                 # batch 256 x 3 x 224 x 224 float32, records the table
    python bench/mix.py --quick         # small smoke run
    python bench/mix.py --device cuda
    python bench/mix.py --threads 1     # CPU: one thread count (default: 1 and 2, one table each)
"""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

import numpy as np
import torch
from torchvision.transforms import v2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import base_parser, cpu_thread_counts, setup_from_args, time_call, write_table  # noqa: E402
from helpers import mix  # noqa: E402

NUM_CLASSES = 1000
MIXUP_ALPHA = 0.2
CUTMIX_ALPHA = 1.0


# ----------------------------------------------------------------------------- per-sample loops


def mixup_loop(x, y, rng):
    """MixUp with one λ per sample, written as a loop over the batch."""
    b = x.shape[0]
    y_soft = torch.nn.functional.one_hot(y, NUM_CLASSES).float()
    perm = torch.randperm(b).tolist()
    x_out, y_out = torch.empty_like(x), torch.empty_like(y_soft)
    for i, j in enumerate(perm):
        lam = float(rng.beta(MIXUP_ALPHA, MIXUP_ALPHA))
        x_out[i] = lam * x[i] + (1.0 - lam) * x[j]
        y_out[i] = lam * y_soft[i] + (1.0 - lam) * y_soft[j]
    return x_out, y_out


def cutmix_loop(x, y, rng):
    """CutMix with one box per sample (torchvision's box rule), written as a loop."""
    b, _, h, w = x.shape
    y_soft = torch.nn.functional.one_hot(y, NUM_CLASSES).float()
    perm = torch.randperm(b).tolist()
    x_out, y_out = x.clone(), torch.empty_like(y_soft)
    for i, j in enumerate(perm):
        lam = float(rng.beta(CUTMIX_ALPHA, CUTMIX_ALPHA))
        cx, cy = int(rng.integers(w)), int(rng.integers(h))
        r = 0.5 * np.sqrt(1.0 - lam)
        hw, hh = int(r * w), int(r * h)
        x1, y1, x2, y2 = max(cx - hw, 0), max(cy - hh, 0), min(cx + hw, w), min(cy + hh, h)
        x_out[i, :, y1:y2, x1:x2] = x[j, :, y1:y2, x1:x2]
        lam = 1.0 - (x2 - x1) * (y2 - y1) / (w * h)
        y_out[i] = lam * y_soft[i] + (1.0 - lam) * y_soft[j]
    return x_out, y_out


# ----------------------------------------------------------------------------- run


def timm_mixups():
    """timm ``Mixup`` objects in elem mode (None when timm is not installed)."""
    try:
        from timm.data import Mixup
    except ImportError:
        return None
    common = dict(mode="elem", label_smoothing=0.0, num_classes=NUM_CLASSES)
    return {
        "MixUp": Mixup(mixup_alpha=MIXUP_ALPHA, cutmix_alpha=0.0, **common),
        "CutMix": Mixup(mixup_alpha=0.0, cutmix_alpha=CUTMIX_ALPHA, **common),
        "MixUp or CutMix (p=0.5)": Mixup(mixup_alpha=MIXUP_ALPHA, cutmix_alpha=CUTMIX_ALPHA,
                                         switch_prob=0.5, **common),
    }


def candidates(x, y):
    rng = np.random.default_rng(0)
    gen = torch.Generator().manual_seed(0)
    tv_mixup = v2.MixUp(alpha=MIXUP_ALPHA, num_classes=NUM_CLASSES)
    tv_cutmix = v2.CutMix(alpha=CUTMIX_ALPHA, num_classes=NUM_CLASSES)
    opts = dict(num_classes=NUM_CLASSES, generator=gen)
    fns = {
        ("MixUp", "helpers.mix elem"): lambda: mix.mixup(x, y, alpha=MIXUP_ALPHA, mode="elem", **opts),
        ("MixUp", "per-sample loop"): lambda: mixup_loop(x, y, rng),
        ("MixUp", "helpers.mix batch"): lambda: mix.mixup(x, y, alpha=MIXUP_ALPHA, mode="batch", **opts),
        ("MixUp", "torchvision v2 MixUp"): lambda: tv_mixup(x, y),
        ("CutMix", "helpers.mix elem"): lambda: mix.cutmix(x, y, alpha=CUTMIX_ALPHA, mode="elem", **opts),
        ("CutMix", "per-sample loop"): lambda: cutmix_loop(x, y, rng),
        ("CutMix", "helpers.mix batch"): lambda: mix.cutmix(x, y, alpha=CUTMIX_ALPHA, mode="batch", **opts),
        ("CutMix", "torchvision v2 CutMix"): lambda: tv_cutmix(x, y),
        ("MixUp or CutMix (p=0.5)", "helpers.mix elem"): lambda: mix.mixup_or_cutmix(
            x, y, mixup_alpha=MIXUP_ALPHA, cutmix_alpha=CUTMIX_ALPHA, mode="elem", **opts),
    }
    peers = timm_mixups() if x.shape[0] % 2 == 0 else None  # timm needs an even batch
    if peers is None:
        return fns
    x_timm = x.clone()  # timm mixes in place: its own copy, so the other rows see x unchanged
    ordered = {}
    for key, fn in fns.items():
        ordered[key] = fn
        if key[1] == "per-sample loop" or key[0].startswith("MixUp or"):
            ordered[(key[0], "timm Mixup elem (in place)")] = \
                lambda m=peers[key[0]]: m(x_timm, y)
    return ordered


def main(argv=None):
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=None, help="batch size (default 256; 32 quick)")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved timing rounds")
    args = parser.parse_args(argv)
    for threads in cpu_thread_counts(args):
        args.threads = threads
        run(args)


def run(args):
    device = setup_from_args(args)
    batch = args.batch or (32 if args.quick else 256)
    size = 64 if args.quick else 224
    rounds = args.rounds or (3 if args.quick else 7)

    load_before = os.getloadavg()[0] if device.type == "cpu" else None
    g = torch.Generator().manual_seed(0)
    x = torch.rand(batch, 3, size, size, generator=g).to(device)
    y = torch.randint(0, NUM_CLASSES, (batch,), generator=g).to(device)
    fns = candidates(x, y)
    times = {key: [] for key in fns}
    for fn in fns.values():
        time_call(fn, device, warmup=1, repeat=1)
    for _ in range(rounds):
        for key, fn in fns.items():
            times[key].append(time_call(fn, device, warmup=0, repeat=1))
    median = {key: statistics.median(v) for key, v in times.items()}

    header = ["op", "implementation", "λ / box", "ms per batch (median)", "best ms", "images/s",
              "speed-up vs timm (per sample)", "speed-up vs per-sample loop",
              "speed-up vs torchvision (shared λ)"]
    rows = []
    for (op, impl), t in median.items():
        loop = median.get((op, "per-sample loop"))
        peer = median.get((op, "timm Mixup elem (in place)"))
        tv = next((v for (o, i), v in median.items() if o == op and i.startswith("torchvision")), None)
        per_sample = "elem" in impl or impl == "per-sample loop"
        rows.append([
            op, impl, "per sample" if per_sample else "one per batch", f"{1000 * t:.1f}",
            f"{1000 * min(times[(op, impl)]):.1f}", f"{batch / t:,.0f}",
            f"**{peer / t:.2f}x**" if peer and per_sample else "—",
            f"{loop / t:.2f}x" if loop and per_sample else "—",
            f"{tv / t:.2f}x" if tv else "—",
        ])
    notes = (f"Batch {batch} x 3 x {size} x {size} float32 on {device.type}, {NUM_CLASSES} classes, "
             f"MixUp α={MIXUP_ALPHA}, CutMix α={CUTMIX_ALPHA}, partner = random permutation "
             f"(torchvision: the batch rolled by one). Parameter sampling and one-hot labels "
             f"inside the timed region; median of {rounds} interleaved rounds (images/s and "
             f"speed-ups use the median). The torchvision "
             f"rows draw one λ for the whole batch; compare them with the helpers' batch rows. "
             f"Command: python bench/mix.py{' --quick' if args.quick else ''}"
             f"{' --threads ' + str(args.threads) if args.threads else ''}"
             f"{' --device ' + args.device if device.type != 'cpu' else ''}.")
    if not any(impl.startswith("timm") for _, impl in median):
        notes += " timm is not installed (pip install -e '.[bench]') or the batch is odd: no timm rows."
    if load_before is not None:  # other processes on a shared CPU inflate the times
        notes += (f" System load average (1 min) {load_before:.1f} before and "
                  f"{os.getloadavg()[0]:.1f} after the run, on {os.cpu_count()} cores.")
    write_table("mix", device, header, rows, notes, write=not args.no_write)


if __name__ == "__main__":
    main()
