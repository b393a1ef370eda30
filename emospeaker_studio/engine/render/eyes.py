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
    # Lid skin: the surroundings averaged into the opening (a normalised blur that
    # ignores the eye itself), smooth and free of the sclera's highlights.
    outside = 1.0 - (grown.astype(np.float32) / 255.0)
    sigma = max(1.0, 0.025 * face_height)
    weight = cv2.GaussianBlur(outside, (0, 0), sigma)
    summed = cv2.GaussianBlur(crop_rgb[..., :3].astype(np.float32) * outside[..., None], (0, 0), sigma)
    skin = summed / np.maximum(weight, 1e-3)[..., None]
    closed = np.dstack([skin, grown.astype(np.float32) / 255.0])
    return EyeLayer(
        boxes=tuple(boxes),
        upper_ids=tuple(uppers),
        lower_ids=tuple(lowers),
        rest_opening=tuple(openings),
        closed=torch.tensor(closed, device=device).permute(2, 0, 1).unsqueeze(0).contiguous(),
    )


def composite_eyelids(frames: torch.Tensor, inverse: torch.Tensor, moved: torch.Tensor, layer: EyeLayer) -> None:
    """Cover what is left of each closing eye with lid skin, in place."""
    for box, upper, lower, rest in zip(layer.boxes, layer.upper_ids, layer.lower_ids, layer.rest_opening):
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
        frames[:, :3, y0:y1, x0:x1] = region + (sampled[:, :3] - region) * cover
