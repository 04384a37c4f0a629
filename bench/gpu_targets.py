"""GPU targets: every workload of the GPU issue against its baseline, in one run, with a verdict.

Each figure is a ratio of two timings taken in the same process on the same device (CUDA
synchronised around every timed call, one untimed warm-up call first), so the machine's load
and clock hit both sides alike. The workloads and their targets:

* device copy bandwidth: a large ``clone`` (bytes read + bytes written per second), measured
  first, as the yardstick for the image pipeline;
* image pipeline (RandomResizedCrop + flip + ColorJitter + RandomErasing, per-sample
  parameters, uint8 256² in, float32 224² out): helpers vs kornia ``same_on_batch=False``
  (target >= 10x) and its effective bandwidth (input read + output written) against the copy
  bandwidth (target >= 25 %); torchvision v2 per image and on the whole batch for reference;
* MixUp / CutMix with one λ (one box) per sample: helpers vs a per-sample loop (target >= 20x);
  torchvision's batch MixUp / CutMix (one λ per batch) for reference;
* SMOTE 1M x 32: helpers on ``--device`` vs imbalanced-learn on the host CPU (target >= 10x).
  imbalanced-learn runs at the largest size its time budget allows and its time is scaled
  linearly to 1M rows (a lower bound for a neighbour search that grows faster than linearly);
* pitch shift, per-clip semitones, 64 x 1 s at 16 kHz: helpers vs a loop of
  ``torchaudio.functional.pitch_shift`` calls, timed on the first clips and scaled to the batch
  (target >= 50x); SpecAugment iid on 256 spectrograms vs torchaudio's masks (reported);
* TTA: k stacked views in one forward pass vs k separate passes, over batch sizes, with the
  crossover (the smallest batch where stacking stops paying).

Where a target is missed, one call of the helpers side is profiled with ``torch.profiler`` and
its top operators (kernels on a GPU) are written next to the tables.

    PYTHONPATH=. python bench/gpu_targets.py --device cuda --out /tmp/gpu
    PYTHONPATH=. python bench/gpu_targets.py --device cpu --quick --out /tmp/dry   # smoke run
"""

from __future__ import annotations

import argparse
import datetime as _dt
import math
import os
import statistics
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import machine_description, sync  # noqa: E402
from helpers import image, mix, tta  # noqa: E402
from helpers import tabular as tab  # noqa: E402
from helpers.audio import SpecAugment, pitch_shift  # noqa: E402

# Full sizes are the issue's; quick sizes only prove that every path runs.
FULL = dict(copy_mib=1024, img_batch=256, img_in=256, img_out=224, mix_batch=256, mix_side=224,
            smote_rows=1_000_000, smote_features=32, imb_start=25_000, imb_budget_s=60.0,
            audio_batch=64, audio_sr=16_000, pitch_budget_s=20.0, spec_batch=256,
            tta_side=224, tta_batches=(1, 4, 16, 64), tta_views=(2, 4, 8), rounds=5)
QUICK = dict(copy_mib=16, img_batch=4, img_in=40, img_out=32, mix_batch=8, mix_side=32,
             smote_rows=4_000, smote_features=32, imb_start=500, imb_budget_s=0.5,
             audio_batch=4, audio_sr=2_000, pitch_budget_s=0.5, spec_batch=8,
             tta_side=32, tta_batches=(1, 4), tta_views=(2, 4), rounds=3)
NUM_CLASSES = 1000


# ----------------------------------------------------------------------------- timing


def timed(fn, device) -> tuple[float, object]:
    """Wall seconds of one ``fn()`` (the device synchronised before and after) and its result."""
    sync(device)
    t0 = time.perf_counter()
    out = fn()
    sync(device)
    return time.perf_counter() - t0, out


def time_once(fn, device) -> float:
    """Wall seconds of one ``fn()``, the device synchronised before and after."""
    return timed(fn, device)[0]


