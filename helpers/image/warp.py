"""One sampling pass for every geometric transform: per-sample matrices, one ``grid_sample``.

A :class:`Warp` says, for every output pixel of every sample, where to read the input:
``source(p) = matrix @ p + offset(p)`` with ``p`` and ``source`` in *edge coordinates* (pixel
``(i, j)`` covers ``[j, j + 1] x [i, i + 1]``, its centre is ``(j + 0.5, i + 0.5)``; the image
spans ``[0, W] x [0, H]``). That is the coordinate system of torchvision's affine kernels and of
XYXY bounding boxes, so matrices built here match ``torchvision.transforms.v2.functional``.

Composing warps multiplies the matrices (and resamples the elastic offsets), so a whole chain
of crops, flips, rotations, affine maps and an elastic field costs ONE ``grid_sample`` per
batch, whatever the number of geometric steps. Course section 2 (image catalog) teaches it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from ._common import as_batch, check_interpolation, fill_values, scratch, unbatch


@dataclass
class Warp:
    """Per-sample sampling map from an output canvas to an input canvas.

    Attributes:
        matrix: ``(B, 3, 3)`` float64, output edge coordinates -> input edge coordinates.
        in_size: ``(H, W)`` of the input canvas.
        out_size: ``(h, w)`` of the output canvas.
        offset: ``None`` or ``(B, h, w, 2)`` float32, extra (x, y) displacement in input
            pixels added after the matrix (elastic deformation).
        leaves_image: True when sample points may fall outside the input; those pixels take
            the fill value. When False (crops, flips) the border pixel is repeated instead,
            which is what ``torch.nn.functional.interpolate`` does inside a crop.
    """

    matrix: torch.Tensor
    in_size: tuple[int, int]
    out_size: tuple[int, int]
    offset: torch.Tensor | None = None
    leaves_image: bool = False
    _grid_cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def batch(self) -> int:
        return self.matrix.shape[0]

    def then(self, other: Warp) -> Warp:
        """The warp that applies ``self`` first and ``other`` second (one resampling)."""
        if other.in_size != self.out_size:
            raise ValueError(f"cannot compose: {other.in_size} != {self.out_size}")
        m1, m2 = self.matrix, other.matrix
        matrix = m1 @ m2
        offset = None
        if other.offset is not None:  # the first warp's linear part acts on the later offset
            lin = m1[:, :2, :2].to(other.offset.dtype)
            offset = torch.einsum("bij,bhwj->bhwi", lin, other.offset)
        if self.offset is not None:
            where = apply_matrix_grid(m2, other.out_size, other.offset)  # points on the mid canvas
            field = sample_field(self.offset, where, self.out_size)
            offset = field if offset is None else offset + field
        return Warp(matrix, self.in_size, other.out_size, offset,
                    self.leaves_image or other.leaves_image)

    def select(self, index) -> Warp:
        """The warp of a subset of samples (``index``: slice, bool mask or int64 indices)."""
        offset = None if self.offset is None else self.offset[index]
        cache = {k: (theta[index], aligned) for k, (theta, aligned) in self._grid_cache.items()}
        return Warp(self.matrix[index], self.in_size, self.out_size, offset, self.leaves_image, cache)

    def grid_theta(self, dtype: torch.dtype) -> tuple[torch.Tensor, bool]:
        """``(B, 3, 2)`` matrices of :func:`normalized_grid` and whether all are axis-aligned.

        Computed once per warp and dtype (selections of a warp share the result).
        """
        if dtype not in self._grid_cache:
            (H, W), (h, w) = self.in_size, self.out_size
            dev = self.matrix.device
            to_rel = torch.tensor([[1.0, 0, -W / 2], [0, 1, -H / 2], [0, 0, 1]], dtype=torch.float64, device=dev)
            from_rel = torch.tensor([[1.0, 0, w / 2], [0, 1, h / 2], [0, 0, 1]], dtype=torch.float64, device=dev)
            theta = (to_rel @ self.matrix @ from_rel)[:, :2].to(dtype)
            rescaled = theta.transpose(1, 2).div_(torch.tensor([0.5 * W, 0.5 * H], dtype=dtype, device=dev))
            aligned = not bool((rescaled[:, 1, 0] != 0).any() or (rescaled[:, 0, 1] != 0).any())
            self._grid_cache[dtype] = (rescaled.contiguous(), aligned)
        return self._grid_cache[dtype]


def identity_matrix(batch: int, device) -> torch.Tensor:
    return torch.eye(3, dtype=torch.float64, device=device).expand(batch, 3, 3).clone()


def identity_warp(batch: int, size: tuple[int, int], device) -> Warp:
    return Warp(identity_matrix(batch, device), size, size)


def pixel_centers(size: tuple[int, int], device, dtype=torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    h, w = size
    return (torch.arange(w, device=device, dtype=dtype) + 0.5,
            torch.arange(h, device=device, dtype=dtype) + 0.5)


def apply_matrix_grid(matrix: torch.Tensor, out_size, offset=None) -> torch.Tensor:
    """Source edge coordinates ``(B, h, w, 2)`` of every output pixel centre (float32)."""
    m = matrix.to(torch.float32)
    u, v = pixel_centers(out_size, matrix.device)
    gx = m[:, 0, 0, None, None] * u + (m[:, 0, 1, None] * v + m[:, 0, 2, None])[:, :, None]
    gy = m[:, 1, 0, None, None] * u + (m[:, 1, 1, None] * v + m[:, 1, 2, None])[:, :, None]
    pts = torch.stack((gx, gy), dim=-1)
    return pts if offset is None else pts + offset


def sample_field(values: torch.Tensor, where: torch.Tensor, size) -> torch.Tensor:
    """Bilinear read of a ``(B, h, w, 2)`` field at edge coordinates ``where`` (B, h2, w2, 2)."""
    h, w = size
    scale = torch.tensor([2.0 / w, 2.0 / h], device=where.device, dtype=where.dtype)
    grid = where * scale - 1.0
    out = F.grid_sample(values.permute(0, 3, 1, 2), grid, mode="bilinear",
                        padding_mode="border", align_corners=False)
    return out.permute(0, 2, 3, 1)


_COORDS: dict = {}


def _centred_coordinates(h: int, w: int, device, dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """Pixel-centre coordinates relative to the image centre (cached: built once per size)."""
    key = (h, w, torch.device(device), dtype)
    if key not in _COORDS:
        if len(_COORDS) > 64:
            _COORDS.clear()
        _COORDS[key] = (torch.linspace((1.0 - w) * 0.5, (w - 1.0) * 0.5, steps=w, device=device, dtype=dtype),
                        torch.linspace((1.0 - h) * 0.5, (h - 1.0) * 0.5, steps=h, device=device, dtype=dtype))
    return _COORDS[key]


def normalized_grid(warp: Warp, dtype: torch.dtype) -> torch.Tensor:
    """The ``grid_sample`` grid ``(B, h, w, 2)`` of a warp (align_corners=False convention).

    The arithmetic follows torchvision's ``_affine_grid`` step for step (coordinates relative to
    the image centres, a float32 matrix divided by the half sizes, one batched product), so that
    nearest-neighbour results agree even where a sample point sits exactly between two pixels.
    Axis-aligned warps (crops, flips, scalings) build the grid from one row and one column.
    """
    (H, W), (h, w) = warp.in_size, warp.out_size
    dev = warp.matrix.device
    rescaled, aligned = warp.grid_theta(dtype)
    xs, ys = _centred_coordinates(h, w, dev, dtype)
    grid = scratch("warp.grid", (warp.batch, h, w, 2), rescaled)
    if aligned:
        grid[..., 0] = (xs * rescaled[:, 0, 0, None] + rescaled[:, 2, 0, None])[:, None, :]
        grid[..., 1] = (ys * rescaled[:, 1, 1, None] + rescaled[:, 2, 1, None])[:, :, None]
    else:
        base = torch.empty(1, h, w, 3, device=dev, dtype=dtype)
        base[..., 0] = xs
        base[..., 1] = ys[:, None]
        base[..., 2] = 1.0
        torch.bmm(base.view(1, h * w, 3).expand(warp.batch, -1, -1), rescaled, out=grid.view(-1, h * w, 2))
    if warp.offset is not None:
        scale = torch.tensor([2.0 / W, 2.0 / H], device=dev, dtype=dtype)
        grid.add_(warp.offset.to(dtype) * scale)
    return grid


def grid_sample_image(x: torch.Tensor, warp: Warp, interpolation: str, fill) -> torch.Tensor:
    """Resample a float ``(B, C, H, W)`` batch through ``warp`` (no dtype conversion)."""
    grid = normalized_grid(warp, x.dtype)
    if not warp.leaves_image or fill is None:
        padding = "border" if not warp.leaves_image else "zeros"
        return F.grid_sample(x, grid, mode=interpolation, padding_mode=padding, align_corners=False)
    fills = fill_values(fill, x.shape[1])
    # A channel of ones is resampled with the image: it says how much of each output pixel
    # came from inside the input, and the rest is filled (torchvision's scheme, one pass; with
    # fill=0 it also darkens the border half-pixel exactly as torchvision does).
    ones = torch.ones_like(x[:, :1])
    out = F.grid_sample(torch.cat((x, ones), dim=1), grid, mode=interpolation,
                        padding_mode="zeros", align_corners=False)
    out, inside = out[:, :-1], out[:, -1:]
    fill_t = torch.tensor(fills, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
    if interpolation == "nearest":
        return torch.where(inside < 0.5, fill_t, out)
    return out.sub_(fill_t).mul_(inside).add_(fill_t)


def apply_warp(x: torch.Tensor, warp: Warp, *, interpolation: str = "bilinear", fill=0.0) -> torch.Tensor:
    """Resample a ``(B, C, H, W)`` batch through ``warp``; the output keeps ``x.dtype``.

    Integer images are resampled in float32 and rounded back (as torchvision does).
    """
    if x.is_floating_point():
        return grid_sample_image(x, warp, interpolation, fill)
    out = grid_sample_image(x.to(torch.float32), warp, interpolation, fill)
    info = torch.iinfo(x.dtype)
    return out.round_().clamp_(info.min, info.max).to(x.dtype)


def warp(x: torch.Tensor, matrix: torch.Tensor, *, size=None, displacement=None,
         interpolation: str = "bilinear", fill=0.0) -> torch.Tensor:
    """Resample images through per-sample matrices (and an optional displacement field).

    Args:
        x: ``(C, H, W)`` or ``(B, C, H, W)``, uint8 or float.
        matrix: ``(B, 3, 3)`` or ``(B, 2, 3)`` (or one ``(3, 3)``/``(2, 3)`` for all samples),
            mapping OUTPUT edge coordinates to INPUT edge coordinates (inverse map).
        size: output ``(h, w)``; default the input size.
        displacement: optional ``(B, h, w, 2)`` extra (x, y) offsets in input pixels.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        fill: value (or per-channel values) for pixels read from outside the input.

    Returns:
        The resampled images, same dtype and rank as ``x``.
    """
    xb, single = as_batch(x)
    check_interpolation(interpolation)
    B, _, H, W = xb.shape
    m = _as_matrix(matrix, B, xb.device)
    out_size = (H, W) if size is None else _pair_size(size, "size")
    offset = None
    if displacement is not None:
        if not isinstance(displacement, torch.Tensor) or displacement.shape[-3:] != (*out_size, 2):
            raise ValueError(f"displacement must have shape (B, {out_size[0]}, {out_size[1]}, 2), "
                             f"got {getattr(displacement, 'shape', displacement)}")
        offset = displacement.to(xb.device, torch.float32).expand(B, *out_size, 2)
    w = Warp(m, (H, W), out_size, offset, leaves_image=True)
    return unbatch(apply_warp(xb, w, interpolation=interpolation, fill=fill), single)


def _as_matrix(matrix, batch: int, device) -> torch.Tensor:
    if not isinstance(matrix, torch.Tensor) or matrix.shape[-2:] not in ((2, 3), (3, 3)) \
            or matrix.ndim not in (2, 3) or (matrix.ndim == 3 and matrix.shape[0] != batch):
        raise ValueError(f"matrix must be a tensor of shape ({batch}, 3, 3) or ({batch}, 2, 3), "
                         f"got {getattr(matrix, 'shape', matrix)}")
    m = matrix.to(device=device, dtype=torch.float64)
    if m.shape[-2] == 2:
        last = torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64, device=device).expand(*m.shape[:-2], 1, 3)
        m = torch.cat((m, last), dim=-2)
    return m.expand(batch, 3, 3)


def _pair_size(size, name: str) -> tuple[int, int]:
    if isinstance(size, int) and not isinstance(size, bool):
        size = (size, size)
    if (not isinstance(size, list | tuple) or len(size) != 2
            or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in size)):
        raise ValueError(f"{name} must be a positive int or a pair (h, w) of positive ints, got {size!r}")
    return int(size[0]), int(size[1])


def warp_mask(mask: torch.Tensor, warp: Warp, *, fill=0) -> torch.Tensor:
    """Resample a label mask ``(B, H, W)`` or ``(B, K, H, W)`` with nearest neighbour."""
    squeeze = mask.ndim == 3
    m = mask.unsqueeze(1) if squeeze else mask
    out = grid_sample_image(m.to(torch.float32), warp, "nearest", fill)
    out = out.round_().to(mask.dtype) if not mask.is_floating_point() else out.to(mask.dtype)
    return out[:, 0] if squeeze else out


def warp_boxes(boxes, warp: Warp):
    """Map XYXY pixel boxes through a warp (corners mapped, enclosing box, clipped to the canvas).

    ``boxes`` is a ``(B, N, 4)`` tensor or a list of ``B`` tensors ``(N_i, 4)``; the result has
    the same form. Elastic offsets have no exact box image, so they are refused.
    """
    if warp.offset is not None:
        raise ValueError("boxes cannot follow an elastic deformation (no exact box image)")
    forward = torch.linalg.inv(warp.matrix)  # input edge coords -> output edge coords
    if isinstance(boxes, list | tuple):
        if len(boxes) != warp.batch:
            raise ValueError(f"boxes must be a list of {warp.batch} tensors, got {len(boxes)}")
        counts = [int(b.shape[0]) for b in boxes]
        flat = torch.cat([b.reshape(-1, 4) for b in boxes]) if boxes else torch.empty(0, 4)
        owner = torch.repeat_interleave(torch.arange(warp.batch, device=forward.device),
                                        torch.tensor(counts, device=forward.device))
        out = _map_boxes(flat, forward[owner], warp.out_size)
        return list(out.split(counts))
    if not isinstance(boxes, torch.Tensor) or boxes.ndim != 3 or boxes.shape[0] != warp.batch \
            or boxes.shape[-1] != 4:
        raise ValueError(f"boxes must be a ({warp.batch}, N, 4) XYXY tensor or a list of (N_i, 4) "
                         f"tensors, got {getattr(boxes, 'shape', type(boxes).__name__)}")
    B, N, _ = boxes.shape
    out = _map_boxes(boxes.reshape(B * N, 4), forward.repeat_interleave(N, dim=0), warp.out_size)
    return out.view(B, N, 4)


def _map_boxes(boxes: torch.Tensor, forward: torch.Tensor, out_size) -> torch.Tensor:
    dtype = boxes.dtype
    b = boxes.to(device=forward.device, dtype=torch.float64)
    x1, y1, x2, y2 = b.unbind(-1)
    corners = torch.stack([torch.stack(c, -1) for c in ((x1, y1), (x2, y1), (x2, y2), (x1, y2))], 1)
    mapped = corners @ forward[:, :2, :2].transpose(1, 2) + forward[:, None, :2, 2]
    lo, hi = mapped.amin(1), mapped.amax(1)
    h, w = out_size
    limit = torch.tensor([w, h], dtype=torch.float64, device=b.device)
    out = torch.cat((torch.minimum(lo.clamp_min(0), limit), torch.minimum(hi.clamp_min(0), limit)), -1)
    return out.to(dtype) if dtype.is_floating_point else out.round().to(dtype)
