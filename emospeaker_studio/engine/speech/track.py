"""SpeechTrack: per video frame, what the mouth is doing, independent of emotion."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np

# The 15 visemes of MPEG-4 / Oculus, in this order.
VISEMES: tuple[str, ...] = (
    "sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "ih", "oh", "ou",
)
TRACK_NAMES: tuple[str, ...] = ("jaw_open", "lip_round", "lip_spread", "lip_press", "voiced")


@dataclass(frozen=True)
class SpeechTrack:
    """Per-frame viseme posteriors and articulation, all at ``fps``.

    probs:  float32 (frames, 15), rows sum to 1, columns in VISEMES order
    tracks: name -> float32 (frames,), each in 0..1 (see TRACK_NAMES)
    """

    fps: float
    probs: np.ndarray
    tracks: Mapping[str, np.ndarray]
    labels: tuple[str, ...] = VISEMES

    @property
    def frame_count(self) -> int:
        return int(self.probs.shape[0])

    @classmethod
    def silent(cls, fps: float, frames: int) -> "SpeechTrack":
        probs = np.zeros((frames, len(VISEMES)), np.float32)
        probs[:, 0] = 1.0
        return cls(fps, probs, {n: np.zeros(frames, np.float32) for n in TRACK_NAMES})

    def to_json_dict(self) -> dict:
        return {
            "fps": self.fps,
            "frames": self.frame_count,
            "visemes": {
                "labels": list(self.labels),
                "probs": [[round(float(p), 4) for p in row] for row in self.probs],
            },
            "tracks": {n: [round(float(v), 4) for v in self.tracks[n]] for n in TRACK_NAMES},
        }

    @classmethod
    def from_json_dict(cls, data: Mapping) -> "SpeechTrack":
        probs = np.asarray(data["visemes"]["probs"], np.float32).reshape(-1, len(data["visemes"]["labels"]))
        tracks = {n: np.asarray(data["tracks"][n], np.float32) for n in TRACK_NAMES}
        return cls(float(data["fps"]), probs, tracks, tuple(data["visemes"]["labels"]))

    def save(self, path: Path) -> None:
        from emospeaker_studio.core.files import atomic_write_text

        atomic_write_text(Path(path), json.dumps(self.to_json_dict()))
