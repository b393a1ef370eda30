"""Face fit on real photos: landmarks, face choice, the photo's expression, errors, cache."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from face_images import astronaut_rgb, hopper_rgb, jpeg_with_orientation, side_by_side, write_png

from emospeaker_studio import paths
from emospeaker_studio.core.errors import InputError
from emospeaker_studio.engine.face import landmarks as lm
from emospeaker_studio.engine.face.fit import MIN_FACE_PX, FaceFit, fit_face
from emospeaker_studio.engine.face.portrait import load_portrait


@pytest.fixture(scope="module")
def astronaut_path(tmp_path_factory):
    return write_png(tmp_path_factory.mktemp("fit") / "astronaut.png", astronaut_rgb())


@pytest.fixture(scope="module")
def astronaut_fit(astronaut_path):
    return fit_face(load_portrait(astronaut_path), cache=False)


def test_landmarks_sit_on_the_face(astronaut_fit):
    points = astronaut_fit.landmarks
    assert points.shape == (478, 3) and points.dtype == np.float32
    x, y, w, h = astronaut_fit.face_box
    # The astronaut's face lies around x 175..275, y 70..180 of the 512 px photo.
    assert 160 < x < 200 and 60 < y < 90 and 80 < w < 120 and 90 < h < 130
    # Image-left eye is left of the image-right eye, mouth below the eyes, chin lowest.
    assert points[lm.IRIS_LEFT_CENTER, 0] < points[lm.IRIS_RIGHT_CENTER, 0]
    assert points[lm.IRIS_LEFT_CENTER, 1] < points[lm.UPPER_INNER_MID, 1] < points[lm.CHIN, 1]
    assert np.ptp(points[:, 2]) > 10  # real depth, in pixels
    assert astronaut_fit.face_count == 1 and astronaut_fit.face_index == 0


def test_photo_expression_reads_the_smile_and_parted_lips(astronaut_fit):
    expression = astronaut_fit.photo_expression
    assert expression["AU12"] > 0.4  # a broad smile
    assert 0.1 < expression["jaw_open"] < 0.4  # lips parted, teeth showing
    assert expression["AU15"] == 0.0


def test_closed_lips_read_as_closed(tmp_path):
    fit = fit_face(load_portrait(write_png(tmp_path / "hopper.png", hopper_rgb())), cache=False)
    assert fit.photo_expression["jaw_open"] < 0.05


def test_the_photo_smile_is_read_on_the_rigs_own_scale(tmp_path):
    """A near-neutral face the rig smiles with AU12 = 1 reads about 1 when fitted again, so
    relaxing a photo's smile by its reading takes all of it away; narrow eyes alone are no cheek raise."""
    from emospeaker_studio.engine.controls import CONTROL_INDEX, CONTROL_NAMES
    from emospeaker_studio.engine.face.expression import estimate_photo_expression
    from emospeaker_studio.engine.face.fit import detect_faces
    from emospeaker_studio.engine.render.renderer import Renderer

    portrait = load_portrait(write_png(tmp_path / "hopper.png", hopper_rgb()))
    fit = fit_face(portrait, cache=False)
    assert fit.photo_expression["AU12"] < 0.2 and fit.photo_expression["AU06"] < 0.2
    row = np.zeros((1, len(CONTROL_NAMES)), np.float32)
    row[0, CONTROL_INDEX["AU12"]] = 1.0
    smiled = Renderer(portrait, fit, height=portrait.rgb.shape[0], device="cpu").render(row)[0]
    reading = estimate_photo_expression(detect_faces(np.ascontiguousarray(smiled))[0])["AU12"]
    assert 0.7 < reading - fit.photo_expression["AU12"] < 1.3


def test_large_photo_is_fitted_in_full_resolution_pixels(tmp_path, astronaut_fit):
    big = cv2.resize(astronaut_rgb(), (2048, 2048), interpolation=cv2.INTER_CUBIC)
    fit = fit_face(load_portrait(write_png(tmp_path / "big.png", big)), cache=False)
    error = np.abs(fit.landmarks[:, :2] / 4.0 - astronaut_fit.landmarks[:, :2])
    assert np.median(error) < 1.5


def test_rotated_jpeg_is_fitted_upright(tmp_path, astronaut_fit):
    path = tmp_path / "turned.jpg"
    path.write_bytes(jpeg_with_orientation(np.ascontiguousarray(np.rot90(astronaut_rgb(), 1)), 6))
    fit = fit_face(load_portrait(path), cache=False)
    assert np.median(np.abs(fit.landmarks[:, :2] - astronaut_fit.landmarks[:, :2])) < 2.0


def test_several_faces_pick_the_largest_and_count(tmp_path):
    group = side_by_side(astronaut_rgb(), cv2.resize(hopper_rgb(), None, fx=0.7, fy=0.7), height=512)
    group = np.pad(group, ((0, 0), (0, 0), (0, 0)))
    portrait = load_portrait(write_png(tmp_path / "group.png", group))
    largest = fit_face(portrait, cache=False)
    other = fit_face(portrait, face_index=1, cache=False)
    assert largest.face_count == other.face_count == 2
    assert largest.face_box[2] * largest.face_box[3] > other.face_box[2] * other.face_box[3]
    assert (largest.face_box[0] < 512) != (other.face_box[0] < 512)  # one face in each half
    with pytest.raises(InputError, match="choose a face index from 0 to 1"):
        fit_face(portrait, face_index=2, cache=False)


def test_photo_without_a_face_says_what_to_use(tmp_path):
    from skimage import data

    with pytest.raises(InputError) as info:
        fit_face(load_portrait(write_png(tmp_path / "coffee.png", data.coffee())), cache=False)
    message = str(info.value)
    assert message.startswith("no face found in coffee.png") and f"{MIN_FACE_PX} px" in message


def test_small_face_says_the_minimum(tmp_path):
    tiny = cv2.resize(astronaut_rgb(), (300, 300), interpolation=cv2.INTER_AREA)
    with pytest.raises(InputError) as info:
        fit_face(load_portrait(write_png(tmp_path / "tiny.png", tiny)), cache=False)
    assert f"at least {MIN_FACE_PX} px" in str(info.value)


def test_face_cut_off_by_the_border_is_refused(tmp_path):
    cut = np.ascontiguousarray(astronaut_rgb()[:165, 120:400])  # the chin is below row 165
    with pytest.raises(InputError, match="cut off|no face"):
        fit_face(load_portrait(write_png(tmp_path / "cut.png", cut)), cache=False)


def test_fit_is_cached_by_image_hash_and_round_trips(astronaut_path, astronaut_fit):
    portrait = load_portrait(astronaut_path)
    first = fit_face(portrait)
    cached = paths.user_cache_dir() / "fits" / f"{portrait.sha256}.json"
    assert cached.is_file()
    assert json.loads(cached.read_text())["sha256"] == portrait.sha256
    again = fit_face(portrait)
    # A fit from the cache is the fit that was stored, to the last bit: a face renders
    # the same whether or not its fit was cached.
    np.testing.assert_array_equal(again.landmarks, first.landmarks)
    assert again.photo_expression == first.photo_expression
    np.testing.assert_array_equal(fit_face(portrait, cache=False).landmarks, first.landmarks)
    restored = FaceFit.from_json_dict(json.loads(json.dumps(first.to_json_dict())))
    np.testing.assert_allclose(restored.landmarks, first.landmarks, atol=0.01)
    assert restored.face_box == pytest.approx(first.face_box, abs=0.01)
    assert restored.photo_expression == pytest.approx(first.photo_expression)
