"""Log-mel front end and SpecAugment masking with independent masks per example and channel.

SpecAugment (Park et al., 2019) hides ``F`` bands of consecutive mel bins and ``T`` bands of
consecutive frames. Masks are sampled exactly as torchaudio's ``FrequencyMasking`` /
``TimeMasking(iid_masks=True)`` (``torchaudio.functional.mask_along_axis_iid``) sample them:
width ``v = U * param``, start ``v0 = U' * (size - v)``, masked range
``[floor(v0), floor(v0) + floor(v))``, so widths are uniform on ``{0, ..., param - 1}``.
Here every mask of a batch is drawn in one call and applied in one ``masked_fill``.
Taught in course section 5.
"""

from __future__ import annotations

import functools
from numbers import Real

import torch

from .._extras import require
from .._validate import check_int, check_positive, check_probability, make_generator
from ._common import check_sample_rate, check_waveform, match_sample_rate


class LogMel(torch.nn.Module):
    """Waveforms to log-mel spectrograms: torchaudio ``MelSpectrogram`` then ``AmplitudeToDB``.

    ``(B, T)`` float in gives ``(B, 1, n_mels, frames)``; ``(B, C, T)`` gives
    ``(B, C, n_mels, frames)`` with ``frames = 1 + T // hop_length``. Power spectrogram in
    dB (``10 log10``), floored ``top_db`` below each example's own maximum (torchaudio floors
    a 4-D batch per example). Defaults suit 16 kHz speech: 25 ms windows, 10 ms hop, 64 mels.
    """

    def __init__(self, sample_rate: int = 16000, *, n_fft: int = 400, hop_length: int = 160,
                 n_mels: int = 64, f_min: float = 0.0, f_max: float | None = None,
                 top_db: float | None = 80.0):
        super().__init__()
        require("torchaudio", "helpers.audio.spectrogram")
        import torchaudio

        self.sample_rate = check_sample_rate(sample_rate)
        n_fft = check_int(n_fft, "n_fft", minimum=2)
        hop_length = check_int(hop_length, "hop_length", minimum=1)
        n_mels = check_int(n_mels, "n_mels", minimum=1)
        if top_db is not None:
            top_db = check_positive(top_db, "top_db")
        self.mel = torchaudio.transforms.MelSpectrogram(
            self.sample_rate, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, f_min=f_min,
            f_max=f_max, power=2.0)
        self.to_db = torchaudio.transforms.AmplitudeToDB(stype="power", top_db=top_db)

    def forward(self, waveform: torch.Tensor, sample_rate: int | None = None) -> torch.Tensor:
        match_sample_rate(self.sample_rate, sample_rate)
        check_waveform(waveform)
        x = waveform[:, None] if waveform.ndim == 2 else waveform
        return self.to_db(self.mel(x))


@functools.lru_cache(maxsize=16)
def _cached_log_mel(key, device, dtype) -> LogMel:
    sample_rate, kwargs = key[0], dict(key[1])
    return LogMel(sample_rate, **kwargs).to(device=device, dtype=dtype)


def log_mel(waveform: torch.Tensor, sample_rate: int = 16000, **kwargs) -> torch.Tensor:
    """Functional :class:`LogMel` (same arguments); the filter bank is built once and cached."""
    check_waveform(waveform)
    key = (check_sample_rate(sample_rate), tuple(sorted(kwargs.items())))
    return _cached_log_mel(key, waveform.device, waveform.dtype)(waveform)


def _check_spec(spec) -> None:
    if not isinstance(spec, torch.Tensor):
        raise ValueError(f"spec must be a torch.Tensor, got {type(spec).__name__}")
    if spec.ndim not in (3, 4):
        raise ValueError(f"spec must have shape (B, F, T) or (B, C, F, T), got {tuple(spec.shape)}")
    if not spec.is_floating_point():
        raise ValueError(f"spec must be a floating-point tensor, got {spec.dtype}")


def effective_mask_param(mask_param: int, size: int, p: float = 1.0, name: str = "mask_param") -> int:
    """The largest width bound torchaudio uses: ``mask_param``, capped at ``int(size * p)``."""
    mask_param = check_int(mask_param, name, minimum=0)
    p = check_probability(p, "p")
    if mask_param > size:
        raise ValueError(f"{name} must be <= the axis size {size}, got {mask_param}")
    return mask_param if p == 1.0 else min(mask_param, int(size * p))


