"""The sound card: plays the voice's PCM blocks from a position at a rate, and says where it is.

Push mode: the playback clock calls :meth:`AudioOutput.feed` on every tick
(8 ms), which tops the sink's buffer up with the next block of the engine's
:class:`PlaybackAudio`. The buffer holds BUFFER_S of sound, so the GUI thread
may stall that long before the sound breaks up.

:meth:`position` is where the sound card is in the recording: the start
position plus the rate times the audio it has consumed (``processedUSecs``,
counted in samples). That is the clock the picture follows.

Without an output device (a headless machine, no sound server) nothing is
played and :meth:`start` returns False: the clock then runs on its timer and
the window says that playback is silent.
"""

from __future__ import annotations

import logging
from typing import Optional

from PySide6.QtCore import QObject

log = logging.getLogger(__name__)

#: Seconds of sound queued ahead of the sound card: covers GUI-thread stalls.
BUFFER_S = 0.25


class AudioOutput(QObject):
    """One QAudioSink (made on first use), fed from a :class:`PlaybackAudio` (engine)."""

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self._audio = None  # engine.playback_audio.PlaybackAudio
        self._sink = None
        self._sink_key: Optional[tuple] = None  # (device id, sample rate) the sink was made for
        self._device = None  # the QIODevice the sink takes samples from
        self._volume = 1.0
        self._start_position = 0.0
        self._rate = 1.0
        self._next_sample = 0.0  # fractional sample index of the next sample to queue
        self._drained = False  # nothing left to queue in this direction
        self._queued_samples = 0
        #: Why there is no sound, when there is none (None while sound plays or nothing was tried).
        self.unavailable_reason: Optional[str] = None

    # -- what to play -------------------------------------------------------------
    def set_audio(self, audio) -> None:
        """Play ``audio`` (engine PlaybackAudio) from now on; None: nothing to play.

        The sound card is opened now, not when Space is pressed: loading the
        sound system takes the GUI thread tens of milliseconds (more on a busy
        machine), which the first frames of playback should not wait for.
        """
        self.stop()
        self._audio = audio
        if audio is not None:
            self._ensure_sink()

    @property
    def audio(self):
        return self._audio

    @property
    def active(self) -> bool:
        """True while the sound card is playing (or still has sound queued)."""
        return self._device is not None

    # -- transport ------------------------------------------------------------------
    def start(self, position_s: float, rate: float) -> bool:
        """Play from ``position_s`` at ``rate`` (negative: backwards); False when no sound can play."""
        self.stop()
        if self._audio is None or rate == 0:
            return False
        sink = self._ensure_sink()
        if sink is None:
            return False
        self._start_position, self._rate = float(position_s), float(rate)
        self._next_sample = position_s * self._audio.sample_rate
        self._queued_samples = 0
        self._drained = False
        device = sink.start()
        if device is None or sink.error() != _qt_audio().Error.NoError:
            self.unavailable_reason = "the sound output could not be opened"
            log.warning("audio sink did not start: %s", sink.error())
            sink.stop()
            return False
        self._device = device
        self.unavailable_reason = None
        self.feed()
        return True

    def stop(self) -> None:
        """Silence at once: queued sound is dropped."""
        if self._device is not None and self._sink is not None:
            self._sink.reset()  # drops what is queued; stop() would play it out first
            self._sink.stop()
        self._device = None

    def feed(self) -> None:
        """Queue as much of the next sound as the sink has room for."""
        if self._device is None or self._drained:
            return
        sink, audio = self._sink, self._audio
        qt_audio = _qt_audio()
        if sink.state() == qt_audio.State.StoppedState and sink.error() != qt_audio.Error.NoError:
            # The device went away (a headset unplugged) or failed: the clock's timer takes over.
            log.warning("audio sink stopped: %s", sink.error())
            self.unavailable_reason = "the sound output stopped"
            self._device = None
            return
        free = sink.bytesFree() // 2
        if free <= 0:
            return
        block = audio.block(self._next_sample, self._rate, free)
        if block.size == 0:
            self._drained = True
            return
        written = self._device.write(block.tobytes())
        taken = max(0, int(written)) // 2
        self._next_sample += self._rate * taken
        self._queued_samples += taken

    def position(self) -> Optional[float]:
        """Seconds into the recording that the sound card has reached, None when no sound plays.

        None until the sound card takes its first samples (a device waking up
        can take a while), and also once the sound card has played everything queued after the
        recording's end: from there on only the clock's timer counts.
        """
        if self._device is None:
            return None
        consumed = self._sink.processedUSecs() / 1e6
        if consumed <= 0:
            return None  # the sound card has not started taking samples yet
        if self._drained and consumed * self._audio.sample_rate >= self._queued_samples - 1:
            return None
        return self._start_position + self._rate * consumed

    def set_volume(self, volume: float) -> None:
        self._volume = max(0.0, min(1.0, volume))
        if self._sink is not None:
            self._sink.setVolume(self._volume)

    def shutdown(self) -> None:
        self.stop()
        self._sink = None

    # -- the device -------------------------------------------------------------------
    def _ensure_sink(self):
        """The sink for the current default output and the audio's rate; None (with a reason) if there is none."""
        from PySide6.QtMultimedia import QAudioFormat, QAudioSink, QMediaDevices

        device = QMediaDevices.defaultAudioOutput()
        if device.isNull():
            self.unavailable_reason = "no audio output device was found"
            self._sink, self._sink_key = None, None
            return None
        key = (bytes(device.id().data()), self._audio.sample_rate)
        if self._sink is not None and key == self._sink_key:
            return self._sink
        fmt = QAudioFormat()
        fmt.setSampleRate(self._audio.sample_rate)
        fmt.setChannelCount(1)
        fmt.setSampleFormat(QAudioFormat.Int16)
        if not device.isFormatSupported(fmt):
            self.unavailable_reason = f"the audio output {device.description()} cannot play {self._audio.sample_rate} Hz mono"
            return None
        sink = QAudioSink(device, fmt, self)
        sink.setBufferSize(int(BUFFER_S * self._audio.sample_rate) * 2)
        sink.setVolume(self._volume)
        self._sink, self._sink_key = sink, key
        return sink


def _qt_audio():
    from PySide6.QtMultimedia import QtAudio

    return QtAudio
