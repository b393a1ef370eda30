"""Playback: the voice plays through the sound card and its clock drives the picture.

The frame shown is ``floor(position x fps)``; when a frame is not rendered in
time it is skipped rather than delayed, so the picture never drifts from the
voice. The clock is a monotonic timer that follows the sound card: on every
tick it compares itself with the position the sound card has reached
(:class:`AudioOutput`, counted in samples) and slews towards it, a few per
cent faster or slower until they meet, which keeps every frame on screen and
the picture within a frame of the sound; only a large gap (the sound stalled)
re-anchors at once. When playing starts, the picture waits for the sound card
to start taking samples (tens of milliseconds on a real device), so the first
frames are not ahead of the voice.

The voice plays at any rate the shuttle asks for, backwards too (J), because
the Studio feeds the sound card itself. Without sound (no output device, or a
clock made with ``audio=False``) the timer alone is the clock.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer, Signal

TICK_MS = 8  # how often the picture checks the clock: well under one frame at 60 fps
#: A gap between the clock and the sound card is closed over this long...
SLEW_TIME_S = 0.6
#: ...at most this fraction faster or slower than the playback rate (inaudible, invisible).
MAX_SLEW = 0.08
#: A gap larger than this is not jitter (the sound stalled or jumped): re-anchor at once.
RESYNC_S = 0.25
#: The picture waits at most this long for the sound card to start; then it runs on the timer.
SOUND_START_WAIT_S = 1.5


class PlaybackClock(QObject):
    """Signals: ``positionChanged(seconds)`` on every tick while playing and on seek;
    ``playingChanged(bool)``; ``rateChanged(rate)`` when play() changes speed or direction;
    ``soundUnavailable(reason)`` when playing starts without sound though there is a voice.

    ``output`` is the sound card (an :class:`AudioOutput`; tests pass a fake);
    ``audio=False`` plays silently on the timer clock, without QtMultimedia at all.
    """

    positionChanged = Signal(float)
    playingChanged = Signal(bool)
    rateChanged = Signal(float)
    soundUnavailable = Signal(str)

    def __init__(self, parent: Optional[QObject] = None, *, audio: bool = True, output=None) -> None:
        super().__init__(parent)
        if output is None and audio:
            from emospeaker_studio.app.audio_output import AudioOutput

            output = AudioOutput(self)
        self._output = output
        self._position = 0.0
        self._duration = 0.0
        self._rate = 1.0  # negative plays backwards (J)
        self._playing = False
        self._loop: Optional[tuple[float, float]] = None
        self._anchor_position = 0.0
        self._anchor = QElapsedTimer()
        self._slew = 0.0  # rate added while closing a gap to the sound card
        self._slew_until_s = 0.0  # ... for this long after the anchor
        self._waiting_for_sound = False
        self._sound_playing = False  # the sound card was started and has not been stopped
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        #: The largest gap seen between the extrapolated clock and the sound card's
        #: position (seconds) after the sound started: how far the picture could drift.
        self.max_correction_s = 0.0
        #: Seconds the picture waited for the sound card at the last start of playback.
        self.last_sound_start_s = 0.0

    # -- sound ----------------------------------------------------------------
    def set_audio(self, audio) -> None:
        """Play ``audio`` (engine PlaybackAudio) with the picture; None: silent playback on the timer."""
        if self._output is None or audio is self._output.audio:
            return
        self._output.set_audio(audio)
        if self._playing:
            self._start_sound()

    def sound_position(self) -> Optional[float]:
        """Where the sound card is in the recording (seconds), None when no sound plays."""
        return self._output.position() if self._output is not None else None

    def _start_sound(self) -> None:
        output = self._output
        if output is None or output.audio is None:
            self._waiting_for_sound = self._sound_playing = False
            return
        started = output.start(self._position, self._rate)
        self._waiting_for_sound = self._sound_playing = started
        if not started and output.unavailable_reason:
            self.soundUnavailable.emit(output.unavailable_reason)

    def on_audio_position(self, reported: float) -> None:
        """The sound card's position (seconds into the recording): the clock slews towards it."""
        if not self._playing:
            return
        extrapolated = self._clock_now()
        gap = reported - extrapolated
        forward = 1.0 if self._rate > 0 else -1.0
        if gap * forward < -0.5:
            return  # a stale position (from before a seek or a restart): not a clock
        self.max_correction_s = max(self.max_correction_s, abs(gap))
        self._anchor_position = extrapolated
        self._anchor.restart()
        if abs(gap) > RESYNC_S:
            self._anchor_position, self._slew, self._slew_until_s = reported, 0.0, 0.0
            return
        # Close the gap smoothly: the picture neither skips nor repeats a frame for jitter.
        limit = MAX_SLEW * abs(self._rate)
        self._slew = max(-limit, min(limit, gap / SLEW_TIME_S))
        self._slew_until_s = gap / self._slew if self._slew else 0.0

    def _clock_now(self) -> float:
        """The extrapolated clock: the anchor plus the elapsed time at the rate, plus the slew."""
        elapsed = self._anchor.elapsed() / 1000.0
        return self._anchor_position + self._rate * elapsed + self._slew * min(elapsed, self._slew_until_s)

    def _reset_slew(self) -> None:
        self._slew, self._slew_until_s = 0.0, 0.0

    def set_volume(self, volume: float) -> None:
        if self._output is not None:
            self._output.set_volume(volume)

    # -- transport ----------------------------------------------------------------------
    @property
    def position(self) -> float:
        return self._position

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def rate(self) -> float:
        return self._rate

    def set_duration(self, seconds: float) -> None:
        self._duration = max(0.0, seconds)

    def set_loop(self, loop: Optional[tuple[float, float]]) -> None:
        self._loop = loop if loop and loop[1] - loop[0] > 0.05 else None

    def play(self, rate: float = 1.0) -> None:
        """Play at ``rate`` (2: double speed, -1: backwards), from the playhead."""
        changed = rate != self._rate
        self._rate = rate
        start, end = self._loop if self._loop else (0.0, self._duration)
        if rate > 0 and self._position >= end - 1e-3:
            self._position = start
        elif rate < 0 and self._position <= start + 1e-3:
            self._position = end
        self._anchor_position = self._position
        self._anchor.start()
        self._reset_slew()
        self._start_sound()
        self._timer.start()
        if changed:
            self.rateChanged.emit(rate)
        if not self._playing:
            self._playing = True
            self.playingChanged.emit(True)

    def pause(self) -> None:
        self._timer.stop()
        self._waiting_for_sound = self._sound_playing = False
        if self._output is not None:
            self._output.stop()
        if self._playing:
            self._playing = False
            self.playingChanged.emit(False)

    def toggle(self) -> None:
        self.pause() if self._playing else self.play()

    def seek(self, seconds: float) -> None:
        self._position = min(max(0.0, seconds), self._duration) if self._duration > 0 else max(0.0, seconds)
        self._anchor_position = self._position
        self._anchor.restart()
        self._reset_slew()
        if self._playing:
            self._start_sound()  # the sound restarts from the new place; the picture waits for it
        self.positionChanged.emit(self._position)

    def _tick(self) -> None:
        output = self._output
        if output is not None and self._sound_playing and not output.active:
            self._sound_playing = False  # the sound card failed mid-play: the timer carries on
            self._waiting_for_sound = False
            if output.unavailable_reason:
                self.soundUnavailable.emit(output.unavailable_reason)
        if output is not None and output.active:
            output.feed()
            reported = output.position()
            if self._waiting_for_sound:
                if reported is None and self._anchor.elapsed() < SOUND_START_WAIT_S * 1000:
                    return  # the sound card has not started yet: neither has the picture
                self.last_sound_start_s = self._anchor.elapsed() / 1000.0
                self._waiting_for_sound = False
                self._anchor_position = self._position if reported is None else reported
                self._anchor.restart()
            elif reported is not None:
                self.on_audio_position(reported)
        position = self._clock_now()
        start, end = self._loop if self._loop else (0.0, self._duration)
        if self._rate > 0 and position >= end:
            if self._loop:
                self.seek(start)
                return
            self._position = end
            self.positionChanged.emit(end)
            self.pause()
            return
        if self._rate < 0 and position <= start:
            if self._loop:
                self.seek(end)
                return
            self._position = start
            self.positionChanged.emit(start)
            self.pause()
            return
        if 0 < (self._position - position) * (1 if self._rate > 0 else -1) < 0.1:
            # The sound card slightly behind the extrapolation: hold still rather
            # than step the picture against the direction of play.
            position = self._position
        self._position = position
        self.positionChanged.emit(position)

    def shutdown(self) -> None:
        self.pause()
        if self._output is not None:
            self._output.shutdown()
