"""Seeded randomness that depends only on (seed, stream, time).

Each random behaviour (blinks, gaze, sway) draws from its own stream, so a
change to one never shifts the others, and slow noise is a function of the
frame's time, so any frame can be computed without the ones before it.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Stream(IntEnum):
    BLINKS = 1
    GAZE = 2
    SWAY_PITCH = 3
    SWAY_YAW = 4
    SWAY_ROLL = 5
    GAZE_DRIFT_X = 6
    GAZE_DRIFT_Y = 7


def rng(seed: int, stream: Stream) -> np.random.Generator:
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, int(stream)])


def slow_noise(times_s: np.ndarray, seed: int, stream: Stream, *, low_hz: float, high_hz: float) -> np.ndarray:
    """Smooth noise in about -1..1: a sum of four sinusoids with seeded frequencies and phases."""
    generator = rng(seed, stream)
    freqs = generator.uniform(low_hz, high_hz, size=4)
    phases = generator.uniform(0.0, 2.0 * np.pi, size=4)
    amplitudes = generator.uniform(0.5, 1.0, size=4)
    amplitudes /= amplitudes.sum()
    t = np.asarray(times_s, np.float64)[:, None]
    return (amplitudes * np.sin(2.0 * np.pi * freqs * t + phases)).sum(axis=1)