def sample_masks(lead_shape, size: int, mask_param: int, n_masks: int, p: float = 1.0,
                 generator=None, *, name: str = "mask_param") -> tuple[torch.Tensor, torch.Tensor]:
    """Draw ``n_masks`` masks per example/channel along an axis of ``size`` bins.

    Returns ``(starts, widths)``, int64 of shape ``(*lead_shape, n_masks)``, on the
    generator's device (CPU by default). Mask ``m`` takes two float32 draws per element of
    ``lead_shape`` in the order torchaudio's ``mask_along_axis_iid`` takes them (widths, then
    starts), so with ``torch.manual_seed(s)`` torchaudio draws the same masks as a generator
    seeded with ``s``. An effective ``mask_param`` below 1, or ``n_masks == 0``, draws nothing.
    """
    n_masks = check_int(n_masks, "n_masks", minimum=0)
    param = effective_mask_param(mask_param, size, p, name) if n_masks else 0
    gen = make_generator(generator)
    device = gen.device if gen is not None else torch.device("cpu")
    lead_shape = tuple(lead_shape)
    if param < 1 or n_masks == 0:
        empty = torch.zeros(*lead_shape, 0, dtype=torch.long, device=device)
        return empty, empty.clone()
    u = torch.rand(n_masks, 2, *lead_shape, generator=gen, device=device)
    value = u[:, 0] * param
    min_value = u[:, 1] * (size - value)
    starts, widths = min_value.long(), value.long()
    return starts.movedim(0, -1), widths.movedim(0, -1)


def _band_bounds(starts, widths, size, lead, name) -> tuple[torch.Tensor, torch.Tensor]:
    """Checked ``(first, end)`` bins ``(*lead, n)`` of the bands, ends cut at the axis ``size``."""
    if starts is None and widths is None:
        empty = torch.zeros(*lead, 0, dtype=torch.long)
        return empty, empty
    for tensor, what in ((starts, "starts"), (widths, "widths")):
        if not isinstance(tensor, torch.Tensor) or tensor.is_floating_point() or tensor.is_complex():
            raise ValueError(f"{name}_{what} must be an integer tensor (*lead, n), got {tensor!r}")
        if tuple(tensor.shape[:-1]) != tuple(lead) or tensor.ndim != len(lead) + 1:
            raise ValueError(
                f"{name}_{what} must have shape {(*lead, 'n')}, got {tuple(tensor.shape)}")
        if bool((tensor < 0).any()):
            raise ValueError(f"{name}_{what} must be >= 0")
    starts = starts.long()
    return starts, torch.clamp(starts + widths.long().to(starts.device), max=size)


def mask_spectrogram(spec: torch.Tensor, freq_starts=None, freq_widths=None, time_starts=None,
                     time_widths=None, mask_value=0.0) -> torch.Tensor:
    """Set the given bands of every example/channel to ``mask_value`` (the SpecAugment kernel).

    ``spec``: float ``(B, F, T)`` or ``(B, C, F, T)``; ``*_starts`` / ``*_widths``: integer
    tensors ``(B, n)`` or ``(B, C, n)`` (the spectrogram's leading shape plus a mask axis),
    or ``None`` for no masks on that axis. Bins ``[start, start + width)`` are masked, as in
    ``torchaudio.functional.mask_along_axis_iid``. ``mask_value``: a number or a 0-d tensor.
    Returns a new tensor of the same shape.
    """
    _check_spec(spec)
    lead, (n_freq, n_time) = spec.shape[:-2], spec.shape[-2:]
    if isinstance(mask_value, torch.Tensor):
        if mask_value.numel() != 1:
            raise ValueError(f"mask_value must be a number or a 0-d tensor, got shape {tuple(mask_value.shape)}")
        value = mask_value.reshape(()).to(spec)
    elif isinstance(mask_value, bool) or not isinstance(mask_value, Real):
        raise ValueError(f"mask_value must be a number or a 0-d tensor, got {mask_value!r}")
    else:
        value = float(mask_value)
    f_first, f_end = _band_bounds(freq_starts, freq_widths, n_freq, lead, "freq")
    t_first, t_end = _band_bounds(time_starts, time_widths, n_time, lead, "time")
    # Both axes on one ruler (time bins follow the frequency bins): one comparison finds
    # every bin inside any band, for every example and channel.
    first = torch.cat([f_first, t_first.to(f_first.device) + n_freq], -1).to(spec.device)
    end = torch.cat([f_end, t_end.to(f_end.device) + n_freq], -1).to(spec.device)
    ruler = torch.arange(n_freq + n_time, device=spec.device)
    inside = ((ruler >= first[..., None]) & (ruler < end[..., None])).any(dim=-2)
    mask = inside[..., :n_freq, None] | inside[..., None, n_freq:]
    return torch.where(mask, value, spec)


