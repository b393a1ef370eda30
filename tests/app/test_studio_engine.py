"""The Studio on the real engine: the demo project opens and renders; export writes a playable
file, and a cancelled export leaves nothing behind."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from emospeaker_studio import paths
from emospeaker_studio.core.edits import SetAudio, SetOutput

DEMO = paths.resources_dir() / "demo.esproj"
pytestmark = pytest.mark.skipif(not DEMO.is_file(), reason="the demo project is not in resources/ yet")


def _short_voice(tmp_path: Path, seconds: float = 1.2) -> Path:
    """The first ``seconds`` of the demo voice as a WAV (a short export keeps the test fast)."""
    from emospeaker_studio.engine.audio import load_audio

    clip = load_audio(paths.resources_dir() / "demo_voice.flac", sample_rate=16000)
    samples = clip.samples[: int(seconds * clip.sample_rate)]
    out = tmp_path / "voice.wav"
    with wave.open(str(out), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(clip.sample_rate)
        handle.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return out


def test_window_opens_the_demo_and_shows_a_rendered_frame(make_window, qtbot):
    window = make_window()
    assert window.open_demo()
    project = window.document.project
    assert project.portrait and project.audio and len(project.emotions) >= 2
    assert not window.document.is_dirty
    qtbot.waitUntil(lambda: window.preview.has_frame, timeout=120_000)
    info = window.preview_controller.info_
    assert info.frame_count > 100 and info.speech is not None
    assert window.timeline.speech_item.segments, "visemes are drawn on the speech lane"
    assert window.timeline.duration > 10
    image = window.preview.frame_pixmap.toImage()
    assert image.width() > 100 and len({image.pixelColor(x, image.height() // 2).name() for x in range(0, image.width(), 7)}) > 5


def _short_project_window(make_window, tmp_path):
    window = make_window()
    window.open_demo()
    window.document.push(SetAudio(str(_short_voice(tmp_path))))
    window.document.push(SetOutput(height=128, fps=12.0))
    return window


def test_export_writes_a_playable_video(make_window, qtbot, tmp_path):
    import imageio_ffmpeg

    window = _short_project_window(make_window, tmp_path)
    out = tmp_path / "export" / "take.mp4"
    out.parent.mkdir()
    progress_shown_at_the_end = []
    window.exportFinished.connect(lambda _path: progress_shown_at_the_end.append(window.job_cancel.isVisible()))
    with qtbot.waitSignal(window.exportFinished, timeout=180_000) as blocker:
        window.start_export(str(out))
        assert window.job_cancel.isVisible()
        # The window stays usable while it runs: edits still go through.
        window.seek(0.5)
    assert blocker.args == [str(out)]
    # Done is done: no progress bar or Cancel while the export's process finishes exiting.
    assert progress_shown_at_the_end == [False]
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(out))
    assert frames == pytest.approx(1.2 * 12, abs=2) and seconds == pytest.approx(1.2, abs=0.2)
    assert "Exported" in window.banner.message
    assert sorted(p.name for p in out.parent.iterdir()) == ["take.mp4"]


def test_cancelled_export_leaves_nothing(make_window, qtbot, tmp_path):
    window = _short_project_window(make_window, tmp_path)
    out = tmp_path / "export" / "take.mp4"
    out.parent.mkdir()
    with qtbot.waitSignal(window.exportFinished, timeout=180_000) as blocker:
        job = window.start_export(str(out))
        job.progress.connect(lambda p: window.cancel_export())
    assert blocker.args == [""]
    assert list(out.parent.iterdir()) == []


def test_export_runs_in_a_lower_priority_child_process_and_its_death_is_a_message(make_window, qtbot, tmp_path):
    """The export does not run in the window's process (it would hold the GIL the window needs),
    and if that process dies the window says so instead of waiting forever."""
    import os
    import signal

    window = _short_project_window(make_window, tmp_path)
    out = tmp_path / "export" / "take.mp4"
    out.parent.mkdir()
    job = window.start_export(str(out))
    with qtbot.waitSignal(job.progress, timeout=180_000):
        pass
    pid = job.process.pid
    assert pid is not None and pid != os.getpid()
    if hasattr(os, "getpriority"):
        assert os.getpriority(os.PRIO_PROCESS, pid) > os.getpriority(os.PRIO_PROCESS, 0)
    group = Path(f"/proc/{pid}/autogroup")
    if group.exists():  # Linux with autogroups: the export's own session yields to the window's
        assert group.read_text().split()[-1] == "10"
    with qtbot.waitSignal(window.exportFinished, timeout=60_000) as blocker:
        os.kill(pid, signal.SIGKILL)
    assert blocker.args == [""]
    assert "ended unexpectedly" in window.banner.message
    qtbot.waitUntil(lambda: window.actions_["export"].isEnabled(), timeout=5000)  # a new export can start
