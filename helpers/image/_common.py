"""Shared plumbing of ``helpers.image``: input checks, per-sample parameters, blocks.

Conventions used by every transform of the package:

* Images are ``(C, H, W)`` or ``(B, C, H, W)`` tensors, ``uint8`` (values 0..255) or floating point
  (values nominally in [0, 1]; ops that do not assume a range, such as flips, warps and erasing,
  accept any float values, e.g. normalised ones).
* Small per-sample random parameters are drawn with the generator on the generator's device (the
  CPU by default) and then moved to the image's device, so one seed gives the same parameters on
  the CPU and on CUDA. Large per-pixel noise is drawn on the image's device (see ``noise_generator``).
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import sys
from collections.abc import Iterator
from numbers import Real

import torch

from .._validate import check_image_batch, make_generator  # noqa: F401 - re-exported for the image modules

INTERPOLATIONS = ("nearest", "bilinear")


def as_batch(x, name: str = "x", channels=None) -> tuple[torch.Tensor, bool]:
    """Validate an image tensor; return the ``(B, C, H, W)`` view and whether it was 3-D."""
    return check_image_batch(x, name, channels=channels)


def unbatch(out: torch.Tensor, single: bool) -> torch.Tensor:
    return out[0] if single else out


def max_value(dtype: torch.dtype) -> float:
    """255 for uint8 images, 1.0 for floating-point images."""
    return 255.0 if dtype == torch.uint8 else 1.0


def work_dtype(x: torch.Tensor) -> torch.dtype:
    """The floating dtype computations on ``x`` run in (float32 for integer images)."""
    return x.dtype if x.is_floating_point() else torch.float32


def param_device(generator: torch.Generator | None) -> torch.device:
    return generator.device if generator is not None else torch.device("cpu")


def rand(n: int, generator, device, *shape: int) -> torch.Tensor:
    """``n`` x ``shape`` uniform [0, 1) float32 draws on the generator's device, then moved."""
    u = torch.rand((n, *shape), generator=generator, device=param_device(generator))
    return u.to(device)


def uniform(n: int, low: float, high: float, generator, device, *shape: int) -> torch.Tensor:
    """Per-sample uniform draws in [low, high), shape ``(n, *shape)``, float32 on ``device``."""
    return rand(n, generator, device, *shape).mul_(high - low).add_(low)


def bernoulli(n: int, p: float, generator, device) -> torch.Tensor:
    """Per-sample coin flips: a bool ``(n,)`` tensor that is True with probability ``p``."""
    return rand(n, generator, device) < p


def randint_below(high: torch.Tensor, generator) -> torch.Tensor:
    """One integer uniform on ``0 .. high[i] - 1`` per entry of the int64 tensor ``high`` (>= 1)."""
    u = rand(high.numel(), generator, high.device).view(high.shape).double()
    return (u * high.double()).floor_().long().clamp_(max=(high - 1).clamp_(min=0))


def noise_generator(generator, device: torch.device) -> torch.Generator | None:
    """A generator on ``device`` for per-pixel noise, seeded from ``generator``.

    Drawing large noise tensors on the CPU and copying them to a GPU would cost more than the
    augmentation itself, so noise is drawn where the image lives; the seed comes from the
    user's generator, hence the result is reproducible on a given device.
    """
    if generator is None:
        return None
    if generator.device.type == torch.device(device).type:
        return generator
    seed = int(torch.randint(0, 2**62, (1,), generator=generator, device=generator.device))
    g = torch.Generator(device=device)
    g.manual_seed(seed)
    return g


