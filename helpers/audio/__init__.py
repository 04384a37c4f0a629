"""Batched audio augmentation: waveforms ``(B, T)`` / ``(B, C, T)`` and log-mel spectrograms.

Every example of a batch gets its own random parameters, drawn in one vectorised step, on
whatever device the audio is on. Each operation has a deterministic kernel taking explicit
parameters (used by the exercises' grading) and a ``torch.nn.Module`` that draws them
(``make_params``) and calls the kernel; every random call takes ``generator=`` (None, an int
seed or a ``torch.Generator``). Taught in course section 5; used by the labs of section 8.

Waveform domain
    :func:`pitch_shift` / :class:`RandomPitchShift`   per-example semitones (agrees with
                                                       ``torchaudio.functional.pitch_shift``)
    :func:`time_stretch` / :class:`RandomTimeStretch` phase vocoder, pitch kept
    :func:`add_noise`, :func:`make_noise` / :class:`RandomNoise`  white / pink noise at an SNR
    :func:`synthetic_rir`, :func:`apply_rir` / :class:`RandomReverb`  room impulse responses
    :func:`gain`, :func:`guard_clipping` / :class:`RandomVolume`      volume in dB

Spectrogram domain
    :class:`LogMel` / :func:`log_mel`                 torchaudio MelSpectrogram + AmplitudeToDB
    :func:`mask_spectrogram`, :func:`sample_masks` / :class:`SpecAugment`, :func:`spec_augment`
"""

from .rir import RandomReverb, apply_rir, estimate_rt60, fft_convolve, synthetic_rir
from .spectrogram import (
    LogMel,
    SpecAugment,
    effective_mask_param,
    log_mel,
    mask_spectrogram,
    sample_masks,
    spec_augment,
)
from .stretch import RandomPitchShift, RandomTimeStretch, phase_vocoder, pitch_shift, time_stretch
from .waveform import (
    RandomNoise,
    RandomVolume,
    add_noise,
    gain,
    guard_clipping,
    make_noise,
    measure_snr,
    shape_spectrum,
)

__all__ = [
    "LogMel",
    "RandomNoise",
    "RandomPitchShift",
    "RandomReverb",
    "RandomTimeStretch",
    "RandomVolume",
    "SpecAugment",
    "add_noise",
    "apply_rir",
    "effective_mask_param",
    "estimate_rt60",
    "fft_convolve",
    "gain",
    "guard_clipping",
    "log_mel",
    "make_noise",
    "mask_spectrogram",
    "measure_snr",
    "phase_vocoder",
    "pitch_shift",
    "sample_masks",
    "shape_spectrum",
    "spec_augment",
    "synthetic_rir",
    "time_stretch",
]
