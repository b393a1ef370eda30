"""Closed eyelids: what shows where the lids meet.

The blink basis pulls the upper lid's skin down onto the lower lid, but the
warp can only squeeze the eye's own pixels between them into a seam, and a
squeezed seam still glints white. So wherever an output pixel comes from
inside the photo's eye opening, a lid-skin version of the photo (the opening
filled in from the surrounding skin) takes over as the eye closes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from emospeaker_studio.engine.face import landmarks as lm
from emospeaker_studio.engine.render.warp import sample_region

CLOSING_FROM = 0.55  # fraction of the opening closed where the skin starts to take over
CLOSED_AT = 0.92


@dataclass(frozen=True, eq=False)
class EyeLayer:
    """Per eye: the crop-space box it can occupy, lid vertex ids, rest opening."""

    boxes: tuple[tuple[int, int, int, int], ...]
    upper_ids: tuple[torch.Tensor, ...]
    lower_ids: tuple[torch.Tensor, ...]
    rest_opening: tuple[float, ...]
    closed: torch.Tensor  # (1, 4, H, W): lid-skin RGB and the eye-opening mask, crop-sized
    lid_ids: tuple[torch.Tensor, ...]  # each upper lid margin, corner to corner
    lashes: tuple[tuple[float, float, float], ...]  # each upper lid's lash colour
    face_height: float


def make_eye_layer(crop_rgb: np.ndarray, vertices: np.ndarray, face_height: float, device) -> EyeLayer:
    import cv2

    height, width = crop_rgb.shape[:2]
    mask = np.zeros((height * 4, width * 4), np.uint8)
    boxes, uppers, lowers, openings = [], [], [], []
    for side in ("left", "right"):
        upper, lower = (lm.EYE_LEFT_UPPER, lm.EYE_LEFT_LOWER) if side == "left" else (lm.EYE_RIGHT_UPPER, lm.EYE_RIGHT_LOWER)
        polygon = vertices[list(lm.eye_polygon(side)), :2]
        cv2.fillPoly(mask, [np.round(polygon * 4).astype(np.int32)], 255, lineType=cv2.LINE_AA)
        margin = 0.05 * face_height
        x0, y0 = np.floor(polygon.min(axis=0) - margin).astype(int)
        x1, y1 = np.ceil(polygon.max(axis=0) + margin).astype(int)
        boxes.append((max(0, x0), max(0, y0), min(width, x1), min(height, y1)))
        uppers.append(torch.tensor(upper[1:-1], device=device))
        lowers.append(torch.tensor(lower[1:-1], device=device))
        openings.append(float(np.linalg.norm(vertices[list(upper[1:-1]), :2] - vertices[list(lower[1:-1]), :2], axis=1).mean()))
    soft = cv2.resize(mask, (width, height), interpolation=cv2.INTER_AREA)
    grown = cv2.dilate(soft, np.ones((3, 3), np.uint8))
    # Beyond the eyes: the surroundings averaged in (a normalised blur that ignores
    # the eye itself). Over each eye: a closed lid, the upper lid's own skin
    # (taken from just above its lashes, column by column) down to a lash line
    # where the lids meet.
    outside = 1.0 - (grown.astype(np.float32) / 255.0)
    sigma = max(1.0, 0.025 * face_height)
    weight = cv2.GaussianBlur(outside, (0, 0), sigma)
    summed = cv2.GaussianBlur(crop_rgb[..., :3].astype(np.float32) * outside[..., None], (0, 0), sigma)
    skin = summed / np.maximum(weight, 1e-3)[..., None]
    lashes = [_paint_closed_lid(skin, crop_rgb, vertices, side, box, face_height) for box, side in zip(boxes, ("left", "right"))]
    closed = np.dstack([skin, grown.astype(np.float32) / 255.0])
    return EyeLayer(
        boxes=tuple(boxes),
        upper_ids=tuple(uppers),
        lower_ids=tuple(lowers),
        rest_opening=tuple(openings),
        closed=torch.tensor(closed, device=device).permute(2, 0, 1).unsqueeze(0).contiguous(),
        lid_ids=tuple(torch.tensor(ids, device=device) for ids in (lm.EYE_LEFT_UPPER, lm.EYE_RIGHT_UPPER)),
        lashes=tuple(tuple(float(c) for c in colour) for colour in lashes),
        face_height=face_height,
    )


def _paint_closed_lid(skin: np.ndarray, rgb: np.ndarray, vertices: np.ndarray, side: str, box, face_height: float) -> np.ndarray:
    """Fill the eye's opening in ``skin`` with its upper lid's colour; return its lashes' colour."""
    import cv2

    upper, lower = (lm.EYE_LEFT_UPPER, lm.EYE_LEFT_LOWER) if side == "left" else (lm.EYE_RIGHT_UPPER, lm.EYE_RIGHT_LOWER)
    x0, y0, x1, y1 = box
    if x1 <= x0 or y1 <= y0:
        return np.zeros(3)
    xs = np.arange(x0, x1, dtype=np.float64)
    up, lo = vertices[list(upper), :2], vertices[list(lower), :2]
    up, lo = up[np.argsort(up[:, 0])], lo[np.argsort(lo[:, 0])]
    lid_y = np.interp(xs, up[:, 0], up[:, 1])
    low_y = np.interp(xs, lo[:, 0], lo[:, 1])
    luma = rgb[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    lid = np.zeros((len(xs), 3), np.float32)
    lashes = np.zeros((len(xs), 3), np.float32)
    for i, x in enumerate(xs.astype(int)):
        top = int(np.clip(round(lid_y[i] - 0.035 * face_height), 0, rgb.shape[0] - 1))
        bottom = int(np.clip(round(lid_y[i] - 0.012 * face_height), top + 1, rgb.shape[0]))
        lid[i] = np.median(rgb[top:bottom, x, :3], axis=0)
        band = slice(max(0, int(lid_y[i] - 0.012 * face_height)), int(np.clip(lid_y[i] + 2, 1, rgb.shape[0])))
        column = rgb[band, x, :3].astype(np.float32)
        lashes[i] = column[np.argmin(luma[band, x])] if len(column) else lid[i]
    smooth = max(1.0, 0.01 * face_height)
    lid = cv2.GaussianBlur(lid[None], (0, 0), smooth)[0]
    lashes = cv2.GaussianBlur(lashes[None], (0, 0), smooth)[0]
    ys = np.arange(y0, y1, dtype=np.float64)[:, None]
    painted = np.broadcast_to(lid[None, :, :], (len(ys), len(xs), 3))
    region = skin[y0:y1, x0:x1]
    # Only around the opening itself; the blur stays elsewhere in the box.
    near = ((ys > lid_y[None, :] - 0.02 * face_height) & (ys < low_y[None, :] + 0.02 * face_height))[..., None]
    skin[y0:y1, x0:x1] = np.where(near, painted, region)
    return np.median(lashes, axis=0)


def composite_eyelids(frames: torch.Tensor, inverse: torch.Tensor, moved: torch.Tensor, layer: EyeLayer) -> None:
    """Cover what is left of each closing eye with lid skin, in place."""
    for box, upper, lower, rest, lid, lash in zip(layer.boxes, layer.upper_ids, layer.lower_ids, layer.rest_opening, layer.lid_ids, layer.lashes):
        opening = (moved[:, upper, :2] - moved[:, lower, :2]).norm(dim=-1).mean(dim=1)
        closure = 1 - opening / max(rest, 1e-3)
        weight = ((closure - CLOSING_FROM) / (CLOSED_AT - CLOSING_FROM)).clamp(0, 1)
        if float(weight.max()) <= 0:
            continue
        x0, y0, x1, y1 = box
        if x1 <= x0 or y1 <= y0:
            continue
        sampled = sample_region(layer.closed, inverse, box)
        cover = sampled[:, 3:4] * weight.view(-1, 1, 1, 1).to(sampled.dtype)
        region = frames[:, :3, y0:y1, x0:x1]
        region = region + (sampled[:, :3] - region) * cover
        # The closed lid's lashes, along where the upper lid's margin now is.
        margin = moved[:, lid, :2]
        order = torch.argsort(margin[..., 0], dim=1)
        mx, my = margin[..., 0].gather(1, order), margin[..., 1].gather(1, order)
        xs = torch.arange(x0, x1, device=frames.device, dtype=mx.dtype).expand(mx.shape[0], -1).contiguous()
        index = torch.searchsorted(mx.contiguous(), xs).clamp(1, mx.shape[1] - 1)
        xa, xb = mx.gather(1, index - 1), mx.gather(1, index)
        t = ((xs - xa) / (xb - xa).clamp_min(1e-3)).clamp(0, 1)
        lid_y = my.gather(1, index - 1) + t * (my.gather(1, index) - my.gather(1, index - 1))
        ys = torch.arange(y0, y1, device=frames.device, dtype=mx.dtype).view(1, -1, 1)
        width = max(0.8, 0.006 * layer.face_height)
        line = torch.exp(-(((ys - lid_y.unsqueeze(1)) / width) ** 2))
        inside = ((xs > mx[:, :1]) & (xs < mx[:, -1:])).to(line.dtype).unsqueeze(1)
        strength = 0.75 * line * inside * weight.view(-1, 1, 1).to(line.dtype)
        colour = torch.tensor(lash, dtype=region.dtype, device=frames.device).view(1, 3, 1, 1)
        frames[:, :3, y0:y1, x0:x1] = region + (colour - region) * strength.unsqueeze(1).to(region.dtype)
