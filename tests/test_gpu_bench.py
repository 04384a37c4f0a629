"""The GPU benchmark script runs end to end on the CPU (a smoke run), so it cannot rot before a
GPU run, and its per-sample baselines do what they claim."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import numpy as np
import torch
from conftest import ROOT

sys.path.insert(0, str(ROOT))

from bench import gpu_targets  # noqa: E402

RATIO_TARGETS = {  # summary row (start of its name) -> the speed-up it must reach
    "image pipeline vs kornia": 10.0,
    "MixUp per sample vs per-sample loop": 20.0,
    "CutMix per sample vs per-sample loop": 20.0,
    "SMOTE": 10.0,
    "pitch shift vs torchaudio per-clip loop": 50.0,
}
REPORTED = ["device copy bandwidth", "image pipeline effective bandwidth",
            "SpecAugment vs torchaudio iid masks", "TTA crossover"]


def summary_rows(text: str) -> dict[str, list[str]]:
    part = text[text.index("## Summary against the targets"):]
    rows = [line.strip("|").split(" | ") for line in part.splitlines()[4:] if line.startswith("| ")]
    return {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in rows}


def test_quick_cpu_run_writes_every_table_and_a_consistent_summary(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    proc = subprocess.run(
        [sys.executable, "bench/gpu_targets.py", "--device", "cpu", "--quick", "--out", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    text = (tmp_path / "targets.md").read_text()
    for title in ["Device copy bandwidth", "Image pipeline", "MixUp / CutMix", "SMOTE", "Audio",
                  "TTA: k stacked views vs k separate passes"]:
        assert f"## {title}\n" in text, title

    rows = summary_rows(text)
    profiles = (tmp_path / "profiles.md").read_text()
    for start, target in RATIO_TARGETS.items():
        (name, (measured, _, verdict)), = [(k, v) for k, v in rows.items() if k.startswith(start)]
        if measured == "kornia not installed":
            assert verdict == "reported"
            continue
        value = float(re.match(r"([0-9.]+)x", measured).group(1))
        assert value > 0
        assert verdict == ("met" if value >= target else "**missed**"), (name, measured, verdict)
        if verdict == "**missed**":  # each missed target has its profile, with a profiler table
            heading = next(line for line in profiles.splitlines()
                           if line.startswith("## Profile:") and name in line)
            assert "Self CPU" in profiles[profiles.index(heading):]
    for start in REPORTED:
        assert any(k.startswith(start) for k in rows), start
    tta_line = next(v[0] for k, v in rows.items() if k.startswith("TTA crossover"))
    assert all(f"k={k}: " in tta_line for k in gpu_targets.QUICK["tta_views"]), tta_line

    bandwidth = rows["image pipeline effective bandwidth"][0]
    gbs, percent, copy = (float(v) for v in re.match(
        r"([0-9.e+-]+) GB/s = ([0-9.]+) % of ([0-9.e+-]+) GB/s copy", bandwidth).groups())
    assert gbs > 0 and copy > 0
    assert abs(percent - 100 * gbs / copy) <= 0.05 + 0.01 * percent
    assert (rows["image pipeline effective bandwidth"][2] == "met") == (percent >= 25)


def test_per_sample_loops_mix_each_image_with_its_label_weight():
    b, k = 12, gpu_targets.NUM_CLASSES
    x = torch.rand(b, 3, 16, 20, generator=torch.Generator().manual_seed(1))
    y = torch.arange(b)  # one class per image: the label weights name the partner
    torch.manual_seed(0)
    x_mix, y_mix = gpu_targets.mixup_loop(x, y, np.random.default_rng(0))
    x_cut, y_cut = gpu_targets.cutmix_loop(x, y, np.random.default_rng(0))
    for y_out in (y_mix, y_cut):
        assert y_out.shape == (b, k)
        torch.testing.assert_close(y_out.sum(1), torch.ones(b))
        assert ((y_out > 0).sum(1) <= 2).all()
    for i in range(b):
        j = next((c for c in y_mix[i].nonzero().flatten().tolist() if c != i), i)
        lam = y_mix[i, i].item()
        torch.testing.assert_close(x_mix[i], lam * x[i] + (1 - lam) * x[j])
        j = next((c for c in y_cut[i].nonzero().flatten().tolist() if c != i), i)
        pasted = (x_cut[i] != x[i]).any(0)  # pixels taken from the partner
        assert torch.equal(x_cut[i][:, pasted], x[j][:, pasted])
        if j != i:
            assert abs(pasted.float().mean().item() - y_cut[i, j].item()) < 1e-6