def interleaved(fns: dict, device, rounds: int) -> dict:
    """Median seconds per entry of ``fns`` over ``rounds`` interleaved rounds, after a warm-up."""
    for fn in fns.values():
        fn()
    times = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            times[name].append(time_once(fn, device))
    return {name: statistics.median(ts) for name, ts in times.items()}


def profile_top(fn, device, rows: int = 12) -> str:
    """``torch.profiler`` table of the operators that take the most time in one ``fn()``."""
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CPU]
    if device.type == "cuda":
        activities.append(ProfilerActivity.CUDA)
    fn()  # warm-up outside the profile
    sync(device)
    with profile(activities=activities) as prof:
        fn()
        sync(device)
    averages = prof.key_averages()
    keys = ["self_device_time_total", "self_cuda_time_total"] if device.type == "cuda" else []
    for key in [*keys, "self_cpu_time_total"]:
        try:
            return averages.table(sort_by=key, row_limit=rows)
        except (AttributeError, KeyError, ValueError):
            continue
    return str(averages)


# ----------------------------------------------------------------------------- report


@dataclass
class Target:
    workload: str
    measured: str
    target: str
    met: bool | None  # None: reported only, or not measured
    profile: object = None  # fn to profile when the target is missed


@dataclass
class Report:
    device: torch.device
    bandwidth: float = float("nan")  # measured copy bandwidth, bytes/s
    sections: list = field(default_factory=list)
    targets: list = field(default_factory=list)

    def table(self, title: str, header: list, rows: list, notes: str = "") -> None:
        lines = [f"## {title}", ""]
        if notes:
            lines += [notes, ""]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
        text = "\n".join(lines) + "\n"
        print(text, flush=True)
        self.sections.append(text)

    def render(self, command: str) -> str:
        stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        head = [f"# GPU targets ({self.device.type})", "", f"Machine: "
                f"{machine_description(self.device)}", "", f"Recorded: {stamp}", "",
                f"Command: `{command}`", ""]
        verdict = {True: "met", False: "**missed**", None: "reported"}
        summary = ["## Summary against the targets", "",
                   "| workload | measured | target | verdict |", "|---|---|---|---|"]
        summary += [f"| {t.workload} | {t.measured} | {t.target} | {verdict[t.met]} |"
                    for t in self.targets]
        return "\n".join(head) + "\n" + "\n".join(self.sections) + "\n" + "\n".join(summary) + "\n"


def ratio(a: float, b: float) -> str:
    """``a / b`` as a speed-up, e.g. ``"12.3x"`` (two decimals below 1)."""
    r = a / b
    return f"{r:.2f}x" if r < 1 else f"{r:.1f}x"


# ----------------------------------------------------------------------------- copy bandwidth


def copy_bandwidth(device, mib: int) -> float:
    """Bytes per second of ``clone`` on ``device`` (bytes read + bytes written)."""
    src = torch.empty(mib << 20, dtype=torch.uint8, device=device)
    fns = {"clone": lambda: src.clone()}
    seconds = interleaved(fns, device, rounds=5)["clone"]
    return 2 * src.numel() / seconds


# ----------------------------------------------------------------------------- image


def image_pipelines(out: int, device):
    """helpers, torchvision v2 and (when installed) kornia versions of the same pipeline."""
    from torchvision.transforms import v2

    ours = image.Pipeline([image.RandomResizedCrop(out), image.RandomHorizontalFlip(),
                           image.ColorJitter(0.4, 0.4, 0.4, 0.1), image.RandomErasing(0.25)])
    tv = v2.Compose([v2.RandomResizedCrop(out, antialias=True), v2.RandomHorizontalFlip(),
                     v2.ColorJitter(0.4, 0.4, 0.4, 0.1), v2.ToDtype(torch.float32, scale=True),
                     v2.RandomErasing(0.25)])
    try:
        import kornia.augmentation as K
    except ImportError:
        return ours, tv, None
    korn = K.AugmentationSequential(
        K.RandomResizedCrop((out, out)), K.RandomHorizontalFlip(),
        K.ColorJitter(0.4, 0.4, 0.4, 0.1, p=1.0), K.RandomErasing(p=0.25),
        same_on_batch=False).to(device)
    return ours, tv, korn


