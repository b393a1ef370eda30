"""A fake render backend: instant, deterministic frames, and a gate to hold a render mid-way."""

from __future__ import annotations

import threading
import time
import wave
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from emospeaker_studio.core.errors import UserError
from emospeaker_studio.engine.playback_audio import PlaybackAudio
from emospeaker_studio.engine.speech.track import VISEMES, SpeechTrack


def write_wav(path: Path, seconds: float = 3.0, rate: int = 16000) -> None:
    t = np.arange(int(seconds * rate)) / rate
    signal = (0.3 * np.sin(2 * np.pi * 220 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 1.5 * t))).astype(np.float32)
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes((signal * 32767).astype("<i2").tobytes())


def tint_of(project) -> int:
    """The green value of the fake's frames for ``project``: it changes with the emotions and the landmark corrections."""
    corrections = sum(abs(x) + abs(y) for _i, x, y in project.landmark_offsets)
    return int(len(project.emotions) * 40 + round(corrections)) % 256


class FakeBackend:
    """Frames whose red channel is the frame index and green channel :func:`tint_of` the project;
    ``hold_at`` makes that frame's render wait on ``gate``; ``prepare_gate`` (when set) holds every
    preparation until it is set. ``prepared_offsets`` lists the landmark corrections of each preparation."""

    def __init__(self, seconds: float = 3.0, fps: float = 25.0, size=(64, 48)) -> None:
        self.seconds, self.fps, self.size = seconds, fps, size
        self.prepare_calls = 0
        self.fit_calls = 0  # fits of a portrait alone (no voice yet)
        self.reanimate_calls = 0
        self.rendered: list[int] = []
        self.hold_at: int | None = None
        self.face_count = 1
        self.landmarks = None  # (478, 3) the fit reports, when a test needs a real face's
        self.face_height = 200.0
        self.gate = threading.Event()
        self.reached = threading.Event()
        self.prepare_gate: threading.Event | None = None
        self.preparing = threading.Event()
        self.prepared_offsets: list[tuple] = []
        self.render_delay_s = 0.0  # seconds per frame: a render as slow as the real one
        self.prepare_delay_s = 0.0  # seconds per preparation (fit, speech, rig)

    def load_audio(self, audio_path: str) -> PlaybackAudio:
        rate = 16000
        t = np.arange(int(self.seconds * rate)) / rate
        return PlaybackAudio(audio_path, np.round(np.sin(2 * np.pi * 3 * t) * 20000).astype(np.int16), rate)

    def _prepared(self, project):
        frames = int(round(self.seconds * project.output.fps))
        probs = np.zeros((frames, len(VISEMES)), np.float32)
        probs[:, 0] = 1
        probs[frames // 4 : frames // 2, VISEMES.index("aa")] = 2
        speech = SpeechTrack(project.output.fps, probs, {})
        fit = self._fit(project)
        return SimpleNamespace(frame_count=frames, fps=project.output.fps, size=self.size, speech=speech, fit=fit, project=project,
                               tint=tint_of(project))

    def _fit(self, project):
        if self.face_count == 0:
            raise UserError(f"no face found in {Path(project.portrait).name}; use a photo where one face is clearly visible")
        return SimpleNamespace(landmarks=self.landmarks, face_height=self.face_height, face_count=self.face_count,
                               face_index=project.face_index)

    def fit_portrait(self, project, cancel):
        self.fit_calls += 1
        return self._fit(project)

    def prepare(self, project, device, progress, cancel, previous=None):
        self.prepare_calls += 1
        time.sleep(self.prepare_delay_s)
        if self.prepare_gate is not None:
            self.preparing.set()
            self.prepare_gate.wait(10)
        self.prepared_offsets.append(project.landmark_offsets)
        return self._prepared(project)

    def reanimate(self, prepared, project, cancel):
        self.reanimate_calls += 1
        return self._prepared(project)

    def render(self, prepared, start, stop):
        if self.hold_at is not None and start == self.hold_at:
            self.reached.set()
            self.gate.wait(10)
        if self.render_delay_s:
            time.sleep(self.render_delay_s * (stop - start))
        self.rendered.append(start)
        w, h = self.size
        frames = np.zeros((stop - start, h, w, 3), np.uint8)
        for i in range(stop - start):
            frames[i, :, :, 0] = (start + i) % 256
            frames[i, :, :, 1] = prepared.tint
        return frames


class FakeSoundCard:
    """Stands in for :class:`AudioOutput`: "plays" in real time from where it was started,
    after ``latency_s`` of silence, its clock ``speed_error`` faster (or slower, negative)
    than the machine's. ``available=False``: there is no output device."""

    def __init__(self, latency_s: float = 0.05, speed_error: float = 0.0, available: bool = True) -> None:
        self.latency_s, self.speed_error, self.available = latency_s, speed_error, available
        self.audio = None
        self.active = False
        self.unavailable_reason = None
        self.starts: list[tuple[float, float]] = []
        self.stops = 0
        self.feeds = 0
        self.volume = 1.0
        self._started_at = 0.0

    def set_audio(self, audio) -> None:
        self.stop()
        self.audio = audio

    def start(self, position_s: float, rate: float) -> bool:
        self.stop()
        if not self.available:
            self.unavailable_reason = "no audio output device was found"
            return False
        self.starts.append((position_s, rate))
        self._started_at = time.perf_counter()
        self.active = True
        return True

    def stop(self) -> None:
        if self.active:
            self.stops += 1
        self.active = False

    def feed(self) -> None:
        self.feeds += 1

    def position(self):
        """Where the sound is now (seconds into the recording); None before it starts."""
        if not self.active:
            return None
        playing_for = time.perf_counter() - self._started_at - self.latency_s
        if playing_for <= 0:
            return None
        start, rate = self.starts[-1]
        return start + rate * playing_for * (1.0 + self.speed_error)

    def set_volume(self, volume: float) -> None:
        self.volume = volume

    def shutdown(self) -> None:
        self.stop()
