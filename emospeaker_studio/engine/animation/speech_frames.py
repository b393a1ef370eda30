"""The speech track's articulation resampled onto the video frames being animated."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emospeaker_studio.engine.speech.track import SpeechTrack


@dataclass(frozen=True)
class SpeechFrames:
    """Per video frame, each in 0..1 (see engine/speech/track.py)."""

    jaw_open: np.ndarray
    lip_round: np.ndarray
    lip_spread: np.ndarray
    lip_press: np.ndarray
    voiced: np.ndarray

    @property
    def frame_count(self) -> int:
        return int(self.jaw_open.shape[0])


def speech_frames(speech: SpeechTrack, fps: float, frame_count: int) -> SpeechFrames:
    """Articulation at frame times ``i / fps``; past the end of the speech is silence.

    Same rate and length: taken as is. Otherwise linearly interpolated in
    time, so a speech track analysed at another rate still lines up.
    """
    def resample(name: str) -> np.ndarray:
        values = np.asarray(speech.tracks[name], np.float64).reshape(-1)
        if values.shape[0] == frame_count and abs(speech.fps - fps) < 1e-9:
            return np.clip(values, 0.0, 1.0)
        times = np.arange(frame_count) / fps
        source_times = np.arange(values.shape[0]) / speech.fps
        if values.shape[0] == 0:
            return np.zeros(frame_count)
        resampled = np.interp(times, source_times, values, right=0.0)
        return np.clip(resampled, 0.0, 1.0)

    return SpeechFrames(
        jaw_open=resample("jaw_open"),
        lip_round=resample("lip_round"),
        lip_spread=resample("lip_spread"),
        lip_press=resample("lip_press"),
        voiced=resample("voiced"),
    )


def speaking_activity(speech: SpeechFrames, fps: float) -> np.ndarray:
    """How much the person is talking at each frame, 0 (silent) .. 1, without flicker.

    Voicing or a moving mouth counts as talking; the raw flag is widened by
    ~0.15 s and smoothed over ~0.1 s so the mouth does not snap back to the
    photo's rest pose between syllables of one phrase.
    """
    raw = np.maximum(speech.voiced, np.clip(np.maximum(speech.jaw_open, speech.lip_press) / 0.1, 0.0, 1.0))
    widened = _moving_max(raw, max(1, int(round(0.15 * fps))))
    return np.clip(_box_smooth(widened, max(1, int(round(0.1 * fps)))), 0.0, 1.0)


def _moving_max(values: np.ndarray, radius: int) -> np.ndarray:
    if values.size == 0:
        return values.copy()
    padded = np.pad(values, radius, mode="constant")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * radius + 1)
    return windows.max(axis=1)


def _box_smooth(values: np.ndarray, radius: int) -> np.ndarray:
    if values.size == 0:
        return values.copy()
    kernel = np.ones(2 * radius + 1) / (2 * radius + 1)
    return np.convolve(np.pad(values, radius, mode="edge"), kernel, mode="valid")
