"""Additive noise at a target SNR, volume in dB and a clipping guard, per example.

Waveforms are float ``(B, T)`` or ``(B, C, T)``; every parameter is a number or a ``(B,)``
tensor (one value per example, shared by its channels). Taught in course section 5.
"""

from __future__ import annotations

import torch

from .._validate import check_positive, make_generator
from ._common import check_bounds, check_waveform, draw_normal, expand_rows, per_sample, uniform

NOISE_EXPONENTS = {"white": 0.0, "pink": 1.0, "brown": 2.0}


def shape_spectrum(white: torch.Tensor, exponent: float) -> torch.Tensor:
    """Colour white noise ``(..., T)`` so that its power spectrum falls as ``1 / f**exponent``.

    Multiplies the rFFT by ``f ** (-exponent / 2)`` (the DC bin is set to zero) and
    transforms back; ``exponent`` 1 gives pink noise (-3 dB per octave), 2 brown noise.
    The result has zero mean and unit variance along the last axis.
    """
    if exponent == 0:
        return white
    length = white.shape[-1]
    spectrum = torch.fft.rfft(white, dim=-1)
    f = torch.arange(spectrum.shape[-1], device=white.device, dtype=white.dtype)
    gain = torch.where(f > 0, f.clamp_min(1).pow(-exponent / 2), torch.zeros_like(f))
    coloured = torch.fft.irfft(spectrum * gain, n=length, dim=-1)
    return coloured / coloured.std(dim=-1, keepdim=True).clamp_min(1e-12)


def make_noise(shape, color: str = "white", *, generator=None, device=None,
               dtype=torch.float32) -> torch.Tensor:
    """Gaussian noise of ``shape`` (last axis = time), white, pink or brown.

    The white noise is drawn on ``device`` when the generator lives there, otherwise on the
    generator's device (CPU for an int seed) and moved, so one seed gives the same noise on
    every device.
    """
    if color not in NOISE_EXPONENTS:
        raise ValueError(f"color must be one of {sorted(NOISE_EXPONENTS)}, got {color!r}")
    device = torch.device(device) if device is not None else torch.device("cpu")
    white = draw_normal(tuple(shape), generator, device, dtype)
    return shape_spectrum(white, NOISE_EXPONENTS[color])


def add_noise(waveform: torch.Tensor, noise: torch.Tensor, snr_db) -> torch.Tensor:
    """Scale ``noise`` so that each row has the target SNR, and add it.

    ``waveform`` and ``noise``: same shape ``(B, T)`` or ``(B, C, T)``; ``snr_db``: a number or
    ``(B,)``. Every row (example, channel) gets ``x + a n`` with
    ``a = sqrt(|x|^2 / |n|^2 * 10 ** (-snr / 10))``, exactly as
    ``torchaudio.functional.add_noise`` computes it. A silent row, or an all-zero noise row,
    is returned unchanged (no SNR can be reached).
    """
    rows, shape = check_waveform(waveform)
    noise_rows, noise_shape = check_waveform(noise, "noise")
    if noise_shape != shape:
        raise ValueError(f"noise must have the waveform's shape {tuple(shape)}, got {tuple(noise_shape)}")
    snr = expand_rows(per_sample(snr_db, shape[0], "snr_db", device=rows.device,
                                 dtype=rows.dtype), shape)
    signal_energy = rows.pow(2).sum(-1)
    noise_energy = noise_rows.pow(2).sum(-1)
    ok = (signal_energy > 0) & (noise_energy > 0)
    scale = torch.sqrt(signal_energy / noise_energy.clamp_min(1e-30) * 10 ** (-snr / 10))
    scale = torch.where(ok, scale, torch.zeros_like(scale))
    return (rows + scale[:, None] * noise_rows).reshape(shape)


def measure_snr(clean: torch.Tensor, noisy: torch.Tensor) -> torch.Tensor:
    """SNR in dB of every row of ``noisy`` against ``clean``: ``10 log10(|x|^2 / |y - x|^2)``.

    Returns ``(B,)`` for ``(B, T)`` input, ``(B, C)`` for ``(B, C, T)``.
    """
    check_waveform(clean, "clean")
    check_waveform(noisy, "noisy")
    if clean.shape != noisy.shape:
        raise ValueError(f"noisy must have the shape of clean {tuple(clean.shape)}, got {tuple(noisy.shape)}")
    return 10 * torch.log10(clean.pow(2).sum(-1) / (noisy - clean).pow(2).sum(-1))


