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

A second table gives the cost per second of audio (CPU time of the process and wall time,
median of interleaved rounds, 32 one-second clips, per-clip parameters): pitch shift by
helpers, by torch-audiomentations ``PitchShift(mode="per_example")`` (the ``bench`` extra; it
only takes shifts whose ratio has small prime factors, so its shifts are rounded to those) and
by a loop of torchaudio calls (timed on a few clips, scaled), then time stretch by helpers and
by the torchaudio loop.

Run ``python bench/audio.py`` (``--quick`` for a smoke run, ``--device cuda`` on a GPU). On
the CPU without ``--threads`` it records one pair of tables at 1 thread and one at 2.
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import time
from pathlib import Path

import torch
import torchaudio
import torchaudio.functional as AF

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    base_parser,
    cpu_thread_counts,
    setup_from_args,
    sync,
    time_call,
    write_table,
)

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


def torch_audiomentations_pitch_shift():
    """torch-audiomentations' per-example pitch shift (None when it is not installed)."""
    try:
        from torch_audiomentations import PitchShift
    except ImportError:
        return None
    return PitchShift(min_transpose_semitones=-4.0, max_transpose_semitones=4.0,
                      mode="per_example", p=1.0, sample_rate=SR, output_type="tensor")


def bench_per_second(device, batch, rounds, n_reference):
    """Rows of (operation, implementation, CPU ms and wall ms per second of audio)."""
    g = torch.Generator().manual_seed(4)
    x = torch.randn(batch, SR, generator=g).to(device)
    semitones = (torch.rand(batch, generator=g) * 8 - 4).to(device)
    rates = 0.8 + 0.45 * torch.rand(batch, generator=g)
    n_fft, hop = 512, 128
    window = torch.hann_window(n_fft, device=device)
    advance = torch.linspace(0, math.pi * hop, n_fft // 2 + 1, device=device)[..., None]
    steps, rate_list = semitones.tolist(), rates.tolist()

    def stretch_loop():
        for xi, r in zip(x[:n_reference], rate_list, strict=False):
            spec = torch.stft(xi, n_fft, hop, window=window, return_complex=True)
            torch.istft(AF.phase_vocoder(spec, r, advance), n_fft, hop, window=window,
                        length=round(SR / r))

    fns = {  # (operation, implementation) -> (call, seconds of audio it processes)
        ("pitch shift, U(-4, 4) semitones", "helpers.audio.pitch_shift"):
            (lambda: pitch_shift(x, SR, semitones), batch),
        ("time stretch, rate U(0.8, 1.25)", "helpers.audio.time_stretch"):
            (lambda: time_stretch(x, rates), batch),
        ("time stretch, rate U(0.8, 1.25)", "torchaudio STFT + phase_vocoder + iSTFT per clip"):
            (stretch_loop, n_reference),
    }
    peer = torch_audiomentations_pitch_shift() if device.type == "cpu" else None
    if peer is not None:
        x3 = x[:, None, :]
        fns[("pitch shift, U(-4, 4) semitones", "torch-audiomentations PitchShift, per_example")] = \
            (lambda: peer(x3), batch)
    cpu = {k: [] for k in fns}
    wall = {k: [] for k in fns}
    for fn, _ in fns.values():  # warm-up
        fn()
    for _ in range(rounds):
        for key, (fn, _) in fns.items():
            c0, t0 = time.process_time(), time.perf_counter()
            fn()
            sync(device)
            wall[key].append(time.perf_counter() - t0)
            cpu[key].append(time.process_time() - c0)
    # torchaudio's pitch shift builds a new kernel for every call (seconds each): timed once,
    # on one clip, outside the rounds
    slow = ("pitch shift, U(-4, 4) semitones", "torchaudio.functional.pitch_shift, one call per clip")
    c0, t0 = time.process_time(), time.perf_counter()
    AF.pitch_shift(x[0], SR, steps[0])
    fns[slow], cpu[slow], wall[slow] = (None, 1), [time.process_time() - c0], [time.perf_counter() - t0]
    rows = []
    for key in sorted(fns, key=lambda k: (k[0], not k[1].startswith("helpers"))):
        seconds = fns[key][1]
        c, w = statistics.median(cpu[key]) / seconds, statistics.median(wall[key]) / seconds
        ours_key = next(k for k in fns if k[0] == key[0] and k[1].startswith("helpers"))
        c_ours = statistics.median(cpu[ours_key]) / fns[ours_key][1]
        rows.append([key[0], key[1], f"{c * 1e3:.2f}", f"{w * 1e3:.2f}",
                     "1.00x" if key == ours_key else f"**{c / c_ours:.1f}x**"])
    return rows, peer is not None


def main(argv=None) -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--per-second-only", action="store_true",
                        help="only the cost-per-second-of-audio table (skips minutes of torchaudio calls)")
    args = parser.parse_args(argv)
    for threads in cpu_thread_counts(args):
        args.threads = threads
        run(args)


def run(args) -> None:
    device = setup_from_args(args)
    quick = args.quick
    repeat = 2 if quick else 5
    if not args.per_second_only:
        run_batch_table(args, device, quick, repeat)
    run_per_second_table(args, device, quick)


def run_batch_table(args, device, quick, repeat) -> None:
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


def run_per_second_table(args, device, quick) -> None:
    load_before = os.getloadavg()[0]
    rows, has_peer = bench_per_second(device, 8 if quick else 32, 2 if quick else 5, 2 if quick else 4)
    notes = ("Cost per second of audio: 16 kHz one-second clips, each with its own parameters, "
             "batch of 32 (torchaudio stretch loop: 4 clips, scaled; torchaudio pitch shift: one clip, once). 'CPU ms' is the process's CPU time "
             "(all threads), steadier than wall time when other jobs share the cores; 'helpers "
             "speed-up' compares CPU times within one operation. Median of 5 interleaved rounds. "
             "torch-audiomentations rounds each shift to a ratio with small prime factors "
             "(torch-pitch-shift's fast shifts). System load average (1 min) "
             f"{load_before:.1f} before and {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} "
             f"cores. Command: python bench/audio.py --threads {args.threads}.")
    if not has_peer and device.type == "cpu":
        notes += " torch-audiomentations is not installed (pip install -e '.[bench]'): no row for it."
    write_table("audio-per-second", device, ["operation", "implementation",
                "CPU ms per s of audio", "wall ms per s of audio", "helpers speed-up (CPU time)"],
                rows, notes=notes, write=not (args.no_write or quick))


if __name__ == "__main__":
    main()
