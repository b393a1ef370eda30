"""What a portrait will show weakly: closed eyes, a turned face, a small face (one line each)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from face_images import hopper_rgb, write_png

from emospeaker_studio.engine.face import landmarks as lm
from emospeaker_studio.engine.face.fit import fit_face
from emospeaker_studio.engine.face.expression import eye_opening
from emospeaker_studio.engine.face.limits import CLOSED_EYES, expression_limits, turn_degrees
from emospeaker_studio.engine.face.portrait import load_portrait


@pytest.fixture(scope="module")
def hopper(tmp_path_factory):
    """Grace Hopper's fit: eyes open, facing the camera, a face about 200 px tall."""
    return fit_face(load_portrait(write_png(tmp_path_factory.mktemp("limits") / "hopper.png", hopper_rgb())), cache=False)


def test_an_open_eyed_frontal_face_of_good_size_has_nothing_to_say(hopper):
    assert eye_opening(hopper.landmarks) > 2 * CLOSED_EYES
    assert turn_degrees(hopper.landmarks) < 10
    assert expression_limits(hopper.landmarks, hopper.face_height) == ()


def test_closed_eyes_are_named_with_the_emotions_they_weaken(hopper):
    points = hopper.landmarks.copy()
    for upper, lower in ((lm.EYE_LEFT_UPPER, lm.EYE_LEFT_LOWER), (lm.EYE_RIGHT_UPPER, lm.EYE_RIGHT_LOWER)):
        points[list(upper), :2] = points[list(lower), :2] - [0.0, 1.0]  # lids shut, a pixel apart
    (note,) = expression_limits(points, hopper.face_height)
    assert "eyes are closed" in note and "surprised" in note and "fearful" in note


def test_a_face_turned_far_from_the_camera_is_named_with_its_angle(hopper):
    points = hopper.landmarks.astype(np.float64)
    centre = points.mean(axis=0)
    angle = math.radians(40)
    x, z = points[:, 0] - centre[0], points[:, 2] - centre[2]
    points[:, 0] = centre[0] + x * math.cos(angle) - z * math.sin(angle)
    points[:, 2] = centre[2] + x * math.sin(angle) + z * math.cos(angle)
    (note,) = expression_limits(points, hopper.face_height)
    said = re.search(r"turned about (\d+)°", note)
    assert said and abs(int(said.group(1)) - 40) <= 2  # the photo itself is turned a degree or so


def test_a_small_face_is_named_with_its_size(hopper):
    notes = expression_limits(hopper.landmarks * 0.5, hopper.face_height * 0.5)
    assert len(notes) == 1 and f"only {hopper.face_height * 0.5:.0f} px tall" in notes[0]
