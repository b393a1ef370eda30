"""The emotion-intensity matrix: (emotion, intensity) -> face-control activations.

The paper predicts fine-grained emotion coefficients from an emotion matrix
indexed by emotion and intensity level. Here the matrix is an explicit,
readable table: for each of the eight emotions, the activation of each facial
action unit (FACS) at five anchor intensities 0, 0.25, 0.5, 0.75 and 1.
Any intensity in 0..1 resolves by linear interpolation between anchors.

Two properties matter to a viewer and are kept by construction (and tested):

* Monotone: every row is non-decreasing across the anchors, so the movement
  grows with intensity and never reverses.
* Recruitment: a stronger emotion is not the weak one scaled up. Each row
  starts at the intensity where that unit joins the display, so at 0.25 only
  the core units of the EMFACS prototype move, and the secondary units
  (e.g. Duchenne cheeks, chin raiser, lip presser, parted lips) come in at
  0.5 or 0.75.

The core units reach most of their full activation by 0.5 (anger, fear,
contempt and disgust's corners above the straight line from 0 to 1): on a
near-neutral face, glasses hiding the brows, an emotion at half intensity
has to be named by a viewer, not just noticed. The recruitment above keeps
strong emotions distinct all the same.

Values are absolute activations on the controls' scale (1 = a strong version
of the unit; see ``engine/controls.py``). The core units keep growing past 1
up to full intensity, the apex of a posed expression: a table that flattens
at the top makes its last intensity steps invisible (the fine-grained claim
is that every one of at least 15 levels is a distinct face). How they are
made relative to the photo's own expression is ``photo_relative.py``'s job.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from emospeaker_studio.core.emotions import Emotion
from emospeaker_studio.core.keyframes import EmotionBlend
from emospeaker_studio.engine.controls import FACE_CONTROLS

# The intensities at which the table gives activations.
INTENSITY_LEVELS: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)

# The largest activation a table row or expressiveness may ask of a unit (the
# renderer's coefficient limit).
MAX_ACTIVATION = 1.5
# An action unit counts as "recruited" (visibly in play) above this activation.
ACTIVE_THRESHOLD = 0.05

Row = tuple[float, float, float, float, float]

# Emotion -> control -> activation at INTENSITY_LEVELS. Controls absent from a
# row stay at 0 for that emotion (the photo's own value is then relaxed; see
# photo_relative.py). jaw_open stands in for AU25/AU26 (lips part, jaw drops).
EMOTION_TABLE: Mapping[Emotion, Mapping[str, Row]] = {
    # Neutral asks for nothing: the face is the photo's.
    Emotion.NEUTRAL: {},
    Emotion.HAPPY: {
        # AU12 is the smile itself and leads at every level; full happiness
        # is the broadest smile the face makes.
        "AU12": (0.0, 0.35, 0.60, 0.85, 1.10),
        # AU6 (cheeks up, eyes narrowing from below) makes it a felt,
        # Duchenne smile; it joins a little after the corners.
        "AU06": (0.0, 0.10, 0.35, 0.60, 0.80),
        # A broad smile parts the lips (AU25) and drops the jaw slightly.
        "jaw_open": (0.0, 0.0, 0.0, 0.06, 0.14),
    },
    Emotion.SAD: {
        # Inner brows up (AU1) with the brows drawn together (AU4): the
        # oblique "sad brow", the most reliable sign of sadness, so it leads.
        "AU01": (0.0, 0.45, 0.70, 0.85, 1.00),
        # (AU4's basis pulls the inner brows down hard; more than this would
        # cancel AU1's lift and flatten the oblique brow.)
        "AU04": (0.0, 0.08, 0.18, 0.28, 0.38),
        # Lip corners pulled down, most of it by 0.5: on a smiling photo the
        # relaxed smile alone leaves the mouth flat, and a moderately sad
        # mouth has to turn down.
        "AU15": (0.0, 0.30, 0.60, 0.68, 0.75),
        # Chin raiser pushes the lower lip up into a pout, keeping the lips
        # together as the corners drop.
        "AU17": (0.0, 0.0, 0.20, 0.45, 0.70),
    },
    Emotion.SURPRISED: {
        # Whole brow raised (AU1 + AU2) and upper lids up (AU5).
        "AU01": (0.0, 0.33, 0.58, 0.80, 1.00),
        "AU02": (0.0, 0.33, 0.58, 0.80, 1.00),
        "AU05": (0.0, 0.15, 0.40, 0.65, 0.90),
        # The dropped jaw (AU26) is the sign of strong surprise; the lips hang
        # slack around it in an oval (a little rounding), not pulled wide,
        # which with teeth showing would read as a laugh.
        "jaw_open": (0.0, 0.0, 0.0, 0.20, 0.40),
        "lip_round": (0.0, 0.0, 0.0, 0.15, 0.30),
    },
    Emotion.FEARFUL: {
        # Brows raised and drawn together (AU1 + AU2 + AU4), the inner ends
        # highest, and eyes wide (AU5): the upper face that tells fear.
        "AU01": (0.0, 0.48, 0.80, 0.90, 1.00),
        "AU02": (0.0, 0.35, 0.65, 0.85, 1.00),
        "AU04": (0.0, 0.20, 0.40, 0.50, 0.60),
        "AU05": (0.0, 0.45, 0.80, 0.95, 1.00),
        # The mouth is what tells fear from surprise: open, stretched sideways
        # (AU20) and pulled down at the lower lip (AU16) and the corners (AU15)
        # into a wide, dark trapezoid that shows the lower teeth, where
        # surprise's dropped jaw hangs slack in an oval. The lower lip's pull
        # leads the jaw: stretched lips over a barely parted mouth read as a
        # grin or a sneer.
        "AU20": (0.0, 0.40, 0.65, 0.82, 1.00),
        "AU16": (0.0, 0.25, 0.65, 1.00, 1.30),
        "jaw_open": (0.0, 0.08, 0.22, 0.34, 0.45),
        "AU15": (0.0, 0.12, 0.30, 0.42, 0.50),
        # Tense lower lids (AU7) only for intense fear, and only a little: more,
        # under the drawn-together brows, turns the wide eyes into anger's glare.
        "AU07": (0.0, 0.0, 0.0, 0.10, 0.20),
    },
    Emotion.ANGRY: {
        # Brows down and together (AU4) lead; the lids tighten into a glare
        # (AU7) and the lips thin (AU23) and press together (AU24).
        "AU04": (0.0, 0.48, 0.86, 1.00, 1.15),
        "AU07": (0.0, 0.35, 0.70, 0.82, 0.95),
        "AU23": (0.0, 0.30, 0.56, 0.65, 0.75),
        "AU24": (0.0, 0.20, 0.52, 0.62, 0.70),
        # An upper-lid raise (AU5) for the staring eyes, so the lowered brows
        # and tight lower lids glare instead of squinting; much more reads as
        # fear, because AU5 and AU7 pull the same lids opposite ways.
        "AU05": (0.0, 0.05, 0.12, 0.18, 0.22),
        # Pressed lips turn their corners down a little (AU15 via AU24's
        # pull): on a smiling photo it pulls the corners past the relaxed
        # smile's rest, so moderate anger does not keep a hint of a smile.
        "AU15": (0.0, 0.22, 0.44, 0.47, 0.50),
        # Strong anger pushes the chin up a little under the pressed lips (AU17,
        # the 4+5+7+17+23/24 variant); more bunches the lower lip into sadness's
        # pout. The snarl variant's AU10 is left out: it bares the teeth, which
        # this rig renders as a grin.
        "AU17": (0.0, 0.0, 0.0, 0.10, 0.20),
    },
    Emotion.DISGUSTED: {
        # Nose wrinkled (AU9) and upper lip raised (AU10): the sneer.
        "AU09": (0.0, 0.35, 0.60, 0.85, 1.10),
        "AU10": (0.0, 0.20, 0.38, 0.55, 0.70),
        # Brows pulled down (AU4) as AU9 drags them: what tells disgust's
        # bared teeth from fear's raised-brow grimace.
        "AU04": (0.0, 0.10, 0.25, 0.40, 0.50),
        # Corners down (AU15), kept secondary so the mouth's downward pull
        # does not mask the nose and upper lip rising; most of it by 0.5, so
        # a sneer on a smiling photo stops smiling at moderate intensity.
        "AU15": (0.0, 0.16, 0.40, 0.42, 0.45),
        # Lower lip pushed down (AU16) and lower lids pushed up (AU7) join
        # at high intensity; AU16 stays small, or the open mouth reads as a grin.
        "AU16": (0.0, 0.0, 0.0, 0.10, 0.20),
        "AU07": (0.0, 0.0, 0.0, 0.15, 0.30),
    },
    Emotion.CONTEMPTUOUS: {
        # Contempt is the one asymmetric prototype: one corner pulled up
        # (AU12R) and tightened inward (AU14R).
        "AU12R": (0.0, 0.48, 0.82, 1.00, 1.20),
        "AU14R": (0.0, 0.35, 0.62, 0.80, 1.00),
        # Strong contempt adds a slight bilateral dimple tightening (AU14).
        "AU14": (0.0, 0.0, 0.05, 0.15, 0.30),
    },
}

EMOTIONS: tuple[Emotion, ...] = tuple(Emotion)
EMOTION_INDEX: Mapping[Emotion, int] = {e: i for i, e in enumerate(EMOTIONS)}
_CONTROL_INDEX: Mapping[str, int] = {name: i for i, name in enumerate(FACE_CONTROLS)}


def _build_matrix() -> np.ndarray:
    """Dense (emotions, levels, face controls) array of the table above."""
    matrix = np.zeros((len(EMOTIONS), len(INTENSITY_LEVELS), len(FACE_CONTROLS)), np.float64)
    for emotion, rows in EMOTION_TABLE.items():
        for control, row in rows.items():
            if len(row) != len(INTENSITY_LEVELS):
                raise ValueError(f"{emotion.value}/{control}: {len(row)} levels, need {len(INTENSITY_LEVELS)}")
            if row[0] != 0.0 or any(b < a for a, b in zip(row, row[1:])) or row[-1] > MAX_ACTIVATION:
                raise ValueError(f"{emotion.value}/{control} must start at 0, never decrease and stay within {MAX_ACTIVATION}")
            matrix[EMOTION_INDEX[emotion], :, _CONTROL_INDEX[control]] = row
    return matrix


EMOTION_MATRIX: np.ndarray = _build_matrix()
EMOTION_MATRIX.setflags(write=False)

# Which controls an emotion uses at all (at full intensity). The photo's own
# activation of any other unit is relaxed by that emotion ...
PROTOTYPE_MASK: np.ndarray = EMOTION_MATRIX[:, -1, :] > 0.0
PROTOTYPE_MASK.setflags(write=False)

# ... except units that belong to the same display without being in the
# table: a photo's lopsided smile (AU12R) is still a smile, so happy keeps it;
# the lower lids a smile raises (AU6) are part of anger's narrowed glare, so
# anger keeps them rather than opening the eyes it is narrowing.
KEPT_FROM_PHOTO: Mapping[Emotion, frozenset[str]] = {
    Emotion.HAPPY: frozenset({"AU12R"}),
    Emotion.ANGRY: frozenset({"AU06"}),
}
# Emotions whose display has the lips together. On a photo with parted lips
# (a toothy smile) they close the photo's gap in proportion to their
# strength, because bared teeth read as a grin whatever the brows do.
CLOSED_LIPS: frozenset[Emotion] = frozenset({Emotion.SAD, Emotion.ANGRY, Emotion.CONTEMPTUOUS})
CLOSED_LIPS_MASK: np.ndarray = np.array([e in CLOSED_LIPS for e in EMOTIONS])
CLOSED_LIPS_MASK.setflags(write=False)
KEEP_MASK: np.ndarray = np.array(
    [[name in KEPT_FROM_PHOTO.get(e, frozenset()) for name in FACE_CONTROLS] for e in EMOTIONS]
)
KEEP_MASK.setflags(write=False)


def emotion_vectors(emotion_ids: np.ndarray, intensities: np.ndarray) -> np.ndarray:
    """Activations (N, len(FACE_CONTROLS)) for N (emotion index, intensity 0..1) pairs.

    Piecewise-linear between the anchor levels, so non-decreasing in
    intensity for every control. Intensities outside 0..1 are clipped.
    """
    ids = np.asarray(emotion_ids, np.int64).reshape(-1)
    x = np.clip(np.asarray(intensities, np.float64).reshape(-1), 0.0, 1.0)
    levels = np.asarray(INTENSITY_LEVELS)
    upper = np.clip(np.searchsorted(levels, x, side="right"), 1, len(levels) - 1)
    lower = upper - 1
    frac = (x - levels[lower]) / (levels[upper] - levels[lower])
    low_rows = EMOTION_MATRIX[ids, lower]
    high_rows = EMOTION_MATRIX[ids, upper]
    return low_rows + frac[:, None] * (high_rows - low_rows)


def emotion_vector(emotion: Emotion, intensity: float) -> dict[str, float]:
    """One emotion at one intensity (0..1) as {control: activation}, all face controls."""
    row = emotion_vectors(np.array([EMOTION_INDEX[Emotion(emotion)]]), np.array([intensity]))[0]
    return {name: float(v) for name, v in zip(FACE_CONTROLS, row)}


def emotion_aus(blend: EmotionBlend) -> dict[str, float]:
    """The absolute activations of an emotion blend: the weighted sum of its components.

    A keyframe transition blends two emotions (weights summing to 1), so
    halfway from happy to sad both smiles and frowns at half weight; a
    transition to neutral fades the emotion out.
    """
    total = np.zeros(len(FACE_CONTROLS))
    for component in blend.components:
        vector = emotion_vectors(np.array([EMOTION_INDEX[Emotion(component.emotion)]]), np.array([component.intensity]))
        total += float(component.weight) * vector[0]
    return {name: float(v) for name, v in zip(FACE_CONTROLS, total)}


def recruited_units(emotion: Emotion, intensity: float) -> frozenset[str]:
    """The controls visibly in play (above ACTIVE_THRESHOLD) for an emotion at an intensity."""
    return frozenset(name for name, v in emotion_vector(emotion, intensity).items() if v > ACTIVE_THRESHOLD)