def gain(waveform: torch.Tensor, gain_db) -> torch.Tensor:
    """Multiply each example by ``10 ** (gain_db / 20)``; ``gain_db`` a number or ``(B,)``.

    Same as ``torchaudio.functional.gain`` applied to each example with its own gain.
    """
    rows, shape = check_waveform(waveform)
    g = expand_rows(per_sample(gain_db, shape[0], "gain_db", device=rows.device,
                               dtype=rows.dtype), shape)
    return (rows * 10 ** (g / 20)[:, None]).reshape(shape)


def guard_clipping(waveform: torch.Tensor, max_peak: float = 1.0) -> torch.Tensor:
    """Scale down every example whose peak ``|x|`` exceeds ``max_peak`` so that it equals it.

    Unlike hard clipping (``clamp``), the waveform keeps its shape: an example at or below
    ``max_peak`` is untouched, a louder one is divided by ``peak / max_peak`` (all its
    channels together, so their balance is kept).
    """
    check_waveform(waveform)
    max_peak = check_positive(max_peak, "max_peak")
    dims = tuple(range(1, waveform.ndim))
    peak = waveform.abs().amax(dim=dims, keepdim=True)
    return waveform * torch.clamp(max_peak / peak.clamp_min(1e-30), max=1.0)


class RandomNoise(torch.nn.Module):
    """Add white, pink or brown noise at an SNR drawn uniformly from ``snr_db = (low, high)``.

    ``make_params`` draws the ``(B,)`` SNRs on the generator's device (CPU by default); the
    noise itself is drawn as :func:`make_noise` says. ``forward`` calls :func:`add_noise`.
    """

    def __init__(self, snr_db=(10.0, 30.0), color: str = "white"):
        super().__init__()
        self.snr_db = check_bounds(snr_db, "snr_db")
        if color not in NOISE_EXPONENTS:
            raise ValueError(f"color must be one of {sorted(NOISE_EXPONENTS)}, got {color!r}")
        self.color = color

    def make_params(self, waveform: torch.Tensor, generator=None) -> dict:
        snr = uniform(waveform.shape[0], self.snr_db, "snr_db", generator)
        noise = make_noise(waveform.shape, self.color, generator=generator,
                           device=waveform.device, dtype=waveform.dtype)
        return {"snr_db": snr, "noise": noise}

    def forward(self, waveform, generator=None):
        check_waveform(waveform)
        params = self.make_params(waveform, make_generator(generator))
        return add_noise(waveform, params["noise"], params["snr_db"].to(waveform.device))

    def extra_repr(self) -> str:
        return f"snr_db={self.snr_db}, color={self.color!r}"


class RandomVolume(torch.nn.Module):
    """Change each example's volume by a gain drawn uniformly from ``gain_db = (low, high)``.

    With ``clip_guard`` (default) an example whose peak would pass ``max_peak`` is scaled
    down to it (:func:`guard_clipping`) instead of clipping.
    """

    def __init__(self, gain_db=(-6.0, 6.0), *, clip_guard: bool = True, max_peak: float = 1.0):
        super().__init__()
        self.gain_db = check_bounds(gain_db, "gain_db")
        self.clip_guard = bool(clip_guard)
        self.max_peak = check_positive(max_peak, "max_peak")

    def make_params(self, batch_size: int, generator=None) -> dict:
        return {"gain_db": uniform(batch_size, self.gain_db, "gain_db", generator)}

    def forward(self, waveform, generator=None):
        check_waveform(waveform)
        params = self.make_params(waveform.shape[0], make_generator(generator))
        out = gain(waveform, params["gain_db"].to(waveform.device))
        return guard_clipping(out, self.max_peak) if self.clip_guard else out

    def extra_repr(self) -> str:
        return f"gain_db={self.gain_db}, clip_guard={self.clip_guard}, max_peak={self.max_peak}"
