"""Synthetic room impulse responses and batched FFT convolution with them.

A room's reverberation tail is close to Gaussian noise whose envelope decays exponentially;
RT60 is the time it takes to fall by 60 dB. :func:`synthetic_rir` builds such responses
(a statistical model, not a simulated room), :func:`apply_rir` convolves each example with
its own response in the frequency domain. Taught in course section 5.
"""

from __future__ import annotations

import math

import torch

from .._validate import check_int, check_positive, make_generator
from ._common import (
    check_bounds,
    check_sample_rate,
    check_waveform,
    draw_normal,
    match_sample_rate,
    per_sample,
    uniform,
)


def _decay_envelope(rt60: torch.Tensor, sample_rate: int, length: int) -> torch.Tensor:
    """``exp(-3 ln(10) t / rt60)`` for ``t = 0 .. length-1`` samples: -60 dB at ``t = rt60``."""
    t = torch.arange(length, dtype=torch.float64) / sample_rate
    return torch.exp(-3 * math.log(10) * t[None, :] / rt60[:, None]).float()


def synthetic_rir(rt60, sample_rate: int, *, length: int | None = None, drr_db: float | None = 0.0,
                  generator=None, device=None) -> torch.Tensor:
    """Impulse responses ``(N, length)`` float32: decaying Gaussian noise with the given RT60.

    ``rt60``: seconds, a number or an ``(N,)`` tensor of decay times. ``length`` defaults to
    ``ceil(max(rt60) * sample_rate)`` samples (the tail has then fallen by 60 dB). With
    ``drr_db`` a direct-path impulse at t = 0 carries that direct-to-reverberant energy ratio
    (``None``: no direct path). Each response is normalised to unit energy, so convolving
    keeps a signal's loudness about the same. The noise is drawn as
    :func:`helpers.audio.make_noise` says.
    """
    sample_rate = check_sample_rate(sample_rate)
    n = rt60.numel() if isinstance(rt60, torch.Tensor) else 1
    rt60 = per_sample(rt60.reshape(-1) if isinstance(rt60, torch.Tensor) else rt60, n, "rt60",
                      positive=True)
    if length is None:
        length = max(2, math.ceil(round(float(rt60.max()) * sample_rate, 3)))
    length = check_int(length, "length", minimum=2)
    device = torch.device(device) if device is not None else torch.device("cpu")
    tail = draw_normal((n, length), make_generator(generator), device, torch.float32)
    tail = tail * _decay_envelope(rt60, sample_rate, length).to(device)
    tail[:, 0] = 0.0
    tail = tail / tail.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    if drr_db is not None:
        tail[:, 0] = 10 ** (check_bounds(drr_db, "drr_db")[0] / 20)
    return tail / tail.norm(dim=-1, keepdim=True)


def estimate_rt60(rir: torch.Tensor, sample_rate: int) -> torch.Tensor:
    """RT60 in seconds of each response ``(N, L)``, from the Schroeder decay curve.

    Fits the backward-integrated energy between -5 and -25 dB and extrapolates the slope to
    60 dB (the T20 method of ISO 3382). Returns ``(N,)`` float64.
    """
    if not isinstance(rir, torch.Tensor) or rir.ndim != 2:
        raise ValueError(f"rir must be a tensor (N, L), got {getattr(rir, 'shape', rir)}")
    sample_rate = check_sample_rate(sample_rate)
    energy = rir.double().pow(2).flip(-1).cumsum(-1).flip(-1)
    curve = 10 * torch.log10(energy / energy[:, :1])
    t = torch.arange(rir.shape[-1], dtype=torch.float64, device=rir.device) / sample_rate
    inside = (curve <= -5) & (curve >= -25)
    w = inside.double()
    count = w.sum(-1)
    t_mean = (w * t).sum(-1) / count
    c_mean = (w * curve).sum(-1) / count
    slope = (w * (t - t_mean[:, None]) * (curve - c_mean[:, None])).sum(-1) / (
        (w * (t - t_mean[:, None]) ** 2).sum(-1)
    )
    return -60.0 / slope


def fft_convolve(x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    """Full linear convolution along the last axis via the FFT, with broadcasting.

    ``x (..., T)`` and ``h (..., L)`` give ``(..., T + L - 1)``; same as
    ``torchaudio.functional.fftconvolve(x, h)``.
    """
    n = x.shape[-1] + h.shape[-1] - 1
    size = 1 << (n - 1).bit_length()  # a power of two: fast FFT sizes
    y = torch.fft.irfft(torch.fft.rfft(x, n=size) * torch.fft.rfft(h, n=size), n=size)
    return y[..., :n]


def apply_rir(waveform: torch.Tensor, rir: torch.Tensor) -> torch.Tensor:
    """Convolve each example with its impulse response, keeping the length ``T``.

    ``waveform``: float ``(B, T)`` or ``(B, C, T)``; ``rir``: ``(L,)`` shared by all or
    ``(B, L)`` one per example (shared by its channels). Returns the first ``T`` samples of
    the full convolution (the response starts at t = 0, so nothing is delayed).
    """
    rows, shape = check_waveform(waveform)
    if not isinstance(rir, torch.Tensor) or not rir.is_floating_point():
        raise ValueError(f"rir must be a floating-point tensor, got {type(rir).__name__}")
    if rir.ndim == 1:
        h = rir[None, :]
    elif rir.ndim == 2 and rir.shape[0] == shape[0]:
        h = rir if len(shape) == 2 else rir.repeat_interleave(shape[1], dim=0)
    else:
        raise ValueError(f"rir must have shape (L,) or ({shape[0]}, L), got {tuple(rir.shape)}")
    h = h.to(device=rows.device, dtype=rows.dtype)
    return fft_convolve(rows, h)[..., : shape[-1]].reshape(shape)


class RandomReverb(torch.nn.Module):
    """Reverberate each example with a response picked from a bank of synthetic rooms.

    The bank (``n_rirs`` responses with RT60 evenly spread over ``rt60 = (low, high)``
    seconds, built once from ``seed``) is a buffer, so it moves with ``.to(device)``.
    ``make_params`` picks one response index per example on the generator's device.
    """

    def __init__(self, sample_rate: int, rt60=(0.2, 0.8), *, n_rirs: int = 16,
                 drr_db: float | None = 0.0, seed: int = 0):
        super().__init__()
        self.sample_rate = check_sample_rate(sample_rate)
        low, high = check_bounds(rt60, "rt60", low=1e-3)
        check_positive(low, "rt60")
        self.n_rirs = check_int(n_rirs, "n_rirs", minimum=1)
        times = torch.linspace(low, high, self.n_rirs, dtype=torch.float64)
        self.rt60 = (low, high)
        self.register_buffer("rt60s", times.float())
        self.register_buffer("rirs", synthetic_rir(times, self.sample_rate, drr_db=drr_db,
                                                   generator=seed))

    def make_params(self, batch_size: int, generator=None) -> dict:
        u = uniform(batch_size, (0.0, 1.0), "u", generator)
        return {"index": (u * self.n_rirs).long().clamp_(max=self.n_rirs - 1)}

    def forward(self, waveform, generator=None, sample_rate: int | None = None):
        match_sample_rate(self.sample_rate, sample_rate)
        check_waveform(waveform)
        index = self.make_params(waveform.shape[0], make_generator(generator))["index"]
        return apply_rir(waveform, self.rirs[index.to(self.rirs.device)])

    def extra_repr(self) -> str:
        return f"sample_rate={self.sample_rate}, rt60={self.rt60}, n_rirs={self.n_rirs}"
