"""Time stretch and pitch shift with a different factor for every example of a batch.

Both follow torchaudio's recipe (``torchaudio.functional.phase_vocoder`` on the STFT, then
``torchaudio.functional.resample`` for a pitch shift), but a whole batch runs in one pass:

* the phase vocoder reads every example's frames at its own rate through one ``gather``;
* the inverse STFT is an overlap-add (``fold``) whose window envelope counts only each
  example's own frames, so an example's output equals torchaudio's for that example alone;
* the resampler evaluates the same Hann-windowed sinc kernel as torchaudio at every output
  position of every example at once, instead of building a ``(new_rate, 1, ~orig_rate)``
  kernel per call (at 16 kHz, when the two rates share no common factor, that kernel holds
  ~300 million numbers, which is why ``torchaudio.functional.pitch_shift`` takes seconds
  per call).

Taught in course section 5 (waveform augmentation).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .._validate import check_int, make_generator
from ._common import (
    check_bounds,
    check_sample_rate,
    check_waveform,
    expand_rows,
    match_sample_rate,
    per_sample,
    uniform,
)

_NOLA_EPS = 1e-11  # torch.istft's threshold for a usable window envelope
MAX_FACTOR = 16.0  # stretch rates and pitch ratios beyond 16x (4 octaves) are refused


def _check_factor(factor: torch.Tensor, name: str, what: str) -> None:
    if bool(((factor > MAX_FACTOR) | (factor < 1 / MAX_FACTOR)).any()):
        raise ValueError(f"{name} must give {what} within [1/16, 16], got {factor.tolist()}")


def _stft_config(n_fft, hop_length, win_length):
    n_fft = check_int(n_fft, "n_fft", minimum=2)
    hop_length = n_fft // 4 if hop_length is None else check_int(hop_length, "hop_length", minimum=1)
    win_length = n_fft if win_length is None else check_int(win_length, "win_length", minimum=1)
    if win_length > n_fft:
        raise ValueError(f"win_length must be <= n_fft ({n_fft}), got {win_length}")
    if hop_length > win_length:
        raise ValueError(f"hop_length must be <= win_length ({win_length}), got {hop_length}")
    return n_fft, hop_length, win_length


def phase_vocoder(spec: torch.Tensor, rate, hop_length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Speed up complex spectrograms ``(N, F, M)`` by a per-row ``rate`` without changing pitch.

    Row ``n`` gets ``ceil(M / rate[n])`` frames, as ``torchaudio.functional.phase_vocoder``
    gives for that row alone (``phase_advance = linspace(0, pi * hop_length, F)``); shorter
    rows are zero-padded to the longest. Returns ``(stretched (N, F, M_out), n_frames (N,))``.
    """
    if not (isinstance(spec, torch.Tensor) and spec.is_complex() and spec.ndim == 3):
        raise ValueError(f"spec must be a complex tensor (N, F, M), got {getattr(spec, 'shape', spec)}")
    n, n_freq, m = spec.shape
    device = spec.device
    rate = per_sample(rate, n, "rate", positive=True, device="cpu")
    n_frames = torch.ceil(m / rate).long()
    m_out = int(n_frames.max())
    real_dtype = spec.real.dtype
    # torchaudio reads frames at arange(0, M, rate) held in the spectrogram's real dtype; the
    # rounding matters (0.7 * 10 is 7.0 in float32), so steps are rounded to that dtype too.
    steps = (torch.arange(m_out, dtype=torch.float64) * rate[:, None]).to(real_dtype)
    valid = (torch.arange(m_out) < n_frames[:, None]).to(device)
    idx0 = steps.long().clamp(max=m + 1).to(device)
    idx1 = (idx0 + 1).clamp(max=m + 1)
    alphas = (steps % 1.0).to(device)

    padded = F.pad(spec, (0, 2))  # two zero frames, as torchaudio pads
    angle, norm = padded.angle(), padded.abs()

    def frames(t, idx):
        return t.gather(2, idx[:, None, :].expand(n, n_freq, m_out))

    phase_advance = torch.linspace(0, math.pi * hop_length, n_freq, device=device,
                                   dtype=real_dtype)[:, None]
    phase = frames(angle, idx1) - frames(angle, idx0) - phase_advance
    phase = phase - 2 * math.pi * torch.round(phase / (2 * math.pi))
    phase = torch.cat([angle[..., :1], (phase + phase_advance)[..., :-1]], dim=-1)
    mag = alphas[:, None] * frames(norm, idx1) + (1 - alphas[:, None]) * frames(norm, idx0)
    mag = mag * valid[:, None, :]
    return torch.polar(mag, torch.cumsum(phase, -1)), n_frames


