"""Playback: the picture follows the audio clock and shows every frame when renders are fast."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from studio_fakes import FakeSoundCard

from emospeaker_studio.app.playback import PlaybackClock
from emospeaker_studio.engine.playback_audio import PlaybackAudio

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
        clock.on_audio_position(sound + jitter)
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
    clock.on_audio_position(5.0)
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


def _voice(seconds: float = 30.0) -> PlaybackAudio:
    return PlaybackAudio("voice.wav", np.zeros(int(seconds * 1000), np.int16), 1000)


def _sound_clock(card: FakeSoundCard, seconds: float = 30.0) -> PlaybackClock:
    clock = PlaybackClock(output=card)
    clock.set_duration(seconds)
    clock.set_audio(_voice(seconds))
    return clock


def test_the_picture_waits_for_the_sound_card_to_start_then_stays_with_it(qtbot):
    """The sound starts 150 ms after Space (a slow device): the picture does not run ahead of
    the voice meanwhile, and then follows the sound card's clock, 3 % slower than the machine's,
    within a frame, without skipping a frame."""
    card = FakeSoundCard(latency_s=0.15, speed_error=-0.03)
    clock = _sound_clock(card)
    ticks: list[tuple[float, int]] = []
    gaps: list[float] = []

    def on_position(seconds: float) -> None:
        ticks.append((time.perf_counter(), int(math.floor(seconds * FPS + 1e-6))))
        sound = card.position()
        if sound is not None:
            gaps.append(abs(seconds - sound))

    clock.seek(2.0)
    clock.positionChanged.connect(on_position)
    clock.play()
    assert card.starts == [(2.0, 1.0)]
    qtbot.wait(100)
    assert clock.position == 2.0, "the picture ran before the sound"
    qtbot.waitUntil(lambda: clock.position > 5.0, timeout=10000)
    clock.pause()
    assert not card.active
    assert 0.1 <= clock.last_sound_start_s < 0.3
    assert max(gaps) < 1.0 / FPS, f"the picture was {max(gaps) * 1000:.0f} ms from the sound"
    assert not _clock_jumps(ticks), f"the clock jumped over frames: {_clock_jumps(ticks)}"


def test_backwards_and_double_speed_play_the_voice_that_way_and_a_seek_restarts_it(qtbot):
    card = FakeSoundCard(latency_s=0.02)
    clock = _sound_clock(card)
    clock.seek(10.0)
    clock.play(-1.0)
    assert card.starts[-1] == (10.0, -1.0)
    qtbot.waitUntil(lambda: clock.position < 9.5, timeout=5000)
    assert abs(clock.position - card.position()) < 1.0 / FPS
    clock.seek(20.0)
    assert card.starts[-1] == (20.0, -1.0)
    clock.play(2.0)
    assert card.starts[-1][1] == 2.0
    qtbot.waitUntil(lambda: clock.position > card.starts[-1][0] + 1.0, timeout=5000)
    assert abs(clock.position - card.position()) < 2.0 / FPS
    clock.pause()
    assert not card.active and card.feeds > 0


def test_a_new_voice_while_playing_plays_from_the_playhead(qtbot):
    card = FakeSoundCard(latency_s=0.0)
    clock = _sound_clock(card)
    clock.play()
    qtbot.waitUntil(lambda: clock.position > 0.3, timeout=5000)
    other = _voice(20.0)
    clock.set_audio(other)
    assert card.audio is other and card.active
    assert card.starts[-1][0] == pytest.approx(clock.position, abs=0.05)
    clock.set_audio(None)
    assert not card.active
    at = clock.position
    qtbot.waitUntil(lambda: clock.position > at + 0.2, timeout=5000)  # the picture plays on, silently
    clock.pause()


def test_without_an_output_device_playback_is_silent_and_says_why(qtbot):
    card = FakeSoundCard(available=False)
    clock = _sound_clock(card)
    with qtbot.waitSignal(clock.soundUnavailable, timeout=1000) as signal:
        clock.play()
    assert "no audio output device" in signal.args[0]
    qtbot.waitUntil(lambda: clock.position > 0.3, timeout=5000)
    clock.pause()


def test_a_sound_card_that_fails_mid_play_leaves_the_picture_playing_and_says_so(qtbot):
    card = FakeSoundCard(latency_s=0.0)
    clock = _sound_clock(card)
    clock.play()
    qtbot.waitUntil(lambda: clock.position > 0.3, timeout=5000)
    with qtbot.waitSignal(clock.soundUnavailable, timeout=1000) as signal:
        card.active = False  # a headset unplugged: the sink stopped with an error
        card.unavailable_reason = "the sound output stopped"
    assert signal.args == ["the sound output stopped"]
    at = clock.position
    qtbot.waitUntil(lambda: clock.position > at + 0.3, timeout=5000)
    clock.pause()
