"""helpers.image.Pipeline: fused geometry equals the step-by-step kernels, blocks and grouping do
not change results, dtype rules, and errors."""

import pytest
import torch

from helpers import image as I


@pytest.fixture(scope="module")
def x():
    return torch.randint(0, 256, (24, 3, 40, 48), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))


def _pipe(**kw):
    return I.Pipeline([I.RandomResizedCrop(24), I.RandomHorizontalFlip(), I.ColorJitter(0.4, 0.4, 0.4, 0.1, p=0.8),
                       I.RandomGrayscale(0.2), I.GaussianBlur(3, p=0.5), I.RandomErasing(0.5, value="random")], **kw)


@pytest.mark.parametrize("dtype", [torch.float32, None])
def test_blocks_and_grouping_do_not_change_the_result(x, dtype):
    outs = [_pipe(block_size=b, dtype=dtype)(x, generator=1) for b in (1, 5, None, 24)]
    for o in outs[1:]:
        assert torch.equal(o, outs[0])
    assert outs[0].dtype == (torch.float32 if dtype else torch.uint8)


def test_fused_geometry_equals_the_kernels_one_by_one(x):
    pipe = I.Pipeline([I.RandomResizedCrop(24), I.RandomHorizontalFlip(p=0.5)], dtype=None)
    out = pipe(x, generator=2)
    g = torch.Generator().manual_seed(2)
    p = I.sample_resized_crop_params(24, (40, 48), generator=g)
    flip = torch.rand(24, generator=g) < 0.5
    ref = I.resized_crop(x, p["top"], p["left"], p["height"], p["width"], 24)
    ref = torch.where(flip[:, None, None, None], ref.flip(-1), ref)
    assert torch.equal(out, ref)


def test_rotation_then_crop_is_one_resampling(x):
    xf = x.float() / 255
    rot = I.RandomRotation((30, 30))
    crop = I.RandomCrop(32)
    fused = I.Pipeline([rot, crop])(xf, generator=3)
    g = torch.Generator().manual_seed(3)
    rot.sample_params(24, (40, 48), generator=g)
    p = crop.sample_params(24, (40, 48), generator=g)
    ref = I.crop(I.rotate(xf, 30.0, fill=0.0), p["top"], p["left"], 32, 32)
    torch.testing.assert_close(fused, ref, atol=1e-5, rtol=0)


def test_crop_then_rotation_reads_the_image_beyond_the_crop():
    # fused: the rotated corners come from the original image instead of the crop's fill
    xf = torch.ones(16, 1, 64, 64)
    crop = I.RandomCrop(32)
    out = I.Pipeline([crop, I.RandomRotation((30, 30))])(xf, generator=0)
    p = crop.sample_params(16, (64, 64), generator=torch.Generator().manual_seed(0))
    away = (p["top"] >= 8) & (p["top"] <= 24) & (p["left"] >= 8) & (p["left"] <= 24)
    assert away.sum() >= 3
    assert (out[away][..., 0, 0] > 0.99).all()  # crop -> rotate step by step would put fill (0) here


def test_float_output_is_scaled_and_uint8_mode_follows_torchvision_rules(x):
    out = I.Pipeline([I.ColorJitter(0.5, 0.5, 0.5, 0.2)])(x, generator=4)
    assert out.dtype == torch.float32 and 0.0 <= float(out.min()) and float(out.max()) <= 1.0
    jitter = I.ColorJitter(0.5, 0.5, 0.5, 0.2)
    out_u8 = I.Pipeline([jitter], dtype=None)(x, generator=4)
    p = jitter.sample_params(24, (3, 40, 48), generator=torch.Generator().manual_seed(4))
    ref = I.color_jitter(x, p["brightness"], p["contrast"], p["saturation"], p["hue"], p["order"])
    assert torch.equal(out_u8, ref)
    # float mode keeps the precision uint8 rounding throws away
    diff = (out * 255 - out_u8.float()).abs()
    assert diff.mean() < 2.5 and diff.max() < 10.0  # uint8 truncates after each of the 4 ops


def test_policies_and_normalize_run_inside(x):
    out = I.Pipeline([I.RandomCrop(32, padding=4), I.RandAugment(), I.Normalize([0.5] * 3, [0.25] * 3),
                      I.RandomErasing(0.5)])(x, generator=5)
    assert out.shape == (24, 3, 32, 32) and out.min() < 0


