"""The photo's own expression, estimated from landmark geometry.

Portraits are rarely neutral, so the animation starts from the photo's own
action units. Each estimate compares a length, normalised by the face's size,
with its typical value on a neutral face; the reference values come from the
MediaPipe mesh on neutral frontal faces and are deliberately rough, which is
why small deviations are treated as neutral (a dead zone) and every value is
clipped to the control's range.
"""

from __future__ import annotations

import numpy as np

from emospeaker_studio.engine.face import landmarks as lm

JAW_OPEN_GAP = 0.35  # lip gap at jaw_open = 1, in face heights (engine/controls.py)

# Typical neutral values (face-frame, in face heights or as ratios).
_NEUTRAL_MOUTH_WIDTH_PER_EYES = 0.56  # mouth corner distance / outer eye corner distance
_NEUTRAL_EYE_OPENING = 0.27  # mean lid gap / eye width
_NEUTRAL_INNER_BROW = 0.070  # inner brow above the iris line
_NEUTRAL_OUTER_BROW = 0.060
_NEUTRAL_BROW_SEPARATION = 0.30  # inner brow ends apart / outer eye corner distance
# Lip corners this far above where the lips meet (face heights) count fully in
# the smile measure; a broad, toothy smile's corners reach about that.
_FULL_CORNER_LIFT = 0.06
# What the smile measure reads on a face the rig moved by AU12 = 1 (measured on
# four near-neutral bench faces rendered that way and fitted again: 0.47, 0.49,
# 0.54, and 0.23 on a pouting one). Dividing by it puts the photo's smile on the
# rig's own scale, so relaxing it (a coefficient of -AU12) takes away as much
# smile as the photo has: read raw, a broad smile was relaxed only halfway and
# a smiling photo made sad kept smiling.
_SMILE_READING_AT_FULL_AU12 = 0.5
# The strongest photo smile on the rig's scale (the renderer's coefficient limit).
_LARGEST_SMILE = 1.5
# How much a smile raises the cheeks (AU6) on the rig's scale.
_CHEEKS_PER_SMILE = 0.6


