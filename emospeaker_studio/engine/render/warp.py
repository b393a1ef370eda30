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

from functools import lru_cache

import torch
import torch.nn.functional as F


def _newton_lookup(field: torch.Tensor, step: float) -> torch.Tensor:
    """What each Newton step samples at its estimate, (B, 6, H, W) from the (B, 2, H, W) field:
    the field (Dx, Dy), then the Jacobian [[a, b], [c, d]] of x + D(x) as (d, a, b, c) (central
    differences), the order in which its inverse's products are pairs of channels."""
    padded = F.pad(field, (1, 1, 1, 1), mode="replicate")
    d_dx = padded[:, :, 1:-1, 2:] - padded[:, :, 1:-1, :-2]  # (dDx/dx, dDy/dx) x 2 step
    d_dy = padded[:, :, 2:, 1:-1] - padded[:, :, :-2, 1:-1]  # (dDx/dy, dDy/dy) x 2 step
    lookup = torch.cat([field, d_dy[:, 1:], d_dx[:, :1], d_dy[:, :1], d_dx[:, 1:]], dim=1)
    lookup[:, 2:].div_(2 * step)
    lookup[:, 2:4].add_(1)
    return lookup


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
    grid = _Grid.of(height, width, float(step), field.dtype, field.device)
    target = grid.points
    lookup = _newton_lookup(field, step)
    first = min(iterations, STEPS_FOR_ALL)
    best, best_error, x = _newton(lookup, target - field, target, grid, step, first)
    if first == iterations:
        return best - target
    # The remaining steps for the unsolved points only, each frame's gathered into
    # one row (B, 2, 1, M), padded with solved points that merely take extra steps.
    points = height * width
    unsolved = (best_error > SOLVED_PX).view(batch, points)
    count = int(unsolved.sum(dim=1).max())
    if count > 0:
        order = _unsolved_first(unsolved, count, grid)
        # Estimate, target, best estimate and its residual: gathered in one pass.
        state = torch.cat([x, target.expand(batch, -1, -1, -1), best, best_error.unsqueeze(1)], dim=1).view(batch, 7, points)
        row = state.gather(2, order.unsqueeze(1).expand(-1, 7, -1)).unsqueeze(2)  # (B, 7, 1, M)
        sub_best, _, _ = _newton(lookup, row[:, 0:2], row[:, 2:4], grid, step, iterations - first, row[:, 4:6], row[:, 6])
        picked = order.unsqueeze(1).expand(-1, 2, -1)
        best = best.reshape(batch, 2, points).scatter(2, picked, sub_best.squeeze(2)).view(batch, 2, height, width)
    return best - target


class _Grid:
    """The constants of one grid's inversion, made once per grid shape (a frame's inversion is
    a few hundred small tensor operations, each costing microseconds whatever its size)."""

    def __init__(self, height: int, width: int, step: float, dtype: torch.dtype, device: torch.device) -> None:
        ys = torch.arange(height, device=device, dtype=dtype) * step
        xs = torch.arange(width, device=device, dtype=dtype) * step
        self.points = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), dim=0).unsqueeze(0)  # (1, 2, H, W) pixels
        self.span = torch.tensor([(width - 1) * step, (height - 1) * step], device=device, dtype=dtype).view(1, 2, 1, 1)
        self.to_grid = 2 / self.span  # pixels → grid_sample's -1..1: x * to_grid - 1
        # Numbers as tensors of the grid's type: a Python number costs a conversion per use.
        self.minus_one = torch.full((1, 1, 1, 1), -1.0, device=device, dtype=dtype)
        self.step = torch.tensor(step, device=device, dtype=dtype)
        self.singular = torch.tensor(0.05, device=device, dtype=dtype)  # |det J| below which a step is a plain one
        # Sort keys of the points, in order, unsolved and solved: see _unsolved_first.
        self.unsolved_keys = torch.arange(height * width, device=device, dtype=torch.int32)
        self.solved_keys = self.unsolved_keys + height * width

    @staticmethod
    @lru_cache(maxsize=8)
    def of(height: int, width: int, step: float, dtype: torch.dtype, device: torch.device) -> _Grid:
        return _Grid(height, width, step, dtype, device)