def bench_image(report: Report, device, s: dict) -> None:
    bandwidth = report.bandwidth
    b, side, out = s["img_batch"], s["img_in"], s["img_out"]
    x = torch.randint(0, 256, (b, 3, side, side), dtype=torch.uint8,
                      generator=torch.Generator().manual_seed(0)).to(device)
    ours, tv, korn = image_pipelines(out, device)
    g = torch.Generator().manual_seed(0)
    assert ours(x, generator=g).shape == (b, 3, out, out)
    fns = {"helpers.image.Pipeline (per sample)": lambda: ours(x, generator=g),
           "torchvision v2, per-image loop (per sample)": lambda: torch.stack([tv(i) for i in x]),
           "torchvision v2, whole batch (one draw)": lambda: tv(x)}
    if korn is not None:
        fns["kornia, same_on_batch=False (per sample)"] = \
            lambda: korn(x.to(torch.float32).div_(255.0))
    t = interleaved(fns, device, s["rounds"])
    t_ours = t["helpers.image.Pipeline (per sample)"]
    moved = b * 3 * (side * side + out * out * 4)  # uint8 read + float32 written
    rows = [[name, f"{1e3 * sec:.2f}", f"{b / sec:,.0f}", f"{moved / sec / 1e9:.3g}",
             f"{100 * moved / sec / bandwidth:.1f}", ratio(sec, t_ours)] for name, sec in t.items()]
    report.table(
        "Image pipeline", ["implementation", "ms / batch", "images / s", "GB / s",
                           "% of copy bandwidth", "time / helpers time"], rows,
        f"Batch {b} x 3 x {side}² uint8 -> float32 {out}²; RandomResizedCrop({out}) + "
        "HorizontalFlip + ColorJitter(0.4, 0.4, 0.4, 0.1) + RandomErasing(0.25), parameters "
        f"drawn inside the timed call; median of {s['rounds']} interleaved rounds. Bytes moved "
        f"per batch: {moved / 1e6:.3g} MB (input read + output written); copy bandwidth "
        f"{bandwidth / 1e9:.1f} GB/s." + ("" if korn else " kornia is not installed: no kornia row."))
    prof = lambda: ours(x, generator=g)  # noqa: E731
    if korn is None:
        report.targets.append(Target("image pipeline vs kornia", "kornia not installed", ">= 10x", None))
    else:
        k = t["kornia, same_on_batch=False (per sample)"] / t_ours
        report.targets.append(Target("image pipeline vs kornia", ratio(k, 1), ">= 10x", k >= 10, prof))
    share = moved / t_ours / bandwidth
    report.targets.append(Target(
        "image pipeline effective bandwidth", f"{moved / t_ours / 1e9:.3g} GB/s = {100 * share:.1f} % "
        f"of {bandwidth / 1e9:.3g} GB/s copy", ">= 25 % of copy bandwidth", share >= 0.25, prof))


# ----------------------------------------------------------------------------- mix


def mixup_loop(x, y, rng):
    """MixUp, one λ per sample, one sample at a time."""
    y_soft = F.one_hot(y, NUM_CLASSES).float()
    x_out, y_out = torch.empty_like(x), torch.empty_like(y_soft)
    for i, j in enumerate(torch.randperm(x.shape[0]).tolist()):
        lam = float(rng.beta(0.2, 0.2))
        x_out[i] = lam * x[i] + (1 - lam) * x[j]
        y_out[i] = lam * y_soft[i] + (1 - lam) * y_soft[j]
    return x_out, y_out


