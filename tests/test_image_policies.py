"""helpers.image auto-policies: each op equals torchvision's for the same magnitude, per-sample
op choice follows torchvision's tables and probabilities, AugMix mixes with valid weights.

Tolerance: uint8 results agree exactly except at most 1 grey level where bilinear rounding sits on
an integer boundary; float results to 1e-5."""

import math

import numpy as np
import pytest
import torch
from scipy import stats
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as TF

from helpers import image as I
from helpers.image import policies as P

OPS = [("ShearX", 0.2), ("ShearY", -0.25), ("TranslateX", 7.9), ("TranslateY", -5.5), ("Rotate", 23.0),
       ("Brightness", 0.5), ("Color", -0.4), ("Contrast", 0.7), ("Sharpness", 0.6), ("Posterize", 3.0),
       ("Solarize", 0.4), ("AutoContrast", 0.0), ("Equalize", 0.0), ("Invert", 0.0), ("Identity", 0.0)]


@pytest.fixture(scope="module")
def batch():
    xu = torch.randint(0, 256, (3, 3, 24, 30), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    return {torch.uint8: xu, torch.float32: xu.float() / 255}


@pytest.mark.parametrize("op, magnitude", OPS)
@pytest.mark.parametrize("dtype", [torch.uint8, torch.float32])
@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_each_op_matches_torchvision(batch, op, magnitude, dtype, interpolation):
    x = batch[dtype]
    fill = None if interpolation == "nearest" else ([10.0, 20.0, 30.0] if dtype == torch.uint8 else [0.1, 0.2, 0.3])
    out = P.apply_op(x, op, magnitude, interpolation=interpolation, fill=fill)
    ref = torch.stack([v2.RandAugment()._apply_image_or_video_transform(
        x[i], op, magnitude, interpolation=TF.InterpolationMode(interpolation), fill={torch.Tensor: fill})
        for i in range(3)])
    assert out.dtype == ref.dtype
    if dtype == torch.uint8:
        diff = (out.int() - ref.int()).abs()
        assert diff.max() <= 1 and (diff > 0).float().mean() < 0.01
    else:
        torch.testing.assert_close(out, ref, atol=1e-5, rtol=0)


def test_rand_augment_draws_ops_uniformly_per_sample():
    t = I.RandAugment(num_ops=2, magnitude=9)
    p = t.sample_params(3000, (3, 32, 32), generator=1)
    counts = np.bincount(p["ops"].flatten().numpy(), minlength=14)
    assert stats.chisquare(counts).pvalue > 0.01
    names, table, signed = P._space_tables(P.RAND_AUGMENT_SPACE, (32, 32), 31)
    expected = table[p["ops"], 9]
    mags = p["magnitudes"]
    assert torch.equal(mags.abs(), expected.abs())
    neg = (mags < 0).float()[signed[p["ops"]] & (expected != 0)].mean().item()
    assert abs(neg - 0.5) < 0.03


def test_trivial_augment_magnitude_bins_are_uniform():
    p = I.TrivialAugmentWide().sample_params(4000, (3, 32, 32), generator=2)
    rot = p["ops"][:, 0] == tuple(P.TRIVIAL_AUGMENT_SPACE).index("Rotate")
    bins = (p["magnitudes"][rot, 0].abs() / (135.0 / 30)).round().long()
    assert stats.chisquare(np.bincount(bins.numpy(), minlength=31)).pvalue > 0.01


@pytest.mark.parametrize("policy", ["imagenet", "cifar10"])
def test_auto_augment_follows_the_policy_table(policy):
    n = 6000
    p = I.AutoAugment(policy).sample_params(n, (3, 32, 32), generator=3)
    table = P.POLICIES[policy]
    choice = p["policy_index"]
    assert stats.chisquare(np.bincount(choice.numpy(), minlength=25)).pvalue > 0.01
    names = p["names"]
    for r in range(2):
        prob = torch.tensor([sub[r][1] for sub in table])[choice]
        op = torch.tensor([names.index(sub[r][0]) for sub in table])[choice]
        applied = p["ops"][:, r] >= 0
        assert torch.equal(p["ops"][applied, r], op[applied])
        # observed application rate matches the table's probabilities
        assert abs(applied.float().mean() - prob.mean()) < 4 * math.sqrt(0.25 / n)


def test_augmix_weights_and_depths():
    t = I.AugMix(severity=3, mixture_width=3, chain_depth=-1, alpha=1.0)
    p = t.sample_params(3000, (3, 16, 16), generator=4)
    total = p["original_weight"] + p["chain_weights"].sum(1)
    torch.testing.assert_close(total, torch.ones(3000), atol=1e-5, rtol=0)
    # Beta(1, 1) for the original's weight: mean 1/2, variance 1/12
    m = p["original_weight"].double()
    assert abs(m.mean() - 0.5) < 0.02 and abs(m.var() - 1 / 12) < 0.01
    depth = (p["ops"] >= 0).sum(2).flatten()
    assert set(depth.tolist()) == {1, 2, 3}
    assert stats.chisquare(np.bincount(depth.numpy())[1:]).pvalue > 0.01


def test_augmix_of_identity_chains_returns_the_image():
    x = torch.rand(4, 3, 16, 16)
    t = I.AugMix()
    p = t.sample_params(4, (3, 16, 16), generator=5)
    p["ops"] = torch.full_like(p["ops"], -1)  # every chain = identity
    out = t.apply_(x.clone(), p, 1.0, False)
    torch.testing.assert_close(out, x, atol=1e-6, rtol=0)


@pytest.mark.parametrize("make", [lambda: I.RandAugment(), lambda: I.TrivialAugmentWide(),
                                  lambda: I.AutoAugment(), lambda: I.AugMix()])
def test_policies_are_per_sample_reproducible_and_keep_dtype(make):
    x = torch.randint(0, 256, (1, 3, 24, 24), dtype=torch.uint8).expand(24, 3, 24, 24).contiguous()
    t = make()
    a = t(x, generator=6)
    assert a.dtype == torch.uint8 and a.shape == x.shape
    assert torch.equal(a, t(x, generator=6))
    assert len({tuple(r[:40].tolist()) for r in a.flatten(1)}) >= 6  # samples draw their own ops
    assert t(x.float() / 255, generator=6).dtype == torch.float32


@pytest.mark.parametrize("make, arg", [
    (lambda: I.RandAugment(num_ops=-1), "num_ops"),
    (lambda: I.RandAugment(magnitude=31), "magnitude"),
    (lambda: I.AutoAugment("svhn-ish"), "policy"),
    (lambda: I.AugMix(severity=0), "severity"),
    (lambda: I.AugMix(alpha=0.0), "alpha"),
    (lambda: I.TrivialAugmentWide(interpolation="area"), "interpolation"),
    (lambda: P.apply_op(torch.rand(1, 3, 8, 8), "Zoom", 1.0), "op"),
    (lambda: I.RandAugment()(torch.rand(1, 3, 8, 8), torch.zeros(1, 8, 8)), "mask"),
    (lambda: I.RandAugment()(torch.rand(1, 4, 8, 8)), "channels"),
])
def test_bad_arguments_name_themselves(make, arg):
    with pytest.raises(ValueError, match=arg):
        make()
