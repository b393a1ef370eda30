"""Playback: the picture follows the audio clock and shows every frame when renders are fast."""

from __future__ import annotations

import math
import time

import pytest
from PySide6.QtCore import QTimer

from emospeaker_studio.app.playback import PlaybackClock

FPS = 25.0


def _clock_jumps(ticks: list[tuple[float, int]]) -> list[tuple[int, int]]:
    """(from, to) frame indices where the clock skipped a frame within less than a frame of wall time.

    A skip over a longer wall-time gap is the machine pausing the GUI thread, not the clock.
    """
    return [(a, b) for (ta, a), (tb, b) in zip(ticks, ticks[1:]) if b - a >= 2 and tb - ta < 1.0 / FPS]


def test_jittery_audio_position_reports_neither_skip_nor_repeat_frames(qtbot):
    """The audio player reports its position in coarse, jittery steps (±50 ms here): the
    picture clock closes the gap gradually, so no frame is skipped and it stays within a
    frame of the sound."""
    clock = PlaybackClock(audio=False)
    clock.set_duration(30.0)
    ticks: list[tuple[float, int]] = []
    clock.positionChanged.connect(lambda s: ticks.append((time.perf_counter(), int(math.floor(s * FPS + 1e-6)))))
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
    assert not _clock_jumps(ticks), f"the clock jumped over frames: {_clock_jumps(ticks)}"
    indices = [i for _t, i in ticks]
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


@pytest.mark.parametrize(("render_ms", "prepare_ms"), [(0, 0), (0, 1500), (26, 0)])
def test_playing_a_clip_with_fast_renders_shows_every_frame(make_window, fake_backend, media, qtbot, render_ms, prepare_ms):
    """With renders faster than a frame (instant, or 22 ms of a 40 ms frame like the real 512 px
    render on a busy laptop), playback of a 25 fps clip shows each frame in turn, from the first
    play on (the time the preparation took is no render time)."""
    fake_backend.render_delay_s = render_ms / 1000
    fake_backend.prepare_delay_s = prepare_ms / 1000
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
    # The frames the clock stood on: a frame it jumped over (the machine paused the GUI
    # thread for longer than a frame) cannot be shown by any scheduler.
    due: set[int] = set()
    window.clock.positionChanged.connect(lambda s: due.add(controller.frame_index(s)))
    window.clock.play()
    qtbot.waitUntil(lambda: window.clock.position > 2.0, timeout=10000)
    window.clock.pause()
    assert len(due) >= 45
    missing = sorted(due - set(shown))
    assert not missing, f"frames due but never shown: {missing}"