def per_sample(value, n: int, name: str, device, *, dtype=torch.float32) -> torch.Tensor:
    """A number or a ``(n,)`` tensor/sequence -> a ``(n,)`` tensor on ``device``."""
    if isinstance(value, torch.Tensor):
        t = value.to(device=device, dtype=dtype)
        if t.ndim == 0:
            return t.expand(n).clone()
        if t.shape != (n,):
            raise ValueError(f"{name} must be a number or a tensor of shape ({n},), got {tuple(t.shape)}")
        return t
    if isinstance(value, Real) and not isinstance(value, bool):
        if not math.isfinite(float(value)):
            raise ValueError(f"{name} must be finite, got {value!r}")
        return torch.full((n,), float(value), dtype=dtype, device=device)
    if isinstance(value, list | tuple) and len(value) == n:
        return torch.tensor([float(v) for v in value], dtype=dtype, device=device)
    raise ValueError(f"{name} must be a number or a per-sample tensor of shape ({n},), got {value!r}")


def per_sample_pair(value, n: int, name: str, device) -> torch.Tensor:
    """A pair ``(a, b)`` or a ``(n, 2)`` tensor -> a ``(n, 2)`` float32 tensor on ``device``."""
    if isinstance(value, torch.Tensor):
        t = value.to(device=device, dtype=torch.float32)
        if t.shape == (2,):
            return t.expand(n, 2).clone()
        if t.shape != (n, 2):
            raise ValueError(f"{name} must be a pair or a tensor of shape ({n}, 2), got {tuple(t.shape)}")
        return t
    if isinstance(value, list | tuple) and len(value) == 2:
        try:
            pair = [float(v) for v in value]
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a pair of numbers, got {value!r}") from None
        return torch.tensor(pair, dtype=torch.float32, device=device).expand(n, 2).clone()
    raise ValueError(f"{name} must be a pair of numbers or a tensor of shape ({n}, 2), got {value!r}")


def check_interpolation(mode: str) -> str:
    if mode not in INTERPOLATIONS:
        raise ValueError(f"interpolation must be one of {INTERPOLATIONS}, got {mode!r}")
    return mode


def fill_values(fill, channels: int, name: str = "fill") -> list[float] | None:
    """A number or a per-channel sequence -> a list of ``channels`` floats (None stays None)."""
    if fill is None:
        return None
    if isinstance(fill, Real) and not isinstance(fill, bool):
        return [float(fill)] * channels
    if isinstance(fill, list | tuple) and len(fill) in (1, channels):
        vals = [float(v) for v in fill]
        return vals * channels if len(vals) == 1 else vals
    raise ValueError(f"{name} must be a number or a sequence of 1 or {channels} numbers, got {fill!r}")


def symmetric_range(value, name: str, *, center: float = 0.0, low=None, high=None):
    """A number v -> (center - v, center + v) (v >= 0); a pair -> itself, ordered and bounded."""
    if isinstance(value, Real) and not isinstance(value, bool):
        if not math.isfinite(float(value)) or value < 0:
            raise ValueError(f"{name} must be a non-negative number or a pair (min, max), got {value!r}")
        pair = (center - float(value), center + float(value))
    elif isinstance(value, list | tuple) and len(value) == 2:
        try:
            pair = (float(value[0]), float(value[1]))
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a pair of numbers, got {value!r}") from None
        if not (math.isfinite(pair[0]) and math.isfinite(pair[1])) or pair[0] > pair[1]:
            raise ValueError(f"{name} must be ordered (min, max) with min <= max, got {value!r}")
    else:
        raise ValueError(f"{name} must be a number or a pair (min, max), got {value!r}")
    if low is not None and pair[0] < low or high is not None and pair[1] > high:
        raise ValueError(f"{name} must lie in [{low}, {high}], got {value!r}")
    return pair


