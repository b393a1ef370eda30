"""Blinks: when they happen and the shape of each one.

People blink about 15-20 times a minute at irregular intervals, a bit more
while talking, less when staring in surprise or fear. Blink times come from a
renewal process in "expected blinks": each interval is a seeded gamma draw
with mean 1 (jittered, never metronomic), and the clock advances by the
current rate, so an emotion that changes mid-clip changes the rate from then
on. A blink closes in ~100 ms, is fully shut (1.0) on its peak frame, and
reopens in ~150 ms. No part of a blink overlaps a held lip closure (lips
closed, lip_press >= HELD_CLOSURE, for at least HELD_CLOSURE_MIN_S, as in
"mmm" or lips pressed in a pause): the blink waits until the lips open. The
brief closures of p, b and m inside words (60-200 ms, several a second)
do not hold blinks back; avoiding them too would starve fluent speech of
blinks.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from emospeaker_studio.core.emotions import Emotion
from emospeaker_studio.engine.animation.noise import Stream, rng

NATURAL_RATE_PER_MIN = 17.0
# Talking raises the blink rate (speakers blink at phrase boundaries).
TALKING_RATE_GAIN = 1.15
# Relative blink rate at full strength of each emotion.
EMOTION_RATE: Mapping[Emotion, float] = {
    Emotion.NEUTRAL: 1.0,
    Emotion.HAPPY: 1.0,
    Emotion.SAD: 1.2,
    Emotion.ANGRY: 0.85,  # a fixed glare
    Emotion.SURPRISED: 0.5,  # wide-eyed stare
    Emotion.FEARFUL: 0.65,
    Emotion.DISGUSTED: 1.1,
    Emotion.CONTEMPTUOUS: 0.95,
}
# Gamma shape of the intervals: coefficient of variation 1/sqrt(4) = 0.5.
INTERVAL_SHAPE = 4.0
MIN_GAP_S = 0.6  # eyes stay open at least this long between blinks
CLOSE_S = (0.08, 0.12)  # closing phase, seeded per blink
OPEN_S = (0.13, 0.18)  # opening phase
HELD_CLOSURE = 0.5  # lip_press at or above this is a lip closure
HELD_CLOSURE_MIN_S = 0.2  # a closure at least this long is held
MAX_WAIT_S = 3.0  # a blink postponed longer than this is dropped
# The blink is the one eye closure, as lip_press is the one lip closure: the
# emotion's lid units yield to it. Left on, surprise's or fear's raised upper
# lids (AU5) keep a blinking eye 60 % open, and the lower lids that a smile or a
# glare raises (AU6, AU7) would cross the closing upper lids.
LID_UNITS: tuple[str, ...] = ("AU05", "AU06", "AU07")


def blink_track(
    rate_per_min: np.ndarray,
    lip_press: np.ndarray,
    fps: float,
    seed: int,
) -> np.ndarray:
    """Per-frame blink coefficient 0..1 given the per-frame blink rate (blinks/min)."""
    frames = int(rate_per_min.shape[0])
    out = np.zeros(frames)
    generator = rng(seed, Stream.BLINKS)
    closed_lips = held_closures(lip_press, fps)
    # Prefix sums of closed-lip frames: a window check is two lookups.
    closed_before = np.concatenate([[0], np.cumsum(closed_lips)])
    per_frame = np.asarray(rate_per_min, np.float64) / 60.0 / fps

    def draw() -> tuple[float, int, int]:
        interval = generator.gamma(INTERVAL_SHAPE, 1.0 / INTERVAL_SHAPE)
        close = int(np.ceil(generator.uniform(*CLOSE_S) * fps))
        reopen = int(np.ceil(generator.uniform(*OPEN_S) * fps))
        return interval, close, reopen

    def window_free(peak: int, close: int, reopen: int) -> bool:
        lo, hi = max(0, peak - close), min(frames, peak + reopen + 1)
        return closed_before[hi] - closed_before[lo] == 0

    # The first blink comes a seeded fraction of an interval in, not at t=0.
    interval, close, reopen = draw()
    accumulated = generator.uniform(0.0, 0.7)
    earliest = 0
    i = 0
    while i < frames:
        accumulated += per_frame[i]
        if accumulated < interval or i < earliest:
            i += 1
            continue
        peak = max(i, close)
        wait_limit = peak + int(MAX_WAIT_S * fps)
        while peak < min(frames, wait_limit) and not window_free(peak, close, reopen):
            peak += 1
        if peak < min(frames, wait_limit):
            _stamp(out, peak, close, reopen)
            earliest = peak + reopen + int(np.ceil(MIN_GAP_S * fps)) + close
            i = peak + 1
        else:
            i = wait_limit
        accumulated = 0.0
        interval, close, reopen = draw()
    return out


def held_closures(lip_press: np.ndarray, fps: float) -> np.ndarray:
    """Per frame: inside a run of closed lips lasting at least HELD_CLOSURE_MIN_S."""
    closed = np.asarray(lip_press) >= HELD_CLOSURE
    held = np.zeros_like(closed)
    min_frames = max(1, int(np.ceil(HELD_CLOSURE_MIN_S * fps - 1e-9)))
    edges = np.flatnonzero(np.diff(np.concatenate([[0], closed.astype(np.int8), [0]])))
    for start, stop in zip(edges[::2], edges[1::2]):
        if stop - start >= min_frames:
            held[start:stop] = True
    return held


def _stamp(out: np.ndarray, peak: int, close: int, reopen: int) -> None:
    """A raised-cosine lid curve: 1.0 exactly on the peak frame."""
    for offset in range(-close, reopen + 1):
        frame = peak + offset
        if 0 <= frame < out.shape[0]:
            span = close if offset < 0 else reopen
            value = 0.5 * (1.0 + np.cos(np.pi * offset / (span + 1)))
            out[frame] = max(out[frame], value)


def yield_lids_to_blink(lids: np.ndarray, blink: np.ndarray) -> np.ndarray:
    """The emotion's lid units (frames, len(LID_UNITS)) with a blink's share taken out,
    so a full blink closes the eye whatever the emotion does to the lids."""
    return lids * (1.0 - np.clip(blink, 0.0, 1.0))[:, None]
