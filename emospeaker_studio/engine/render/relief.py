"""The photo's own smile in the skin: folds and bulges that go when the smile goes.

A smiling photo carries its smile in its texture as well as its shape: the
nasolabial folds, the bunched cheeks and the bulge under the lower lids.
Moving the lip corners down leaves all of that painted on the skin, so a
smiling photo made sad or angry still reads as smiling, to people and to
classifiers alike. This layer flattens that relief as the animation relaxes
the photo's smile.

Made once per portrait whose photo smiles: over the cheeks and the skin
around the mouth (the lips, nose and eyes left out), the ratio of the skin's
broad shading to its mid-scale shading. Multiplying the skin by that ratio
(per colour) lifts the dark folds and tones down the bulges while the fine texture
(pores, freckles) and the face's large-scale modelling stay. The ratio map
lives in the crop's texture coordinates: per frame, in proportion to how much
of the photo's smile the coefficients relax, it is applied to that frame's
copy of the texture before the warp, so the flattened skin moves with the
warp like the rest of the skin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from emospeaker_studio.engine.face import landmarks as lm

# A photo whose smile (its estimated AU12) is below this carries no relief worth a layer.
SMILE_WORTH_FLATTENING = 0.1
# The scales of shading, in face heights: the folds and bulges of a smile are
# between the fine one (kept: skin texture) and the broad one (kept: the face's
# modelling).
FINE_SIGMA = 0.006
BROAD_SIGMA = 0.035
# How far the ratio may lift or darken the skin: a deep shadow beside the nose
# is not all fold, and a stronger lift would paint a bright stripe there.
MOST_LIFT = 1.6
MOST_DARKEN = 0.9
# Margins around what is left out (face heights) and the mask's feathering.
LIPS_MARGIN = 0.018
NOSE_MARGIN = 0.012
EYES_MARGIN = 0.02
OVAL_MARGIN = 0.05
FEATHER = 0.02
# The points of the nose's outline (bridge, tip, wings) and those the layer reads.
_NOSE = (168, 6, 197, 195, 5, 4, 1, 19, 94, 2, 98, 327, 64, 294, 48, 278, 129, 358, 102, 331, 49, 279, 115, 344, 220, 440)
RELIEF_POINTS = tuple(sorted(set(
    _NOSE + lm.FACE_OVAL + lm.LIPS_UPPER_OUTER + lm.LIPS_LOWER_OUTER
    + lm.EYE_LEFT_UPPER + lm.EYE_LEFT_LOWER + lm.EYE_RIGHT_UPPER + lm.EYE_RIGHT_LOWER
)))


@dataclass(frozen=True, eq=False)
class ReliefLayer:
    """What multiplies the skin to flatten the photo's smile: ``ratio - 1`` per colour, (1, 3, h, w) in the crop's texture."""

    excess: torch.Tensor
    photo_smile: float  # the photo's AU12, which a coefficient of -photo_smile relaxes fully
    # The rows and columns of the texture the mask covers: only they change.
    rows: slice
    columns: slice


def make_relief_layer(crop_rgb: np.ndarray, vertices: np.ndarray, face_height: float, photo_smile: float,
                      device) -> ReliefLayer | None:
    """The layer for a crop (h, w, 3) whose mesh ``vertices`` are in crop pixels; None for a photo that does not smile."""
    import cv2

    if photo_smile < SMILE_WORTH_FLATTENING:
        return None
    # Per channel: a fold's shadow is redder as well as darker than the skin
    # around it, and lifting its brightness alone would leave an orange line.
    rgb = np.ascontiguousarray(crop_rgb[..., :3]).astype(np.float32) + 1.0
    fine = cv2.GaussianBlur(rgb, (0, 0), max(0.5, FINE_SIGMA * face_height))
    broad = cv2.GaussianBlur(rgb, (0, 0), max(1.0, BROAD_SIGMA * face_height))
    ratio = np.clip(broad / fine, MOST_DARKEN, MOST_LIFT)
    mask = skin_mask(rgb.shape[:2], vertices, face_height)
    excess = (ratio - 1.0) * mask[..., None]
    tensor = torch.tensor(excess, dtype=torch.float32, device=device).permute(2, 0, 1).unsqueeze(0).contiguous()
    ys, xs = np.nonzero(mask > 0)
    if len(ys) == 0:
        return None
    return ReliefLayer(tensor, float(photo_smile), slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))


def skin_mask(shape: tuple[int, int], vertices: np.ndarray, face_height: float) -> np.ndarray:
    """0..1 over the cheeks and the skin around the mouth, below the eyes, inside the face's outline."""
    import cv2

    h, w = shape
    points = lambda ids: np.round(vertices[list(ids), :2]).astype(np.int32)  # noqa: E731
    margin = lambda fraction: max(1, int(round(fraction * face_height)))  # noqa: E731
    inside = np.zeros((h, w), np.uint8)
    cv2.fillPoly(inside, [points(lm.FACE_OVAL)], 1)
    inside = cv2.erode(inside, np.ones((2 * margin(OVAL_MARGIN) + 1,) * 2, np.uint8))
    # Only the skin from just under the eyes down to the chin.
    eyes_bottom = max(vertices[list(lm.EYE_LEFT_LOWER + lm.EYE_RIGHT_LOWER), 1]) + EYES_MARGIN * face_height
    inside[: max(0, int(eyes_bottom)), :] = 0
    for ids, fraction in ((lm.LIPS_UPPER_OUTER + lm.LIPS_LOWER_OUTER[::-1], LIPS_MARGIN), (_NOSE, NOSE_MARGIN)):
        hole = np.zeros((h, w), np.uint8)
        cv2.fillPoly(hole, [cv2.convexHull(points(ids))], 1)
        hole = cv2.dilate(hole, np.ones((2 * margin(fraction) + 1,) * 2, np.uint8))
        inside[hole.astype(bool)] = 0
    soft = cv2.GaussianBlur(inside.astype(np.float32), (0, 0), max(1.0, FEATHER * face_height))
    return soft * inside  # feathered inwards only: nothing outside the region changes


def relaxed_share(smile: torch.Tensor, layer: ReliefLayer) -> torch.Tensor:
    """(B,) how much of the photo's smile the frames' AU12 coefficients (B,) take away, 0..1."""
    return (-smile / layer.photo_smile).clamp(0.0, 1.0)


def flatten_relief(textures: torch.Tensor, share: torch.Tensor, layer: ReliefLayer) -> None:
    """Flatten the smile's relief by ``share`` (n,) in per-frame copies of the crop's texture
    (n, C, h, w), in place, before the warp samples them: the flattened skin then moves
    with the warp like the rest of the skin, at no extra sampling."""
    rows, columns = layer.rows, layer.columns
    gain = (layer.excess[:, :, rows, columns] * share.view(-1, 1, 1, 1).to(textures.dtype)).add_(1.0)
    textures[:, :3, rows, columns] *= gain
