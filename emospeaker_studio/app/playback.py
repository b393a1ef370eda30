"""Playback: the audio plays through QtMultimedia and its clock drives the picture.

The frame shown is ``floor(position x fps)``; when a frame is not rendered in
time it is skipped rather than delayed, so the picture never drifts from the
voice. Between the player's position reports the clock is extrapolated with
a monotonic timer. The reports are coarse (the FFmpeg backend reports once per
decoded audio block, ~186 ms of 22 kHz audio, 150-200 ms apart in wall time),
so each one is off by up to ~±40 ms: re-anchoring on every report made the
picture jump by a frame (one dropped, or one shown twice) several times a
minute. Instead the clock slews towards the reports (a few per cent faster or
slower until it meets them), which keeps every frame on screen and the
picture within a frame of the sound; only a large gap (a seek, a stall of the
audio) re-anchors at once. Without audio (or without an audio device that
advances) the monotonic timer alone is the clock.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer, QUrl, Signal

TICK_MS = 8  # how often the picture checks the clock: well under one frame at 60 fps
#: A gap between the clock and the player's report is closed over this long...
SLEW_TIME_S = 0.6
#: ...at most this fraction faster or slower than the playback rate (inaudible, invisible).
MAX_SLEW = 0.08
#: A gap larger than this is not jitter (a seek, the audio stalled): re-anchor at once.
RESYNC_S = 0.25


class PlaybackClock(QObject):
    """Signals: ``positionChanged(seconds)`` on every tick while playing and on seek;
    ``playingChanged(bool)``; ``rateChanged(rate)`` when play() changes speed or direction.

    A negative rate plays backwards on the timer clock, picture only: QMediaPlayer
    cannot play audio in reverse (negative playback rates are unsupported by its
    backends), so the player is paused meanwhile.
    """

    positionChanged = Signal(float)
    playingChanged = Signal(bool)
    rateChanged = Signal(float)

    def __init__(self, parent: Optional[QObject] = None, *, audio: bool = True) -> None:
        """``audio=False`` plays silently on the timer clock (no QtMultimedia at all)."""
        super().__init__(parent)
        self._audio_enabled = audio
        self._player_started = False
        self._position = 0.0
        self._duration = 0.0
        self._rate = 1.0  # negative plays backwards (J), silently
        self._playing = False
        self._loop: Optional[tuple[float, float]] = None
        self._anchor_position = 0.0
        self._anchor = QElapsedTimer()
        self._slew = 0.0  # rate added while closing a gap to the player's reports
        self._slew_until_s = 0.0  # ... for this long after the anchor
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._player = None
        self._audio_out = None
        self._audio_path: Optional[str] = None
        self._audio_ok = False
        #: The largest gap seen between the extrapolated clock and a position report of
        #: the audio player (seconds): how far the picture could drift before re-anchoring.
        self.max_correction_s = 0.0

    # -- audio ----------------------------------------------------------------
    def set_audio(self, path: Optional[str]) -> None:
        """Play ``path`` with the picture (None: silent playback on the timer clock)."""
        if path == self._audio_path:
            return
        self._audio_path = path
        self._audio_ok = False
        if not self._audio_enabled:
            return
        if path is None:
            if self._player is not None:
                self._player.stop()
                self._player.setSource(QUrl())
            return
        self._ensure_player()
        self._player.setSource(QUrl.fromLocalFile(path))
        self._audio_ok = True

    def _ensure_player(self) -> None:
        if self._player is not None:
            return
        # QtMultimedia is imported here: its backend start-up is not needed for the window to appear.
        from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

        self._player = QMediaPlayer(self)
        self._audio_out = QAudioOutput(self)
        self._player.setAudioOutput(self._audio_out)
        self._player.positionChanged.connect(self.on_player_position)
        self._player.errorOccurred.connect(self._on_player_error)

    def on_player_position(self, ms: int) -> None:
        """A position report of the audio player (milliseconds): the clock slews towards it."""
        if self._playing and self._rate > 0:
            extrapolated = self._clock_now()
            reported = ms / 1000.0
            if reported < extrapolated - 0.5:
                return  # the player rewound at the end of the media or reported late: not a clock
            gap = reported - extrapolated
            self.max_correction_s = max(self.max_correction_s, abs(gap))
            self._anchor_position = extrapolated
            self._anchor.restart()
            if abs(gap) > RESYNC_S:
                self._anchor_position, self._slew, self._slew_until_s = reported, 0.0, 0.0
                return
            # Close the gap smoothly: the picture neither skips nor repeats a frame for jitter.
            self._slew = max(-MAX_SLEW, min(MAX_SLEW, gap / SLEW_TIME_S)) * self._rate
            self._slew_until_s = gap / self._slew if self._slew else 0.0

    def _clock_now(self) -> float:
        """The extrapolated clock: the anchor plus the elapsed time at the rate, plus the slew."""
        elapsed = self._anchor.elapsed() / 1000.0
        return self._anchor_position + self._rate * elapsed + self._slew * min(elapsed, self._slew_until_s)

    def _reset_slew(self) -> None:
        self._slew, self._slew_until_s = 0.0, 0.0

    def _on_player_error(self, *args) -> None:
        self._audio_ok = False  # the picture keeps playing on the timer clock

    def set_volume(self, volume: float) -> None:
        if self._audio_out is not None:
            self._audio_out.setVolume(volume)

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
        changed = rate != self._rate
        self._rate = rate
        end = self._loop[1] if self._loop else self._duration
        if self._position >= end - 1e-3 and rate > 0:
            self._position = self._loop[0] if self._loop else 0.0
        self._anchor_position = self._position
        self._anchor.start()
        self._reset_slew()
        if self._audio_ok and self._player is not None and rate > 0:
            self._player.setPlaybackRate(rate)
            self._player.setPosition(int(self._position * 1000))
            self._player.play()
            self._player_started = True
        elif self._player is not None and self._player_started:
            self._player.pause()
        self._timer.start()
        if changed:
            self.rateChanged.emit(rate)
        if not self._playing:
            self._playing = True
            self.playingChanged.emit(True)

    def pause(self) -> None:
        self._timer.stop()
        if self._player is not None and self._player_started:
            self._player.pause()
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
        if self._player is not None and self._audio_ok:
            self._player.setPosition(int(self._position * 1000))
        self.positionChanged.emit(self._position)

    def _tick(self) -> None:
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
            self._position = start
            self.positionChanged.emit(start)
            self.pause()
            return
        if self._rate > 0 and 0 < self._position - position < 0.1:
            # A position report slightly behind the extrapolation: hold still
            # rather than step the picture backwards.
            position = self._position
        self._position = position
        self.positionChanged.emit(position)

    def shutdown(self) -> None:
        # Only a player that ever played is stopped: stopping one whose media is
        # still opening hung the FFmpeg backend in tests (no audio device).
        self.pause()
        if self._player is not None and self._player_started:
            self._player.stop()