def _unsolved_first(unsolved: torch.Tensor, count: int, grid: _Grid) -> torch.Tensor:
    """The flat indices (B, count) of each frame's unsolved points (``unsolved``, (B, P)) in
    order, then of its solved ones in order: a stable sort of the flags, as the ``count``
    smallest of unique keys (a sort of the whole grid took 2.5 times as long)."""
    keys = torch.where(unsolved, grid.unsolved_keys, grid.solved_keys)
    return torch.topk(keys, count, dim=1, largest=False, sorted=True).indices


def _newton(lookup, x, target, grid: _Grid, step, steps, best=None, best_error=None):
    """``steps`` Newton steps from ``x`` towards ``target`` (both (B, 2, h, w) pixels) through
    the field and Jacobian in ``lookup`` (see _newton_lookup); each point's best estimate is kept.

    Returns (best, its residual length, the last estimate).

    On the grid (10k points at 512 px) the element-wise kernels are what costs, and
    some of torch's are slow on the CPU: torch.where (60-120 µs there) gives way to
    lerp by a 0/1 weight (exactly one or the other, for finite numbers), hypot (70 µs)
    to the square root of a sum of squares (see _length), a clamp between tensors
    (40 µs) to a clamp and a minimum.
    """
    for iteration in range(steps + 1):
        points = torch.addcmul(grid.minus_one, x, grid.to_grid).permute(0, 2, 3, 1)
        sampled = F.grid_sample(lookup, points, mode="bilinear", padding_mode="border", align_corners=True)
        residual = (x - target).add_(sampled[:, :2])
        error = _length(residual)
        # Where the mesh is squeezed flat (closed lids, pressed lips) Newton can leap
        # far off; keeping each point's best estimate so far makes that harmless.
        if best_error is None:
            best, best_error = x, error
        else:
            best = torch.lerp(best, x, (error < best_error).to(x.dtype).unsqueeze(1))
            best_error = torch.minimum(error, best_error)
        if iteration == steps:
            break
        # J⁻¹ r = (d rx - b ry, a ry - c rx) / (a d - b c), from (d, a, b, c) in channel pairs.
        jacobian = sampled[:, 2:]
        det = jacobian[:, :1] * jacobian[:, 1:2] - jacobian[:, 2:3] * jacobian[:, 3:]
        # Where the Jacobian is singular, a plain fixed-point step (delta = residual);
        # the unused quotient there is only made finite.
        regular = det.abs().gt_(grid.singular)  # 1 or 0, in place
        solved = torch.addcmul(jacobian[:, :2] * residual, jacobian[:, 2:], residual.flip(1), value=-1).div_(det)
        delta = torch.lerp(residual, solved.nan_to_num_(), regular)
        # A step much longer than the mismatch it corrects is a leap across a fold:
        # longer than 2 x error + step.
        limit = torch.add(grid.step, error, alpha=2)
        shrink = (limit / _length(delta, shortest=1e-6)).clamp_max_(1)
        x = torch.minimum(torch.addcmul(x, delta, shrink.unsqueeze(1), value=-1).clamp_min_(0), grid.span)
    return best, best_error, x


def _length(vectors: torch.Tensor, shortest: float = 1e-15) -> torch.Tensor:
    """Per-point length (B, h, w) of (B, 2, h, w) vectors, at least ``shortest``: on the CPU
    the square root of 0 takes 4 times as long as of other numbers, of a denormal 20 times
    (and much of the grid does not move: its residuals are 0)."""
    x, y = vectors[:, 0], vectors[:, 1]
    return torch.addcmul(x * x, y, y).clamp_min_(shortest * shortest).sqrt_()


def sample_region(texture: torch.Tensor, grid: torch.Tensor, box: tuple[int, int, int, int]) -> torch.Tensor:
    """Warp ``texture`` (1, C, H, W, the crop's size) by the frame's sampling ``grid``
    (B, H, W, 2, grid_sample's normalised coordinates over the crop) for the output
    pixels in ``box`` (x0, y0, x1, y1) only → (B, C, y1 - y0, x1 - x0).
    """
    x0, y0, x1, y1 = box
    region = grid[:, y0:y1, x0:x1]
    return F.grid_sample(texture.expand(grid.shape[0], -1, -1, -1), region.to(texture.dtype), mode="bilinear", padding_mode="border", align_corners=True)
