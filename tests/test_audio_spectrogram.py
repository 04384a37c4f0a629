"""helpers.audio spectrogram side: log-mel front end and SpecAugment against torchaudio."""

import numpy as np
import pytest
import torch
import torchaudio
import torchaudio.functional as AF
from scipy import stats

from helpers.audio import (
    LogMel,
    SpecAugment,
    log_mel,
    mask_spectrogram,
    sample_masks,
    spec_augment,
)


def _torchaudio_draws(seed, lead, size, param):
    """The widths and starts torchaudio's mask_along_axis_iid draws after manual_seed(seed)."""
    torch.manual_seed(seed)
    value = torch.rand(lead) * param
    min_value = torch.rand(lead) * (size - value)
    return min_value.long()[..., None], value.long()[..., None]


@pytest.mark.parametrize("lead", [(5,), (3, 2)])
@pytest.mark.parametrize("axis_name", ["freq", "time"])
def test_explicit_masks_equal_torchaudio_mask_along_axis_iid(lead, axis_name):
    spec = torch.randn(*lead, 40, 70, generator=torch.Generator().manual_seed(0))
    axis = spec.ndim - 2 if axis_name == "freq" else spec.ndim - 1
    size = spec.shape[axis]
    for seed in range(4):
        torch.manual_seed(seed)
        expected = AF.mask_along_axis_iid(spec, 20, 0.0, axis)
        starts, widths = _torchaudio_draws(seed, lead, size, 20)
        got = mask_spectrogram(spec, **{f"{axis_name}_starts": starts,
                                        f"{axis_name}_widths": widths})
        assert torch.equal(got, expected)


def test_explicit_masks_tensor_value_and_union_of_bands():
    spec = torch.zeros(2, 6, 8)
    got = mask_spectrogram(
        spec,
        freq_starts=torch.tensor([[1], [0]]), freq_widths=torch.tensor([[2], [0]]),
        time_starts=torch.tensor([[0, 6], [3, 3]]), time_widths=torch.tensor([[1, 5], [2, 1]]),
        mask_value=torch.tensor(7.0),
    )
    expected = torch.zeros(2, 6, 8)
    expected[0, 1:3, :] = 7
    expected[0, :, 0] = 7
    expected[0, :, 6:8] = 7  # a band running past the edge is cut there
    expected[1, :, 3:5] = 7
    assert torch.equal(got, expected)


@pytest.mark.parametrize(
    "config",
    [
        dict(n_time_masks=2, time_mask_param=35, n_freq_masks=1, freq_mask_param=15, p=1.0,
             zero_masking=True),
        dict(n_time_masks=1, time_mask_param=20, n_freq_masks=2, freq_mask_param=10, p=0.1,
             zero_masking=False),
        dict(n_time_masks=0, time_mask_param=20, n_freq_masks=3, freq_mask_param=64, p=1.0,
             zero_masking=False),
    ],
)
@pytest.mark.parametrize("shape", [(8, 64, 101), (4, 2, 64, 101)])
def test_same_seed_same_output_as_torchaudio_specaugment(config, shape):
    spec = torch.randn(shape, generator=torch.Generator().manual_seed(1))
    ours = dict(config)
    mask_value = "zero" if ours.pop("zero_masking") else "mean"
    for seed in (0, 7, 123):
        torch.manual_seed(seed)
        expected = torchaudio.transforms.SpecAugment(**config, iid_masks=True)(spec)
        got = spec_augment(spec, **ours, mask_value=mask_value, generator=seed)
        assert torch.equal(got, expected)


def _masked_extent(out, axis):
    """Per example: (number of masked rows/columns, first masked index or -1)."""
    masked = (out == 0).all(dim=-1 if axis == "freq" else -2)
    width = masked.sum(-1)
    first = torch.where(width > 0, masked.float().argmax(-1), torch.full_like(width, -1))
    return width.flatten(), first.flatten()


