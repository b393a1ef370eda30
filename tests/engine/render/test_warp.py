import numpy as np
import torch

from emospeaker_studio.engine.render.warp import invert_field


def _forward_at(field: torch.Tensor, points: np.ndarray, step: float) -> np.ndarray:
    """The forward field (2, H, W) evaluated bilinearly at pixel positions (N, 2)."""
    f = field.numpy()
    gx, gy = points[:, 0] / step, points[:, 1] / step
    x0 = np.clip(np.floor(gx).astype(int), 0, f.shape[2] - 2)
    y0 = np.clip(np.floor(gy).astype(int), 0, f.shape[1] - 2)
    tx, ty = gx - x0, gy - y0
    top = f[:, y0, x0] * (1 - tx) + f[:, y0, x0 + 1] * tx
    bottom = f[:, y0 + 1, x0] * (1 - tx) + f[:, y0 + 1, x0 + 1] * tx
    return (top * (1 - ty) + bottom * ty).T


def test_inverse_maps_every_point_back_through_a_strong_stretch():
    # A lip seam opening: rows above y = 60 move up, rows below move down, by up to
    # 6 px each over a few pixels: a threefold stretch, beyond what fixed-point
    # iteration converges on.
    step = 3.0
    height, width = 41, 37
    ys = torch.arange(height, dtype=torch.float32) * step
    xs = torch.arange(width, dtype=torch.float32) * step
    yy, xx = torch.meshgrid(ys, xs, indexing="ij")
    open_by = 6.0 * torch.exp(-(((xx - 54) / 25) ** 2))
    dy = open_by * torch.tanh((yy - 60) / 3) * torch.exp(-(((yy - 60) / 20) ** 2))
    dx = 2.0 * torch.sin(yy / 17)
    field = torch.stack([dx, dy])[None]
    inverse = invert_field(field, step)[0]
    targets = torch.stack([xx, yy]).reshape(2, -1).T.numpy()
    sources = targets + inverse.reshape(2, -1).T.numpy()
    inside = (sources[:, 0] >= 0) & (sources[:, 0] <= xs[-1].item()) & (sources[:, 1] >= 0) & (sources[:, 1] <= ys[-1].item())
    landed = sources + _forward_at(field[0], sources, step)
    error = np.linalg.norm(landed - targets, axis=1)[inside]
    assert inside.mean() > 0.9
    assert np.quantile(error, 0.9) < 1e-4
    assert error.max() < 0.02


def test_zero_field_inverts_to_zero():
    field = torch.zeros(2, 2, 9, 11)
    assert torch.equal(invert_field(field, 4.0), torch.zeros_like(field))
