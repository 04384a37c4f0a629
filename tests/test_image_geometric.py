"""helpers.image geometry: agreement with torchvision v2, per-sample sampling rules, targets.

Tolerances: float images in [0, 1] agree to 1e-5 (the grid arithmetic follows torchvision's, so
nearest-neighbour results are identical, ties included); uint8 to 1 grey level after rounding.
"""

import math

import numpy as np
import pytest
import torch
from scipy import stats
from torchvision import tv_tensors
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as TF

from helpers import image as I

B = 6


@pytest.fixture(scope="module")
def imgs():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(B, 3, 29, 37, generator=g)
    return x, (x * 255).round().to(torch.uint8)


def _mode(name):
    return TF.InterpolationMode(name)


def _close(out, ref, dtype):
    if dtype == torch.uint8:
        assert (out.int() - ref.int()).abs().max() <= 1
    else:
        torch.testing.assert_close(out, ref, atol=1e-5, rtol=0)


ANGLE = torch.tensor([10.0, -33.0, 90.0, 181.0, 0.0, 45.5])
TRANS = torch.tensor([[2.0, -3.0], [0, 0], [5, 1], [-4, 7], [0, 0], [1, 1]])
SCALE = torch.tensor([1.0, 0.8, 1.3, 0.6, 1.0, 1.1])
SHEAR = torch.tensor([[5.0, 0], [0, 10], [-7, 3], [20, -15], [0, 0], [11.31, 0]])


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("fill", [None, 0.0, (0.2, 0.5, 0.9)])
@pytest.mark.parametrize("as_uint8", [False, True])
def test_affine_matches_torchvision(imgs, interpolation, fill, as_uint8):
    x = imgs[1] if as_uint8 else imgs[0]
    f = None if fill is None else (tuple(255 * v for v in fill) if as_uint8 and isinstance(fill, tuple)
                                    else fill)
    out = I.affine(x, ANGLE, TRANS, SCALE, SHEAR, interpolation=interpolation, fill=f)
    ref = torch.stack([
        TF.affine(x[i], angle=float(ANGLE[i]), translate=TRANS[i].tolist(), scale=float(SCALE[i]),
                  shear=SHEAR[i].tolist(), interpolation=_mode(interpolation),
                  fill=list(f) if isinstance(f, tuple) else f)
        for i in range(B)])
    assert out.dtype == x.dtype and out.shape == x.shape
    _close(out, ref, x.dtype)


def test_rotate_matches_torchvision_with_center(imgs):
    x = imgs[0]
    out = I.rotate(x, ANGLE, center=(3.0, 5.0), interpolation="bilinear")
    ref = torch.stack([TF.rotate(x[i], float(ANGLE[i]), interpolation=_mode("bilinear"), center=[3.0, 5.0])
                       for i in range(B)])
    _close(out, ref, x.dtype)
    # a float angle applies to every sample
    torch.testing.assert_close(I.rotate(x, 30.0), I.rotate(x, torch.full((B,), 30.0)))


def test_flips_are_exact(imgs):
    x, xu = imgs
    assert torch.equal(I.hflip(x), TF.horizontal_flip(x))
    assert torch.equal(I.vflip(xu), TF.vertical_flip(xu))
    assert torch.equal(I.hflip(x[0]), TF.horizontal_flip(x[0]))


TOP = torch.tensor([0, 5, 3, 10, 0, 2])
LEFT = torch.tensor([0, 2, 7, 1, 30, 4])
HEIGHT = torch.tensor([29, 20, 10, 19, 8, 25])
WIDTH = torch.tensor([37, 30, 12, 36, 7, 20])


def test_resized_crop_matches_torchvision_without_antialias(imgs):
    x = imgs[0]
    out = I.resized_crop(x, TOP, LEFT, HEIGHT, WIDTH, (24, 26))
    ref = torch.stack([TF.resized_crop(x[i], int(TOP[i]), int(LEFT[i]), int(HEIGHT[i]), int(WIDTH[i]),
                                       [24, 26], antialias=False) for i in range(B)])
    # enlarged crops: output pixels sampling within half an input pixel of the crop edge read
    # the true neighbour instead of repeating the edge (documented); all other pixels agree
    for i in range(B):
        my = math.ceil(0.5 * 24 / int(HEIGHT[i])) if HEIGHT[i] < 24 else 0
        mx = math.ceil(0.5 * 26 / int(WIDTH[i])) if WIDTH[i] < 26 else 0
        inner = (slice(None), slice(my, 24 - my), slice(mx, 26 - mx))
        _close(out[i][inner], ref[i][inner], x.dtype)