def _overlap_add_istft(spec, n_frames, lengths, n_fft, hop, window):
    """Inverse STFT of rows with ``n_frames[n]`` valid frames each, cut to ``lengths[n]``.

    Same result as ``torch.istft(spec[n, :, :n_frames[n]], ..., center=True, length=lengths[n])``
    for every row; rows are zero beyond their own length.
    """
    n, _, m = spec.shape
    device, dtype = spec.device, spec.real.dtype
    frames = torch.fft.irfft(spec, n=n_fft, dim=1) * window[None, :, None]
    valid = (torch.arange(m, device=device) < n_frames.to(device)[:, None]).to(dtype)
    total = n_fft + hop * (m - 1)
    signal = F.fold(frames, output_size=(1, total), kernel_size=(1, n_fft),
                    stride=(1, hop))[:, 0, 0]
    # sum of squared windows over each row's own frames: a strided transposed convolution
    envelope = F.conv_transpose1d(valid[:, None, :], (window**2).reshape(1, 1, -1),
                                  stride=hop)[:, 0]
    out_len = int(lengths.max())
    start = n_fft // 2
    signal, envelope = signal[:, start:start + out_len], envelope[:, start:start + out_len]
    y = torch.where(envelope > _NOLA_EPS, signal / envelope.clamp_min(_NOLA_EPS), 0.0)
    if y.shape[-1] < out_len:
        y = F.pad(y, (0, out_len - y.shape[-1]))
    keep = torch.arange(out_len, device=device) < lengths.to(device)[:, None]
    return y * keep


def _stretch_rows(rows, rate, n_fft, hop, win_length):
    """Phase-vocoder stretch of ``(N, T)`` rows; returns ``(padded (N, T_out), lengths (N,))``."""
    window = torch.hann_window(win_length, device=rows.device, dtype=rows.dtype)
    spec = torch.stft(rows, n_fft=n_fft, hop_length=hop, win_length=win_length, window=window,
                      center=True, pad_mode="reflect", normalized=False, onesided=True,
                      return_complex=True)
    stretched, n_frames = phase_vocoder(spec, rate, hop)
    lengths = torch.round(rows.shape[-1] / rate).long()  # round half to even, like Python's round
    if win_length < n_fft:  # torch.stft centres a short window inside n_fft
        left = (n_fft - win_length) // 2
        window = F.pad(window, (left, n_fft - win_length - left))
    return _overlap_add_istft(stretched, n_frames, lengths, n_fft, hop, window), lengths


def time_stretch(waveform: torch.Tensor, rate, *, n_fft: int = 512, hop_length: int | None = None,
                 win_length: int | None = None, return_lengths: bool = False):
    """Change the duration of every example by ``1 / rate`` keeping its pitch (phase vocoder).

    ``waveform``: float ``(B, T)`` or ``(B, C, T)``. ``rate``: a number or a ``(B,)`` tensor,
    > 1 speeds up (shorter), < 1 slows down, within [1/16, 16]. Example ``b`` becomes ``round(T / rate[b])``
    samples long, exactly what torchaudio's pitch-shift pre-processing (STFT with a Hann window,
    ``torchaudio.functional.phase_vocoder``, ``torch.istft``) gives for that example alone;
    the batch is zero-padded to the longest, shape ``(B, [C,] max_b round(T / rate[b]))``.
    With ``return_lengths`` also returns the lengths ``(B,)`` int64. Examples with rate 1 are
    returned unchanged.
    """
    rows, shape = check_waveform(waveform)
    n_fft, hop, win_length = _stft_config(n_fft, hop_length, win_length)
    rate = expand_rows(per_sample(rate, shape[0], "rate", positive=True, device="cpu"), shape)
    _check_factor(rate, "rate", "rates")
    out, lengths = _stretch_rows(rows, rate, n_fft, hop, win_length)
    identity = (rate == 1).to(rows.device)
    if bool(identity.any()):
        same = F.pad(rows, (0, max(0, out.shape[-1] - rows.shape[-1])))[:, :out.shape[-1]]
        out = torch.where(identity[:, None], same, out)
    out = out.reshape(*shape[:-1], out.shape[-1])
    lengths = lengths.reshape(shape[:-1])[:, 0] if len(shape) == 3 else lengths
    return (out, lengths) if return_lengths else out


