"""Emotion activations made relative to the photo's own expression.

Coefficients move the face *from the photo* (all zero reproduces it), but the
emotion matrix gives absolute activations. Portraits are rarely neutral, so
two rules turn one into the other, per action unit:

Only what the photo shows of a unit (its positive part) counts: a photo
estimated slightly "negative" on a unit (corners a little below neutral)
keeps that as it is, so an emotion at intensity 0 still changes nothing.

* A unit the emotion uses (in its prototype) is topped up to the emotion's
  activation, never past it: ``max(target - photo, 0)``. Happy on a smiling
  photo adds only the smile that is missing instead of doubling it, and never
  takes away the photo's smile.
* A unit the emotion does not use is relaxed by the emotion's strength ``s``
  through ``relaxation(s)``: ``-relaxation(s) * photo``. Sad on a smiling
  photo gets ``AU12 = -relaxation(s) * photo_AU12`` together with its AU15,
  so the corners come down past rest. Units the emotion tolerates
  (``KEPT_FROM_PHOTO``: a lopsided smile under happy) are left as
  photographed.

``relaxation`` is a saturating curve, not ``s`` itself: 0 at ``s = 0``,
about 0.86 at 0.5 and 1 from ``RELAXED_AT`` (0.7) on, continuous and
monotone. A photo's expression is a whole display of its own: relaxed only
in proportion, a broad smile keeps half of itself at intensity 0.5 and
outweighs the emotion's half-strength units, so "mildly angry" on a smiling
portrait reads as "smiling, slightly odd". Moderate intensity has to mean a
moderate emotion, not a moderate blend of the photo and the emotion.

Neutral asks for nothing and changes nothing, at any intensity. The
articulation controls (jaw_open, ...) are topped up like units but not
relaxed, with one exception: an emotion shown with closed lips (sad, angry,
contemptuous) on a photo with parted lips closes them with ``lip_press =
relaxation(s * RELAXED_AT / LIPS_CLOSED_AT)`` (scaled down for a barely
parted photo), so a toothy smile does not survive into a sad face: the
teeth go with the smile, on the same curve, and are gone by intensity 0.5.
While talking, speech takes the lips over again.

``expressiveness`` (0..1.5) scales intensity before the lookup; past
intensity 1 it scales the full-intensity vector, clipped to MAX_ACTIVATION.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from emospeaker_studio.core.emotions import Emotion
from emospeaker_studio.engine.animation.emotion_matrix import (
    CLOSED_LIPS_MASK,
    MAX_ACTIVATION,
    EMOTION_INDEX,
    KEEP_MASK,
    PROTOTYPE_MASK,
    emotion_vectors,
)
from emospeaker_studio.engine.animation.emotion_timeline import EmotionTimeline
from emospeaker_studio.engine.controls import ACTION_UNITS, FACE_CONTROLS

_IS_ACTION_UNIT = np.array([name in ACTION_UNITS for name in FACE_CONTROLS])
_NEUTRAL = EMOTION_INDEX[Emotion.NEUTRAL]
_LIP_PRESS = FACE_CONTROLS.index("lip_press")
_JAW_OPEN = FACE_CONTROLS.index("jaw_open")
# A photo lip gap (jaw_open) this wide counts as fully parted lips.
PARTED_LIPS = 0.05
# The emotion strength from which the photo's own expression is fully relaxed,
# and the curve's exponent: relaxation(s) = 1 - (1 - s / RELAXED_AT) ** RELAX_EXPONENT
# below it. An exponent above 1 makes the curve meet 1 with zero slope (no
# kink at RELAXED_AT); 1.6 puts it at 0.86 by s = 0.5.
RELAXED_AT = 0.7
RELAX_EXPONENT = 1.6
# The emotion strength from which a closed-lip emotion has closed the photo's
# parted lips completely (on the same curve, sooner): a sliver of teeth left
# between the lips of a moderately sad or contemptuous face reads as a grin.
LIPS_CLOSED_AT = 0.5


def relaxation(strength: np.ndarray | float) -> np.ndarray:
    """How much of the photo's own expression an emotion of ``strength`` (0..1) takes away (0..1).

    Saturating: steep at first, 1 from RELAXED_AT on; 0 at 0, so an emotion
    at zero intensity still reproduces the photo. Continuous and
    non-decreasing, as keyframe transitions interpolate intensity; never
    below ``strength`` itself (the proportional rule it replaces).
    """
    s = np.clip(np.asarray(strength, np.float64), 0.0, 1.0)
    return 1.0 - (1.0 - np.minimum(s / RELAXED_AT, 1.0)) ** RELAX_EXPONENT


def relative_jaw(opening: np.ndarray | float, photo_jaw: float) -> np.ndarray | float:
    """The jaw_open coefficient that takes a photo open by ``photo_jaw`` to ``opening`` (both 0..1, absolute)."""
    return (opening - photo_jaw) / max(1.0 - photo_jaw, 0.05)


def photo_vector(photo_expression: Mapping[str, float]) -> np.ndarray:
    """The photo's activations in FACE_CONTROLS order (controls it does not name are 0)."""
    return np.array([float(photo_expression.get(name, 0.0)) for name in FACE_CONTROLS])


def effective_activations(emotion_ids: np.ndarray, intensities: np.ndarray, expressiveness: float) -> np.ndarray:
    """Absolute activations (N, FACE_CONTROLS) with expressiveness applied."""
    scaled = np.asarray(intensities, np.float64) * max(0.0, float(expressiveness))
    vectors = emotion_vectors(emotion_ids, np.minimum(scaled, 1.0))
    return np.minimum(vectors * np.maximum(scaled, 1.0)[:, None], MAX_ACTIVATION)


def relative_expression(
    timeline: EmotionTimeline, photo_expression: Mapping[str, float], expressiveness: float
) -> np.ndarray:
    """Per-frame face-control coefficients (frames, FACE_CONTROLS) of the emotion alone."""
    photo = np.maximum(photo_vector(photo_expression), 0.0)
    frames, slots = timeline.weights.shape
    parted = min(1.0, photo[_JAW_OPEN] / PARTED_LIPS)
    out = np.zeros((frames, len(FACE_CONTROLS)))
    for k in range(slots):
        ids = timeline.emotion_ids[:, k]
        target = effective_activations(ids, timeline.intensities[:, k], expressiveness)
        topped_up = np.maximum(target - photo, 0.0)
        # jaw_open is an absolute gap: from the photo's gap the control spans 1 - photo.
        topped_up[:, _JAW_OPEN] = np.maximum(relative_jaw(target[:, _JAW_OPEN], photo[_JAW_OPEN]), 0.0)
        strength = np.minimum(1.0, timeline.intensities[:, k] * max(0.0, float(expressiveness)))
        strength = np.where(ids == _NEUTRAL, 0.0, strength)
        relax = relaxation(strength)
        relaxed = -relax[:, None] * photo[None, :] * _IS_ACTION_UNIT[None, :]
        coefficients = np.where(PROTOTYPE_MASK[ids], topped_up, np.where(KEEP_MASK[ids], 0.0, relaxed))
        closing = relaxation(strength * RELAXED_AT / LIPS_CLOSED_AT)
        coefficients[:, _LIP_PRESS] += CLOSED_LIPS_MASK[ids] * closing * parted
        out += timeline.weights[:, k, None] * coefficients
    return out
