"""The rig itself: every control has a basis, anchors hold still, bases are fitted to the face."""

from __future__ import annotations

import numpy as np

from emospeaker_studio.engine.controls import FACE_CONTROLS
from emospeaker_studio.engine.face import landmarks as lm
from emospeaker_studio.engine.face.rig import LINEAR_CONTROLS, build_rig


def test_every_face_control_has_a_basis_and_anchors_stay(astronaut):
    rig = build_rig(astronaut[1])
    assert set(FACE_CONTROLS) <= set(LINEAR_CONTROLS)
    for name in LINEAR_CONTROLS:
        basis = rig.basis(name)
        assert np.abs(basis[: lm.LANDMARK_COUNT, :2]).max() > 0.01 * rig.face_height, name
        assert np.all(basis[lm.LANDMARK_COUNT :] == 0), name


def test_lip_press_closes_exactly_the_photos_gap(astronaut):
    fit = astronaut[1]
    rig = build_rig(fit)
    pressed = fit.landmarks[:, :2] + rig.basis("lip_press")[: lm.LANDMARK_COUNT, :2]
    gap_before = np.linalg.norm(fit.landmarks[13, :2] - fit.landmarks[14, :2])
    gap_after = np.linalg.norm(pressed[13] - pressed[14])
    assert gap_before > 3 and gap_after < 0.5


def test_jaw_moves_lower_lip_more_than_chin_and_not_the_upper_lip(astronaut):
    rig = build_rig(astronaut[1])
    jaw = rig.basis("jaw_open")[:, 1]
    assert jaw[lm.LOWER_LIP_BOTTOM] > jaw[lm.CHIN] > 0.1 * rig.face_height
    assert abs(jaw[lm.UPPER_LIP_TOP]) < 1e-6 and abs(jaw[lm.NOSE_TIP]) < 1e-6


def test_one_sided_controls_move_one_side(astronaut):
    rig = build_rig(astronaut[1])
    for name in ("AU12R", "AU14R"):
        basis = np.linalg.norm(rig.basis(name)[:, :2], axis=1)
        assert basis[lm.MOUTH_CORNER_RIGHT] > 5 * max(basis[lm.MOUTH_CORNER_LEFT], 1e-3), name
