"""A key-point correction (only ``landmark_offsets`` change) re-fits the face from the previous
preparation: the frames are those of a fresh ``prepare``, and what the moved points do not
affect is kept. Speed is measured by the benchmark (engine/bench.py), not here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from emospeaker_studio.core.keyframes import EmotionTrack, Keyframe
from emospeaker_studio.core.project import OutputSettings, Project, StyleSettings
from emospeaker_studio.engine.controls import CONTROL_INDEX
from emospeaker_studio.engine.face import landmarks as lm
from emospeaker_studio.engine.pipeline import prepare
from emospeaker_studio.paths import resources_dir

HEIGHT = 160
MOUTH_CORNER, EYE_CORNER, BROW, CHIN, NOSE_TIP = lm.MOUTH_CORNER_LEFT, 33, 70, lm.CHIN, lm.NOSE_TIP


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    voice, rate = sf.read(resources_dir() / "demo_voice.flac", dtype="float32")
    audio = tmp_path_factory.mktemp("refit") / "voice.wav"
    sf.write(audio, voice[int(0.3 * rate) : int(1.9 * rate)], rate)  # 1.6 s of speech
    return Project(
        portrait=str(resources_dir() / "demo_portrait.jpg"),
        audio=str(audio),
        output=OutputSettings(height=HEIGHT),
        style=StyleSettings(head_motion=1.0),
        emotions=EmotionTrack((Keyframe.new(0.0, "happy", 0.8), Keyframe.new(1.0, "sad", 0.6))),
    )


@pytest.fixture(scope="module")
def prepared(project):
    return prepare(project, device="cpu")


def _moved(project: Project, point: int, step: int) -> Project:
    return project.with_(landmark_offsets=((point, 1.5 * step, -1.0 * step),))


def _rows(prepared) -> np.ndarray:
    """Coefficient rows that exercise the whole renderer: speech and emotion frames, a
    blink with the head turned, and a wide-open mouth (the drawn interior)."""
    values = prepared.coefficients.values
    turned = values[20].copy()
    turned[[CONTROL_INDEX[n] for n in ("blink", "head_yaw", "head_pitch")]] = (0.95, 18.0, -8.0)
    wide = values[30].copy()
    wide[[CONTROL_INDEX[n] for n in ("jaw_open", "AU04", "AU09", "gaze_x")]] = (1.0, 0.8, 0.6, 0.5)
    return np.stack([values[0], values[12], values[len(values) - 1], turned, wide])


@pytest.mark.parametrize("point", [MOUTH_CORNER, EYE_CORNER, BROW, CHIN, NOSE_TIP])
def test_a_dragged_key_point_renders_what_a_fresh_prepare_renders(project, prepared, point):
    dragged = prepared
    for step in (1, 2, 3):  # one drag, step by step, each from the one before
        dragged = dragged.with_project(_moved(project, point, step))
    fresh = prepare(_moved(project, point, 3), device="cpu")

    np.testing.assert_array_equal(dragged.coefficients.values, fresh.coefficients.values)
    np.testing.assert_array_equal(dragged.renderer.rig.bases, fresh.renderer.rig.bases)
    rows = _rows(fresh)
    np.testing.assert_array_equal(dragged.renderer.render(rows), fresh.renderer.render(rows))
    np.testing.assert_array_equal(dragged.render_frames(5, 9), fresh.render_frames(5, 9))
    # The drag did change the face: the frames are not those of the uncorrected fit.
    assert not np.array_equal(dragged.renderer.render(rows), prepared.renderer.render(rows))


def test_releasing_the_drag_back_to_the_start_gives_the_original_frames(project, prepared):
    moved = prepared.with_project(_moved(project, EYE_CORNER, 2))
    back = moved.with_project(project)
    rows = _rows(prepared)
    np.testing.assert_array_equal(back.renderer.render(rows), prepared.renderer.render(rows))


def test_a_brow_move_keeps_everything_the_brow_does_not_affect(project, prepared):
    moved = prepared.with_project(_moved(project, BROW, 1))
    assert moved.portrait is prepared.portrait and moved.speech is prepared.speech
    # The photo's measured expression ignores this brow point: the animation is kept whole.
    assert moved.fit.photo_expression == prepared.fit.photo_expression
    assert moved.coefficients is prepared.coefficients
    renderer, rig = moved.renderer, moved.renderer.rig
    assert renderer is not prepared.renderer
    assert {"photo", "textures", "eyes", "mouth", "pose falloff"} <= renderer.reused
    assert {"anchors", "triangles"} <= rig.parts.reused
    assert rig.interpolator.reused > 0  # harmonic systems away from the brow


def test_a_mouth_corner_move_redraws_the_mouth_but_keeps_the_eyes(project, prepared):
    renderer = prepared.with_project(_moved(project, MOUTH_CORNER, 1)).renderer
    assert "eyes" in renderer.reused and "mouth" not in renderer.reused


def test_a_chin_move_resizes_the_face_so_its_layers_are_redrawn(project, prepared):
    renderer = prepared.with_project(_moved(project, CHIN, 1)).renderer
    assert renderer.reused.isdisjoint({"eyes", "mouth", "pose falloff"})  # the face height changed
    assert "photo" in renderer.reused


def test_a_new_size_or_face_is_built_afresh(project, prepared):
    bigger = prepared.with_project(project.with_(output=project.output.with_(height=HEIGHT + 32)))
    assert bigger.renderer.reused == frozenset() and bigger.renderer.rig.interpolator.reused == 0
