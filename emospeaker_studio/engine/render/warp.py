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


def field_jacobian(field: torch.Tensor, step: float) -> torch.Tensor:
    """(B, 2, H, W) field → (B, 4, H, W): dDx/dx, dDx/dy, dDy/dx, dDy/dy (central differences)."""
    padded = F.pad(field, (1, 1, 1, 1), mode="replicate")
    d_dx = (padded[:, :, 1:-1, 2:] - padded[:, :, 1:-1, :-2]) / (2 * step)
    d_dy = (padded[:, :, 2:, 1:-1] - padded[:, :, :-2, 1:-1]) / (2 * step)
    return torch.stack([d_dx[:, 0], d_dy[:, 0], d_dx[:, 1], d_dy[:, 1]], dim=1)


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
    x = target - field
    for _ in range(iterations):
        grid = (x / span * 2 - 1).permute(0, 2, 3, 1)
        sampled = F.grid_sample(lookup, grid, mode="bilinear", padding_mode="border", align_corners=True)
        residual = x + sampled[:, :2] - target
        a = 1 + sampled[:, 2]
        b = sampled[:, 3]
        c = sampled[:, 4]
        d = 1 + sampled[:, 5]
        det = a * d - b * c
        safe = det.abs() > 0.05
        det = torch.where(safe, det, torch.ones_like(det))
        dx = torch.where(safe, (d * residual[:, 0] - b * residual[:, 1]) / det, residual[:, 0])
        dy = torch.where(safe, (a * residual[:, 1] - c * residual[:, 0]) / det, residual[:, 1])
        x = x - torch.stack([dx, dy], dim=1)
        x = torch.minimum(torch.maximum(x, torch.zeros_like(span)), span)
    return x - target


def sample_image(texture: torch.Tensor, inverse: torch.Tensor) -> torch.Tensor:
    """Warp ``texture`` (1 or B, C, H, W) by the full-resolution inverse displacement (B, 2, H, W)."""
    batch, _, height, width = inverse.shape
    device, dtype = inverse.device, inverse.dtype
    ys = torch.arange(height, device=device, dtype=dtype)
    xs = torch.arange(width, device=device, dtype=dtype)
    base = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), dim=0).unsqueeze(0)
    span = torch.tensor([max(width - 1, 1), max(height - 1, 1)], device=device, dtype=dtype).view(1, 2, 1, 1)
    grid = ((base + inverse) / span * 2 - 1).permute(0, 2, 3, 1)
    if texture.shape[0] != batch:
        texture = texture.expand(batch, -1, -1, -1)
    return F.grid_sample(texture, grid.to(texture.dtype), mode="bilinear", padding_mode="border", align_corners=True)
