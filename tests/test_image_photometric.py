"""helpers.image colour ops: agreement with torchvision v2 per sample, sampling rules, errors.

Tolerances: float images agree to 1e-5; uint8 images follow torchvision's integer rules and agree
exactly except for at most 1 grey level on a tiny fraction of pixels (float rounding at an
integer boundary), checked as max |diff| <= 1 on < 0.1 % of the values.
"""

import itertools
import math

import numpy as np
import pytest
import torch
from scipy import stats
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as TF

from helpers import image as I

B = 6


@pytest.fixture(scope="module")
def imgs():
    x = torch.rand(B, 3, 23, 31, generator=torch.Generator().manual_seed(0))
    return {torch.float32: x, torch.uint8: (x * 255).round().to(torch.uint8)}


def _agree(out, ref):
    assert out.dtype == ref.dtype and out.shape == ref.shape
    if ref.dtype == torch.uint8:
        diff = (out.int() - ref.int()).abs()
        assert diff.max() <= 1 and (diff > 0).float().mean() < 1e-3
    else:
        torch.testing.assert_close(out, ref, atol=1e-5, rtol=0)


FACTORS = torch.tensor([0.0, 0.5, 0.9, 1.0, 1.3, 2.0])
HUES = torch.tensor([-0.5, -0.2, 0.0, 0.1, 0.33, 0.5])

