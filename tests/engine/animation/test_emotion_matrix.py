"""The emotion-intensity matrix: prototypes, monotone growth, recruitment, blending."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from animation_fakes import blend
from emospeaker_studio.core.emotions import Emotion
from emospeaker_studio.engine.animation.emotion_matrix import (
    ACTIVE_THRESHOLD,
    emotion_aus,
    emotion_vector,
    recruited_units,
)
from emospeaker_studio.engine.controls import FACE_CONTROLS

# EMFACS prototypes (DESIGN.md): the units each emotion must raise at full
# intensity, and units that would make it read as another emotion.
PROTOTYPES = {
    Emotion.HAPPY: ({"AU06", "AU12"}, {"AU15", "AU04", "AU01"}),
    Emotion.SAD: ({"AU01", "AU04", "AU15"}, {"AU12", "AU06", "AU02"}),
    Emotion.SURPRISED: ({"AU01", "AU02", "AU05", "jaw_open"}, {"AU04", "AU12", "AU15"}),
    Emotion.FEARFUL: ({"AU01", "AU02", "AU04", "AU05", "AU07", "AU20", "jaw_open"}, {"AU12", "AU06"}),
    Emotion.ANGRY: ({"AU04", "AU05", "AU07", "AU23", "AU24"}, {"AU01", "AU02", "AU12", "AU10"}),
    Emotion.DISGUSTED: ({"AU09", "AU15", "AU16", "AU10"}, {"AU12", "AU01", "AU02"}),
    Emotion.CONTEMPTUOUS: ({"AU12R", "AU14R"}, {"AU12", "AU15", "AU04"}),
}
NON_NEUTRAL = [e for e in Emotion if e is not Emotion.NEUTRAL]


@pytest.mark.parametrize("intensity", [0.0, 0.3, 1.0])
def test_neutral_asks_for_no_movement(intensity):
    assert all(v == 0.0 for v in emotion_vector(Emotion.NEUTRAL, intensity).values())


@pytest.mark.parametrize("emotion", NON_NEUTRAL)
def test_each_emotion_recruits_its_prototype_units_and_not_their_opposites(emotion):
    wanted, unwanted = PROTOTYPES[emotion]
    full = emotion_vector(emotion, 1.0)
    for unit in wanted:
        assert full[unit] >= 0.2, f"{emotion.value} lacks {unit}"
    for unit in unwanted:
        assert full[unit] == 0.0, f"{emotion.value} should not move {unit}"
    assert all(v >= 0.0 for v in full.values())


@pytest.mark.parametrize("emotion", list(Emotion))
def test_zero_intensity_is_no_movement(emotion):
    assert all(v == 0.0 for v in emotion_vector(emotion, 0.0).values())


@settings(max_examples=150, deadline=None)
@given(
    emotion=st.sampled_from(list(Emotion)),
    a=st.floats(0.0, 1.0, allow_nan=False),
    b=st.floats(0.0, 1.0, allow_nan=False),
)
def test_every_unit_is_non_decreasing_in_intensity(emotion, a, b):
    low, high = sorted((a, b))
    weak, strong = emotion_vector(emotion, low), emotion_vector(emotion, high)
    for name in FACE_CONTROLS:
        assert strong[name] >= weak[name] - 1e-12, (emotion, name, low, high)


@settings(max_examples=100, deadline=None)
@given(emotion=st.sampled_from(NON_NEUTRAL), x=st.floats(0.0, 0.99, allow_nan=False))
def test_intensity_resolves_continuously(emotion, x):
    # Interpolated, not stepped: a 1 % change in intensity moves no unit by more than 2 %.
    here, nearby = emotion_vector(emotion, x), emotion_vector(emotion, x + 0.01)
    assert max(abs(nearby[n] - here[n]) for n in FACE_CONTROLS) <= 0.02


@pytest.mark.parametrize("emotion", NON_NEUTRAL)
def test_higher_intensity_recruits_more_units(emotion):
    weak, strong = recruited_units(emotion, 0.3), recruited_units(emotion, 1.0)
    assert weak < strong  # strictly more, and every weak unit is still there


@pytest.mark.parametrize("emotion", NON_NEUTRAL)
def test_strong_is_not_the_weak_vector_scaled(emotion):
    weak = np.array(list(emotion_vector(emotion, 0.3).values()))
    strong = np.array(list(emotion_vector(emotion, 1.0).values()))
    cosine = weak @ strong / (np.linalg.norm(weak) * np.linalg.norm(strong))
    assert cosine < 0.995


def test_blend_halfway_between_two_emotions_is_intermediate():
    happy = emotion_vector(Emotion.HAPPY, 0.8)
    sad = emotion_vector(Emotion.SAD, 0.8)
    mid = emotion_aus(blend((Emotion.HAPPY, 0.5, 0.8), (Emotion.SAD, 0.5, 0.8)))
    for name in FACE_CONTROLS:
        assert min(happy[name], sad[name]) - 1e-12 <= mid[name] <= max(happy[name], sad[name]) + 1e-12
    # Both expressions are half there: the smile and the frown are each halved.
    assert mid["AU12"] == pytest.approx(0.5 * happy["AU12"])
    assert mid["AU15"] == pytest.approx(0.5 * sad["AU15"])


def test_fading_to_neutral_weakens_the_emotion():
    full = emotion_aus(blend((Emotion.ANGRY, 1.0, 1.0)))
    fading = emotion_aus(blend((Emotion.ANGRY, 0.25, 1.0), (Emotion.NEUTRAL, 0.75, 1.0)))
    assert fading["AU04"] == pytest.approx(0.25 * full["AU04"])
    assert sum(v > ACTIVE_THRESHOLD for v in fading.values()) <= sum(v > ACTIVE_THRESHOLD for v in full.values())


def test_contempt_is_one_sided():
    full = emotion_vector(Emotion.CONTEMPTUOUS, 1.0)
    assert full["AU12R"] > 0.5 and full["AU12"] == 0.0