def block_slices(batch: int, sample_bytes: int, device: torch.device,
                 block_size: int | None = None) -> Iterator[slice]:
    """Slices of the batch processed together.

    On a GPU the whole batch is one block. On the CPU the batch is cut into blocks of a few
    megabytes (6 MB per thread, at most 16 MB) so that the chain of element-wise passes of a pipeline stays in the processor's
    cache instead of streaming the whole batch through memory once per pass (the parameters
    are drawn for the whole batch beforehand, so the result does not depend on the blocks).
    """
    if block_size is None:
        if device.type != "cpu":
            block_size = batch
        else:
            budget = min((6 << 20) * torch.get_num_threads(), 16 << 20)
            block_size = max(1, min(batch, budget // max(1, sample_bytes)))
    count = -(-batch // block_size)  # blocks of (nearly) equal size, none larger than block_size
    for k in range(count):
        yield slice(k * batch // count, (k + 1) * batch // count)


def slice_params(params: dict, s: slice) -> dict:
    """Take rows ``s`` of every per-sample tensor of a parameter dict (others pass through)."""
    return {k: (v[s] if isinstance(v, torch.Tensor) and v.ndim > 0 else v) for k, v in params.items()}


_WORKSPACE: contextvars.ContextVar = contextvars.ContextVar("helpers_image_workspace", default=None)


@contextlib.contextmanager
def workspace():
    """Inside this block, :func:`scratch` hands out reusable buffers instead of fresh tensors.

    Block-wise processing allocates the same temporaries for every block; on the CPU each fresh
    multi-megabyte allocation is returned to the operating system when freed and costs page
    faults when touched again, which can take longer than the arithmetic itself.
    """
    token = _WORKSPACE.set({})
    try:
        yield
    finally:
        _WORKSPACE.reset(token)


def scratch(name: str, shape, like: torch.Tensor) -> torch.Tensor:
    """An uninitialised tensor of ``shape`` with ``like``'s dtype and device.

    Inside :func:`workspace` the buffer called ``name`` is reused, so a caller must be done with
    the previous tensor of that name before asking again (kernels use their own names).
    """
    buffers = _WORKSPACE.get()
    if buffers is None:
        return torch.empty(shape, dtype=like.dtype, device=like.device)
    shape = tuple(shape)
    key = (name, shape, like.dtype, like.device)
    view = buffers.get(key)
    if view is None:
        numel = math.prod(shape)
        buf = buffers.get(name)
        if buf is None or buf.numel() < numel or buf.dtype != like.dtype or buf.device != like.device:
            buf = torch.empty(numel, dtype=like.dtype, device=like.device)
            buffers[name] = buf
            for k in [k for k in buffers if isinstance(k, tuple) and k[0] == name]:
                del buffers[k]  # views of the old buffer
        view = buffers[key] = buf[:numel].view(shape)
    return view


_HUGE_PAGE = 2 << 20
_MADV_HUGEPAGE = 14  # Linux <sys/mman.h>


def _libc_madvise():
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        return libc.madvise
    except (OSError, AttributeError):
        return None


_MADVISE = _libc_madvise() if sys.platform.startswith("linux") else None


def large_empty(shape, dtype: torch.dtype, device="cpu") -> torch.Tensor:
    """``torch.empty(shape)``; on Linux CPUs, large buffers are backed by huge pages if it can.

    A fresh buffer of tens of megabytes (a batch of float images) is mapped from the operating
    system one 4 KB page at a time on first write, which costs about as much as writing it.
    Asking for 2 MB pages (``madvise(MADV_HUGEPAGE)``, what NumPy does for its large arrays)
    cuts that cost by about three on the course's CPUs. The tensor is an ordinary torch tensor;
    where transparent huge pages are off the advice is simply ignored.
    """
    out = torch.empty(shape, dtype=dtype, device=device)
    if _MADVISE is None or out.device.type != "cpu":
        return out
    start = -(-out.data_ptr() // _HUGE_PAGE) * _HUGE_PAGE
    end = (out.data_ptr() + out.numel() * out.element_size()) // _HUGE_PAGE * _HUGE_PAGE
    if end - start >= 2 * _HUGE_PAGE:
        _MADVISE(start, end - start, _MADV_HUGEPAGE)  # advice only: a failure changes nothing
    return out
