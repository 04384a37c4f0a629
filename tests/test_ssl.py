"""helpers.ssl: SimCLR view pairs (per-sample, reproducible, the paper's recipe) and the NT-Xent
loss checked against a direct loop over anchors."""

import math

import pytest
import torch

from helpers import image as I
from helpers.ssl import NTXentLoss, SimCLRViews, nt_xent_loss, simclr_pipeline, simclr_views


def looped_nt_xent(z1, z2, temperature):
    """The loss written anchor by anchor, straight from its definition."""
    z = torch.cat((z1, z2))
    z = z / z.norm(dim=1, keepdim=True)
    n = z1.shape[0]
    total = 0.0
    for i in range(2 * n):
        positive = (i + n) % (2 * n)
        denom = sum(math.exp(float(z[i] @ z[k]) / temperature) for k in range(2 * n) if k != i)
        total += -math.log(math.exp(float(z[i] @ z[positive]) / temperature) / denom)
    return total / (2 * n)


@pytest.mark.parametrize("temperature", [0.1, 0.5, 1.0])
def test_nt_xent_matches_the_looped_definition(temperature):
    g = torch.Generator().manual_seed(0)
    z1, z2 = torch.randn(7, 5, generator=g), torch.randn(7, 5, generator=g)
    assert float(nt_xent_loss(z1, z2, temperature)) == pytest.approx(looped_nt_xent(z1, z2, temperature),
                                                                     rel=1e-5)
    assert float(NTXentLoss(temperature)(z1, z2)) == pytest.approx(looped_nt_xent(z1, z2, temperature), rel=1e-5)


def test_nt_xent_rewards_aligned_pairs_and_has_gradients():
    g = torch.Generator().manual_seed(1)
    z = torch.randn(16, 8, generator=g, requires_grad=True)
    aligned = nt_xent_loss(z, z + 0.01 * torch.randn(16, 8, generator=g), 0.2)
    shuffled = nt_xent_loss(z, z[torch.randperm(16, generator=g)], 0.2)
    assert aligned < shuffled
    aligned.backward()
    assert z.grad is not None and torch.isfinite(z.grad).all()


def test_views_are_per_sample_reproducible_and_float():
    x = torch.randint(0, 256, (1, 3, 48, 48), dtype=torch.uint8).expand(12, 3, 48, 48).contiguous()
    v1, v2 = simclr_views(x, 32, generator=2)
    assert v1.shape == v2.shape == (12, 3, 32, 32) and v1.dtype == torch.float32
    assert 0.0 <= float(v1.min()) and float(v1.max()) <= 1.0
    w1, w2 = SimCLRViews(32)(x, generator=2)
    assert torch.equal(v1, w1) and torch.equal(v2, w2)
    assert not torch.equal(v1, v2)
    assert len({round(float(v), 5) for v in v1.mean((1, 2, 3))}) == 12  # every view is different
    s1, s2 = simclr_views(x[0], 32, generator=3)
    assert s1.shape == (3, 32, 32)


def test_pipeline_is_the_simclr_recipe():
    pipe = simclr_pipeline(224)
    crop, flip, jitter, gray, blur = pipe.transforms
    assert isinstance(crop, I.RandomResizedCrop) and crop.scale == (0.08, 1.0) and crop.size == (224, 224)
    assert isinstance(flip, I.RandomHorizontalFlip) and flip.p == 0.5
    assert isinstance(jitter, I.ColorJitter) and jitter.p == 0.8
    assert jitter.brightness == pytest.approx((0.2, 1.8)) and jitter.hue == pytest.approx((-0.2, 0.2))
    assert isinstance(gray, I.RandomGrayscale) and gray.p == 0.2
    assert isinstance(blur, I.GaussianBlur) and blur.sigma == (0.1, 2.0) and blur.kernel_size == (23, 23)
    assert len(simclr_pipeline(32, blur_p=0.0).transforms) == 4


@pytest.mark.parametrize("call, arg", [
    (lambda: nt_xent_loss(torch.randn(4, 3), torch.randn(5, 3)), "z1 and z2"),
    (lambda: nt_xent_loss(torch.randn(4), torch.randn(4)), "z1"),
    (lambda: nt_xent_loss(torch.randn(4, 3), torch.randn(4, 3), temperature=0.0), "temperature"),
    (lambda: simclr_views(torch.rand(2, 4, 16, 16), 8), "channels"),
    (lambda: simclr_pipeline(32, strength=-1.0), "strength"),
    (lambda: simclr_pipeline(32, blur_p=1.5), "blur_p"),
])
def test_bad_inputs_name_the_argument(call, arg):
    with pytest.raises(ValueError, match=arg):
        call()