def test_resized_crop_nearest_is_torchvision_nearest_exact(imgs):
    xu = imgs[1]
    out = I.resized_crop(xu, TOP, LEFT, HEIGHT, WIDTH, 16, interpolation="nearest")
    ref = torch.stack([TF.resized_crop(xu[i], int(TOP[i]), int(LEFT[i]), int(HEIGHT[i]), int(WIDTH[i]),
                                       [16, 16], interpolation=_mode("nearest-exact")) for i in range(B)])
    assert torch.equal(out, ref)


def test_crop_with_padding_copies_pixels_exactly(imgs):
    xu = imgs[1]
    top, left = [-2, 0, 5, 10, -3, 1], [-3, 4, 0, 20, 12, -1]
    out = I.crop(xu, torch.tensor(top), torch.tensor(left), 30, 25, fill=7)
    padded = TF.pad(xu, [3, 3, 30, 30], fill=7)
    ref = torch.stack([TF.crop(padded[i], t + 3, l_ + 3, 30, 25) for i, (t, l_) in enumerate(zip(top, left, strict=True))])
    assert torch.equal(out, ref)


def test_elastic_matches_torchvision(imgs):
    x = imgs[0]
    disp = torch.randn(B, 29, 37, 2, generator=torch.Generator().manual_seed(1)) * 0.05
    out = I.elastic(x, disp)
    ref = torch.stack([TF.elastic(x[i], disp[i:i + 1]) for i in range(B)])
    _close(out, ref, x.dtype)


def test_center_crop_and_resize_match_torchvision(imgs):
    x, xu = imgs
    assert torch.equal(I.center_crop(xu, (20, 21)), TF.center_crop(xu, [20, 21]))
    _close(I.resize(x, (15, 40)), TF.resize(x, [15, 40], antialias=True), x.dtype)
    _close(I.resize(xu, (15, 40)), TF.resize(xu, [15, 40], antialias=True), xu.dtype)


# ------------------------------------------------------------------------------ masks and boxes


def test_random_affine_moves_mask_and_boxes_like_torchvision(imgs):
    x = imgs[0]
    mask = torch.randint(0, 5, (B, 29, 37), generator=torch.Generator().manual_seed(2))
    boxes = torch.tensor([[[2.0, 3.0, 20.0, 25.0], [10.0, 10.0, 36.0, 28.0]]]).repeat(B, 1, 1)
    t = I.RandomAffine(30, translate=(0.1, 0.2), scale=(0.7, 1.2), shear=(-10, 10, -5, 5))
    out, m, b = t(x, mask, boxes, generator=3)
    p = t.sample_params(B, (29, 37), generator=torch.Generator().manual_seed(3))
    for i in range(B):
        kw = dict(angle=float(p["angle"][i]), translate=p["translate"][i].tolist(),
                  scale=float(p["scale"][i]), shear=p["shear"][i].tolist())
        _close(out[i], TF.affine(x[i], **kw, interpolation=_mode("bilinear"), fill=0.0), x.dtype)
        assert torch.equal(m[i], TF.affine(tv_tensors.Mask(mask[i]), **kw))
        ref_b = TF.affine(tv_tensors.BoundingBoxes(boxes[i], format="XYXY", canvas_size=(29, 37)), **kw)
        torch.testing.assert_close(b[i], ref_b.as_subclass(torch.Tensor), atol=1e-4, rtol=0)
    assert m.dtype == mask.dtype


def test_resized_crop_and_flip_map_boxes_and_masks_consistently():
    # a white rectangle: wherever it lands, the mapped box must enclose its mask
    x = torch.zeros(8, 1, 40, 50)
    x[:, :, 10:20, 15:35] = 1.0
    boxes = torch.tensor([[[15.0, 10.0, 35.0, 20.0]]]).repeat(8, 1, 1)
    mask = (x[:, 0] > 0).long()
    pipe = I.Pipeline([I.RandomResizedCrop(32, scale=(0.5, 1.0)), I.RandomHorizontalFlip()], dtype=None)
    out, m, b = pipe(x, mask, boxes, generator=4)
    for i in range(8):
        x1, y1, x2, y2 = b[i, 0].tolist()
        inside = m[i].nonzero()
        if inside.numel():
            assert inside[:, 1].min() >= math.floor(x1) and inside[:, 1].max() < math.ceil(x2)
            assert inside[:, 0].min() >= math.floor(y1) and inside[:, 0].max() < math.ceil(y2)
        # same parameters for image (bilinear) and mask (nearest): they agree away from the edge
        assert (m[i][out[i, 0] > 0.75] == 1).all() and (m[i][out[i, 0] < 0.25] == 0).all()


