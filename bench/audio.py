"""Benchmark helpers.audio against torchaudio, the library a user would otherwise pick.

* SpecAugment on a batch of 256 log-mel spectrograms (1 frequency mask, 2 time masks, iid
  per example) vs ``torchaudio.transforms.SpecAugment(iid_masks=True)``.
* Pitch shift of 64 one-second clips at 16 kHz, each by its own semitones, vs a loop of
  ``torchaudio.functional.pitch_shift`` calls (it takes one shift per call). Each of those
  calls builds a resampling kernel of about ``16000 x 18000`` numbers and takes seconds, so
  the loop is timed on its first few clips and scaled to the batch (the table says how many).
  A fairer second baseline groups integer shifts: one ``torchaudio.transforms.PitchShift``
  per distinct shift, its kernel built once in the warm-up (full run only: the warm-up
  takes minutes).
* Time stretch of the same batch, each by its own rate, vs a loop of STFT +
  ``torchaudio.functional.phase_vocoder`` + inverse STFT per clip.
* Reverberation: FFT convolution of 64 clips with their own 0.5 s impulse responses vs
  ``torchaudio.functional.fftconvolve``.

Run ``python bench/audio.py`` (``--quick`` for a smoke run, ``--device cuda`` on a GPU).
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import torch
import torchaudio
import torchaudio.functional as AF

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import base_parser, setup_from_args, sync, time_call, write_table  # noqa: E402

from helpers.audio import SpecAugment, apply_rir, pitch_shift, synthetic_rir, time_stretch  # noqa: E402

SR = 16000


def _row(name, ours, theirs, note=""):
    return [name, f"{ours * 1e3:.1f}", f"{theirs * 1e3:.1f}", f"{theirs / ours:.1f}x", note]


def bench_specaugment(device, batch, repeat):
    spec = torch.randn(batch, 1, 64, 101, device=device)
    ours = SpecAugment(n_freq_masks=1, freq_mask_param=15, n_time_masks=2, time_mask_param=35)
    theirs = torchaudio.transforms.SpecAugment(n_time_masks=2, time_mask_param=35, n_freq_masks=1,
                                               freq_mask_param=15, iid_masks=True,
                                               zero_masking=True)
    g = torch.Generator().manual_seed(0)
    t_ours = time_call(lambda: ours(spec, generator=g), device, repeat=repeat)
    t_theirs = time_call(lambda: theirs(spec), device, repeat=repeat)
    return _row(f"SpecAugment, batch {batch} x (1, 64, 101)", t_ours, t_theirs)


def bench_pitch_shift(device, batch, n_reference, repeat):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(batch, SR, generator=g).to(device)
    semitones = (torch.rand(batch, generator=g) * 8 - 4).to(device)  # U(-4, 4), fractional
    t_ours = time_call(lambda: pitch_shift(x, SR, semitones), device, warmup=1, repeat=repeat)
    steps = semitones.tolist()
    sync(device)
    t0 = time.perf_counter()
    for i in range(n_reference):  # each call builds its own kernel: no warm-up helps it
        AF.pitch_shift(x[i], SR, steps[i])
    sync(device)
    t_theirs = (time.perf_counter() - t0) / n_reference * batch
    return _row(f"pitch shift, batch {batch} x 1 s, per-clip semitones in [-4, 4]", t_ours,
                t_theirs, f"torchaudio loop timed on {n_reference} of {batch} calls, scaled")


def bench_pitch_shift_grouped(device, batch, repeat):
    g = torch.Generator().manual_seed(3)
    x = torch.randn(batch, SR, generator=g).to(device)
    semitones = torch.randint(-2, 3, (batch,), generator=g)  # integers in [-2, 2]
    modules = {s: torchaudio.transforms.PitchShift(SR, s).to(device)
               for s in semitones.unique().tolist() if s != 0}

    def grouped():  # one call per distinct shift, each module's kernel cached after warm-up
        out = x.clone()
        for s, module in modules.items():
            rows = (semitones == s).to(device)
            out[rows] = module(x[rows])
        return out

    shifts = semitones.float().to(device)
    t_ours = time_call(lambda: pitch_shift(x, SR, shifts), device, warmup=1, repeat=5)
    t_theirs = time_call(grouped, device, warmup=1, repeat=repeat)
    return _row(f"pitch shift, batch {batch} x 1 s, integer semitones in [-2, 2]", t_ours,
                t_theirs, f"torchaudio: one cached PitchShift per distinct shift ({len(modules)})")


def bench_time_stretch(device, batch, repeat):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(batch, SR, generator=g).to(device)
    rates = (0.8 + 0.45 * torch.rand(batch, generator=g)).tolist()
    n_fft, hop = 512, 128
    window = torch.hann_window(n_fft, device=device)
    advance = torch.linspace(0, math.pi * hop, n_fft // 2 + 1, device=device)[..., None]

    def loop():
        for xi, r in zip(x, rates, strict=True):
            spec = torch.stft(xi, n_fft, hop, window=window, return_complex=True)
            stretched = AF.phase_vocoder(spec, r, advance)
            torch.istft(stretched, n_fft, hop, window=window, length=round(SR / r))

    rate_t = torch.tensor(rates)
    t_ours = time_call(lambda: time_stretch(x, rate_t), device, warmup=1, repeat=repeat)
    t_theirs = time_call(loop, device, warmup=1, repeat=repeat)
    return _row(f"time stretch, batch {batch} x 1 s, per-clip rate in [0.8, 1.25]", t_ours,
                t_theirs, "torchaudio: STFT + phase_vocoder + iSTFT per clip")


def bench_reverb(device, batch, repeat):
    g = torch.Generator().manual_seed(2)
    x = torch.randn(batch, SR, generator=g).to(device)
    rirs = synthetic_rir(torch.full((batch,), 0.5), SR, generator=g, device=device)
    t_ours = time_call(lambda: apply_rir(x, rirs), device, repeat=repeat)
    t_theirs = time_call(lambda: AF.fftconvolve(x, rirs)[..., :SR], device, repeat=repeat)
    return _row(f"reverb (FFT convolution), batch {batch} x 1 s, 0.5 s responses", t_ours,
                t_theirs, "same algorithm; ours pads to a power-of-two FFT")


def main(argv=None) -> None:
    parser = base_parser(__doc__.splitlines()[0])
    args = parser.parse_args(argv)
    device = setup_from_args(args)
    quick = args.quick
    repeat = 2 if quick else 5
    rows = [
        bench_specaugment(device, 32 if quick else 256, 2 * repeat + 1),
        bench_pitch_shift(device, 8 if quick else 64, 1 if quick else 4, 2 if quick else 5),
        *([] if quick else [bench_pitch_shift_grouped(device, 64, 2)]),
        bench_time_stretch(device, 8 if quick else 64, repeat),
        bench_reverb(device, 8 if quick else 64, 2 * repeat + 1),
    ]
    header = ["operation", "helpers.audio (ms)", "torchaudio (ms)", "speed-up", "note"]
    notes = ("Median wall time per batch. Every example gets its own random parameters; "
             "torchaudio's functions take one parameter per call where noted. On a CPU shared "
             "with other work, times vary severalfold between runs: compare within a row.")
    write_table("audio", device, header, rows, notes=notes, write=not (args.no_write or quick))


if __name__ == "__main__":
    main()
