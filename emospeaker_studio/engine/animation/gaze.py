"""Gaze: held mostly at the camera, with small seeded saccades and a slow drift.

Fixations last about 0.4-3 s; about half of them return to the camera, the
others land a little off it (a few percent of the eye's width). Saccades
take ~40 ms. A sad face looks down; an angry or surprised one stares, a
fearful one's eyes dart.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from emospeaker_studio.core.emotions import Emotion
from emospeaker_studio.engine.animation.noise import Stream, rng, slow_noise

AT_CAMERA_PROBABILITY = 0.5
OFFSET_SD = (0.07, 0.04)  # x, y in fractions of the visible eye
OFFSET_LIMIT = 0.18
FIXATION_MEAN_S = 1.4
FIXATION_MIN_S = 0.4
SACCADE_S = 0.04
DRIFT_AMPLITUDE = 0.015
# Downward gaze (positive y) at full strength of each emotion.
EMOTION_GAZE_DOWN: Mapping[Emotion, float] = {Emotion.SAD: 0.2}
# How far the gaze wanders from the camera at full strength, relative to
# neutral: anger and surprise hold a fixed stare, fear's eyes dart.
EMOTION_GAZE_WANDER: Mapping[Emotion, float] = {
    Emotion.ANGRY: 0.25,
    Emotion.SURPRISED: 0.5,
    Emotion.FEARFUL: 1.5,
    Emotion.SAD: 1.2,
}


def gaze_tracks(frame_count: int, fps: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(gaze_x, gaze_y) per frame before the emotion's offset."""
    x = np.zeros(frame_count)
    y = np.zeros(frame_count)
    generator = rng(seed, Stream.GAZE)
    start = 0
    target = (0.0, 0.0)
    while start < frame_count:
        duration = max(FIXATION_MIN_S, generator.gamma(2.0, FIXATION_MEAN_S / 2.0))
        end = min(frame_count, start + max(1, int(round(duration * fps))))
        x[start:end], y[start:end] = target
        start = end
        if generator.uniform() < AT_CAMERA_PROBABILITY:
            target = (0.0, 0.0)
        else:
            offset = generator.normal(0.0, OFFSET_SD)
            target = tuple(np.clip(offset, -OFFSET_LIMIT, OFFSET_LIMIT))
    # A saccade is quick but not a one-frame jump.
    radius = int(round(SACCADE_S * fps / 2))
    if radius > 0 and frame_count > 0:
        kernel = np.ones(2 * radius + 1) / (2 * radius + 1)
        x = np.convolve(np.pad(x, radius, mode="edge"), kernel, mode="valid")
        y = np.convolve(np.pad(y, radius, mode="edge"), kernel, mode="valid")
    times = np.arange(frame_count) / fps
    x = x + DRIFT_AMPLITUDE * slow_noise(times, seed, Stream.GAZE_DRIFT_X, low_hz=0.05, high_hz=0.3)
    y = y + DRIFT_AMPLITUDE * slow_noise(times, seed, Stream.GAZE_DRIFT_Y, low_hz=0.05, high_hz=0.3)
    return x, y