@pytest.mark.parametrize("axis", ["freq", "time"])
def test_mask_width_and_start_distribution_matches_torchaudio(axis):
    size, param, batch, n_seeds = 48, 12, 500, 8
    ones = torch.ones(batch, 1, size, size)
    module = (torchaudio.transforms.FrequencyMasking(param, iid_masks=True) if axis == "freq"
              else torchaudio.transforms.TimeMasking(param, iid_masks=True))
    ref_w, ref_s, our_w, our_s = [], [], [], []
    for seed in range(n_seeds):
        torch.manual_seed(1000 + seed)
        w, s = _masked_extent(module(ones), axis)
        ref_w.append(w)
        ref_s.append(s)
        ours = SpecAugment(n_freq_masks=int(axis == "freq"), freq_mask_param=param,
                           n_time_masks=int(axis == "time"), time_mask_param=param)
        w, s = _masked_extent(ours(ones, generator=seed), axis)
        our_w.append(w)
        our_s.append(s)
    ref_w, our_w = torch.cat(ref_w), torch.cat(our_w)
    # widths are uniform on {0, ..., param - 1}: both samplers, and the same histogram
    assert int(our_w.max()) == param - 1 and int(ref_w.max()) == param - 1
    counts = np.stack([np.bincount(ref_w.numpy(), minlength=param),
                       np.bincount(our_w.numpy(), minlength=param)])
    assert stats.chi2_contingency(counts).pvalue > 1e-3
    assert stats.chisquare(counts[1]).pvalue > 1e-3
    starts = np.stack([np.bincount(torch.cat(s)[torch.cat(s) >= 0].numpy(), minlength=size)
                       for s in (ref_s, our_s)])
    keep = starts.sum(0) > 0
    assert stats.chi2_contingency(starts[:, keep]).pvalue > 1e-3


def test_proportion_cap_limits_width():
    starts, widths = sample_masks((4000,), 100, 50, 1, p=0.1, generator=0)
    assert int(widths.max()) == 9 and int(widths.min()) == 0
    assert bool(((starts + widths) <= 100).all())


def test_reproducible_and_independent_per_example():
    spec = torch.randn(16, 2, 32, 50)
    a = spec_augment(spec, generator=3)
    assert torch.equal(a, spec_augment(spec, generator=3))
    assert not torch.equal(a, spec_augment(spec, generator=4))
    masks = (a != spec)
    assert not all(torch.equal(masks[0, 0], masks[i, c]) for i in range(16) for c in range(2))


def test_mean_mask_value_is_batch_mean():
    spec = torch.randn(4, 1, 20, 30) + 5
    out = spec_augment(spec, n_freq_masks=1, freq_mask_param=20, n_time_masks=0,
                       mask_value="mean", generator=0)
    changed = out != spec
    assert changed.any()
    assert torch.allclose(out[changed], spec.mean().expand(int(changed.sum())))


def test_log_mel_equals_torchaudio_per_example():
    x = torch.randn(3, 2, 8000, generator=torch.Generator().manual_seed(0))
    x[1] *= 0.01  # a quiet example: its top_db floor must be its own
    mel = torchaudio.transforms.MelSpectrogram(16000, n_fft=400, hop_length=160, n_mels=40)
    expected = torch.stack([torchaudio.transforms.AmplitudeToDB(top_db=80.0)(mel(xi)) for xi in x])
    got = log_mel(x, 16000, n_mels=40)
    assert got.shape == (3, 2, 40, 51)
    assert torch.allclose(got, expected, atol=1e-4)
    mono = LogMel(16000, n_mels=40)(x[:, 0])
    assert mono.shape == (3, 1, 40, 51)


def test_spectrogram_bad_inputs_name_the_argument():
    spec = torch.randn(2, 20, 30)
    with pytest.raises(ValueError, match="freq_mask_param"):
        spec_augment(spec, freq_mask_param=21, time_mask_param=10)
    with pytest.raises(ValueError, match="time_mask_param"):
        spec_augment(spec, time_mask_param=31)
    with pytest.raises(ValueError, match="n_time_masks"):
        SpecAugment(n_time_masks=-1)
    with pytest.raises(ValueError, match="spec"):
        spec_augment(torch.randn(20, 30))
    with pytest.raises(ValueError, match="p "):
        SpecAugment(p=1.5)
    with pytest.raises(ValueError, match="mask_value"):
        SpecAugment(mask_value="median")
    with pytest.raises(ValueError, match="freq_starts"):
        mask_spectrogram(spec, freq_starts=torch.zeros(3, 1, dtype=torch.long),
                         freq_widths=torch.zeros(3, 1, dtype=torch.long))
    with pytest.raises(ValueError, match="time_widths"):
        mask_spectrogram(spec, time_starts=torch.zeros(2, 1, dtype=torch.long),
                         time_widths=torch.full((2, 1), 1.5))
    with pytest.raises(ValueError, match="sample_rate"):
        LogMel(16000)(torch.randn(2, 1600), sample_rate=8000)
    with pytest.raises(ValueError, match="waveform"):
        log_mel(torch.randn(1600))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_specaugment_same_seed_same_masks_on_cuda():
    spec = torch.randn(8, 1, 64, 101)
    cpu = spec_augment(spec, generator=5)
    cuda = spec_augment(spec.cuda(), generator=5)
    assert cuda.device.type == "cuda"
    assert torch.equal(cpu, cuda.cpu())