def _sinc_resample_rows(rows, lengths, orig, new: int, out_len: int,
                        lowpass_filter_width: int = 6, rolloff: float = 0.99):
    """Band-limited resampling of each row from ``orig[n]`` to ``new`` Hz (both integers).

    Evaluates torchaudio's ``sinc_interp_hann`` kernel at every output position: output ``j``
    of row ``n`` sits at input position ``j * orig[n] / new`` (exact integer arithmetic); the
    weight of input sample ``i`` at offset ``tau = i - position`` is
    ``c sinc(c tau) cos^2(pi c tau / (2 w))`` for ``|c tau| <= w``, with
    ``c = rolloff * min(1, new / orig[n])`` and ``w = lowpass_filter_width``. Rows are zero
    outside ``[0, lengths[n])``; output beyond ``ceil(new * lengths[n] / orig[n])`` is zero,
    as torchaudio's length rule gives.
    """
    n, length = rows.shape
    device, dtype = rows.device, rows.dtype
    w = lowpass_filter_width
    orig = orig.to(device)
    c = (torch.clamp(new / orig.to(torch.float64), max=1.0) * rolloff)[:, None]  # (N, 1)
    taps = math.ceil(w / float(c.min()))
    j = torch.arange(out_len, device=device)
    num = j[None, :] * orig[:, None]
    base = num // new  # input sample at or left of each output position
    u = ((num % new).to(torch.float64) / new).to(dtype)  # fractional offset in [0, 1)
    right = max(0, int(base.max()) + taps + 1 - length)
    padded = F.pad(rows, (taps, right))
    # Angle-addition identities turn the per-tap sin/cos of (k - u) into products with four
    # tables computed once, so each tap costs a few multiply-adds on (N, out_len).
    a, b = math.pi * c, math.pi * c / (2 * w)
    cos_au, sin_au = torch.cos(a.to(dtype) * u), torch.sin(a.to(dtype) * u)
    cos_bu, sin_bu = torch.cos(b.to(dtype) * u), torch.sin(b.to(dtype) * u)
    support = (w / c).to(dtype)
    out = torch.zeros(n, out_len, device=device, dtype=dtype)
    for k in range(-taps, taps + 1):  # loop over kernel taps; every example and sample at once
        # sin(pi c (k - u)) / pi, then times cos^2(pi c (k - u) / 2w), over (k - u)
        weight = (torch.sin(a * k) / math.pi).to(dtype) * cos_au
        weight.addcmul_((-torch.cos(a * k) / math.pi).to(dtype), sin_au)
        cos_w = torch.cos(b * k).to(dtype) * cos_bu
        cos_w.addcmul_(torch.sin(b * k).to(dtype), sin_bu)
        offset = k - u
        weight.mul_(cos_w).mul_(cos_w).div_(offset)
        if k == 0:  # offset 0 at u = 0: the kernel's centre value c
            weight = torch.where(u == 0, c.to(dtype), weight)
        if (abs(k) + 1) * float(c.max()) > w:  # outer taps: zero outside the kernel's support
            weight.mul_(offset <= support if k > 0 else offset >= -support)
        out.addcmul_(padded[:, k + taps:].gather(1, base), weight)
    valid_len = -((-new * lengths.to(device)) // orig)  # ceil(new * length / orig)
    return out * (j[None, :] < valid_len[:, None])


def pitch_shift(waveform: torch.Tensor, sample_rate: int, semitones, *, bins_per_octave: int = 12,
                n_fft: int = 512, hop_length: int | None = None,
                win_length: int | None = None) -> torch.Tensor:
    """Shift the pitch of every example by its own number of ``semitones``, keeping the length.

    ``waveform``: float ``(B, T)`` or ``(B, C, T)``; ``semitones``: a number or a ``(B,)``
    tensor (fractional allowed, positive = higher, at most 4 octaves either way). Returns the
    same shape and dtype.

    Agrees with ``torchaudio.functional.pitch_shift(waveform[b], sample_rate, semitones[b])``
    for every ``b`` (same phase-vocoder stretch by ``2 ** (-s / bins_per_octave)``, same
    resampling from ``int(sample_rate / rate)`` Hz, same Hann-windowed sinc kernel), but runs
    the whole batch in one vectorised pass with no per-ratio kernel to build.
    """
    rows, shape = check_waveform(waveform)
    sample_rate = check_sample_rate(sample_rate)
    bins_per_octave = check_int(bins_per_octave, "bins_per_octave", minimum=1)
    n_fft, hop, win_length = _stft_config(n_fft, hop_length, win_length)
    steps = expand_rows(per_sample(semitones, shape[0], "semitones", device="cpu"), shape)
    rate = torch.exp2(-steps / bins_per_octave)
    _check_factor(rate, "semitones", "pitch ratios (at most 4 octaves)")
    stretched, lengths = _stretch_rows(rows, rate, n_fft, hop, win_length)
    orig = torch.floor(sample_rate / rate).long()
    if bool((orig < 1).any()):
        raise ValueError(f"sample_rate {sample_rate} is too low for semitones {steps.tolist()}")
    out = _sinc_resample_rows(stretched, lengths, orig, sample_rate, rows.shape[-1])
    out = torch.where((steps == 0).to(rows.device)[:, None], rows, out)
    return out.reshape(shape)


class RandomPitchShift(torch.nn.Module):
    """Shift each example by semitones drawn uniformly from ``semitones = (low, high)``.

    Float ``(B, T)`` or ``(B, C, T)`` in, same shape out; the channels of an example share
    its shift. ``make_params`` draws the ``(B,)`` shifts on the generator's device (CPU by
    default) so a seed gives the same shifts on every device; ``forward`` calls
    :func:`pitch_shift`. For bird calls keep the range inside the spread between individuals
    of one species (course section 8 measures it): a larger shift can move a call into the
    band of another species and change what the sound is. Taught in course section 5.
    """

    def __init__(self, sample_rate: int, semitones=(-2.0, 2.0), *, n_fft: int = 512,
                 hop_length: int | None = None):
        super().__init__()
        self.sample_rate = check_sample_rate(sample_rate)
        self.semitones = check_bounds(semitones, "semitones")
        self.n_fft, self.hop_length = n_fft, hop_length

    def make_params(self, batch_size: int, generator=None) -> dict:
        return {"semitones": uniform(batch_size, self.semitones, "semitones", generator)}

    def forward(self, waveform, generator=None, sample_rate: int | None = None):
        match_sample_rate(self.sample_rate, sample_rate)
        check_waveform(waveform)
        params = self.make_params(waveform.shape[0], make_generator(generator))
        return pitch_shift(waveform, self.sample_rate, params["semitones"].to(waveform.device),
                           n_fft=self.n_fft, hop_length=self.hop_length)

    def extra_repr(self) -> str:
        return f"sample_rate={self.sample_rate}, semitones={self.semitones}"


class RandomTimeStretch(torch.nn.Module):
    """Stretch each example by a rate drawn uniformly from ``rate = (low, high)``.

    With ``keep_length`` (the default, so a batch keeps one shape) every output is cut or
    zero-padded back to the input length ``T``; otherwise the batch is padded to the longest
    stretched example (see :func:`time_stretch`). Rates far from 1 change note length and
    trill rate, which can identify a class (course section 8 measures how far is too far);
    1.5x is an upper bound, not a target. Taught in course section 5.
    """

    def __init__(self, rate=(0.9, 1.1), *, keep_length: bool = True, n_fft: int = 512,
                 hop_length: int | None = None):
        super().__init__()
        self.rate = check_bounds(rate, "rate", low=1e-3)
        self.keep_length = bool(keep_length)
        self.n_fft, self.hop_length = n_fft, hop_length

    def make_params(self, batch_size: int, generator=None) -> dict:
        return {"rate": uniform(batch_size, self.rate, "rate", generator, low=1e-3)}

    def forward(self, waveform, generator=None):
        check_waveform(waveform)
        params = self.make_params(waveform.shape[0], make_generator(generator))
        out = time_stretch(waveform, params["rate"], n_fft=self.n_fft, hop_length=self.hop_length)
        if self.keep_length:
            length = waveform.shape[-1]
            out = F.pad(out, (0, max(0, length - out.shape[-1])))[..., :length]
        return out

    def extra_repr(self) -> str:
        return f"rate={self.rate}, keep_length={self.keep_length}"
