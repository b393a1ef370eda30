"""Emotion coefficients are relative to the photo's own expression."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from emospeaker_studio.core.emotions import Emotion
from emospeaker_studio.engine.animation.emotion_matrix import MAX_ACTIVATION, emotion_vector
from emospeaker_studio.engine.animation.emotion_timeline import EmotionTimeline
from emospeaker_studio.engine.animation.photo_relative import LIPS_CLOSED_AT, RELAXED_AT, relative_expression, relaxation
from emospeaker_studio.engine.controls import FACE_CONTROLS

SMILING_PHOTO = {"AU12": 0.6, "AU06": 0.3, "jaw_open": 0.2}


def coefficients(emotion, intensity, photo, expressiveness=1.0):
    row = relative_expression(EmotionTimeline.constant(emotion, intensity, 1), photo, expressiveness)[0]
    return dict(zip(FACE_CONTROLS, row))


@pytest.mark.parametrize("intensity", [0.33, 0.66, 1.0])
def test_sad_on_a_smiling_photo_pulls_the_corners_down_past_rest(intensity):
    c = coefficients(Emotion.SAD, intensity, SMILING_PHOTO)
    assert c["AU12"] == pytest.approx(-relaxation(intensity) * 0.6)
    assert c["AU06"] == pytest.approx(-relaxation(intensity) * 0.3)
    # At least as much of the smile goes as the proportional rule would take.
    assert c["AU12"] <= -intensity * 0.6 + 1e-12
    assert c["AU15"] > 0.2


def test_happy_on_a_smiling_photo_adds_only_what_is_missing():
    for intensity in np.linspace(0.0, 1.0, 21):
        c = coefficients(Emotion.HAPPY, intensity, SMILING_PHOTO)
        wanted = emotion_vector(Emotion.HAPPY, intensity)["AU12"]
        assert c["AU12"] == pytest.approx(max(0.0, wanted - 0.6))
    assert coefficients(Emotion.HAPPY, 1.0, SMILING_PHOTO)["AU12"] > 0.2


@pytest.mark.parametrize("intensity", [0.0, 0.5, 1.0])
def test_neutral_keeps_the_photo_as_it_is(intensity):
    assert not np.any(list(coefficients(Emotion.NEUTRAL, intensity, SMILING_PHOTO).values()))


def test_a_neutral_photo_gets_the_matrix_values():
    c = coefficients(Emotion.FEARFUL, 0.7, {})
    assert c == pytest.approx(emotion_vector(Emotion.FEARFUL, 0.7))


def test_expressiveness_scales_the_emotion():
    calm = coefficients(Emotion.ANGRY, 0.6, {}, expressiveness=0.5)
    normal = coefficients(Emotion.ANGRY, 0.6, {}, expressiveness=1.0)
    vivid = coefficients(Emotion.ANGRY, 0.6, {}, expressiveness=1.5)
    assert calm["AU04"] < normal["AU04"] < vivid["AU04"] <= MAX_ACTIVATION
    assert not any(coefficients(Emotion.ANGRY, 0.6, SMILING_PHOTO, expressiveness=0.0).values())


@pytest.mark.parametrize("emotion", [Emotion.SAD, Emotion.ANGRY, Emotion.CONTEMPTUOUS])
def test_closed_mouth_emotions_close_a_parted_photo(emotion):
    # Bared teeth read as a grin; these displays have the lips together.
    # The teeth go with the smile, on its curve but sooner: gone by moderate intensity.
    quarter = coefficients(emotion, 0.25, SMILING_PHOTO)["lip_press"]
    assert quarter == pytest.approx(relaxation(0.25 * RELAXED_AT / LIPS_CLOSED_AT))
    assert relaxation(0.25) < quarter < 1.0
    assert coefficients(emotion, LIPS_CLOSED_AT, SMILING_PHOTO)["lip_press"] == pytest.approx(1.0)
    assert coefficients(emotion, 1.0, SMILING_PHOTO)["lip_press"] == pytest.approx(1.0)
    assert coefficients(emotion, 1.0, {"jaw_open": 0.01})["lip_press"] == pytest.approx(0.2)
    assert coefficients(emotion, 1.0, {})["lip_press"] == 0.0


@pytest.mark.parametrize("emotion", [Emotion.HAPPY, Emotion.SURPRISED, Emotion.FEARFUL, Emotion.DISGUSTED])
def test_open_mouth_emotions_leave_the_photo_lips_parted(emotion):
    assert coefficients(emotion, 1.0, SMILING_PHOTO)["lip_press"] == 0.0


def test_the_photo_lip_gap_is_never_pulled_shut_by_the_jaw():
    # The jaw coefficient only ever opens for an emotion; closing is lip_press's job.
    assert coefficients(Emotion.SAD, 1.0, SMILING_PHOTO)["jaw_open"] == 0.0
    # An emotion that drops the jaw only adds the opening the photo lacks
    # (the control spans the 1 - 0.2 left above the photo's gap).
    assert coefficients(Emotion.SURPRISED, 1.0, SMILING_PHOTO)["jaw_open"] == pytest.approx(
        (emotion_vector(Emotion.SURPRISED, 1.0)["jaw_open"] - 0.2) / 0.8
    )


@pytest.mark.parametrize("emotion", [Emotion.HAPPY, Emotion.SAD])
def test_a_photo_slightly_below_neutral_changes_nothing_at_zero_intensity(emotion):
    photo = {"AU12": -0.2, "AU01": -0.1}
    assert not any(coefficients(emotion, 0.0, photo).values())
    assert coefficients(Emotion.HAPPY, 0.5, photo)["AU12"] == pytest.approx(emotion_vector(Emotion.HAPPY, 0.5)["AU12"])
    assert coefficients(Emotion.SAD, 1.0, photo)["AU12"] == 0.0


def test_happy_keeps_a_lopsided_smile_that_sad_relaxes():
    photo = {"AU12": 0.6, "AU12R": 0.2}
    assert coefficients(Emotion.HAPPY, 0.8, photo)["AU12R"] == 0.0
    assert coefficients(Emotion.SAD, 0.5, photo)["AU12R"] == pytest.approx(-relaxation(0.5) * 0.2)


INTENSITY_GRID = np.linspace(0.0, 1.0, 1001)


def test_relaxation_saturates_early_and_smoothly():
    r = relaxation(INTENSITY_GRID)
    assert r[0] == 0.0  # zero intensity reproduces the photo
    assert float(relaxation(0.5)) >= 0.85  # "mildly angry" has let go of most of the smile
    assert np.all(r[INTENSITY_GRID >= RELAXED_AT] == 1.0)
    assert np.all(np.diff(r) >= 0.0)
    assert np.all(r >= INTENSITY_GRID - 1e-12)  # never slower than proportional
    # Continuous: no step between neighbouring intensities (a steepest slope of 1.6 / 0.7).
    assert np.max(np.diff(r)) <= 2.5 * (INTENSITY_GRID[1] - INTENSITY_GRID[0])


@pytest.mark.parametrize("emotion", [e for e in Emotion if e is not Emotion.HAPPY])
def test_relaxing_a_smiling_photo_is_continuous_and_monotone_in_intensity(emotion):
    # The timeline interpolates intensity between keyframes: the smile must
    # fade and the lips close without jumps or reversals.
    timeline = EmotionTimeline.constant(emotion, 0.0, len(INTENSITY_GRID))
    intensities = timeline.intensities.copy()
    intensities[:, 0] = INTENSITY_GRID
    timeline = dataclasses.replace(timeline, intensities=intensities)
    rows = relative_expression(timeline, SMILING_PHOTO, 1.0)
    c = dict(zip(FACE_CONTROLS, rows.T))
    assert np.all(np.diff(c["AU12"]) <= 1e-12) and np.all(np.diff(c["AU06"]) <= 1e-12)
    assert np.all(np.diff(c["lip_press"]) >= -1e-12)
    assert np.max(np.abs(np.diff(rows, axis=0))) <= 0.01  # per 0.001 intensity: no step


@pytest.mark.parametrize("emotion", list(Emotion))
def test_zero_intensity_on_a_smiling_photo_changes_nothing(emotion):
    assert not any(coefficients(emotion, 0.0, SMILING_PHOTO).values())
