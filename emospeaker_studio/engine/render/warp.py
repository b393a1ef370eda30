"""Backward warping by a forward displacement field, inverted by Newton steps.

The rig says where each source pixel goes (a forward field D on a regular
grid). Rendering needs the opposite, for every output pixel y the source x
with x + D(x) = y. A plain fixed-point iteration x <- y - D(x) only converges
where the field stretches the skin less than twofold, and an opening mouth
stretches the photo's lip seam far more, so each step here solves with the
field's Jacobian instead (Newton), which converges wherever the mesh does
not fold.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _length(vectors: torch.Tensor) -> torch.Tensor:
    """Per-pixel length of (B, 2, H, W) vectors; torch.norm over a channel axis is slow on CPU."""
    return torch.sqrt(vectors[:, :1] * vectors[:, :1] + vectors[:, 1:2] * vectors[:, 1:2])


def field_jacobian(field: torch.Tensor, step: float) -> torch.Tensor:
    """(B, 2, H, W) field → (B, 4, H, W): dDx/dx, dDx/dy, dDy/dx, dDy/dy (central differences)."""
    padded = F.pad(field, (1, 1, 1, 1), mode="replicate")
    d_dx = (padded[:, :, 1:-1, 2:] - padded[:, :, 1:-1, :-2]) / (2 * step)
    d_dy = (padded[:, :, 2:, 1:-1] - padded[:, :, :-2, 1:-1]) / (2 * step)
    return torch.stack([d_dx[:, 0], d_dy[:, 0], d_dx[:, 1], d_dy[:, 1]], dim=1)


# Residual (pixels) below which a grid point counts as solved: a sampling position
# off by this much changes no 8-bit colour by more than half a level.
SOLVED_PX = 0.002
# Newton steps for every grid point; the rest only for the points not yet solved
# (after two steps 99 % of the grid is within 0.04 px of where four would leave it).
STEPS_FOR_ALL = 2


def invert_field(field: torch.Tensor, step: float, iterations: int = 4) -> torch.Tensor:
    """Inverse displacement on the same grid: for each grid point y, x(y) - y.

    ``field`` is (B, 2, H, W) in pixels, sampled every ``step`` pixels from 0.
    """
    batch, _, height, width = field.shape
    dtype, device = field.dtype, field.device
    ys = torch.arange(height, device=device, dtype=dtype) * step
    xs = torch.arange(width, device=device, dtype=dtype) * step
    target = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), dim=0).unsqueeze(0)  # (1, 2, H, W)
    span = torch.tensor([(width - 1) * step, (height - 1) * step], device=device, dtype=dtype).view(1, 2, 1, 1)
    lookup = torch.cat([field, field_jacobian(field, step)], dim=1)
    first = min(iterations, STEPS_FOR_ALL)
    best, best_error, x = _newton(lookup, target - field, target, span, step, first)
    if first == iterations:
        return best - target
    # The remaining steps for the unsolved points only, each frame's gathered into
    # one row (B, 2, 1, M), padded with solved points that merely take extra steps.
    points = height * width
    unsolved = (best_error > SOLVED_PX).view(batch, points)
    count = int(unsolved.sum(dim=1).max())
    if count > 0:
        order = torch.sort(unsolved.to(torch.uint8), dim=1, descending=True, stable=True).indices[:, :count]
        row = lambda t: _gather_row(t.expand(batch, -1, -1, -1), order)  # noqa: E731
        sub_best, _, _ = _newton(lookup, row(x), row(target), span, step, iterations - first, row(best), row(best_error.unsqueeze(1))[:, 0])
        picked = order.unsqueeze(1).expand(-1, 2, -1)
        best = best.reshape(batch, 2, points).scatter(2, picked, sub_best.squeeze(2)).view(batch, 2, height, width)
    return best - target


def _gather_row(values: torch.Tensor, order: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) values at each frame's flat indices ``order`` (B, M) → (B, C, 1, M)."""
    batch, channels = values.shape[:2]
    flat = values.reshape(batch, channels, -1)
    return flat.gather(2, order.unsqueeze(1).expand(-1, channels, -1)).unsqueeze(2)


