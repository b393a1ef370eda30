"""Vectorised emotion sampling equals the core's per-time emotion_at."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from emospeaker_studio.core.easing import Easing, EasingKind
from emospeaker_studio.core.emotions import Emotion
from emospeaker_studio.core.keyframes import EmotionTrack, Keyframe, emotion_at
from emospeaker_studio.engine.animation.emotion_timeline import EmotionTimeline, sample_emotion_times

EMOTIONS = list(Emotion)
EASINGS = [Easing(kind) for kind in EasingKind if kind is not EasingKind.CUSTOM] + [Easing.custom(0.3, -0.4, 0.6, 1.5)]


@st.composite
def tracks(draw) -> EmotionTrack:
    count = draw(st.integers(0, 6))
    time = draw(st.floats(0.0, 1.0))
    keyframes = []
    for i in range(count):
        keyframes.append(
            Keyframe(
                id=f"k{i}",
                time=time,
                emotion=draw(st.sampled_from(EMOTIONS)),
                intensity=draw(st.floats(0.0, 1.0)),
                easing=draw(st.sampled_from(EASINGS)),
            )
        )
        time += draw(st.floats(0.05, 2.0))
    return EmotionTrack(tuple(keyframes))


@settings(max_examples=60, deadline=None)
@given(tracks(), st.lists(st.floats(-1.0, 15.0), min_size=1, max_size=40))
def test_sampling_many_times_matches_emotion_at(track: EmotionTrack, times: list[float]) -> None:
    sampled = sample_emotion_times(track, times)
    reference = EmotionTimeline.from_blends([emotion_at(track, t) for t in times])
    np.testing.assert_allclose(sampled.amounts(), reference.amounts(), atol=1e-9)
    np.testing.assert_allclose(sampled.weights.sum(axis=1), 1.0, atol=1e-9)


def test_times_at_keyframes_and_outside_the_track() -> None:
    track = EmotionTrack(
        (
            Keyframe(id="a", time=1.0, emotion=Emotion.HAPPY, intensity=0.4, easing=Easing(EasingKind.LINEAR)),
            Keyframe(id="b", time=3.0, emotion=Emotion.SAD, intensity=1.0, easing=Easing(EasingKind.HOLD)),
        )
    )
    amounts = sample_emotion_times(track, [0.0, 1.0, 2.0, 3.0, 9.0]).amounts()
    happy, sad = EMOTIONS.index(Emotion.HAPPY), EMOTIONS.index(Emotion.SAD)
    assert amounts[0, happy] == amounts[1, happy] == 0.4  # before the first keyframe: held
    assert amounts[2, happy] == 0.2 and amounts[2, sad] == 0.5  # half way, linear
    assert amounts[3, sad] == amounts[4, sad] == 1.0  # at and after the last keyframe