def test_boxes_as_list_keep_their_form():
    x = torch.rand(3, 3, 20, 20)
    boxes = [torch.tensor([[1.0, 1.0, 5.0, 5.0]]), torch.zeros(0, 4), torch.tensor([[0.0, 0, 20, 20], [2, 2, 3, 3]])]
    out, b = I.RandomHorizontalFlip(p=1.0)(x, boxes=boxes)
    assert [t.shape for t in b] == [(1, 4), (0, 4), (2, 4)]
    torch.testing.assert_close(b[0], torch.tensor([[15.0, 1.0, 19.0, 5.0]]), atol=1e-6, rtol=0)
    torch.testing.assert_close(out, x.flip(-1))


def test_elastic_refuses_boxes():
    with pytest.raises(ValueError, match="boxes"):
        I.ElasticTransform()(torch.rand(2, 1, 16, 16), boxes=torch.zeros(2, 1, 4))


# ------------------------------------------------------------------------------ sampling rules


def _tv_params(transform, img, n, seed):
    torch.manual_seed(seed)
    ps = [transform.make_params([img]) for _ in range(n)]
    return {k: np.array([float(p[k]) for p in ps]) for k in ps[0]}


def test_resized_crop_sampling_matches_torchvision_distribution():
    n, H, W = 3000, 60, 90
    ours = I.sample_resized_crop_params(n, (H, W), generator=0)
    ref = _tv_params(v2.RandomResizedCrop(32), torch.zeros(1, H, W), n, seed=0)
    for ours_v, ref_v in ((ours["height"] * ours["width"] / (H * W), ref["height"] * ref["width"] / (H * W)),
                          (torch.log(ours["width"] / ours["height"]), np.log(ref["width"] / ref["height"])),
                          (ours["top"] / (H - ours["height"] + 1), ref["top"] / (H - ref["height"] + 1))):
        assert stats.ks_2samp(np.asarray(ours_v, dtype=float), ref_v).pvalue > 0.01
    assert (ours["top"] + ours["height"] <= H).all() and (ours["left"] + ours["width"] <= W).all()
    assert (ours["height"] > 0).all() and (ours["width"] > 0).all()


def test_resized_crop_fallback_is_torchvisions_central_crop():
    # a 10 x 200 strip: no crop of area >= 90 % with aspect <= 4/3 fits, every attempt fails
    ours = I.sample_resized_crop_params(50, (10, 200), scale=(0.9, 1.0), generator=1)
    ref = _tv_params(v2.RandomResizedCrop(8, scale=(0.9, 1.0)), torch.zeros(1, 10, 200), 5, seed=1)
    for k in ("top", "left", "height", "width"):
        assert set(ours[k].tolist()) == {int(ref[k][0])} == set(ref[k].astype(int).tolist())


def test_affine_sampling_matches_torchvision_distribution():
    n, H, W = 3000, 40, 50
    kw = dict(degrees=25, translate=(0.2, 0.1), scale=(0.6, 1.4), shear=(-8, 8, -4, 12))
    ours = I.RandomAffine(**kw).sample_params(n, (H, W), generator=2)
    torch.manual_seed(2)
    tv = [v2.RandomAffine(**kw).make_params([torch.zeros(1, H, W)]) for _ in range(n)]
    for key in ("angle", "scale"):
        ref = np.array([p[key] for p in tv], dtype=float)
        assert stats.ks_2samp(ours[key].numpy(), ref).pvalue > 0.01
    for j, bound in ((0, 0.2 * W), (1, 0.1 * H)):
        ref_t = np.array([p["translate"][j] for p in tv], dtype=float)
        assert stats.ks_2samp(ours["translate"][:, j].numpy(), ref_t).pvalue > 0.01
        assert ours["translate"][:, j].abs().max() <= round(bound)
        assert torch.equal(ours["translate"][:, j], ours["translate"][:, j].round())
        ref_s = np.array([p["shear"][j] for p in tv], dtype=float)
        assert stats.ks_2samp(ours["shear"][:, j].numpy(), ref_s).pvalue > 0.01


def test_same_generator_same_output_and_samples_differ():
    x = torch.rand(1, 3, 32, 32).expand(16, 3, 32, 32).contiguous()
    for t in (I.RandomAffine(30, (0.1, 0.1), (0.8, 1.2), 10), I.RandomResizedCrop(20), I.ElasticTransform(),
              I.RandomCrop(28, padding=2), I.RandomRotation(45)):
        a, b = t(x, generator=5), t(x, generator=5)
        assert torch.equal(a, b)
        flat = a.flatten(1)
        distinct = {tuple(row[:50].tolist()) for row in flat}
        assert len(distinct) >= 12, type(t).__name__  # independent parameters per sample
        assert not torch.equal(t(x, generator=6), a)


def test_flip_probability_per_sample():
    x = torch.arange(4.0).view(1, 1, 1, 4).expand(4000, 1, 1, 4)
    out = I.random_hflip(x, p=0.3, generator=7)
    flipped = (out[:, 0, 0, 0] == 3).float().mean().item()
    assert abs(flipped - 0.3) < 4 * math.sqrt(0.3 * 0.7 / 4000)


