"""The render worker: frames arrive through signals, a newer request cancels the one running,
errors become messages; the export job reports, succeeds and cancels."""

from __future__ import annotations

import pytest

from emospeaker_studio.app.workers import ExportJob, ExportRequest, PreviewRequest, RenderWorker
from emospeaker_studio.core.errors import InputError
from emospeaker_studio.core.keyframes import Keyframe
from emospeaker_studio.core.project import ExportFormat, Project
from emospeaker_studio.engine.jobs import Progress


@pytest.fixture
def project(media):
    portrait, audio = media
    return Project(portrait=str(portrait), audio=str(audio))


@pytest.fixture
def worker(fake_backend):
    worker = RenderWorker(fake_backend)
    yield worker
    fake_backend.gate.set()
    worker.stop()


def test_worker_delivers_frames_as_images(qtbot, worker, project, fake_backend):
    got = []
    worker.frameReady.connect(lambda gen, index, image: got.append((gen, index, image.pixelColor(0, 0).red())))
    with qtbot.waitSignal(worker.idle, timeout=5000):
        worker.submit(PreviewRequest(project, (0, 5, 7), generation=3))
    assert got == [(3, 0, 0), (3, 5, 5), (3, 7, 7)]
    assert fake_backend.prepare_calls == 1


def test_newer_request_cancels_the_running_one(qtbot, worker, project, fake_backend):
    fake_backend.hold_at = 2
    got = []
    worker.frameReady.connect(lambda gen, index, image: got.append((gen, index)))
    worker.submit(PreviewRequest(project, tuple(range(50)), generation=1))
    assert fake_backend.reached.wait(5)  # frame 2 is being rendered
    with qtbot.waitSignal(worker.idle, timeout=5000):
        worker.submit(PreviewRequest(project, (40,), generation=2))
        fake_backend.gate.set()
    old = [i for g, i in got if g == 1]
    assert old == [0, 1, 2]  # the token was checked before frame 3: nothing more of the old request
    assert (2, 40) in got


def test_emotion_edit_reanimates_without_preparing_again(qtbot, worker, project, fake_backend):
    with qtbot.waitSignal(worker.idle, timeout=5000):
        worker.submit(PreviewRequest(project, (0,)))
    edited = project.with_(emotions=(Keyframe.new(0.5, "happy"),))
    with qtbot.waitSignal(worker.frameReady, timeout=5000):
        worker.submit(PreviewRequest(edited, (0,)))
    assert (fake_backend.prepare_calls, fake_backend.reanimate_calls) == (1, 1)


def test_engine_error_becomes_a_message(qtbot, worker, project, fake_backend):
    def broken(*args, **kwargs):
        raise InputError("no face found in face.png; choose a photo with a clearly visible face")

    fake_backend.prepare = broken
    with qtbot.waitSignal(worker.failed, timeout=5000) as blocker:
        worker.submit(PreviewRequest(project, (0,)))
    assert "no face found" in blocker.args[0]
    # The worker survives and serves the next request.
    del fake_backend.prepare
    with qtbot.waitSignal(worker.frameReady, timeout=5000):
        worker.submit(PreviewRequest(project.with_(face_index=1), (0,)))


def test_export_job_reports_progress_and_cancels(qtbot, project, tmp_path):
    def fake_render(project, out_path, *, device, fmt, progress, cancel):
        for done in range(1000):
            cancel.raise_if_cancelled()
            progress(Progress("encode", done, 1000))
            if done == 10:
                job.cancel()
        raise AssertionError("cancel was not honoured")

    job = ExportJob(ExportRequest(project, str(tmp_path / "out.mp4"), ExportFormat.MP4), render=fake_render)
    progress = []
    job.progress.connect(progress.append)
    with qtbot.waitSignal(job.cancelled, timeout=5000):
        job.start()
    job.wait(5000)
    assert progress and progress[0].done == 0


def test_export_job_failure_is_a_message(qtbot, project, tmp_path):
    def failing(*args, **kwargs):
        raise RuntimeError("encoder crashed")

    job = ExportJob(ExportRequest(project, str(tmp_path / "out.mp4"), ExportFormat.MP4), render=failing)
    with qtbot.waitSignal(job.failed, timeout=5000) as blocker:
        job.start()
    job.wait(5000)
    assert "encoder crashed" in blocker.args[0]


def test_a_drag_step_waits_for_the_running_one_and_the_newest_replaces_the_pending(qtbot, worker, project, fake_backend):
    """Steps of a key-point drag (interactive requests) do not cancel the re-fit running: each one
    that starts is shown, and the newest step replaces those still waiting."""
    import threading

    fake_backend.prepare_gate = threading.Event()
    got = []
    worker.frameReady.connect(lambda gen, index, image: got.append(gen))

    def step(dx, generation):
        worker.submit(PreviewRequest(project.with_(landmark_offsets=((61, dx, 0.0),)), (0,), generation=generation, interactive=True))

    step(1.0, 1)
    assert fake_backend.preparing.wait(5)
    step(2.0, 2)
    step(3.0, 3)
    with qtbot.waitSignal(worker.idle, timeout=5000):
        fake_backend.prepare_gate.set()
    assert got == [1, 3]
    assert fake_backend.prepared_offsets == [((61, 1.0, 0.0),), ((61, 3.0, 0.0),)]


def test_an_ordinary_request_still_cancels_a_running_drag_step(qtbot, worker, project, fake_backend):
    import threading

    fake_backend.prepare_gate = threading.Event()
    got = []
    worker.frameReady.connect(lambda gen, index, image: got.append(gen))
    worker.submit(PreviewRequest(project.with_(landmark_offsets=((61, 1.0, 0.0),)), (0,), generation=1, interactive=True))
    assert fake_backend.preparing.wait(5)
    worker.submit(PreviewRequest(project, (0,), generation=2))
    with qtbot.waitSignal(worker.idle, timeout=5000):
        fake_backend.prepare_gate.set()
    assert got == [2]
