"""What a portrait lets the emotions show, said before the user finds out.

Some photos render but cannot carry every emotion well: eyes closed in the
photo cannot be opened wide (the rig moves the lids it sees; there is no eye
behind a closed lid to show), a face turned far from the camera hides half
of its expression and tears at larger head turns, and a small face has few
pixels for teeth, folds and lids. Each check gives one line that says what
will look weak, why, and what photo works better; the render goes ahead.
"""

from __future__ import annotations

import math

import numpy as np

from emospeaker_studio.engine.face import landmarks as lm
from emospeaker_studio.engine.face.expression import eye_opening

# Lid gap over eye width below which the eyes count as closed (open eyes are
# about 0.25-0.3; a blink's half-closed lids about 0.12).
CLOSED_EYES = 0.09
# Turned further than this (degrees, left-right), the far side's expression is hidden.
TURNED_DEGREES = 30.0
# A face (forehead to chin) smaller than this many pixels in the photo renders
# soft detail at the usual output sizes.
SMALL_FACE_PX = 180


def turn_degrees(points: np.ndarray) -> float:
    """How far the face is turned left or right, in degrees, from the depth of its two cheeks."""
    left, right = points[lm.CHEEK_LEFT], points[lm.CHEEK_RIGHT]
    return abs(math.degrees(math.atan2(float(right[2] - left[2]), float(right[0] - left[0]))))


def expression_limits(landmarks: np.ndarray, face_height: float) -> tuple[str, ...]:
    """One line per way this face (landmarks (478, 3) in photo pixels) will show emotions weakly."""
    points = np.asarray(landmarks, np.float64)
    notes = []
    if eye_opening(points) < CLOSED_EYES:
        notes.append("the eyes are closed in the portrait, and the app cannot open them: surprised and "
                     "fearful will show in the brows and mouth only; a photo with open eyes shows every emotion")
    turned = turn_degrees(points)
    if turned > TURNED_DEGREES:
        notes.append(f"the face is turned about {turned:.0f}° from the camera: the expression on its far side is "
                     "hidden, and strong head motion may tear the image; a photo facing the camera shows emotions best")
    if face_height < SMALL_FACE_PX:
        notes.append(f"the face is only {face_height:.0f} px tall in the portrait: teeth, folds and lids will look "
                     f"soft in the video; a photo with the face at least {SMALL_FACE_PX} px tall looks sharper")
    return tuple(notes)
