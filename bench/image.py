"""Benchmark: a training pipeline with per-sample random parameters, on a uint8 batch.

Pipeline: RandomResizedCrop(224) + RandomHorizontalFlip + ColorJitter(0.4, 0.4, 0.4, 0.1) +
RandomErasing(p=0.25); uint8 images in, float32 images in [0, 1] out; parameter sampling is
inside the timed region. Compared in one run, on one device:

* (a) ``helpers.image.Pipeline``: independent parameters per sample, geometry fused into one
  ``grid_sample``, pixel ops in place (block by block on the CPU);
* (b) torchvision v2 applied image by image in a Python loop, then stacked: the baseline that
  is correct per sample;
* (c) torchvision v2 on the whole batch: ONE random draw shared by all images (not per-sample
  augmentation; shown for reference);
* (d) kornia ``AugmentationSequential(..., same_on_batch=False)``: per-sample parameters, one
  warp per op (float input; the uint8 -> float conversion is timed too). Skipped with a note
  when kornia (the ``bench`` extra) is not installed.
* (e) albumentations (the usual CPU choice in contest notebooks), image by image on HWC uint8
  numpy arrays (OpenCV kernels), then stacked and converted to a float batch, as a DataLoader
  collate would (CPU only; skipped with a note when albumentations is not installed). OpenCV
  gets the same thread count as torch.

Run on the CPU without ``--threads`` it records one table at 1 thread and one at 2.

Rows are timed in interleaved rounds (median per row), so load from other processes hits all
rows alike. Throughput is also given as bytes moved (uint8 input read + float32 output written)
per second and as a fraction of the device's measured copy bandwidth.

    python bench/image.py               # batch 256, 3 x 256 x 256 uint8 input, records the table
    python bench/image.py --quick       # batch 32, smoke run (not recorded)
    python bench/image.py --device cuda
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torchvision.transforms import v2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (  # noqa: E402
    base_parser,
    cpu_thread_counts,
    setup_from_args,
    sync,
    time_call,
    write_table,
)
from helpers import image  # noqa: E402

OUT = 224


def helpers_pipeline() -> image.Pipeline:
    return image.Pipeline([
        image.RandomResizedCrop(OUT),
        image.RandomHorizontalFlip(),
        image.ColorJitter(0.4, 0.4, 0.4, 0.1),
        image.RandomErasing(0.25),
    ])


def torchvision_pipeline() -> v2.Compose:
    return v2.Compose([
        v2.RandomResizedCrop(OUT, antialias=True),
        v2.RandomHorizontalFlip(),
        v2.ColorJitter(0.4, 0.4, 0.4, 0.1),
        v2.ToDtype(torch.float32, scale=True),
        v2.RandomErasing(0.25),
    ])


def kornia_pipeline(device):
    try:
        import kornia.augmentation as K
    except ImportError:
        return None
    aug = K.AugmentationSequential(
        K.RandomResizedCrop((OUT, OUT)),
        K.RandomHorizontalFlip(),
        K.ColorJitter(0.4, 0.4, 0.4, 0.1, p=1.0),
        K.RandomErasing(p=0.25),
        same_on_batch=False,
    )
    return aug.to(device)


def albumentations_pipeline(threads):
    """albumentations with the same transforms (None when it is not installed)."""
    try:
        import albumentations as A
        import cv2
    except ImportError:
        return None
    cv2.setNumThreads(threads or 0)
    aug = A.Compose([
        A.RandomResizedCrop((OUT, OUT)),
        A.HorizontalFlip(),
        A.ColorJitter(0.4, 0.4, 0.4, 0.1, p=1.0),
        A.CoarseDropout(p=0.25),  # albumentations' random erasing (its own box rule)
    ])

    def run(images):
        batch = np.stack([aug(image=img)["image"] for img in images])
        return torch.from_numpy(batch).permute(0, 3, 1, 2).float().div_(255.0)
    return run


def copy_bandwidth(device, nbytes: int = 256 << 20) -> float:
    """Measured copy bandwidth of ``device`` in bytes/s (read + write counted)."""
    src = torch.empty(nbytes, dtype=torch.uint8, device=device)
    dst = torch.empty_like(src)
    seconds = time_call(lambda: dst.copy_(src), device, warmup=2, repeat=5)
    return 2 * nbytes / seconds


def main(argv=None) -> str:
    p = base_parser(__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=None, help="batch size (default 256, --quick 32)")
    p.add_argument("--size", type=int, default=256, help="input height = width (default 256)")
    p.add_argument("--rounds", type=int, default=None, help="interleaved timing rounds (default 5)")
    p.add_argument("--skip-torchvision", action="store_true",
                   help="leave out rows (b) and (c) (slow when other jobs share the cores)")
    args = p.parse_args(argv)
    for threads in cpu_thread_counts(args):
        args.threads = threads
        text = run(args)
    return text


def run(args) -> str:
    device = setup_from_args(args)
    batch = args.batch or (32 if args.quick else 256)
    rounds = args.rounds or (2 if args.quick else 5)
    side = args.size

    x = torch.randint(0, 256, (batch, 3, side, side), dtype=torch.uint8,
                      generator=torch.Generator().manual_seed(0)).to(device)
    ours, tv, korn = helpers_pipeline(), torchvision_pipeline(), kornia_pipeline(device)
    g = torch.Generator().manual_seed(0)

    out = ours(x, generator=g)
    assert out.shape == (batch, 3, OUT, OUT) and out.dtype == torch.float32

    rows_fns = {"(a) helpers.image.Pipeline, batched": lambda: ours(x, generator=g)}
    if not args.skip_torchvision:
        rows_fns["(b) torchvision v2, per-image loop"] = lambda: torch.stack([tv(img) for img in x])
        rows_fns["(c) torchvision v2, whole batch (shared params)"] = lambda: tv(x)
    if korn is not None:
        rows_fns["(d) kornia AugmentationSequential, same_on_batch=False"] = \
            lambda: korn(x.to(torch.float32).div_(255.0))
    alb = albumentations_pipeline(args.threads) if device.type == "cpu" else None
    if alb is not None:
        x_hwc = [np.ascontiguousarray(img.permute(1, 2, 0).numpy()) for img in x]
        rows_fns["(e) albumentations 2, per image, then a float batch"] = lambda: alb(x_hwc)
    per_sample = {"(c)": "no (one draw per batch)"}

    load_before = os.getloadavg()[0]
    times = {name: [] for name in rows_fns}
    cpu_times = {name: [] for name in rows_fns}
    for fn in rows_fns.values():  # warm-up, untimed
        fn()
    sync(device)
    for _ in range(rounds):
        for name, fn in rows_fns.items():
            c0 = time.process_time()
            times[name].append(time_call(fn, device, warmup=0, repeat=1))
            cpu_times[name].append(time.process_time() - c0)
    median = {name: statistics.median(ts) for name, ts in times.items()}
    cpu_median = {name: statistics.median(ts) for name, ts in cpu_times.items()}

    bytes_moved = batch * 3 * (side * side + OUT * OUT * 4)
    bandwidth = copy_bandwidth(device)
    t_ours = median["(a) helpers.image.Pipeline, batched"]
    c_ours = cpu_median["(a) helpers.image.Pipeline, batched"]
    header = ["implementation", "per-sample params", "ms / batch", "images / s", "GB / s",
              "% of copy bandwidth", "helpers speed-up", "CPU ms / batch", "helpers speed-up (CPU time)"]
    rows = []
    for name, t in median.items():
        c = cpu_median[name]
        rows.append([
            name, per_sample.get(name[:3], "yes"), f"{t * 1e3:.1f}", f"{batch / t:,.0f}",
            f"{bytes_moved / t / 1e9:.2f}", f"{100 * bytes_moved / t / bandwidth:.1f}",
            "1.00x" if t == t_ours else f"**{t / t_ours:.2f}x**",
            f"{c * 1e3:.1f}", "1.00x" if c == c_ours else f"{c / c_ours:.2f}x",
        ])
    notes = (
        f"Batch {batch} x 3 x {side} x {side} uint8 -> float32 3 x {OUT} x {OUT}; pipeline "
        f"RandomResizedCrop({OUT}) + HorizontalFlip + ColorJitter(0.4, 0.4, 0.4, 0.1) + "
        f"RandomErasing(p=0.25), parameter sampling timed. Median of {rounds} interleaved rounds. "
        f"'helpers speed-up' = row time / helpers time. Bytes moved = input read + output written "
        f"({bytes_moved / 1e6:.0f} MB per batch); copy bandwidth measured here: "
        f"{bandwidth / 1e9:.1f} GB/s."
    )
    notes += (" 'CPU ms' is the process's CPU time (all threads) over the same call: steadier "
              "than wall time when other jobs share the cores. (e) draws albumentations' own "
              "parameters (CoarseDropout stands for RandomErasing) and converts to float after "
              "stacking, as a collate function would. System load average (1 min) "
              f"{load_before:.1f} before and {os.getloadavg()[0]:.1f} after the run, on "
              f"{os.cpu_count()} cores. Command: python bench/image.py --threads {args.threads}"
              f"{' --batch ' + str(batch) if args.batch else ''}"
              f"{' --rounds ' + str(rounds) if args.rounds else ''}"
              f"{' --skip-torchvision' if args.skip_torchvision else ''}.")
    if korn is None:
        notes += " kornia is not installed (pip install -e '.[bench]'), so row (d) is missing."
    if alb is None and device.type == "cpu":
        notes += " albumentations is not installed (pip install -e '.[bench]'), so row (e) is missing."
    return write_table("image", device, header, rows, notes=notes,
                       write=not (args.no_write or args.quick))


if __name__ == "__main__":
    main()