def face_frame(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Origin, rotation (2x2, rows = face x/y axes in image coords) and face height."""
    left_eye = points[list(lm.EYE_LEFT_UPPER + lm.EYE_LEFT_LOWER), :2].mean(axis=0)
    right_eye = points[list(lm.EYE_RIGHT_UPPER + lm.EYE_RIGHT_LOWER), :2].mean(axis=0)
    x_axis = right_eye - left_eye
    x_axis = x_axis / max(np.linalg.norm(x_axis), 1e-6)
    y_axis = np.array([-x_axis[1], x_axis[0]])  # image y points down, so this points chinwards
    origin = (left_eye + right_eye) / 2
    height = float(np.linalg.norm(points[lm.FOREHEAD_TOP, :2] - points[lm.CHIN, :2]))
    return origin, np.stack([x_axis, y_axis]), max(height, 1e-6)


def eye_opening(points: np.ndarray) -> float:
    """Mean lid gap over eye width of both eyes (about 0.27 for open eyes), in any 2-D frame of the landmarks."""

    def one_eye(upper, lower) -> float:
        lids = np.linalg.norm(points[list(upper[1:-1]), :2] - points[list(lower[1:-1]), :2], axis=1).mean()
        return lids / max(float(np.linalg.norm(points[upper[0], :2] - points[upper[-1], :2])), 1e-6)

    return float((one_eye(lm.EYE_LEFT_UPPER, lm.EYE_LEFT_LOWER) + one_eye(lm.EYE_RIGHT_UPPER, lm.EYE_RIGHT_LOWER)) / 2)


def _dead_zone(value: float, width: float) -> float:
    return float(np.sign(value) * max(0.0, abs(value) - width))


def estimate_photo_expression(points: np.ndarray) -> dict[str, float]:
    """Control values (engine/controls.py names) describing the photo's expression."""
    points = np.asarray(points, dtype=np.float64)
    origin, rotation, height = face_frame(points)
    p = (points[:, :2] - origin) @ rotation.T / height  # face frame, face heights

    eye_span = np.linalg.norm(p[33] - p[263])
    mouth_width = np.linalg.norm(p[lm.MOUTH_CORNER_LEFT] - p[lm.MOUTH_CORNER_RIGHT]) / eye_span
    corners_y = (p[lm.MOUTH_CORNER_LEFT, 1] + p[lm.MOUTH_CORNER_RIGHT, 1]) / 2
    # Corners above where the lips meet: the middle of their gap, as a neutral
    # open mouth's corners sit level with it (above the upper lip's edge would
    # count a toothy smile's open jaw against its smile).
    seam_y = (p[lm.UPPER_INNER_MID, 1] + p[lm.LOWER_INNER_MID, 1]) / 2
    corner_lift = seam_y - corners_y
    right_lift = seam_y - p[lm.MOUTH_CORNER_RIGHT, 1]
    left_lift = seam_y - p[lm.MOUTH_CORNER_LEFT, 1]

    smile = 0.6 * (mouth_width - _NEUTRAL_MOUTH_WIDTH_PER_EYES) / 0.2 + 0.4 * corner_lift / _FULL_CORNER_LIFT
    au12 = float(np.clip(_dead_zone(smile, 0.05) / _SMILE_READING_AT_FULL_AU12, -1.0, _LARGEST_SMILE))
    asymmetry = _dead_zone((right_lift - left_lift) / 0.03, 0.15)
    au12r = float(np.clip(asymmetry, 0.0, 1.0))
    au15 = float(np.clip(_dead_zone(-corner_lift / 0.03, 0.2), 0.0, 1.0))

    opening = eye_opening(p)
    narrowing = _dead_zone((_NEUTRAL_EYE_OPENING - opening) / 0.1, 0.1)
    # The cheeks rise with the smile. Narrow eyes alone are not a cheek raise:
    # hooded or narrow lids are the eye's own shape, and relaxing them as if
    # they were would round every such face's eyes.
    au06 = float(np.clip(_CHEEKS_PER_SMILE * max(au12, 0.0), 0.0, 1.0))
    au05 = float(np.clip(_dead_zone(-narrowing, 0.2), 0.0, 1.0))

    iris_y = (p[lm.IRIS_LEFT_CENTER, 1] + p[lm.IRIS_RIGHT_CENTER, 1]) / 2
    inner_brow = iris_y - (p[55, 1] + p[285, 1]) / 2
    outer_brow = iris_y - (p[46, 1] + p[276, 1]) / 2
    separation = np.linalg.norm(p[55] - p[285]) / eye_span
    au01 = float(np.clip(_dead_zone((inner_brow - _NEUTRAL_INNER_BROW) / 0.03, 0.2), -1.0, 1.0))
    au02 = float(np.clip(_dead_zone((outer_brow - _NEUTRAL_OUTER_BROW) / 0.03, 0.2), -1.0, 1.0))
    lowered = 0.5 * (_NEUTRAL_INNER_BROW - inner_brow) / 0.03 + 0.5 * (_NEUTRAL_BROW_SEPARATION - separation) / 0.08
    au04 = float(np.clip(_dead_zone(lowered, 0.2), 0.0, 1.0))

    gap = np.linalg.norm(p[lm.UPPER_INNER_MID] - p[lm.LOWER_INNER_MID])
    jaw_open = float(np.clip(gap / JAW_OPEN_GAP, 0.0, 1.0))

    values = {
        "AU01": max(au01, 0.0),
        "AU02": max(au02, 0.0),
        "AU04": au04,
        "AU05": au05,
        "AU06": au06,
        "AU12": au12,
        "AU12R": au12r,
        "AU15": au15,
        "jaw_open": jaw_open,
    }
    return {name: round(float(value), 4) + 0.0 for name, value in values.items()}  # + 0.0 drops -0.0
