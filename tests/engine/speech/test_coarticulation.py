"""Coarticulation on hand-made recognizer output: anticipation, closures, holds, rest in pauses."""

from __future__ import annotations

import numpy as np

from emospeaker_studio.engine.speech.coarticulation import LOOKBACK_S, anticipation_kernel, coarticulate
from emospeaker_studio.engine.speech.frames import FrameEstimates
from emospeaker_studio.engine.speech.phonemes import VISEME_INDEX


def _estimates(segments: list[tuple[float, float, str, tuple[float, float, float, float]]], seconds: float) -> FrameEstimates:
    """100/s frames: silence except the given (start_s, end_s, viseme, articulation) segments."""
    n = int(seconds * 100)
    probs = np.zeros((n, 15), np.float32)
    probs[:, 0] = 1
    articulation = np.zeros((n, 4), np.float32)
    speech = np.zeros(n, np.float32)
    for start, end, viseme, values in segments:
        a, b = int(round(start * 100)), int(round(end * 100))
        probs[a:b] = 0
        probs[a:b, VISEME_INDEX[viseme]] = 1
        articulation[a:b] = values
        speech[a:b] = 1
    return FrameEstimates(probs, articulation, speech)


OPEN = (1.0, 0.0, 0.3, 0.0)
CLOSED = (0.0, 0.0, 0.0, 1.0)


def test_the_mouth_opens_ahead_of_the_sound_but_not_far_ahead():
    track = coarticulate(_estimates([(1.0, 1.6, "aa", OPEN)], 2.5), 100.0, 250)
    jaw = track.tracks["jaw_open"]
    onset = np.flatnonzero(jaw > 0.05)[0] / 100.0
    half = np.flatnonzero(jaw > 0.5)[0] / 100.0
    assert 0.86 <= onset < 1.0  # starts moving up to ~120 ms before the vowel is heard
    assert 0.95 <= half <= 1.03  # and is half open around the sound's onset
    kernel = anticipation_kernel(100.0)
    now = int(round(LOOKBACK_S * 100))  # the kernel's index for "now"
    centre = (np.arange(kernel.size) - now) @ kernel  # in frames
    assert 1.0 < centre < 6.0  # the average pull is ahead, by 10-60 ms


def test_a_short_closure_still_shows_for_two_frames_with_the_jaw_shut():
    segments = [(0.5, 0.8, "aa", OPEN), (0.8, 0.83, "PP", CLOSED), (0.83, 1.2, "aa", OPEN)]
    track = coarticulate(_estimates(segments, 1.6), 25.0, 40)
    press, jaw = track.tracks["lip_press"], track.tracks["jaw_open"]
    closed = np.flatnonzero(press >= 0.99)
    assert closed.size >= 2 and np.all(np.diff(closed) == 1)
    assert jaw[closed].max() == 0.0
    assert 18 <= closed[0] <= 20  # 0.72-0.8 s: on time or slightly early, never late
    assert track.probs[closed].argmax(axis=1).tolist() == [VISEME_INDEX["PP"]] * closed.size


def test_alternating_shapes_do_not_chatter():
    # a recognizer flipping between open and closed-ish vowels every 10 ms
    segments = [(0.5 + k * 0.01, 0.51 + k * 0.01, "aa" if k % 2 else "ih",
                 (0.9, 0.0, 0.2, 0.0) if k % 2 else (0.3, 0.0, 0.9, 0.0)) for k in range(100)]
    track = coarticulate(_estimates(segments, 2.0), 25.0, 50)
    jaw = track.tracks["jaw_open"][15:35]
    assert np.abs(np.diff(jaw)).max() < 0.1


def test_pauses_ease_back_to_rest_and_bursts_are_not_speech():
    segments = [(0.3, 0.8, "aa", OPEN), (1.5, 1.53, "aa", OPEN), (2.2, 2.7, "oh", (0.7, 0.8, 0.0, 0.0))]
    track = coarticulate(_estimates(segments, 3.2), 25.0, 80)
    jaw = track.tracks["jaw_open"]
    assert jaw[28:50].max() == 0.0  # a 30 ms burst in a long pause does not move the mouth
    assert jaw[10:18].min() > 0.7 and jaw[57:66].min() > 0.5
    assert jaw[:3].max() == 0.0 and jaw[72:].max() == 0.0
    falling = jaw[19:26]
    assert np.all(np.diff(falling) <= 1e-6) and falling[0] > falling[-1]  # eased, not snapped


def test_short_gaps_between_words_keep_the_voice_on():
    segments = [(0.3, 0.8, "aa", OPEN), (0.88, 1.4, "E", (0.6, 0.0, 0.6, 0.0))]
    track = coarticulate(_estimates(segments, 1.8), 25.0, 45)
    assert track.tracks["voiced"][9:33].min() > 0.5
