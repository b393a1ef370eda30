"""A parted photo's lip opening, painted shut in its texture as the lips close.

When a photo with parted lips (a toothy smile) is animated with closed lips
(a sad or angry face, a p/b/m), the warp squeezes the opening into a seam,
but its pixels come along: the teeth and the dark corners of the smile end
up as dark specks and hooks along the closed lips, which read as the smile
they came from. This layer keeps a copy of the opening's surroundings with
the opening filled by lip colour (the upper lip's above the middle, the
lower lip's below, a little darker where they meet) and mixes it in as far
as the frame closes the photo's gap, through the same warp as the skin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from emospeaker_studio.engine.face import landmarks as lm

# A photo lip gap (face heights, between the inner lips' middles) below which there is nothing to close.
GAP_WORTH_CLOSING = 0.008
# The opening is grown by this much (face heights) to take in the smile's dark
# corners, which the fitted contour often leaves just outside.
GROW = 0.012
SEAM_DARKER = 0.25
CLOSED_LIPS_POINTS = tuple(sorted(set(lm.LIPS_UPPER_OUTER + lm.LIPS_LOWER_OUTER + lm.LIPS_UPPER_INNER + lm.LIPS_LOWER_INNER)))


@dataclass(frozen=True, eq=False)
class ClosedLipsLayer:
    """The filled opening as an offset from the photo, (1, 3, h, w), and the texture rows and columns it covers."""

    offset: torch.Tensor  # fill - photo inside the (grown) opening, 0 elsewhere
    rows: slice
    columns: slice


def make_closed_lips_layer(crop_rgb: np.ndarray, vertices: np.ndarray, face_height: float, device) -> ClosedLipsLayer | None:
    """The layer for a crop (h, w, 3) with mesh ``vertices`` in crop pixels; None when the photo's lips are closed."""
    import cv2

    gap = float(vertices[lm.LOWER_INNER_MID, 1] - vertices[lm.UPPER_INNER_MID, 1])
    if gap < GAP_WORTH_CLOSING * face_height:
        return None
    height, width = crop_rgb.shape[:2]
    rgb = crop_rgb[..., :3].astype(np.float32)
    inner = np.round(vertices[list(lm.inner_lip_polygon()), :2]).astype(np.int32)
    opening = np.zeros((height, width), np.uint8)
    cv2.fillPoly(opening, [inner], 1)
    grow = max(1, int(round(GROW * face_height)))
    grown = cv2.dilate(opening, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1,) * 2))
    # Each lip's colour, from its own pixels (its outer and inner contours).
    colours = []
    for outer, inner_ids in ((lm.LIPS_UPPER_OUTER, lm.LIPS_UPPER_INNER), (lm.LIPS_LOWER_OUTER, lm.LIPS_LOWER_INNER)):
        ring = np.concatenate([vertices[list(outer), :2], vertices[list(inner_ids)[::-1], :2]])
        lip = np.zeros((height, width), np.uint8)
        cv2.fillPoly(lip, [np.round(ring).astype(np.int32)], 1)
        pixels = rgb[lip.astype(bool) & ~grown.astype(bool)]
        colours.append(np.median(pixels, axis=0) if len(pixels) >= 10 else rgb[grown.astype(bool)].mean(axis=0))
    upper, lower = colours
    # Above the line where the lips will meet (half-way across the gap) the upper
    # lip, below it the lower; darker along that line.
    middle = (vertices[lm.UPPER_INNER_MID, 1] + vertices[lm.LOWER_INNER_MID, 1]) / 2
    ys = np.arange(height, dtype=np.float32)[:, None]
    below = np.clip((ys - middle) / max(gap / 2, 1.0) * 0.5 + 0.5, 0.0, 1.0)
    seam = np.exp(-(((ys - middle) / max(gap / 4, 1.0)) ** 2))
    fill = (upper * (1 - below)[..., None] + lower * below[..., None]) * (1 - SEAM_DARKER * seam)[..., None]
    fill = np.broadcast_to(fill, rgb.shape)
    # Around the opening (the grown ring, the smile's dark corners) the colour of
    # what surrounds it, lips and skin, averaged over what is not opening.
    keep = 1.0 - grown.astype(np.float32)
    sigma = max(1.0, 0.02 * face_height)
    around = cv2.GaussianBlur(rgb * keep[..., None], (0, 0), sigma) / np.maximum(cv2.GaussianBlur(keep, (0, 0), sigma), 1e-3)[..., None]
    ring = (grown.astype(bool) & ~opening.astype(bool))[..., None]
    fill = np.where(ring, around, fill)
    weight = cv2.GaussianBlur(grown.astype(np.float32), (0, 0), max(0.7, 0.004 * face_height)) * grown
    offset = (fill - rgb) * weight[..., None]
    ys_in, xs_in = np.nonzero(weight > 0)
    rows, columns = slice(ys_in.min(), ys_in.max() + 1), slice(xs_in.min(), xs_in.max() + 1)
    tensor = torch.tensor(np.ascontiguousarray(offset.transpose(2, 0, 1)), dtype=torch.float32, device=device).unsqueeze(0)
    return ClosedLipsLayer(tensor, rows, columns)


def paint_closed_lips(textures: torch.Tensor, closing: torch.Tensor, layer: ClosedLipsLayer) -> None:
    """Paint the photo's opening shut by ``closing`` (n,) 0..1 in per-frame copies of the crop's
    texture (n, C, h, w), in place, before the warp squeezes it into the closed lips."""
    rows, columns = layer.rows, layer.columns
    textures[:, :3, rows, columns] += layer.offset[:, :, rows, columns] * closing.clamp(0, 1).view(-1, 1, 1, 1).to(textures.dtype)
