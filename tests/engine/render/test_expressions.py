"""Each control moves the rendered face the way engine/controls.py says, measured by the face mesh."""

from __future__ import annotations

import numpy as np
import pytest
from frame_meter import FaceMeasure, frames, patch_shift, pixels_inside

from emospeaker_studio.engine.face import landmarks as lm

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rest(astronaut_renderer):
    return FaceMeasure.of(frames(astronaut_renderer, {})[0])


def measure(renderer, **values) -> FaceMeasure:
    return FaceMeasure.of(frames(renderer, values)[0])


def test_smile_pulls_the_corners_up_and_out(astronaut_renderer, rest):
    smile = measure(astronaut_renderer, AU12=1.0)
    assert smile.corners_y < rest.corners_y - 0.02
    assert smile.mouth_width > rest.mouth_width + 0.02


def test_one_sided_smile_lifts_only_the_image_right_corner(astronaut_renderer, rest):
    smirk = measure(astronaut_renderer, AU12R=1.0)
    right_lift = rest.y_of(291) - smirk.y_of(291)
    left_lift = rest.y_of(61) - smirk.y_of(61)
    assert right_lift > 0.025 and right_lift > 3 * abs(left_lift)


def test_lip_corner_depressor_pulls_the_corners_down(astronaut_renderer, rest):
    assert measure(astronaut_renderer, AU15=1.0).corners_y > rest.corners_y + 0.02


def test_brow_raisers_lift_the_brows(astronaut_renderer, rest):
    assert measure(astronaut_renderer, AU01=1.0, AU02=1.0).brows_y < rest.brows_y - 0.02


def test_brow_lowerer_brings_the_brows_down_and_together(astronaut_renderer, rest):
    still, frown_frame = frames(astronaut_renderer, {}, {"AU04": 1.0})
    frown = FaceMeasure.of(frown_frame)
    assert frown.brows_y > rest.brows_y + 0.015
    # The mesh's brow points hardly follow a sideways pull, so follow the brow hair itself,
    # at the inner brow heads' upper edge (107, 336): the frown's creases are drawn
    # between the brow heads, right beside 55/285, and a patch there matches them
    # instead of the hair.
    radius = int(0.06 * rest.face_height)
    left = patch_shift(still, frown_frame, rest.points[107], radius) / rest.face_height
    right = patch_shift(still, frown_frame, rest.points[336], radius) / rest.face_height
    assert left[0] > 0.015 and right[0] < -0.015  # inner ends towards the nose
    assert left[1] > 0.015 and right[1] > 0.015  # and down


def test_jaw_opens_monotonically_and_shows_a_mouth_not_stretched_lips(astronaut_renderer, rest):
    levels = (0.0, 0.25, 0.5, 1.0)
    rendered = frames(astronaut_renderer, *({"jaw_open": j} for j in levels))
    measures = [FaceMeasure.of(f) for f in rendered]
    # In the photo's face heights: an open jaw makes the measured face taller.
    gaps = [m.lip_gap * m.face_height / rest.face_height for m in measures]
    assert all(b > a + 0.03 for a, b in zip(gaps, gaps[1:])), gaps
    assert gaps[-1] > 0.25  # about 0.35 face heights at jaw_open = 1
    lips = pixels_inside(rendered[0], measures[0].points[[0, 37, 39, 40, 185, 61, 191, 80, 81, 82, 13]])
    for frame, m in zip(rendered[2:], measures[2:]):
        inside = pixels_inside(frame, m.inner_lip_polygon()).astype(float)
        luma = inside.mean(axis=1)
        saturation = inside.max(axis=1) - inside.min(axis=1)
        dark = luma < 80
        teeth = (luma > 150) & (saturation < 70)
        assert (dark | teeth).mean() > 0.6, "the open mouth shows stretched lip instead of an interior"
        assert np.median(luma) < 0.6 * lips.mean(axis=1).mean()


def test_blink_closes_the_eyes(astronaut, astronaut_renderer, rest):
    open_frame, closed_frame = frames(astronaut_renderer, {}, {"blink": 1.0})
    closed = FaceMeasure.of(closed_frame)
    assert closed.eye_opening() < 0.65 * rest.eye_opening()
    # Where the photo shows eye white and iris, the closed frame shows lid skin:
    # flat (no iris-on-white contrast) and coloured like the lid above the eye.
    points = astronaut[1].landmarks[:, :2]
    face_h = astronaut[1].face_height
    for side, upper in (("left", lm.EYE_LEFT_UPPER), ("right", lm.EYE_RIGHT_UPPER)):
        opening = points[list(lm.eye_polygon(side))]
        lid = points[list(upper)]
        lid_band = np.vstack([lid - [0, 0.035 * face_h], (lid - [0, 0.015 * face_h])[::-1]])
        skin = pixels_inside(open_frame, lid_band).astype(float).mean(axis=0)
        eye_open = pixels_inside(open_frame, opening).astype(float)
        eye_closed = pixels_inside(closed_frame, opening).astype(float)
        assert eye_closed.mean(axis=1).std() < 0.35 * eye_open.mean(axis=1).std(), side
        assert np.linalg.norm(eye_closed.mean(axis=0) - skin) < 0.6 * np.linalg.norm(eye_open.mean(axis=0) - skin), side


def test_lip_press_closes_the_photos_parted_lips(astronaut_renderer, rest):
    assert rest.lip_gap > 0.04  # the astronaut smiles with her teeth showing
    assert measure(astronaut_renderer, lip_press=1.0).lip_gap < 0.012


def test_gaze_moves_the_irises(astronaut_renderer, rest):
    right = measure(astronaut_renderer, gaze_x=1.0)
    left = measure(astronaut_renderer, gaze_x=-1.0)
    assert right.iris_x() > rest.iris_x() > left.iris_x()
    assert right.iris_x() - left.iris_x() > 0.015