def _resolve_mask_value(spec, mask_value):
    if mask_value == "zero":
        return 0.0
    if mask_value == "mean":
        return spec.mean()  # the whole batch's mean, as torchaudio's SpecAugment uses
    if isinstance(mask_value, Real) and not isinstance(mask_value, bool):
        return float(mask_value)
    raise ValueError(f"mask_value must be 'zero', 'mean' or a number, got {mask_value!r}")


class SpecAugment(torch.nn.Module):
    """SpecAugment on ``(B, F, T)`` or ``(B, C, F, T)`` spectrograms, every example its own masks.

    ``n_freq_masks`` masks of width < ``freq_mask_param`` bins and ``n_time_masks`` masks of
    width < ``time_mask_param`` frames (a common speech setting: one frequency mask of up to 15
    mel bins, two time masks of up to 35 frames), each bound capped at ``p`` times the axis
    size; ``mask_value`` is ``"zero"``, ``"mean"`` (the batch mean, as torchaudio) or a number.

    ``make_params`` draws time masks then frequency masks with the same rule and order as
    ``torchaudio.transforms.SpecAugment(..., iid_masks=True)``: on the CPU with a float32
    spectrogram, ``torch.manual_seed(s)`` before torchaudio's module and ``generator=s``
    here give identical outputs. ``forward`` applies all masks in one step
    (:func:`mask_spectrogram`). Taught in course section 5.
    """

    def __init__(self, n_freq_masks: int = 1, freq_mask_param: int = 15, n_time_masks: int = 2,
                 time_mask_param: int = 35, *, p: float = 1.0, mask_value="zero"):
        super().__init__()
        self.n_freq_masks = check_int(n_freq_masks, "n_freq_masks", minimum=0)
        self.freq_mask_param = check_int(freq_mask_param, "freq_mask_param", minimum=0)
        self.n_time_masks = check_int(n_time_masks, "n_time_masks", minimum=0)
        self.time_mask_param = check_int(time_mask_param, "time_mask_param", minimum=0)
        self.p = check_probability(p, "p")
        _resolve_mask_value(torch.zeros(1), mask_value)
        self.mask_value = mask_value

    def make_params(self, shape, generator=None) -> dict:
        """Mask starts and widths for a spectrogram of ``shape`` (see :func:`sample_masks`)."""
        lead, (n_freq, n_time) = tuple(shape[:-2]), tuple(shape[-2:])
        gen = make_generator(generator)
        time_starts, time_widths = sample_masks(lead, n_time, self.time_mask_param,
                                                self.n_time_masks, self.p, gen,
                                                name="time_mask_param")
        freq_starts, freq_widths = sample_masks(lead, n_freq, self.freq_mask_param,
                                                self.n_freq_masks, self.p, gen,
                                                name="freq_mask_param")
        return {"freq_starts": freq_starts, "freq_widths": freq_widths,
                "time_starts": time_starts, "time_widths": time_widths}

    def forward(self, spec: torch.Tensor, generator=None) -> torch.Tensor:
        _check_spec(spec)
        params = self.make_params(spec.shape, generator)
        return mask_spectrogram(spec, **params, mask_value=_resolve_mask_value(spec, self.mask_value))

    def extra_repr(self) -> str:
        return (f"n_freq_masks={self.n_freq_masks}, freq_mask_param={self.freq_mask_param}, "
                f"n_time_masks={self.n_time_masks}, time_mask_param={self.time_mask_param}, "
                f"p={self.p}, mask_value={self.mask_value!r}")


def spec_augment(spec: torch.Tensor, *, n_freq_masks: int = 1, freq_mask_param: int = 15,
                 n_time_masks: int = 2, time_mask_param: int = 35, p: float = 1.0,
                 mask_value="zero", generator=None) -> torch.Tensor:
    """Functional :class:`SpecAugment`: draw the masks with ``generator`` and apply them."""
    return SpecAugment(n_freq_masks, freq_mask_param, n_time_masks, time_mask_param, p=p,
                       mask_value=mask_value)(spec, generator)