def cutmix_loop(x, y, rng):
    """CutMix, one box per sample (torchvision's box rule), one sample at a time."""
    _, _, h, w = x.shape
    y_soft = F.one_hot(y, NUM_CLASSES).float()
    x_out, y_out = x.clone(), torch.empty_like(y_soft)
    for i, j in enumerate(torch.randperm(x.shape[0]).tolist()):
        r = 0.5 * math.sqrt(1.0 - float(rng.beta(1.0, 1.0)))
        cx, cy = int(rng.integers(w)), int(rng.integers(h))
        x1, x2 = max(cx - int(r * w), 0), min(cx + int(r * w), w)
        y1, y2 = max(cy - int(r * h), 0), min(cy + int(r * h), h)
        x_out[i, :, y1:y2, x1:x2] = x[j, :, y1:y2, x1:x2]
        lam = 1.0 - (x2 - x1) * (y2 - y1) / (w * h)
        y_out[i] = lam * y_soft[i] + (1 - lam) * y_soft[j]
    return x_out, y_out


def bench_mix(report: Report, device, s: dict) -> None:
    from torchvision.transforms import v2

    b, side = s["mix_batch"], s["mix_side"]
    g = torch.Generator().manual_seed(0)
    x = torch.rand(b, 3, side, side, generator=g).to(device)
    y = torch.randint(0, NUM_CLASSES, (b,), generator=g).to(device)
    rng, opts = np.random.default_rng(0), dict(num_classes=NUM_CLASSES, generator=g, mode="elem")
    tv_mix, tv_cut = v2.MixUp(alpha=0.2, num_classes=NUM_CLASSES), v2.CutMix(alpha=1.0, num_classes=NUM_CLASSES)
    ours = {"MixUp": lambda: mix.mixup(x, y, alpha=0.2, **opts),
            "CutMix": lambda: mix.cutmix(x, y, alpha=1.0, **opts)}
    fns = {("MixUp", "helpers.mix, per sample"): ours["MixUp"],
           ("MixUp", "per-sample loop"): lambda: mixup_loop(x, y, rng),
           ("MixUp", "torchvision v2 MixUp (one λ)"): lambda: tv_mix(x, y),
           ("CutMix", "helpers.mix, per sample"): ours["CutMix"],
           ("CutMix", "per-sample loop"): lambda: cutmix_loop(x, y, rng),
           ("CutMix", "torchvision v2 CutMix (one box)"): lambda: tv_cut(x, y)}
    t = interleaved(fns, device, s["rounds"])
    rows = []
    for (op, impl), sec in t.items():
        rows.append([op, impl, f"{1e3 * sec:.2f}", f"{b / sec:,.0f}",
                     ratio(sec, t[(op, "helpers.mix, per sample")])])
    report.table("MixUp / CutMix", ["op", "implementation", "ms / batch", "images / s",
                                    "time / helpers time"], rows,
                 f"Batch {b} x 3 x {side}² float32, {NUM_CLASSES} classes, MixUp α=0.2, CutMix "
                 "α=1; parameters and one-hot labels inside the timed call; median of "
                 f"{s['rounds']} interleaved rounds.")
    for op in ("MixUp", "CutMix"):
        k = t[(op, "per-sample loop")] / t[(op, "helpers.mix, per sample")]
        report.targets.append(Target(f"{op} per sample vs per-sample loop", ratio(k, 1), ">= 20x",
                                     k >= 20, ours[op]))


# ----------------------------------------------------------------------------- SMOTE


def smote_data(n_minority: int, n_features: int):
    """float32 minority N ~ N(0, I) and majority 2N ~ N(0.5, I), labels 1 and 0."""
    g = torch.Generator().manual_seed(0)
    X = torch.randn(3 * n_minority, n_features, generator=g)
    X[n_minority:] += 0.5
    y = torch.cat([torch.ones(n_minority, dtype=torch.long), torch.zeros(2 * n_minority, dtype=torch.long)])
    return X, y


