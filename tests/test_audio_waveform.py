"""helpers.audio waveform side: pitch shift, time stretch, noise, volume, reverberation."""

import math

import numpy as np
import pytest
import torch
import torchaudio.functional as AF
from scipy import signal

from helpers.audio import (
    RandomNoise,
    RandomPitchShift,
    RandomReverb,
    RandomTimeStretch,
    RandomVolume,
    add_noise,
    apply_rir,
    estimate_rt60,
    gain,
    guard_clipping,
    make_noise,
    measure_snr,
    pitch_shift,
    synthetic_rir,
    time_stretch,
)

SR = 16000


def tone(freq, seconds=1.0, sr=SR):
    t = torch.arange(int(seconds * sr), dtype=torch.float64) / sr
    return torch.sin(2 * math.pi * freq * t).float()


def peak_hz(x, sr=SR, n_fft=None):
    """Frequency of the largest Hann-windowed FFT peak of the middle of ``x``, and the bin width."""
    x = np.asarray(x, dtype=np.float64)
    mid = x[len(x) // 4: 3 * len(x) // 4]
    n_fft = n_fft or sr  # 1 Hz bins
    spectrum = np.abs(np.fft.rfft(mid * np.hanning(len(mid)), n=n_fft))
    return np.argmax(spectrum) * sr / n_fft, sr / n_fft


def torchaudio_stretch(x, rate, n_fft=512):
    """torchaudio's waveform stretch, as its pitch_shift does it before resampling."""
    hop = n_fft // 4
    window = torch.hann_window(n_fft)
    spec = torch.stft(x, n_fft, hop, n_fft, window, center=True, pad_mode="reflect",
                      return_complex=True)
    advance = torch.linspace(0, math.pi * hop, spec.shape[-2])[..., None]
    stretched = AF.phase_vocoder(spec, rate, advance)
    return torch.istft(stretched, n_fft, hop, n_fft, window, length=int(round(x.shape[-1] / rate)))


# ----------------------------------------------------------------------------- pitch shift

def test_pitch_shift_equals_torchaudio_per_example():
    sr = 2000  # torchaudio builds a (sr, 1, ~sr) kernel per call: keep it small here
    x = torch.randn(5, 3000, generator=torch.Generator().manual_seed(0))
    semitones = torch.tensor([2.0, -1.5, 0.0, 12.0, 3.7])
    got = pitch_shift(x, sr, semitones)
    assert got.shape == x.shape and got.dtype == x.dtype
    for i, s in enumerate(semitones.tolist()):
        expected = AF.pitch_shift(x[i], sr, s)
        # torchaudio evaluates its kernel positions in float32; ours are exact: 2e-4 apart
        assert torch.allclose(got[i], expected, atol=2e-4), (s, (got[i] - expected).abs().max())


@pytest.mark.parametrize("freq", [440.0, 1000.0])
def test_pitch_shift_moves_a_tone_by_the_ratio(freq):
    semitones = torch.tensor([-3.0, 2.0, 5.5, 0.7])
    x = tone(freq).expand(4, -1).contiguous()
    y = pitch_shift(x, SR, semitones)
    assert y.shape == x.shape
    for i, s in enumerate(semitones.tolist()):
        got, bin_hz = peak_hz(y[i])
        assert abs(got - freq * 2 ** (s / 12)) <= bin_hz, (s, got)


def test_pitch_shift_channels_share_the_shift():
    x = tone(500.0, 0.5)[None, None].repeat(3, 2, 1)
    y = pitch_shift(x, SR, torch.tensor([1.0, -2.0, 4.0]))
    assert y.shape == (3, 2, 8000)
    assert torch.equal(y[:, 0], y[:, 1])
    assert not torch.allclose(y[0, 0], y[1, 0])


# ----------------------------------------------------------------------------- time stretch

def test_time_stretch_equals_torchaudio_phase_vocoder_per_example():
    x = torch.randn(5, 4000, generator=torch.Generator().manual_seed(1))
    rates = torch.tensor([0.7, 1.0, 1.3, 0.85, 2.0])
    got, lengths = time_stretch(x, rates, return_lengths=True)
    assert got.shape == (5, round(4000 / 0.7))
    for i, r in enumerate(rates.tolist()):
        expected = torchaudio_stretch(x[i], r)
        assert int(lengths[i]) == len(expected)
        assert torch.allclose(got[i, : len(expected)], expected, atol=1e-5)
        assert torch.count_nonzero(got[i, len(expected):]) == 0


@pytest.mark.parametrize("rate", [0.8, 1.25, 1.5])
def test_time_stretch_changes_duration_not_pitch(rate):
    burst = torch.zeros(SR)
    burst[4000:12000] = tone(660.0, 0.5)  # half a second of tone
    y, lengths = time_stretch(burst[None], rate, return_lengths=True)
    assert int(lengths[0]) == round(SR / rate)
    loud = (y[0].abs() > 0.5).nonzero()
    duration = (int(loud.max()) - int(loud.min())) / SR
    assert abs(duration - 0.5 / rate) < 0.02  # within ~2 hops of 8 ms
    got, bin_hz = peak_hz(y[0, int(loud.min()):int(loud.max())], n_fft=2 * SR)
    assert abs(got - 660.0) <= 2 * bin_hz


def test_random_time_stretch_keeps_length_by_default():
    x = torch.randn(4, 2, 3000)
    out = RandomTimeStretch((0.8, 1.25))(x, generator=0)
    assert out.shape == x.shape
    free = RandomTimeStretch((0.8, 1.25), keep_length=False)(x, generator=0)
    assert free.shape[:2] == (4, 2) and free.shape[-1] != 3000


# ----------------------------------------------------------------------------- noise

@pytest.mark.parametrize("color", ["white", "pink"])
def test_noise_reaches_the_requested_snr(color):
    x = torch.randn(6, 2, 8000, generator=torch.Generator().manual_seed(2)) * torch.rand(6, 1, 1)
    snr = torch.tensor([-5.0, 0.0, 3.0, 10.0, 20.0, 40.0])
    noisy = add_noise(x, make_noise(x.shape, color, generator=0), snr)
    measured = measure_snr(x, noisy)
    assert measured.shape == (6, 2)
    assert torch.allclose(measured, snr[:, None].expand(6, 2), atol=0.5)


def test_add_noise_equals_torchaudio():
    x = torch.randn(4, 1000)
    noise = torch.randn(4, 1000)
    snr = torch.tensor([0.0, 5.0, 10.0, 15.0])
    assert torch.allclose(add_noise(x, noise, snr), AF.add_noise(x, noise, snr), atol=1e-6)
    silent = torch.zeros(1, 1000)
    assert torch.equal(add_noise(silent, noise[:1], 10.0), silent)


@pytest.mark.parametrize("color,slope", [("white", 0.0), ("pink", -1.0), ("brown", -2.0)])
def test_noise_colour_has_the_right_spectral_slope(color, slope):
    noise = make_noise((8, 2**16), color, generator=1).numpy()
    f, psd = signal.welch(noise, fs=SR, nperseg=4096)
    band = (f >= 50) & (f <= 4000)
    fitted = np.polyfit(np.log10(f[band]), np.log10(psd.mean(0)[band]), 1)[0]
    assert abs(fitted - slope) < 0.1


def test_random_noise_is_reproducible():
    x = torch.randn(3, 4000)
    module = RandomNoise((5.0, 15.0), color="pink")
    a = module(x, generator=11)
    assert torch.equal(a, module(x, generator=11))
    assert not torch.equal(a, module(x, generator=12))
    snr = module.make_params(x, torch.Generator().manual_seed(11))["snr_db"]
    assert torch.allclose(measure_snr(x, a), snr, atol=1e-3)


# ----------------------------------------------------------------------------- volume

def test_gain_per_example_equals_torchaudio_gain():
    x = torch.randn(3, 2, 100) * 0.1
    db = torch.tensor([-6.0, 0.0, 4.5])
    got = gain(x, db)
    for i, g in enumerate(db.tolist()):
        assert torch.allclose(got[i], AF.gain(x[i], g))


def test_guard_clipping_scales_only_loud_examples():
    x = torch.stack([torch.linspace(-0.5, 0.5, 50), torch.linspace(-3, 2, 50)])
    out = guard_clipping(x)
    assert torch.equal(out[0], x[0])
    assert torch.allclose(out[1], x[1] / 3) and out[1].abs().max() == pytest.approx(1.0)
    loud = RandomVolume((10.0, 20.0))(x, generator=0)
    assert bool((loud.abs().amax(-1) <= 1.0 + 1e-6).all())
    clipped = RandomVolume((10.0, 20.0), clip_guard=False)(x, generator=0)
    assert clipped.abs().max() > 1


# ----------------------------------------------------------------------------- reverberation

def test_synthetic_rirs_have_the_requested_rt60_and_unit_energy():
    rt60 = torch.tensor([0.2, 0.4, 0.8])
    h = synthetic_rir(rt60, SR, generator=0)
    assert h.shape == (3, math.ceil(0.8 * SR))
    assert torch.allclose(h.norm(dim=-1), torch.ones(3))
    assert torch.allclose(estimate_rt60(h, SR).float(), rt60, rtol=0.1)


def test_apply_rir_is_a_causal_convolution():
    x = torch.randn(3, 2, 500)
    h = torch.randn(3, 64)
    got = apply_rir(x, h)
    expected = AF.fftconvolve(x, h[:, None, :])[..., :500]
    assert torch.allclose(got, expected, atol=1e-4)
    assert np.allclose(got[1, 1].numpy(), np.convolve(x[1, 1].numpy(), h[1].numpy())[:500],
                       atol=1e-4)
    impulse = torch.zeros(1, 100)
    impulse[0, 0] = 1
    expected = torch.zeros(1, 100)
    expected[0, :64] = h[0]
    assert torch.allclose(apply_rir(impulse, h[0]), expected, atol=1e-6)


def test_random_reverb_picks_from_its_bank():
    module = RandomReverb(SR, rt60=(0.2, 0.6), n_rirs=4)
    x = torch.randn(6, 4000)
    index = module.make_params(6, torch.Generator().manual_seed(3))["index"]
    got = module(x, generator=3)
    assert torch.allclose(got, apply_rir(x, module.rirs[index]))


# ----------------------------------------------------------------------------- contracts

def test_random_modules_are_reproducible_per_seed():
    x = torch.randn(4, 4000)
    for module in (RandomPitchShift(SR), RandomTimeStretch(), RandomVolume(), RandomReverb(SR)):
        a = module(x, generator=5)
        assert torch.equal(a, module(x, generator=5)), module
        assert not torch.equal(a, module(x, generator=6)), module


def test_waveform_bad_inputs_name_the_argument():
    x = torch.randn(2, 1000)
    with pytest.raises(ValueError, match="waveform"):
        pitch_shift(torch.randn(1000), SR, 1.0)
    with pytest.raises(ValueError, match="waveform"):
        time_stretch(torch.randn(2, 1, 1, 100), 1.1)
    with pytest.raises(ValueError, match="waveform"):
        gain(torch.ones(2, 10, dtype=torch.int64), 1.0)
    with pytest.raises(ValueError, match="snr_db"):
        add_noise(x, torch.randn(2, 1000), float("nan"))
    with pytest.raises(ValueError, match="snr_db"):
        add_noise(x, torch.randn(2, 1000), torch.tensor([1.0, float("nan")]))
    with pytest.raises(ValueError, match="noise"):
        add_noise(x, torch.randn(2, 999), 10.0)
    with pytest.raises(ValueError, match="rate"):
        time_stretch(x, 0.0)
    with pytest.raises(ValueError, match="semitones"):
        pitch_shift(x, SR, torch.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="semitones"):
        pitch_shift(x, SR, torch.tensor([1.0, 60.0]))
    with pytest.raises(ValueError, match="rate"):
        time_stretch(x, 20.0)
    with pytest.raises(ValueError, match="sample_rate"):
        RandomPitchShift(SR)(x, sample_rate=22050)
    with pytest.raises(ValueError, match="sample_rate"):
        RandomReverb(SR)(x, sample_rate=8000)
    with pytest.raises(ValueError, match="color"):
        make_noise((2, 10), "blue")
    with pytest.raises(ValueError, match="rir"):
        apply_rir(x, torch.randn(3, 10))
    with pytest.raises(ValueError, match="rt60"):
        synthetic_rir(-0.5, SR)
    with pytest.raises(ValueError, match="gain_db"):
        RandomVolume(gain_db=(6.0, -6.0))
    with pytest.raises(ValueError, match="max_peak"):
        guard_clipping(x, max_peak=0.0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_same_seed_same_output_on_cuda():
    x = torch.randn(4, 8000)
    for module in (RandomPitchShift(SR), RandomNoise(color="pink"), RandomReverb(SR)):
        cpu = module(x, generator=1)
        cuda = module.to("cuda")(x.cuda(), generator=1)
        assert cuda.device.type == "cuda"
        assert torch.allclose(cpu, cuda.cpu(), atol=1e-3), module