def test_random_crop_positions_are_uniform():
    x = torch.arange(100.0).view(1, 1, 10, 10).expand(5000, 1, 10, 10)
    out = I.random_crop(x, 6, generator=8)
    top = (out[:, 0, 0, 0] // 10).long()
    counts = torch.bincount(top, minlength=5).numpy()
    assert stats.chisquare(counts).pvalue > 0.01 and len(counts) == 5


def test_elastic_displacement_follows_torchvision_rule():
    torch.manual_seed(3)
    tv_disp = v2.ElasticTransform(alpha=50.0, sigma=5.0).make_params([torch.zeros(1, 64, 64)])["displacement"]
    ours = I.sample_elastic_displacement(200, (64, 64), generator=3)
    assert ours.shape == (200, 64, 64, 2)
    # same smoothing and scale: the spread of displacements matches torchvision's
    ratio = ours.std() / tv_disp.std()
    assert 0.8 < ratio < 1.25


# ------------------------------------------------------------------------------ API and errors


def test_required_api_and_single_image_input():
    x = torch.rand(3, 20, 24)
    out = I.random_affine(x, 10.0, translate=(0.1, 0.1), scale=(0.9, 1.1), shear=5.0, generator=0)
    assert out.shape == x.shape
    assert I.RandomAffine(10.0, interpolation="nearest")(x, generator=0).shape == x.shape
    assert I.rotate(x, 90.0).shape == x.shape
    assert torch.equal(I.vflip(I.vflip(x)), x)


@pytest.mark.parametrize("make, arg", [
    (lambda: I.RandomResizedCrop(8, scale=(0.5, 0.1)), "scale"),
    (lambda: I.RandomResizedCrop(8, ratio=(2.0, 1.0)), "ratio"),
    (lambda: I.RandomResizedCrop(0), "size"),
    (lambda: I.RandomAffine(-5), "degrees"),
    (lambda: I.RandomAffine(5, translate=(1.5, 0.0)), "translate"),
    (lambda: I.RandomAffine(5, scale=(-1.0, 1.0)), "scale"),
    (lambda: I.RandomAffine(5, shear=(1, 2, 3)), "shear"),
    (lambda: I.RandomAffine(5, interpolation="cubic"), "interpolation"),
    (lambda: I.RandomHorizontalFlip(p=-0.1), "p"),
    (lambda: I.RandomCrop(8, padding=-1), "padding"),
    (lambda: I.ElasticTransform(alpha=-1.0), "alpha"),
])
def test_bad_arguments_name_themselves(make, arg):
    with pytest.raises(ValueError, match=arg):
        make()


@pytest.mark.parametrize("call, arg", [
    (lambda: I.hflip(torch.rand(20, 20)), "x"),
    (lambda: I.affine(torch.zeros(2, 3, 8, 8, dtype=torch.int32)), "x"),
    (lambda: I.affine(torch.rand(2, 3, 8, 8), angle=torch.zeros(3)), "angle"),
    (lambda: I.affine(torch.rand(2, 3, 8, 8), scale=0.0), "scale"),
    (lambda: I.affine(torch.rand(2, 3, 8, 8), fill=(1, 2)), "fill"),
    (lambda: I.resized_crop(torch.rand(1, 3, 8, 8), 0, 0, 9, 8, 4), "crop boxes"),
    (lambda: I.warp(torch.rand(2, 3, 8, 8), torch.eye(2)), "matrix"),
    (lambda: I.elastic(torch.rand(2, 3, 8, 8), torch.zeros(2, 8, 7, 2)), "displacement"),
    (lambda: I.RandomAffine(5)(torch.rand(2, 3, 8, 8), torch.zeros(2, 7, 8)), "mask"),
    (lambda: I.RandomAffine(5)(torch.rand(2, 3, 8, 8), boxes=torch.zeros(3, 1, 4)), "boxes"),
    (lambda: I.random_crop(torch.rand(1, 3, 8, 8), 10), "size"),
    (lambda: I.random_affine(torch.rand(1, 3, 8, 8), generator="seed"), "generator"),
])
def test_bad_inputs_name_the_argument(call, arg):
    with pytest.raises(ValueError, match=arg):
        call()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_draws_the_same_parameters_as_cpu():
    x = torch.rand(8, 3, 40, 40)
    t = I.Pipeline([I.RandomResizedCrop(24), I.RandomHorizontalFlip(), I.RandomAffine(20, (0.1, 0.1))])
    cpu = t(x, generator=0)
    gpu = t(x.cuda(), generator=0)
    assert gpu.device.type == "cuda"
    torch.testing.assert_close(gpu.cpu(), cpu, atol=1e-4, rtol=0)