def bench_smote(report: Report, device, s: dict) -> None:
    from imblearn.over_sampling import SMOTE

    n_full, d = s["smote_rows"], s["smote_features"]
    rows, n, spent, t_imb, t_ours_n = [], s["imb_start"], 0.0, None, None
    SMOTE(random_state=0).fit_resample(*(v.numpy() for v in smote_data(200, d)))  # warm-up
    while n <= n_full:  # imbalanced-learn grows by doubling while its budget allows
        X, y = smote_data(n, d)
        Xd, yd = X.to(device), y.to(device)
        ours = lambda Xd=Xd, yd=yd: tab.smote_resample(Xd, yd, generator=0)  # noqa: E731
        ours()  # warm-up
        t_ours_n, (X_ours, _) = timed(ours, device)
        sampler, X_np, y_np = SMOTE(random_state=0), X.numpy(), y.numpy()
        t_imb, (X_imb, _) = timed(lambda: sampler.fit_resample(X_np, y_np), torch.device("cpu"))  # noqa: B023
        spent += t_imb
        assert X_ours.shape == X_imb.shape == (4 * n, d), "SMOTE output shapes differ"
        del X_ours, X_imb
        rows.append([f"{n:,} x {d}", f"{t_imb:.3f}", f"{t_ours_n:.4f}", ratio(t_imb, t_ours_n), "measured"])
        if n == n_full or spent + 4 * t_imb > s["imb_budget_s"]:  # next doubling ~4x (quadratic)
            break
        n = min(2 * n, n_full)
    n_imb = n
    X, y = smote_data(n_full, d)
    Xd, yd = X.to(device), y.to(device)
    del X, y
    ours = lambda: tab.smote_resample(Xd, yd, generator=0)  # noqa: E731
    if n_imb == n_full:
        t_ours = t_ours_n
    else:
        ours()  # warm-up at full size
        t_ours = time_once(ours, device)
    t_imb_full = t_imb * n_full / n_imb
    note = f"imblearn {t_imb:.2f} s at {n_imb:,} scaled x{n_full / n_imb:g} (linear)"
    if n_imb != n_full:
        rows.append([f"{n_full:,} x {d}", f"{t_imb_full:.2f} (scaled)", f"{t_ours:.4f}",
                     ratio(t_imb_full, t_ours), note])
    report.table("SMOTE", ["minority rows x features", "imbalanced-learn s (CPU)",
                           f"helpers s ({device.type})", "speed-up", "how"], rows,
                 f"SMOTE k=5, sampling_strategy='auto' (minority N rows raised to the 2N majority); "
                 f"float32 data. imbalanced-learn on the host CPU ({os.cpu_count()} cores, its "
                 f"default threads): one timed call per size, doubling the size while its "
                 f"{s['imb_budget_s']:g} s budget allows; helpers: one timed call after a "
                 "warm-up call. Scaling imbalanced-learn linearly to the full "
                 "size understates its time (its neighbour search grows faster than linearly), so "
                 "the scaled speed-up is a lower bound.")
    k = t_imb_full / t_ours
    how = "" if n_imb == n_full else f" (imblearn scaled linearly from {n_imb:,})"
    report.targets.append(Target(f"SMOTE {n_full:,} x {d} vs imbalanced-learn on the CPU",
                                 ratio(k, 1) + how, ">= 10x", k >= 10, ours))


# ----------------------------------------------------------------------------- audio


