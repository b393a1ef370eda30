"""Named landmark indices of MediaPipe's 478-point face mesh.

"Right"/"left" below are the image's right/left (the subject's left/right
for a photo facing the camera). Contours run from the image-left end to the
image-right end.
"""

from __future__ import annotations

LANDMARK_COUNT = 478
MESH_VERTEX_COUNT = 468  # the triangulated surface; 468..477 are the irises

FOREHEAD_TOP = 10
CHIN = 152
NOSE_TIP = 1
NOSE_BRIDGE = 168
NOSE_ALA_LEFT = 98
NOSE_ALA_RIGHT = 327
CHEEK_LEFT = 234
CHEEK_RIGHT = 454

MOUTH_CORNER_LEFT = 61
MOUTH_CORNER_RIGHT = 291
INNER_CORNER_LEFT = 78
INNER_CORNER_RIGHT = 308
UPPER_LIP_TOP = 0
LOWER_LIP_BOTTOM = 17
UPPER_INNER_MID = 13
LOWER_INNER_MID = 14

LIPS_UPPER_OUTER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291)
LIPS_LOWER_OUTER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291)
LIPS_UPPER_INNER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
LIPS_LOWER_INNER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)

# Eyes: lid margins from the outer/inner corner on the image's left to the other corner.
EYE_LEFT_UPPER = (33, 246, 161, 160, 159, 158, 157, 173, 133)
EYE_LEFT_LOWER = (33, 7, 163, 144, 145, 153, 154, 155, 133)
EYE_RIGHT_UPPER = (362, 398, 384, 385, 386, 387, 388, 466, 263)
EYE_RIGHT_LOWER = (362, 382, 381, 380, 374, 373, 390, 249, 263)
IRIS_LEFT_CENTER = 468
IRIS_LEFT_RING = (469, 470, 471, 472)
IRIS_RIGHT_CENTER = 473
IRIS_RIGHT_RING = (474, 475, 476, 477)

# Brows, from the outer end to the inner end (towards the nose).
BROW_LEFT_UPPER = (70, 63, 105, 66, 107)
BROW_LEFT_LOWER = (46, 53, 52, 65, 55)
BROW_RIGHT_UPPER = (300, 293, 334, 296, 336)
BROW_RIGHT_LOWER = (276, 283, 282, 295, 285)

FACE_OVAL = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378,
    400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21,
    54, 103, 67, 109,
)


def inner_lip_polygon() -> tuple[int, ...]:
    """The inner-lip contour as a closed polygon (upper lip left→right, lower back)."""
    return LIPS_UPPER_INNER + tuple(reversed(LIPS_LOWER_INNER[1:-1]))


def eye_polygon(side: str) -> tuple[int, ...]:
    upper, lower = (EYE_LEFT_UPPER, EYE_LEFT_LOWER) if side == "left" else (EYE_RIGHT_UPPER, EYE_RIGHT_LOWER)
    return upper + tuple(reversed(lower[1:-1]))
