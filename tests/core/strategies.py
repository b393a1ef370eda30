"""Hypothesis strategies for core objects, shared by the core tests."""

from __future__ import annotations

from hypothesis import strategies as st

from emospeaker_studio.core.easing import PRESETS, Easing, EasingKind
from emospeaker_studio.core.emotions import Emotion
from emospeaker_studio.core.keyframes import EmotionTrack, Keyframe

emotions = st.sampled_from(list(Emotion))
intensities = st.floats(0.0, 1.0, allow_nan=False)
preset_easings = st.sampled_from([Easing(kind) for kind in EasingKind if kind is not EasingKind.CUSTOM])
custom_easings = st.builds(
    Easing.custom,
    st.floats(0.0, 1.0),
    st.floats(-2.0, 3.0),
    st.floats(0.0, 1.0),
    st.floats(-2.0, 3.0),
)
easings = st.one_of(preset_easings, custom_easings, st.sampled_from(list(PRESETS.values())))


@st.composite
def tracks(draw, easing=easings, min_size: int = 0, max_size: int = 8, min_gap: float = 0.05) -> EmotionTrack:
    """A valid track: keyframes at least ``min_gap`` seconds apart."""
    n = draw(st.integers(min_size, max_size))
    gaps = draw(st.lists(st.floats(min_gap, 3.0), min_size=n, max_size=n))
    start = draw(st.floats(0.0, 2.0))
    time = start
    keyframes = []
    for i, gap in enumerate(gaps):
        if i:
            time += gap
        keyframes.append(Keyframe(f"k{i}", time, draw(emotions), draw(intensities), draw(easing)))
    return EmotionTrack(tuple(keyframes))