def bench_audio(report: Report, device, s: dict) -> None:
    import torchaudio
    import torchaudio.functional as AF

    b, sr = s["audio_batch"], s["audio_sr"]
    g = torch.Generator().manual_seed(0)
    x = torch.randn(b, sr, generator=g).to(device)
    semitones = torch.rand(b, generator=g) * 8 - 4  # fractional, U(-4, 4)
    shifts = semitones.to(device)
    ours = lambda: pitch_shift(x, sr, shifts)  # noqa: E731
    t_ours = interleaved({"ours": ours}, device, s["rounds"])["ours"]
    steps = semitones.tolist()
    AF.pitch_shift(x[0], sr, steps[0])  # warm-up (device set-up), not counted
    done, spent = 0, 0.0
    for i in range(1, b):  # each call builds its own resampling kernel: no call is cheaper later
        spent += time_once(lambda i=i: AF.pitch_shift(x[i], sr, steps[i]), device)
        done += 1
        if spent > s["pitch_budget_s"]:
            break
    t_loop = spent / done * b
    rows = [[f"pitch shift, {b} x 1 s at {sr} Hz, semitones U(-4, 4) per clip", f"{1e3 * t_ours:.1f}",
             f"{1e3 * t_loop:.1f}", ratio(t_loop, t_ours),
             f"torchaudio loop timed on {done} of {b} clips, scaled to {b}"]]

    spec = torch.randn(s["spec_batch"], 1, 64, 101, device=device)
    mine = SpecAugment(n_freq_masks=1, freq_mask_param=15, n_time_masks=2, time_mask_param=35)
    theirs = torchaudio.transforms.SpecAugment(n_time_masks=2, time_mask_param=35, n_freq_masks=1,
                                               freq_mask_param=15, iid_masks=True, zero_masking=True)
    t = interleaved({"ours": lambda: mine(spec, generator=g), "theirs": lambda: theirs(spec)},
                    device, 2 * s["rounds"] + 1)
    rows.append([f"SpecAugment iid, {s['spec_batch']} x (1, 64, 101)", f"{1e3 * t['ours']:.2f}",
                 f"{1e3 * t['theirs']:.2f}", ratio(t["theirs"], t["ours"]),
                 "torchaudio.transforms.SpecAugment(iid_masks=True)"])
    report.table("Audio", ["operation", "helpers ms", "torchaudio ms", "speed-up", "note"], rows,
                 "Median wall time per batch; every clip / spectrogram has its own parameters.")
    k = t_loop / t_ours
    report.targets.append(Target("pitch shift vs torchaudio per-clip loop",
                                 ratio(k, 1) + f" (loop timed on {done} of {b} clips)", ">= 50x", k >= 50, ours))
    report.targets.append(Target("SpecAugment vs torchaudio iid masks",
                                 ratio(t["theirs"], t["ours"]), "report", None))


# ----------------------------------------------------------------------------- TTA


def tta_crossover(k: int, batches, gains: dict) -> str:
    """One line per k: the gain at the smallest and largest batch, and where it reaches 1."""
    first, last = batches[0], batches[-1]
    line = f"k={k}: {gains[k, first]:.2f}x at B={first} .. {gains[k, last]:.2f}x at B={last}"
    cross = next((b for b in batches if gains[k, b] <= 1.0), None)
    return line + (f", crossover at B={cross}" if cross else f", stacked faster up to B={last}")


def bench_tta(report: Report, device, s: dict) -> None:
    from torchvision.models import resnet18

    side, names = s["tta_side"], tta.VIEW_SETS["dihedral"]
    if side >= 64:
        model, described = resnet18(num_classes=NUM_CLASSES), "torchvision resnet18 (random weights)"
    else:  # smoke run: a two-layer CNN keeps it short
        model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
                                    torch.nn.Flatten(), torch.nn.Linear(8, NUM_CLASSES))
        described = "a two-layer CNN"
    model = model.to(device).eval()

    def separate(x, fns):
        with torch.no_grad():
            return torch.stack([F.softmax(model(fn(x)).float(), -1) for _, fn in fns]).mean(0)

    rows, gains = [], {}
    for k in s["tta_views"]:
        fns = tta.parse_views(names[:k])
        for b in s["tta_batches"]:
            x = torch.randn(b, 3, side, side, generator=torch.Generator().manual_seed(b)).to(device)
            t = interleaved({"stacked": lambda x=x, k=k: tta.tta_predict(model, x, views=names[:k]),
                             "separate": lambda x=x, fns=fns: separate(x, fns)}, device, s["rounds"])
            gains[k, b] = t["separate"] / t["stacked"]
            rows.append([k, b, f"{1e3 * t['stacked']:.2f}", f"{1e3 * t['separate']:.2f}",
                         f"{gains[k, b]:.2f}x"])
    report.table("TTA: k stacked views vs k separate passes",
                 ["views k", "batch B", "stacked ms (one pass of k·B)", "separate ms (k passes of B)",
                  "separate / stacked"], rows,
                 f"{described}, float32, inference, at {side}²; views "
                 f"from the dihedral set; softmax averaged; median of {s['rounds']} rounds. The "
                 "crossover is the smallest batch at which the k separate passes are as fast.")
    text = "; ".join(tta_crossover(k, s["tta_batches"], gains) for k in s["tta_views"])
    report.targets.append(Target("TTA crossover (stacked vs separate passes)", text, "report", None))