def _newton(lookup, x, target, span, step, steps, best=None, best_error=None):
    """``steps`` Newton steps from ``x`` towards ``target`` (both (B, 2, h, w) pixels) through
    the field and Jacobian in ``lookup``; each point's best estimate is kept.

    Returns (best, its residual length, the last estimate).
    """
    dtype, device = x.dtype, x.device
    to_grid = 2 / span  # pixels → grid_sample's -1..1: x * to_grid - 1
    minus_one = torch.full((1, 1, 1, 1), -1.0, device=device, dtype=dtype)
    zero = torch.zeros((1, 1, 1, 1), device=device, dtype=dtype)
    # Each step is a few dozen whole-grid operations, so they are fused where torch
    # has one operation for two (addcmul, hypot, clamp with tensor bounds).
    for iteration in range(steps + 1):
        grid = torch.addcmul(minus_one, x, to_grid).permute(0, 2, 3, 1)
        sampled = F.grid_sample(lookup, grid, mode="bilinear", padding_mode="border", align_corners=True)
        residual = (x - target).add_(sampled[:, :2])
        error = torch.hypot(residual[:, 0], residual[:, 1])
        # Where the mesh is squeezed flat (closed lids, pressed lips) Newton can leap
        # far off; keeping each point's best estimate so far makes that harmless.
        if best_error is None:
            best, best_error = x, error
        else:
            better = error < best_error
            best = torch.where(better.unsqueeze(1), x, best)
            best_error = torch.minimum(error, best_error)
        if iteration == steps:
            break
        b, c = sampled[:, 3], sampled[:, 4]
        a, d = sampled[:, 2] + 1, sampled[:, 5] + 1
        det = torch.addcmul(a * d, b, c, value=-1)
        safe = det.abs() > 0.05
        rx, ry = residual[:, 0], residual[:, 1]
        # Where the Jacobian is singular, a plain fixed-point step (delta = residual).
        inv_det = torch.where(safe, det.reciprocal(), 0.0)
        dx = torch.where(safe, torch.addcmul(d * rx, b, ry, value=-1) * inv_det, rx)
        dy = torch.where(safe, torch.addcmul(a * ry, c, rx, value=-1) * inv_det, ry)
        # A step much longer than the mismatch it corrects is a leap across a fold.
        limit = torch.add(error, step / 2).mul_(2)
        shrink = (limit / torch.hypot(dx, dy).clamp_min_(1e-6)).clamp_max_(1)
        delta = torch.stack([dx, dy], dim=1).mul_(shrink.unsqueeze(1))
        x = torch.clamp(x - delta, zero, span)
    return best, best_error, x


def sample_region(texture: torch.Tensor, grid: torch.Tensor, box: tuple[int, int, int, int]) -> torch.Tensor:
    """Warp ``texture`` (1, C, H, W, the crop's size) by the frame's sampling ``grid``
    (B, H, W, 2, grid_sample's normalised coordinates over the crop) for the output
    pixels in ``box`` (x0, y0, x1, y1) only → (B, C, y1 - y0, x1 - x0).
    """
    x0, y0, x1, y1 = box
    region = grid[:, y0:y1, x0:x1]
    return F.grid_sample(texture.expand(grid.shape[0], -1, -1, -1), region.to(texture.dtype), mode="bilinear", padding_mode="border", align_corners=True)


def sample_points(texture: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """Sample ``texture`` (1, C, H, W) at pixel positions ``points`` (B, h, w, 2) → (B, C, h, w)."""
    height, width = texture.shape[-2:]
    span = torch.tensor([max(width - 1, 1), max(height - 1, 1)], device=points.device, dtype=points.dtype)
    grid = points / span * 2 - 1
    return F.grid_sample(texture.expand(points.shape[0], -1, -1, -1), grid.to(texture.dtype), mode="bilinear", padding_mode="border", align_corners=True)