CASES = {
    "brightness": (I.adjust_brightness, TF.adjust_brightness, FACTORS),
    "contrast": (I.adjust_contrast, TF.adjust_contrast, FACTORS),
    "saturation": (I.adjust_saturation, TF.adjust_saturation, FACTORS),
    "hue": (I.adjust_hue, TF.adjust_hue, HUES),
    "sharpness": (I.adjust_sharpness, TF.adjust_sharpness, FACTORS),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", [torch.float32, torch.uint8])
def test_per_sample_factor_ops_match_torchvision(imgs, name, dtype):
    ours, theirs, factors = CASES[name]
    x = imgs[dtype]
    out = ours(x, factors)
    ref = torch.stack([theirs(x[i], float(factors[i])) for i in range(B)])
    _agree(out, ref)
    _agree(ours(x[2], float(factors[2])), ref[2])  # (C, H, W) input and a plain number


@pytest.mark.parametrize("dtype", [torch.float32, torch.uint8])
def test_tone_ops_match_torchvision(imgs, dtype):
    x = imgs[dtype]
    top = 255 if dtype == torch.uint8 else 1.0
    thr = torch.tensor([0.0, 0.2, 0.5, 0.7, 0.9, 1.0]) * top
    _agree(I.solarize(x, thr), torch.stack([TF.solarize(x[i], float(thr[i])) for i in range(B)]))
    bits = torch.tensor([0, 1, 3, 4, 7, 8])
    _agree(I.posterize(x, bits), torch.stack([TF.posterize(x[i], int(bits[i])) for i in range(B)]))
    _agree(I.autocontrast(x), TF.autocontrast(x))
    _agree(I.equalize(x), TF.equalize(x))
    _agree(I.invert(x), TF.invert(x))
    _agree(I.rgb_to_grayscale(x, 3), TF.rgb_to_grayscale(x, 3))
    _agree(I.rgb_to_grayscale(x), TF.rgb_to_grayscale(x))


@pytest.mark.parametrize("dtype", [torch.float32, torch.uint8])
def test_gaussian_blur_per_sample_sigma_matches_torchvision(imgs, dtype):
    x = imgs[dtype]
    sigma = torch.tensor([0.3, 0.5, 1.0, 1.5, 2.0, 3.0])
    out = I.gaussian_blur(x, (7, 5), sigma)
    _agree(out, torch.stack([TF.gaussian_blur(x[i], [7, 5], [float(s), float(s)]) for i, s in enumerate(sigma)]))
    pairs = torch.stack((sigma, sigma.flip(0)), 1)
    out = I.gaussian_blur(x, 5, pairs)
    _agree(out, torch.stack([TF.gaussian_blur(x[i], [5, 5], pairs[i].tolist()) for i in range(B)]))


def test_permute_channels_per_sample(imgs):
    x = imgs[torch.uint8]
    perm = torch.stack([torch.randperm(3, generator=torch.Generator().manual_seed(i)) for i in range(B)])
    out = I.permute_channels(x, perm)
    assert torch.equal(out, torch.stack([TF.permute_channels(x[i], perm[i].tolist()) for i in range(B)]))


@pytest.mark.parametrize("dtype", [torch.float32, torch.uint8])
def test_color_jitter_with_explicit_order_matches_torchvision(imgs, dtype):
    x = imgs[dtype]
    g = torch.Generator().manual_seed(1)
    order = torch.stack([torch.randperm(4, generator=g) for _ in range(B)])
    b, c, s = (0.6 + 0.8 * torch.rand(B, generator=g) for _ in range(3))
    h = 0.2 * torch.rand(B, generator=g) - 0.1
    out = I.color_jitter(x, b, c, s, h, order)
    fns = [TF.adjust_brightness, TF.adjust_contrast, TF.adjust_saturation, TF.adjust_hue]
    refs = []
    for i in range(B):
        img = x[i]
        for k in order[i].tolist():
            img = fns[k](img, float((b, c, s, h)[k][i]))
        refs.append(img)
    _agree(out, torch.stack(refs))


def test_color_jitter_sampling_rules():
    n = 4800
    params = I.ColorJitter(0.4, (0.5, 1.5), 0.0, 0.1).sample_params(n, (3, 8, 8), generator=2)
    assert params["saturation"] is None  # 0 means "off", as in torchvision
    b = params["brightness"].numpy()
    assert stats.kstest((b - 0.6) / 0.8, "uniform").pvalue > 0.01
    c = params["contrast"].numpy()
    assert stats.kstest(c - 0.5, "uniform").pvalue > 0.01
    h = params["hue"].numpy()
    assert stats.kstest((h + 0.1) / 0.2, "uniform").pvalue > 0.01
    perms = {p: i for i, p in enumerate(itertools.permutations(range(4)))}
    codes = [perms[tuple(row)] for row in params["order"].tolist()]
    assert stats.chisquare(np.bincount(codes, minlength=24)).pvalue > 0.01


def test_color_jitter_is_per_sample_and_reproducible():
    x = torch.rand(1, 3, 16, 16).expand(32, 3, 16, 16).contiguous()
    t = I.ColorJitter(0.4, 0.4, 0.4, 0.1)
    a = t(x, generator=3)
    assert torch.equal(a, t(x, generator=3))
    assert len({round(v, 6) for v in a.mean((1, 2, 3)).tolist()}) == 32


def test_color_jitter_probability_leaves_others_untouched():
    x = torch.rand(2000, 3, 4, 4, generator=torch.Generator().manual_seed(4))
    out = I.ColorJitter(0.5, p=0.8)(x, generator=4)
    changed = (out != x).flatten(1).any(1).float().mean().item()
    assert abs(changed - 0.8) < 4 * math.sqrt(0.8 * 0.2 / 2000)


def test_random_grayscale_and_blur_probabilities():
    x = torch.rand(3000, 3, 6, 6, generator=torch.Generator().manual_seed(5))
    out = I.RandomGrayscale(0.2)(x, generator=5)
    gray = (out[:, 0] == out[:, 1]).flatten(1).all(1) & (out[:, 1] == out[:, 2]).flatten(1).all(1)
    assert abs(gray.float().mean().item() - 0.2) < 4 * math.sqrt(0.2 * 0.8 / 3000)
    assert torch.equal(out[~gray], x[~gray])
    blurred = I.GaussianBlur(3, (0.1, 2.0), p=0.5)(x, generator=6)
    assert abs((blurred != x).flatten(1).any(1).float().mean().item() - 0.5) < 0.05


def test_channel_shuffle_draws_every_permutation():
    x = torch.arange(3.0).view(1, 3, 1, 1).expand(2400, 3, 1, 1)
    out = I.RandomChannelShuffle()(x, generator=7)
    perms = {p: i for i, p in enumerate(itertools.permutations(range(3)))}
    codes = [perms[tuple(int(v) for v in row)] for row in out[:, :, 0, 0].tolist()]
    assert stats.chisquare(np.bincount(codes, minlength=6)).pvalue > 0.01


def test_normalize_and_to_float_match_torchvision(imgs):
    xu = imgs[torch.uint8]
    xf = I.to_float(xu)
    torch.testing.assert_close(xf, TF.to_dtype(xu, torch.float32, scale=True))
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    torch.testing.assert_close(I.normalize(xf, mean, std), TF.normalize(xf, mean, std))


def test_hue_keeps_value_and_chroma(imgs):
    x = imgs[torch.float32]
    out = I.adjust_hue(x, 0.37)
    torch.testing.assert_close(out.amax(1), x.amax(1), atol=1e-6, rtol=0)
    torch.testing.assert_close(out.amax(1) - out.amin(1), x.amax(1) - x.amin(1), atol=1e-6, rtol=0)


@pytest.mark.parametrize("call, arg", [
    (lambda x: I.adjust_brightness(x, -0.5), "factor"),
    (lambda x: I.adjust_hue(x, 0.7), "factor"),
    (lambda x: I.adjust_contrast(x, torch.ones(5)), "factor"),
    (lambda x: I.posterize(x, 9), "bits"),
    (lambda x: I.solarize(x, 2.0), "threshold"),
    (lambda x: I.gaussian_blur(x, 4, 1.0), "kernel_size"),
    (lambda x: I.gaussian_blur(x, 3, 0.0), "sigma"),
    (lambda x: I.rgb_to_grayscale(x, 2), "num_output_channels"),
    (lambda x: I.permute_channels(x, [0, 0, 1]), "permutation"),
    (lambda x: I.color_jitter(x, order=[0, 1, 2, 2]), "order"),
    (lambda x: I.normalize(x, [0.5] * 3, [0.0] * 3), "std"),
    (lambda x: I.adjust_brightness(x[:, :2], 1.0), "channels"),
    (lambda x: I.adjust_brightness(x.double().long(), 1.0), "x"),
])
def test_bad_inputs_name_the_argument(imgs, call, arg):
    with pytest.raises(ValueError, match=arg):
        call(imgs[torch.float32])


@pytest.mark.parametrize("make, arg", [
    (lambda: I.ColorJitter(brightness=-0.1), "brightness"),
    (lambda: I.ColorJitter(hue=0.6), "hue"),
    (lambda: I.ColorJitter(contrast=(1.5, 0.5)), "contrast"),
    (lambda: I.ColorJitter(0.4, p=1.5), "p"),
    (lambda: I.RandomGrayscale(p=-0.2), "p"),
    (lambda: I.GaussianBlur(4), "kernel_size"),
    (lambda: I.GaussianBlur(3, sigma=(2.0, 1.0)), "sigma"),
    (lambda: I.RandomPosterize(bits=12), "bits"),
])
def test_bad_arguments_name_themselves(make, arg):
    with pytest.raises(ValueError, match=arg):
        make()


def test_torchvision_color_jitter_ranges_are_the_same():
    # the factor ranges follow torchvision's parsing of the arguments
    ours = I.ColorJitter(0.4, 1.2, (0.2, 0.3), 0.1)
    theirs = v2.ColorJitter(0.4, 1.2, (0.2, 0.3), 0.1)
    for name in ("brightness", "contrast", "saturation", "hue"):
        assert tuple(getattr(ours, name)) == pytest.approx(tuple(getattr(theirs, name)))


@pytest.mark.parametrize("dtype", [torch.float32, torch.uint8])
def test_gpu_style_stepwise_jitter_equals_grouped_jitter(dtype):
    # the GPU path (all samples step by step) and the CPU path (grouped by order) agree exactly
    from helpers.image.photometric import _jitter_by_step, color_jitter_

    x = torch.rand(48, 3, 12, 14, generator=torch.Generator().manual_seed(8))
    bound, integer = (255.0, True) if dtype == torch.uint8 else (1.0, False)
    w = (x * 255).round() if integer else x
    params = I.ColorJitter(0.4, 0.4, 0.4, 0.1).sample_params(48, (3, 12, 14), generator=8)
    assert torch.equal(color_jitter_(w.clone(), params, bound, integer),
                       _jitter_by_step(w.clone(), params, bound, integer))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_color_jitter_on_cuda_matches_cpu():
    x = torch.rand(32, 3, 20, 20)
    t = I.ColorJitter(0.4, 0.4, 0.4, 0.1)
    torch.testing.assert_close(t(x.cuda(), generator=0).cpu(), t(x, generator=0), atol=1e-5, rtol=0)
