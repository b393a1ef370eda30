"""The emotion keyframes sampled once per video frame, as arrays.

``core.keyframes.emotion_at`` answers one time at a time with an
``EmotionBlend`` of one or two components (emotion, weight, intensity). The
animation stages work on whole tracks at once, so the blends are sampled here
into fixed-width arrays: per frame, ``SLOTS`` components, unused slots with
weight 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from emospeaker_studio.core.emotions import Emotion
from emospeaker_studio.core.keyframes import EmotionBlend, EmotionTrack, emotion_at
from emospeaker_studio.engine.animation.emotion_matrix import EMOTION_INDEX, EMOTIONS

# emotion_at gives at most two components (a transition between two keyframes).
SLOTS = 2


@dataclass(frozen=True)
class EmotionTimeline:
    """Per frame and slot: emotion index (into EMOTIONS), weight (slots sum to 1), intensity 0..1."""

    emotion_ids: np.ndarray  # int64 (frames, SLOTS)
    weights: np.ndarray  # float64 (frames, SLOTS)
    intensities: np.ndarray  # float64 (frames, SLOTS)

    @property
    def frame_count(self) -> int:
        return int(self.weights.shape[0])

    @classmethod
    def from_blends(cls, blends: Sequence[EmotionBlend]) -> "EmotionTimeline":
        frames = len(blends)
        ids = np.full((frames, SLOTS), EMOTION_INDEX[Emotion.NEUTRAL], np.int64)
        weights = np.zeros((frames, SLOTS))
        intensities = np.zeros((frames, SLOTS))
        for i, blend in enumerate(blends):
            components = tuple(blend.components)
            if len(components) > SLOTS:
                raise ValueError(f"an emotion blend has at most {SLOTS} components, got {len(components)}")
            for k, component in enumerate(components):
                ids[i, k] = EMOTION_INDEX[Emotion(component.emotion)]
                weights[i, k] = float(component.weight)
                intensities[i, k] = min(1.0, max(0.0, float(component.intensity)))
        # An empty blend is neutral.
        weights[weights.sum(axis=1) <= 0.0, 0] = 1.0
        return cls(ids, weights, intensities)

    @classmethod
    def constant(cls, emotion: Emotion, intensity: float, frames: int) -> "EmotionTimeline":
        ids = np.full((frames, SLOTS), EMOTION_INDEX[Emotion.NEUTRAL], np.int64)
        ids[:, 0] = EMOTION_INDEX[Emotion(emotion)]
        weights = np.zeros((frames, SLOTS))
        weights[:, 0] = 1.0
        intensities = np.zeros((frames, SLOTS))
        intensities[:, 0] = min(1.0, max(0.0, float(intensity)))
        return cls(ids, weights, intensities)

    def per_emotion_value(self, table: dict[Emotion, float], *, neutral_value: float, gain: float = 1.0) -> np.ndarray:
        """Per frame, a setting interpolated from neutral toward each emotion's value by its strength.

        Each slot contributes ``weight * (neutral + s * (table[emotion] - neutral))``
        with ``s = min(1, intensity * gain)``, so a half-strength emotion moves
        a setting halfway and a transition crossfades between two emotions'.
        """
        values = np.array([table.get(e, neutral_value) for e in EMOTIONS])
        strength = np.minimum(1.0, self.intensities * gain)
        per_slot = neutral_value + strength * (values[self.emotion_ids] - neutral_value)
        return (self.weights * per_slot).sum(axis=1)


def sample_emotion_track(track: EmotionTrack, fps: float, frame_count: int) -> EmotionTimeline:
    """Evaluate ``core.keyframes.emotion_at`` at every frame time ``i / fps``."""
    return EmotionTimeline.from_blends([emotion_at(track, i / fps) for i in range(frame_count)])
