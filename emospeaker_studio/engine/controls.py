"""The animation controls shared by the animation stage and the renderer.

A frame of animation is one vector of these coefficients, in this order. The
renderer has one deformation basis per face control (fitted to the person's
face), so a frame's vertex displacement is linear in the coefficients.

Everything is relative to the portrait as photographed: a frame whose
coefficients are all zero reproduces the photo exactly. Positive values move
the face the way the control names; negative values of an action unit move
it the opposite way, which is how an emotion relaxes the photo's own
expression (a smiling photo made sad gets a negative AU12 on top of AU15).

Ranges and units:
  AU*          FACS action units, about -1..1 (1 = the strongest version a face
               makes of that unit; see FACS for each unit's meaning)
  jaw_open     0..1, 1 = wide open (about 0.35 face heights between the lips)
  lip_round    0..1, lips pushed forward and narrowed (oo, w)
  lip_spread   0..1, lips pulled wide and thin (ee)
  lip_press    0..1, lips pressed together; 1 closes them completely
               whatever the gap in the photo (p, b, m)
  blink        0..1, 1 = both eyelids fully closed
  gaze_x/y     -1..1, iris offset as a fraction of the visible eye (x to
               the image's right, y down)
  head_pitch/yaw/roll  degrees (pitch positive = nod down, yaw positive =
               turn to the image's right, roll positive = clockwise in image)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

# Action units used by the emotion matrix (EMFACS prototypes) and speech rules.
ACTION_UNITS: tuple[str, ...] = (
    "AU01",  # inner brow raiser
    "AU02",  # outer brow raiser
    "AU04",  # brow lowerer (down and together)
    "AU05",  # upper lid raiser (eyes wider)
    "AU06",  # cheek raiser (eyes narrow from below)
    "AU07",  # lid tightener
    "AU09",  # nose wrinkler
    "AU10",  # upper lip raiser
    "AU12",  # lip corner puller (up and out), both sides
    "AU12R",  # lip corner puller on the image's right side only (contempt)
    "AU14",  # dimpler (corners tightened inward)
    "AU14R",  # dimpler on the image's right side only (contempt)
    "AU15",  # lip corner depressor
    "AU16",  # lower lip depressor
    "AU17",  # chin raiser
    "AU20",  # lip stretcher (horizontal)
    "AU23",  # lip tightener (thinner lips)
    "AU24",  # lip presser
)
ARTICULATION: tuple[str, ...] = ("jaw_open", "lip_round", "lip_spread", "lip_press")
EYES: tuple[str, ...] = ("blink", "gaze_x", "gaze_y")
HEAD_POSE: tuple[str, ...] = ("head_pitch", "head_yaw", "head_roll")

# Controls with a deformation basis on the mesh (linear in the coefficient).
FACE_CONTROLS: tuple[str, ...] = ACTION_UNITS + ARTICULATION
CONTROL_NAMES: tuple[str, ...] = FACE_CONTROLS + EYES + HEAD_POSE
CONTROL_INDEX: Mapping[str, int] = {name: i for i, name in enumerate(CONTROL_NAMES)}


@dataclass(frozen=True)
class CoefficientTrack:
    """Per-frame animation coefficients: ``values[frame, CONTROL_INDEX[name]]``."""

    fps: float
    values: np.ndarray  # float32, shape (frames, len(CONTROL_NAMES))
    names: tuple[str, ...] = field(default=CONTROL_NAMES)

    def __post_init__(self) -> None:
        if self.values.ndim != 2 or self.values.shape[1] != len(self.names):
            raise ValueError(f"values must be (frames, {len(self.names)}), got {self.values.shape}")

    @property
    def frame_count(self) -> int:
        return int(self.values.shape[0])

    def column(self, name: str) -> np.ndarray:
        return self.values[:, self.names.index(name)]

    def to_json_dict(self) -> dict:
        return {
            "fps": self.fps,
            "names": list(self.names),
            "frames": [[round(float(v), 5) for v in row] for row in self.values],
        }

    @classmethod
    def from_json_dict(cls, data: Mapping) -> "CoefficientTrack":
        names: Sequence[str] = tuple(data["names"])
        values = np.asarray(data["frames"], dtype=np.float32).reshape(-1, len(names))
        return cls(fps=float(data["fps"]), values=values, names=tuple(names))
