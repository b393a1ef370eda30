"""The preview's engine in a child process: the same frames as in-process, cancels, errors and a lost child."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from emospeaker_studio import paths
from emospeaker_studio.core.errors import Cancelled, UserError
from emospeaker_studio.core.keyframes import EmotionTrack, Keyframe
from emospeaker_studio.core.projectfile import load_project
from emospeaker_studio.engine import pipeline
from emospeaker_studio.engine.device import TorchJob, torch_threads
from emospeaker_studio.engine.jobs import CancelToken
from emospeaker_studio.engine.preview_process import PreviewProcess, PreviewProcessLost

DEMO = paths.resources_dir() / "demo.esproj"
pytestmark = pytest.mark.skipif(not DEMO.is_file(), reason="the demo project is not in resources/")


@pytest.fixture(scope="module")
def project():
    demo = load_project(DEMO)
    return demo.with_(output=demo.output.with_(height=128))


@pytest.fixture
def engine():
    process = PreviewProcess()
    yield process
    process.close()
    assert process.pid is None


def _prepare(engine, project, progress=None, cancel=None):
    return engine.prepare(project, "cpu", progress or (lambda p: None), cancel or CancelToken())


def test_frames_from_the_child_are_the_frames_rendered_here_and_an_edit_reanimates(engine, project):
    steps = []
    prepared = _prepare(engine, project, steps.append)
    assert engine.pid is not None and engine.pid != os.getpid()
    assert steps and steps[-1].fraction == 1.0  # the preparation's progress reached the window's side
    assert prepared.torch_threads == torch_threads(TorchJob.PREVIEW, "cpu")
    here = pipeline.prepare(project, device="cpu")
    assert (prepared.frame_count, prepared.fps, prepared.size) == (here.frame_count, here.fps, here.size)
    assert np.array_equal(prepared.fit.landmarks, here.fit.landmarks)
    for index in (0, 90, prepared.frame_count - 1):
        child_frame = engine.render(prepared, index, index + 1)
        assert np.abs(child_frame.astype(int) - here.render_frames(index, index + 1)).max() <= 1

    angry = project.with_(emotions=EmotionTrack((Keyframe.new(0.0, "angry", 1.0),)))
    reanimated = engine.reanimate(prepared, angry, CancelToken())
    expected = here.with_project(angry).render_frames(60, 61)
    assert np.abs(engine.render(reanimated, 60, 61).astype(int) - expected).max() <= 1
    assert not np.array_equal(expected, here.render_frames(60, 61))
    # The earlier preparation is not the child's any more: asking for it says so.
    with pytest.raises(PreviewProcessLost):
        engine.render(prepared, 0, 1)


def test_a_users_mistake_is_its_message_and_a_cancel_stops_the_preparation(engine, project, tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        _prepare(engine, project.with_(portrait=str(tmp_path / "gone.jpg")))
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        _prepare(engine, project, cancel=cancel)
    prepared = _prepare(engine, project)  # the child serves on
    assert engine.render(prepared, 0, 1).shape == (1, 128, prepared.size[0], 3)


def test_a_child_that_dies_is_reported_and_the_next_preparation_starts_a_new_one(engine, project):
    prepared = _prepare(engine, project)
    first = engine.pid
    os.kill(first, signal.SIGKILL)
    with pytest.raises(PreviewProcessLost):
        engine.render(prepared, 0, 1)
    prepared = _prepare(engine, project)
    assert engine.pid not in (None, first)
    assert engine.render(prepared, 5, 7).shape[0] == 2


def test_a_portrait_is_fitted_alone_before_there_is_a_voice(engine, project, tmp_path):
    from PIL import Image

    fit = engine.fit_portrait(project.with_(audio=None), CancelToken())
    assert fit.landmarks.shape[0] >= 468 and fit.face_height > 100 and fit.face_count >= 1
    blank = tmp_path / "wall.png"
    Image.new("RGB", (256, 256), (200, 190, 180)).save(blank)
    with pytest.raises(UserError, match="no face found in wall.png"):
        engine.fit_portrait(project.with_(portrait=str(blank), audio=None), CancelToken())
