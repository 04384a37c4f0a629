"""helpers.image erasing: exact agreement with torchvision's erase, its box-sampling rule
(including the 10-attempt fallback), per-sample boxes, and use after normalisation."""

import math

import numpy as np
import pytest
import torch
from scipy import stats
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as TF

from helpers import image as I

TOP = torch.tensor([0, 3, 5, 10, 0])
LEFT = torch.tensor([0, 2, 20, 0, 7])
HEIGHT = torch.tensor([5, 0, 10, 10, 20])
WIDTH = torch.tensor([5, 4, 10, 30, 3])


def test_erase_matches_torchvision_exactly():
    x = torch.randn(5, 3, 20, 30, generator=torch.Generator().manual_seed(0))  # normalised values
    out = I.erase(x, TOP, LEFT, HEIGHT, WIDTH, value=(1.0, -2.0, 3.0))
    v = torch.tensor([1.0, -2.0, 3.0])[:, None, None]
    ref = torch.stack([TF.erase(x[i], int(TOP[i]), int(LEFT[i]), int(HEIGHT[i]), int(WIDTH[i]), v)
                       for i in range(5)])
    assert torch.equal(out, ref)
    xu = (x.sigmoid() * 255).to(torch.uint8)
    ref_u = torch.stack([TF.erase(xu[i], int(TOP[i]), int(LEFT[i]), int(HEIGHT[i]), int(WIDTH[i]),
                                  torch.tensor(7, dtype=torch.uint8)) for i in range(5)])
    assert torch.equal(I.erase(xu, TOP, LEFT, HEIGHT, WIDTH, value=7), ref_u)


def test_random_value_is_standard_noise_inside_the_box_only():
    x = torch.randn(5, 3, 20, 30, generator=torch.Generator().manual_seed(1))
    out = I.erase(x, TOP, LEFT, HEIGHT, WIDTH, value="random", generator=1)
    inside = I.erasing.box_mask(TOP, LEFT, HEIGHT, WIDTH, (20, 30)).expand_as(x)
    assert torch.equal(out[~inside], x[~inside])
    noise = out[inside].numpy()
    assert inside.sum() == 3 * int((HEIGHT * WIDTH).sum())
    assert stats.kstest(noise, "norm").pvalue > 0.01
    assert torch.equal(out, I.erase(x, TOP, LEFT, HEIGHT, WIDTH, value="random", generator=1))


def test_erasing_box_sampling_matches_torchvision():
    n, shape = 4000, (3, 40, 60)
    ours = I.sample_erasing_params(n, shape, p=1.0, generator=2)
    torch.manual_seed(2)
    tv = [v2.RandomErasing(p=1.0).make_params([torch.zeros(shape)]) for _ in range(n)]
    ref_h = np.array([p["h"] for p in tv], dtype=float)
    ref_w = np.array([p["w"] for p in tv], dtype=float)
    ref_i = np.array([p["i"] for p in tv], dtype=float)
    area = (ours["height"] * ours["width"]).double().numpy()
    assert stats.ks_2samp(area, ref_h * ref_w).pvalue > 0.01
    aspect = np.log((ours["height"] / ours["width"]).double().numpy())
    assert stats.ks_2samp(aspect, np.log(ref_h / ref_w)).pvalue > 0.01
    rel_top = (ours["top"] / (40 - ours["height"] + 1)).numpy()
    assert stats.ks_2samp(rel_top, ref_i / (40 - ref_h + 1)).pvalue > 0.01
    assert (ours["height"] < 40).all() and (ours["width"] < 60).all()
    assert (ours["top"] + ours["height"] <= 40).all() and (ours["left"] + ours["width"] <= 60).all()


def test_erasing_fallback_leaves_the_image_like_torchvision():
    # the box must be strictly smaller than the image; with area ~ the whole image every attempt fails
    torch.manual_seed(3)
    tv = v2.RandomErasing(p=1.0, scale=(0.99, 1.0), ratio=(1.0, 1.0)).make_params([torch.zeros(3, 16, 16)])
    assert tv["v"] is None  # torchvision returns the input unchanged
    ours = I.sample_erasing_params(100, (3, 16, 16), p=1.0, scale=(0.99, 1.0), ratio=(1.0, 1.0), generator=3)
    assert (ours["height"] == 0).all()
    x = torch.rand(4, 3, 16, 16)
    assert torch.equal(I.RandomErasing(1.0, scale=(0.99, 1.0), ratio=(1.0, 1.0))(x, generator=3), x)


def test_erasing_probability_and_per_sample_boxes():
    x = torch.ones(4000, 1, 12, 12)
    out = I.RandomErasing(p=0.25, value=0.0)(x, generator=4)
    erased = (out == 0).flatten(1).any(1)
    assert abs(erased.float().mean().item() - 0.25) < 4 * math.sqrt(0.25 * 0.75 / 4000)
    boxes = {tuple(row.nonzero()[[0, -1]].flatten().tolist()) for row in (out[erased, 0] == 0)}
    assert len(boxes) > 200  # each erased sample has its own box


def test_erasing_after_normalize_in_a_pipeline():
    x = torch.randint(0, 256, (16, 3, 24, 24), dtype=torch.uint8)
    mean, std = [0.5, 0.4, 0.3], [0.2, 0.2, 0.2]
    pipe = I.Pipeline([I.Normalize(mean, std), I.RandomErasing(p=1.0, value=0.0)])
    out = pipe(x, generator=5)
    ref = TF.normalize(x.float() / 255, mean, std)
    kept = out != 0
    torch.testing.assert_close(out[kept], ref[kept], atol=1e-6, rtol=0)
    assert (ref < 0).any() and (out[kept] < 0).any()  # negative normalised values survive


def test_cutout_squares_are_clipped_at_the_border():
    x = torch.ones(3000, 1, 16, 16)
    out = I.cutout(x, 8, generator=6)
    area = (out == 0).flatten(1).sum(1)
    assert area.max() == 64 and area.min() >= 16 and (area < 64).any()


@pytest.mark.parametrize("make, arg", [
    (lambda: I.RandomErasing(p=2.0), "p"),
    (lambda: I.RandomErasing(scale=(0.5, 0.1)), "scale"),
    (lambda: I.RandomErasing(scale=(0.1, 1.5)), "scale"),
    (lambda: I.RandomErasing(ratio=(0.0, 1.0)), "ratio"),
    (lambda: I.RandomErasing(value="noise"), "value"),
    (lambda: I.Cutout(0), "size"),
    (lambda: I.erase(torch.rand(2, 3, 8, 8), 0, 0, 9, 2), "boxes"),
    (lambda: I.erase(torch.rand(2, 3, 8, 8), 0, 0, 2, 2, value=(1.0, 2.0)), "value"),
])
def test_bad_arguments_name_themselves(make, arg):
    with pytest.raises(ValueError, match=arg):
        make()
