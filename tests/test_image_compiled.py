"""helpers.image.compiled and Pipeline(compile=True): the generated ColorJitter on packed bytes
agrees with torchvision and with the eager pipeline, and falls back to the eager ops when
compiling fails.

Tolerance: float images to 1e-5, as for the eager ops (tests/test_image_photometric.py).
The first tests compile the generated loops (one variant per place of hue among the steps):
the slow part of this file.
"""

import shutil
import warnings

import pytest
import torch
from torchvision.transforms.v2 import functional as TF

from helpers import image as I
from helpers.image import compiled
from helpers.image.pipeline import crop_boxes, resize_crops_uint8, resize_packed_crops

needs_compiler = pytest.mark.skipif(shutil.which("c++") is None and shutil.which("g++") is None,
                                    reason="torch.compile's CPU backend needs a C++ compiler")

TV_OPS = {"brightness": TF.adjust_brightness, "contrast": TF.adjust_contrast,
          "saturation": TF.adjust_saturation, "hue": TF.adjust_hue}


def _pipe(compile, block_size=None, jitter=None, after=()):
    jitter = jitter or I.ColorJitter(0.4, 0.4, 0.4, 0.1, p=0.8)
    return I.Pipeline([I.RandomResizedCrop(20), I.RandomHorizontalFlip(), jitter, I.RandomErasing(0.5),
                       *after], compile=compile, block_size=block_size)


def _torchvision_jitter(image, params, i):
    """Sample ``i`` of a uint8 batch jittered by torchvision in the sample's own order."""
    ref = image.float() / 255
    if params["apply"][i]:
        for op in params["order"][i].tolist():
            name = compiled.NAMES[op]
            if params.get(name) is not None:
                ref = TV_OPS[name](ref, float(params[name][i]))
    return ref


@needs_compiler
@pytest.mark.parametrize("factors", [(0.6, 0.6, 0.6, 0.5), (0.5, None, None, 0.3), (None, 0.5, 0.5, None)])
def test_generated_jitter_matches_torchvision_sample_by_sample(factors):
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (24, 3, 17, 21), dtype=torch.uint8, generator=g)
    jitter = I.ColorJitter(*[0.0 if f is None else f for f in factors], p=0.8)
    params = jitter.sample_params(24, (3, 17, 21), generator=g)
    tables = compiled.jitter_tables(params, "cpu")
    assert tables["steps"] == sum(f is not None for f in factors)
    assert tables["reduce"] == (factors[1] is not None)
    packed = compiled.pack_rgb(x)
    assert packed.shape == (24, 17, 21, 4) and torch.equal(packed[..., :3], x.permute(0, 2, 3, 1))
    assert not packed[..., 3].any()
    out = torch.full((24, 3, 17, 21), float("nan"))
    for place in tables["hue_at"].unique().tolist():  # one generated variant per place of hue
        rows = (tables["hue_at"] == place).nonzero()[:, 0]
        assert compiled.jitter_rows(out, rows, packed[rows].contiguous(), tables, rows, place)
    one = torch.tensor([5])  # a batch of one is run as two
    alone = torch.full_like(out, float("nan"))
    assert compiled.jitter_rows(alone, one, packed[one].contiguous(), tables, one, int(tables["hue_at"][5]))
    assert torch.equal(alone[5], out[5]) and alone[6].isnan().all()
    if factors[3] is not None:
        assert tables["hue_at"].unique().numel() > 1  # several places of hue were exercised
    for i in range(24):
        torch.testing.assert_close(out[i], _torchvision_jitter(x[i], params, i), atol=1e-5, rtol=0)
    skipped = (~params["apply"]).nonzero()[:, 0]
    assert skipped.numel() and torch.equal(out[skipped], x[skipped].float() * (1.0 / 255.0))  # exactly itself


def test_packed_crops_resize_like_the_planar_uint8_path():
    g = torch.Generator().manual_seed(1)
    x = torch.randint(0, 256, (12, 3, 40, 36), dtype=torch.uint8, generator=g)
    crop = I.RandomResizedCrop((24, 28), scale=(0.05, 1.0))
    flip = I.RandomHorizontalFlip()
    warp = crop.sample_warp(12, (40, 36), generator=g).then(flip.sample_warp(12, (24, 28), generator=g))
    boxes = crop_boxes(warp, "bilinear", None)
    assert boxes is not None and boxes[:, 4].any() and not boxes[:, 4].all()
    order = torch.randperm(12, generator=g)
    packed = torch.zeros((12, 40, 36, 4), dtype=torch.uint8)
    packed[..., :3] = x.permute(0, 2, 3, 1)
    for workers in (1, 2):
        got = resize_packed_crops(packed, boxes, (24, 28), workers, order=order)
        want = resize_crops_uint8(x, boxes, (24, 28), workers, order=order)
        assert got.shape == (12, 24, 28, 4)
        assert torch.equal(got[..., :3].permute(0, 3, 1, 2), want)


@needs_compiler
def test_compiled_pipeline_matches_the_eager_pipeline():
    g = torch.Generator().manual_seed(2)
    x = torch.randint(0, 256, (14, 3, 30, 26), dtype=torch.uint8, generator=g)
    eager = _pipe(False)(x, generator=1)
    for block in (1, 5, None):  # blocks of every size, one sample included
        torch.testing.assert_close(_pipe(True, block)(x, generator=1), eager, atol=1e-5, rtol=0)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)  # two threads: resizes in two workers, generated loops parallel inside
    try:
        fused = _pipe(True, 3)(x, generator=1)
    finally:
        torch.set_num_threads(threads)
    torch.testing.assert_close(fused, eager, atol=1e-5, rtol=0)
    # channels-last uint8 in, no crop first (ColorJitter straight on the input), a single image
    jitter_only = [I.ColorJitter(0.4, 0.4, 0.4, 0.1), I.Normalize([0.5] * 3, [0.25] * 3)]
    xc = x.contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(I.Pipeline(jitter_only, compile=True)(xc, generator=4),
                               I.Pipeline(jitter_only)(x, generator=4), atol=1e-4, rtol=0)
    torch.testing.assert_close(I.Pipeline(jitter_only, compile=True)(x[0], generator=4),
                               I.Pipeline(jitter_only)(x[0], generator=4), atol=1e-4, rtol=0)
    # a geometric step after the jitter: the remaining stages run on the generated float rows
    after = (I.RandomRotation(20),)
    torch.testing.assert_close(_pipe(True, after=after)(x, generator=5), _pipe(False, after=after)(x, generator=5),
                               atol=1e-5, rtol=0)


def test_a_failed_compile_warns_once_and_runs_the_eager_ops(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("no C++ compiler")

    monkeypatch.setattr(compiled, "_STATE", {"fns": {}, "failed": False})
    monkeypatch.setattr(torch, "compile", broken)
    x = torch.randint(0, 256, (6, 3, 24, 24), dtype=torch.uint8, generator=torch.Generator().manual_seed(2))
    with pytest.warns(RuntimeWarning, match="torch.compile failed"):
        out = _pipe(True)(x, generator=3)
    assert torch.equal(out, _pipe(False)(x, generator=3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once: later calls run eagerly without a new warning
        _pipe(True)(x, generator=3)


def test_compile_must_be_a_bool():
    with pytest.raises(ValueError, match="compile"):
        I.Pipeline([I.ColorJitter(0.4)], compile="yes")