# ----------------------------------------------------------------------------- main


SECTIONS = {"image": bench_image, "mix": bench_mix, "smote": bench_smote, "audio": bench_audio,
            "tta": bench_tta}


def save(out: Path | None, targets: str, profiles: str | None = None) -> None:
    """Write ``targets.md`` (and ``profiles.md``) into ``out`` when it is given."""
    if out is None:
        return
    out.mkdir(parents=True, exist_ok=True)
    (out / "targets.md").write_text(targets)
    if profiles is not None:
        (out / "profiles.md").write_text(profiles)


def main(argv=None) -> Report:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default=None,
                   help="cuda or cpu (default: cuda; without a GPU the run is skipped)")
    p.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    p.add_argument("--only", default=",".join(SECTIONS), help="comma-separated subset of " + ",".join(SECTIONS))
    p.add_argument("--out", type=Path, default=None, help="folder for targets.md and the profiles")
    p.add_argument("--no-profile", action="store_true", help="skip profiling missed targets")
    args = p.parse_args(argv)
    unknown = set(n.strip() for n in args.only.split(",")) - set(SECTIONS)
    if unknown:
        p.error(f"--only: unknown section(s) {', '.join(sorted(unknown))}; known: {', '.join(SECTIONS)}")
    if args.device is None and not torch.cuda.is_available():  # e.g. `make bench` on a laptop
        print("GPU targets: no CUDA device, skipped (--device cpu --quick runs a smoke test).")
        return Report(torch.device("cpu"))
    device = torch.device(args.device or "cuda")
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: no CUDA device is visible")
    sizes = QUICK if args.quick else FULL
    report = Report(device)
    torch.manual_seed(0)

    report.bandwidth = bandwidth = copy_bandwidth(device, sizes["copy_mib"])
    report.table("Device copy bandwidth", ["tensor", "GB / s (read + write)"],
                 [[f"{sizes['copy_mib']} MiB uint8 clone", f"{bandwidth / 1e9:.1f}"]])
    report.targets.append(Target("device copy bandwidth", f"{bandwidth / 1e9:.1f} GB/s", "yardstick", None))
    command = "python bench/gpu_targets.py " + " ".join(argv if argv is not None else sys.argv[1:])
    failed = []
    for name in [n.strip() for n in args.only.split(",")]:
        t0 = time.perf_counter()
        try:
            SECTIONS[name](report, device, sizes)
        except Exception as exc:  # one broken section must not cost the others' figures
            traceback.print_exc()
            failed.append(name)
            report.targets.append(Target(name, f"failed: {type(exc).__name__}: {exc}"[:200], "-", None))
        print(f"[{name}: {time.perf_counter() - t0:.1f} s]", flush=True)
        save(args.out, report.render(command))  # kept if a later section runs out of time

    profiles = []
    if not args.no_profile:  # one profile per distinct helpers call, naming its missed targets
        missed = [t for t in report.targets if t.met is False and t.profile is not None]
        for fn in dict.fromkeys(t.profile for t in missed):
            names = ", ".join(t.workload for t in missed if t.profile is fn)
            profiles.append(f"## Profile: {names} (helpers side, one call)\n\n"
                            f"```\n{profile_top(fn, device)}\n```\n")
    text = report.render(command)
    print(text[text.index("## Summary"):], flush=True)
    save(args.out, text, "# Profiles of the missed targets\n\n"
         + ("\n".join(profiles) or "No target missed.\n"))
    if failed:
        raise SystemExit(f"sections failed: {', '.join(failed)}")
    return report


if __name__ == "__main__":
    main()
