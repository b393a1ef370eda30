"""Horizontal forehead lines where raised brows fold the skin (AU1, AU2).

The warp can stretch the forehead up with the brows but not fold it; raised
brows read from the creases that fold across the forehead above them
(surprise, fear, and sadness's inner brows). Each crease follows the brow's
arch, a dark groove with the bunched skin catching light below it, and is as
deep at each place as the brow below it has risen there: over the middle for
sadness's inner brows, right across for surprise. Drawn only on skin: where
the photo shows hair (a fringe) or a hat, nothing is drawn. A frame whose
brows have not risen is left untouched.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from emospeaker_studio.engine.face import landmarks as lm

# Brow points along each brow's upper edge, image-left brow outer to inner, then
# the image-right brow inner to outer: the arch the creases follow, left to right.
_BROW_LINE = lm.BROW_LEFT_UPPER + lm.BROW_RIGHT_UPPER[::-1]
_EYE_CORNERS = (33, 133, 362, 263)
# The creases' heights above the brows (face heights), and their width.
CREASE_HEIGHTS = (0.035, 0.065, 0.095)
GROOVE = 0.005
# The brow rise (face heights, against the eyes) where creases begin and where they are deepest.
RISE_FROM = 0.008
RISE_FULL = 0.045
DARKEN = 0.22  # in the groove's middle at full depth
LIGHTEN = 0.06  # on the bunched skin below it
# Skin: within this chroma distance (Cr, Cb) of the skin between the brows.
SKIN_CHROMA = 14.0
FOREHEAD_POINTS = tuple(sorted(set(_BROW_LINE + _EYE_CORNERS + (lm.FOREHEAD_TOP, lm.NOSE_BRIDGE, 9, 151))))


@dataclass(frozen=True, eq=False)
class ForeheadLayer:
    """The brows' rest height above the eyes and where the photo's forehead is skin."""

    brow_ids: torch.Tensor  # _BROW_LINE on the device
    eye_ids: torch.Tensor
    rest_rise: torch.Tensor  # (len(_BROW_LINE),) each brow point's height above the eyes at rest, crop pixels
    skin: torch.Tensor  # (1, 1, h, w) 0..1 over the forehead, in the crop's texture
    box: tuple[int, int, int, int]  # x0, y0, x1, y1: where the creases can be drawn
    face_height: float


def make_forehead_layer(crop_rgb: np.ndarray, vertices: np.ndarray, face_height: float, device) -> ForeheadLayer | None:
    import cv2

    height, width = crop_rgb.shape[:2]
    brows = vertices[list(_BROW_LINE), :2]
    eyes_y = float(vertices[list(_EYE_CORNERS), 1].mean())
    top = float(brows[:, 1].min()) - (CREASE_HEIGHTS[-1] + 0.08) * face_height
    x0, x1 = int(max(0, brows[:, 0].min())), int(min(width, np.ceil(brows[:, 0].max()) + 1))
    y0, y1 = int(max(0, top)), int(min(height, np.ceil(brows[:, 1].max()) + 1))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    ycrcb = cv2.cvtColor(np.ascontiguousarray(crop_rgb[..., :3]), cv2.COLOR_RGB2YCrCb).astype(np.float32)
    # The skin's own colour: just above the nose bridge, between the brows.
    bx, by = vertices[lm.NOSE_BRIDGE, :2] + 0.4 * (vertices[9, :2] - vertices[lm.NOSE_BRIDGE, :2])
    r = max(2, int(0.02 * face_height))
    patch = ycrcb[max(0, int(by) - r): int(by) + r + 1, max(0, int(bx) - r): int(bx) + r + 1].reshape(-1, 3)
    reference = np.median(patch, axis=0)
    distance = np.linalg.norm(ycrcb[..., 1:] - reference[1:], axis=-1)
    bright = ycrcb[..., 0] > 0.45 * reference[0]  # dark hair of a similar hue is not skin either
    skin = ((distance < SKIN_CHROMA) & bright).astype(np.float32)
    skin = cv2.GaussianBlur(cv2.erode(skin, np.ones((3, 3), np.uint8)), (0, 0), max(1.0, 0.01 * face_height))
    rest = eyes_y - brows[:, 1]
    return ForeheadLayer(
        brow_ids=torch.tensor(_BROW_LINE, device=device),
        eye_ids=torch.tensor(_EYE_CORNERS, device=device),
        rest_rise=torch.tensor(rest, dtype=torch.float32, device=device),
        skin=torch.tensor(skin, device=device).view(1, 1, height, width),
        box=(x0, y0, x1, y1),
        face_height=face_height,
    )


def brow_rise(moved: torch.Tensor, layer: ForeheadLayer) -> torch.Tensor:
    """(B, brow points) how far each brow point has risen above its rest height over the eyes, face heights."""
    brows = moved.index_select(1, layer.brow_ids)[..., 1]
    eyes = moved.index_select(1, layer.eye_ids)[..., 1].mean(dim=1, keepdim=True)
    return ((eyes - brows) - layer.rest_rise) / layer.face_height


def composite_forehead_lines(frames: torch.Tensor, grid: torch.Tensor, moved: torch.Tensor, layer: ForeheadLayer) -> None:
    """Fold the forehead above raised brows, in place (``frames`` (B, C, h, w), ``grid`` the warp's (B, h, w, 2))."""
    rise = brow_rise(moved, layer)
    depth = ((rise - RISE_FROM) / (RISE_FULL - RISE_FROM)).clamp(0, 1)  # (B, points)
    if float(depth.max()) <= 0:
        return
    x0, y0, x1, y1 = layer.box
    # The box is the rest brows' extent; raised brows take the creases higher.
    lift = int(np.ceil(float(rise.clamp_min(0).max()) * layer.face_height)) + 1
    y0 = max(0, y0 - lift)
    dtype = frames.dtype
    brows = moved.index_select(1, layer.brow_ids)[..., :2].to(dtype)
    order = brows[..., 0].argsort(dim=1)  # left to right (a tilted head may swap neighbours)
    brows, depth = brows.gather(1, order.unsqueeze(-1).expand(-1, -1, 2)), depth.gather(1, order)
    xs = torch.arange(x0, x1, device=frames.device, dtype=dtype)
    ys = torch.arange(y0, y1, device=frames.device, dtype=dtype).view(1, -1, 1)
    brow_y = _interp_rows(brows[..., 0], brows[..., 1], xs)  # (B, w): the arch under each column
    strength = _interp_rows(brows[..., 0], depth.to(dtype), xs)  # (B, w)
    # Fade out beyond the brows' ends.
    first, last = brows[:, :1, 0], brows[:, -1:, 0]
    span = (last - first).clamp_min(1.0)
    ends = ((xs - first) / (0.12 * span)).clamp(0, 1) * ((last - xs) / (0.12 * span)).clamp(0, 1)
    above = (brow_y.unsqueeze(1) - ys) / layer.face_height  # (B, h, w) face heights above the arch
    groove = max(GROOVE, 0.8 / layer.face_height)
    shade = torch.zeros_like(above)
    for k, height in enumerate(CREASE_HEIGHTS):
        weight = 1.0 - 0.25 * k  # the highest crease is the faintest
        shade += weight * (DARKEN * torch.exp(-(((above - height) / groove) ** 2))
                           - LIGHTEN * torch.exp(-(((above - height + 1.8 * groove) / (1.4 * groove)) ** 2)))
    skin = F.grid_sample(layer.skin.expand(frames.shape[0], -1, -1, -1), grid[:, y0:y1, x0:x1],
                         mode="bilinear", padding_mode="zeros", align_corners=True)[:, 0]
    factor = 1.0 - shade * (strength * ends).unsqueeze(1) * skin.to(dtype)
    region = frames[:, :3, y0:y1, x0:x1]
    frames[:, :3, y0:y1, x0:x1] = (region * factor.unsqueeze(1)).clamp(0, 255)


def _interp_rows(x: torch.Tensor, y: torch.Tensor, at: torch.Tensor) -> torch.Tensor:
    """Per row b, y[b] linearly interpolated at ``at`` over ascending x[b] (held flat beyond the ends): (B, len(at))."""
    index = torch.searchsorted(x.contiguous(), at.expand(x.shape[0], -1).contiguous()).clamp(1, x.shape[1] - 1)
    x_low, x_high = x.gather(1, index - 1), x.gather(1, index)
    y_low, y_high = y.gather(1, index - 1), y.gather(1, index)
    t = ((at - x_low) / (x_high - x_low).clamp_min(1e-6)).clamp(0, 1)
    return y_low + t * (y_high - y_low)
