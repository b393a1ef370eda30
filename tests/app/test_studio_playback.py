"""Playback: the picture follows the audio clock and shows every frame when renders are fast."""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QTimer

from emospeaker_studio.app.playback import PlaybackClock

FPS = 25.0


def _frames_skipped(indices: list[int]) -> list[int]:
    seen = sorted(set(indices))
    return [i for i in range(seen[0], seen[-1] + 1) if i not in set(seen)]


def test_jittery_audio_position_reports_neither_skip_nor_repeat_frames(qtbot):
    """The audio player reports its position in coarse, jittery steps (±50 ms here): the
    picture clock closes the gap gradually, so no frame is skipped and it stays within a
    frame of the sound."""
    clock = PlaybackClock(audio=False)
    clock.set_duration(30.0)
    indices: list[int] = []
    clock.positionChanged.connect(lambda s: indices.append(int(math.floor(s * FPS + 1e-6))))
    started = time.perf_counter()
    reports = {"n": 0, "last_gap": 0.0}

    def report():
        # The sound is 10 ms behind the wall clock on average; every report is 50 ms off, alternately early and late.
        reports["n"] += 1
        sound = time.perf_counter() - started - 0.010
        jitter = 0.05 if reports["n"] % 2 else -0.05
        clock.on_player_position(int((sound + jitter) * 1000))
        reports["last_gap"] = abs(clock.position - sound)

    reporter = QTimer()
    reporter.setInterval(190)
    reporter.timeout.connect(report)
    clock.play()
    reporter.start()
    qtbot.waitUntil(lambda: clock.position > 3.0, timeout=10000)
    reporter.stop()
    clock.pause()
    assert reports["n"] >= 10
    assert not _frames_skipped(indices), f"frames skipped: {_frames_skipped(indices)}"
    assert all(b >= a for a, b in zip(indices, indices[1:])), "the picture stepped backwards"
    assert reports["last_gap"] < 1.0 / FPS


def test_a_large_gap_to_the_audio_re_anchors_at_once(qtbot):
    """A report far from the clock (the audio stalled or jumped) is followed immediately, not slewed."""
    clock = PlaybackClock(audio=False)
    clock.set_duration(30.0)
    clock.play()
    qtbot.wait(50)
    clock.on_player_position(5000)
    qtbot.wait(20)
    clock.pause()
    assert 5.0 <= clock.position < 5.2


def test_playing_a_clip_with_fast_renders_shows_every_frame(make_window, fake_backend, media, qtbot):
    """With renders faster than a frame, playback of a 25 fps clip shows each frame in turn."""
    window = make_window(fake_backend)
    portrait, audio = media
    window.import_portrait(str(portrait))
    window.import_audio(str(audio))
    controller = window.preview_controller
    qtbot.waitUntil(lambda: controller.frame_count > 0 and window.preview.has_frame, timeout=5000)
    window.seek(0.0)
    qtbot.waitUntil(lambda: controller._shown_frame == 0, timeout=5000)
    shown = [0]
    controller.frameShown.connect(lambda index, _latency: shown.append(index))
    window.clock.play()
    qtbot.waitUntil(lambda: window.clock.position > 2.0, timeout=10000)
    window.clock.pause()
    due = controller.frame_index(window.clock.position)
    assert due >= 50
    missing = [i for i in range(due + 1) if i not in set(shown)]
    assert not missing, f"frames never shown: {missing}"