@pytest.mark.parametrize("make, arg", [
    (lambda: I.Pipeline([torch.nn.Identity()]), "transforms"),
    (lambda: I.Pipeline([I.RandomAffine(5, fill=0.0), I.RandomRotation(5, fill=1.0)]), "fill"),
    (lambda: I.Pipeline([I.RandomHorizontalFlip()], dtype=torch.int32), "dtype"),
    (lambda: I.Pipeline([I.RandomHorizontalFlip()], block_size=0), "block_size"),
    (lambda: I.Pipeline([I.Normalize(0.5, 0.5)], dtype=None)(torch.zeros(1, 3, 4, 4, dtype=torch.uint8)),
     "Normalize"),
    (lambda: I.Pipeline([I.RandomHorizontalFlip()])(torch.zeros(3, 4)), "x"),
])
def test_bad_arguments_name_themselves(make, arg):
    with pytest.raises(ValueError, match=arg):
        make()


def test_elastic_field_composes_with_later_warps():
    xf = torch.rand(6, 3, 20, 24, generator=torch.Generator().manual_seed(6))
    elastic = I.ElasticTransform(alpha=30.0, sigma=3.0)
    fused = I.Pipeline([elastic, I.RandomHorizontalFlip(p=1.0)])(xf, generator=7)
    disp = I.sample_elastic_displacement(6, (20, 24), (30.0, 30.0), (3.0, 3.0), generator=7)
    ref = I.elastic(xf, disp, fill=0.0).flip(-1)
    torch.testing.assert_close(fused, ref, atol=1e-5, rtol=0)


def test_cpu_uint8_crop_and_resize_run_in_uint8_like_torchvision(x):
    # uint8 in, float out on the CPU: the crop + resize + flip stage runs on uint8 (the fast
    # native resize), i.e. torchvision's resized_crop(antialias=False), rounded to uint8
    from torchvision.transforms.v2 import functional as TF

    out = I.Pipeline([I.RandomResizedCrop(24), I.RandomHorizontalFlip()])(x, generator=2)
    g = torch.Generator().manual_seed(2)
    p = I.sample_resized_crop_params(24, (40, 48), generator=g)
    flip = torch.rand(24, generator=g) < 0.5
    ref = torch.stack([TF.resized_crop(x[i], int(p["top"][i]), int(p["left"][i]), int(p["height"][i]),
                                       int(p["width"][i]), [24, 24], antialias=False) for i in range(24)])
    ref = torch.where(flip[:, None, None, None], ref.flip(-1), ref)
    assert out.dtype == torch.float32
    assert (out * 255 - ref.float()).abs().max() < 1e-3
    # the float path (float input) agrees inside the image to the uint8 rounding
    slow = I.Pipeline([I.RandomResizedCrop(24), I.RandomHorizontalFlip()])(x.float() / 255, generator=2)
    assert (out - slow)[..., 1:-1, 1:-1].abs().max() <= 1.01 / 255


def test_uint8_resize_writes_rows_in_the_asked_order_and_channels_last(x):
    # the pipeline resizes straight into its block order: row j must be sample order[j]
    from helpers.image.pipeline import crop_boxes, resize_crops_uint8

    pipe = I.Pipeline([I.RandomResizedCrop(24), I.RandomHorizontalFlip()])
    plans = pipe.sample(24, (3, 40, 48), generator=torch.Generator().manual_seed(3))
    boxes = crop_boxes(*plans[0][1:])
    assert boxes is not None
    plain = resize_crops_uint8(x, boxes, (24, 24))
    order = torch.randperm(24, generator=torch.Generator().manual_seed(4))
    ordered = resize_crops_uint8(x, boxes, (24, 24), 2, order=order)
    assert ordered.shape == (24, 3, 24, 24) and ordered.dtype == torch.uint8
    assert ordered.is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(ordered, plain[order])
    assert not torch.equal(ordered, plain)  # the order was not the identity


def test_large_outputs_ask_for_huge_pages_within_their_own_memory(monkeypatch):
    from helpers.image import _common

    calls = []
    monkeypatch.setattr(_common, "_MADVISE", lambda start, length, advice: calls.append((start, length, advice)))
    big = _common.large_empty((4, 3, 512, 512), torch.float32)
    assert big.shape == (4, 3, 512, 512) and big.dtype == torch.float32 and big.is_contiguous()
    ((start, length, advice),) = calls
    huge = 2 << 20
    assert advice == 14 and start % huge == 0 and length % huge == 0 and length >= 2 * huge
    assert big.data_ptr() <= start and start + length <= big.data_ptr() + big.numel() * 4
    calls.clear()
    small = _common.large_empty((2, 3, 8, 8), torch.uint8)
    assert small.shape == (2, 3, 8, 8) and small.dtype == torch.uint8 and not calls  # no advice
