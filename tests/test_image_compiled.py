"""helpers.image.compiled: the torch.compile'd ColorJitter agrees with torchvision and with the
eager pipeline, and falls back to the eager ops when compiling fails.

Tolerance: float images to 1e-5, as for the eager ops (tests/test_image_photometric.py).
The first test compiles the fused function once (the slow part of this file).
"""

import shutil
import warnings

import pytest
import torch
from torchvision.transforms.v2 import functional as TF

from helpers import image as I
from helpers.image import compiled

needs_compiler = pytest.mark.skipif(shutil.which("c++") is None and shutil.which("g++") is None,
                                    reason="torch.compile's CPU backend needs a C++ compiler")


def _pipe(compile, block_size=None):
    return I.Pipeline([I.RandomResizedCrop(20), I.RandomHorizontalFlip(),
                       I.ColorJitter(0.4, 0.4, 0.4, 0.1, p=0.8), I.RandomErasing(0.5)],
                      compile=compile, block_size=block_size)


@needs_compiler
def test_compiled_jitter_matches_torchvision_and_the_eager_pipeline():
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (9, 3, 17, 21), dtype=torch.uint8, generator=g)
    jitter = I.ColorJitter((0.6, 1.4), (0.6, 1.4), (0.6, 1.4), (-0.5, 0.5), p=0.8)
    p = jitter.sample_params(9, (3, 17, 21), generator=g)
    fns = [TF.adjust_brightness, TF.adjust_contrast, TF.adjust_saturation, TF.adjust_hue]
    for i in range(9):  # one sample at a time: its own op order
        out = compiled.run_compiled(x[i:i + 1], {k: v[i:i + 1] for k, v in p.items()})
        assert not compiled._STATE["failed"] and out.dtype == torch.float32 and out.shape == (1, 3, 17, 21)
        ref = x[i].float() / 255
        if p["apply"][i]:
            for op in p["order"][i].tolist():
                ref = fns[op](ref, float(p[["brightness", "contrast", "saturation", "hue"][op]][i]))
        torch.testing.assert_close(out[0], ref, atol=1e-5, rtol=0)
    # whole pipeline, uint8 in: blocks of every size (one sample included), 1 and 2 workers
    x = torch.randint(0, 256, (14, 3, 30, 26), dtype=torch.uint8, generator=g)
    eager = _pipe(False)(x, generator=1)
    for block in (1, 5, None):
        fused = _pipe(True, block)(x, generator=1)
        torch.testing.assert_close(fused, eager, atol=1e-5, rtol=0)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)  # two threads: blocks in turn, each compiled loop parallel inside
    try:
        fused = _pipe(True, 3)(x, generator=1)
    finally:
        torch.set_num_threads(threads)
    torch.testing.assert_close(fused, eager, atol=1e-5, rtol=0)


def test_a_failed_compile_warns_once_and_runs_the_eager_ops(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("no C++ compiler")

    monkeypatch.setattr(compiled, "_STATE", {"fn": None, "failed": False})
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
