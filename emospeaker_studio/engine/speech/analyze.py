"""analyze_speech: audio -> coarticulated SpeechTrack at the video frame rate."""

from __future__ import annotations

import enum
import math
from pathlib import Path
from typing import Iterable

import numpy as np

from emospeaker_studio.core.errors import UserError
from emospeaker_studio.core.numbers import is_finite_number, show_number
from emospeaker_studio.core.project import FPS_RANGE
from emospeaker_studio.engine.audio import AudioClip, iter_audio_blocks
from emospeaker_studio.engine.speech.coarticulation import coarticulate
from emospeaker_studio.engine.speech.dsp import recognize_dsp
from emospeaker_studio.engine.speech.features import SAMPLE_RATE, Features, blocks_of, extract_features
from emospeaker_studio.engine.speech.frames import FrameEstimates
from emospeaker_studio.engine.speech.track import SpeechTrack


class Recognizer(str, enum.Enum):
    """Which recognizer turns features into visemes. AUTO: the shipped network, DSP if it is missing."""

    AUTO = "auto"
    NETWORK = "model"
    DSP = "dsp"


_ALIASES = {"net": Recognizer.NETWORK, "network": Recognizer.NETWORK}


def parse_recognizer(value: "Recognizer | str") -> Recognizer:
    if isinstance(value, str) and value.lower() in _ALIASES:
        return _ALIASES[value.lower()]
    try:
        return Recognizer(value.lower() if isinstance(value, str) else value)
    except ValueError:
        choices = ", ".join(r.value for r in Recognizer)
        raise UserError(f"unknown speech recognizer {value!r}; choose one of {choices}") from None


def resolve_recognizer(value: "Recognizer | str") -> Recognizer:
    """AUTO -> the best recognizer available here."""
    from emospeaker_studio.engine.speech.model import model_available

    recognizer = parse_recognizer(value)
    if recognizer is Recognizer.AUTO:
        return Recognizer.NETWORK if model_available() else Recognizer.DSP
    return recognizer


def _blocks(audio: AudioClip | Path | str) -> Iterable[np.ndarray]:
    if isinstance(audio, AudioClip):
        if audio.sample_rate != SAMPLE_RATE:
            return blocks_of(_resample(audio.samples, audio.sample_rate))
        return blocks_of(audio.samples)
    return iter_audio_blocks(Path(audio), SAMPLE_RATE, block_seconds=30.0)


def _resample(samples: np.ndarray, rate: int) -> np.ndarray:
    import soxr

    return soxr.resample(samples.astype(np.float32), rate, SAMPLE_RATE).astype(np.float32)


def recognize(features: Features, recognizer: Recognizer, device=None) -> FrameEstimates:
    """Frame estimates (100/s) from one concrete recognizer (not AUTO); the network runs on ``device``."""
    if recognizer is Recognizer.DSP:
        return recognize_dsp(features)
    if recognizer is Recognizer.NETWORK:
        from emospeaker_studio.engine.speech.model import load_model, run_model

        return run_model(load_model(), features, device=device)
    raise ValueError(f"resolve {recognizer} first")


def shape_track(estimates: FrameEstimates, features: Features, recognizer, fps: float, frames: int,
                strength: float = 1.0) -> SpeechTrack:
    """``coarticulate`` as analysis applies it: the closure decision adapts to the
    audio's noise for the network's output only (its thresholds are the network's)."""
    adaptive = recognizer is Recognizer.NETWORK
    return coarticulate(estimates, fps, frames, strength, features=features if adaptive else None)


def analyze_speech(
    audio: AudioClip | Path | str,
    fps: float = 25.0,
    *,
    recognizer: Recognizer | str = Recognizer.AUTO,
    strength: float = 1.0,
    frame_count: int | None = None,
    device=None,
) -> SpeechTrack:
    """Per-video-frame visemes and articulation of ``audio`` (a clip or a file path).

    fps: video frames per second. strength: lip-sync strength (0..1.5), scales
    the articulation. frame_count: the video's length in frames; the track is
    padded with rest or trimmed to it (default: the audio's length, rounded up).
    device: the torch device the network runs on (the renderer's); default CPU.
    """
    low, high = FPS_RANGE
    if not (is_finite_number(fps) and low <= fps <= high):
        shown = show_number(fps) if isinstance(fps, (int, float)) else repr(fps)
        raise UserError(f"frame rate {shown} is out of range; give {low:g} to {high:g} frames per second")
    if not math.isfinite(strength) or not 0.0 <= strength <= 1.5:
        raise UserError(f"lip-sync strength {strength} is out of range; use 0..1.5")
    if frame_count is not None and frame_count < 0:
        raise UserError(f"frame count {frame_count} is negative; give the video length in frames")
    chosen = resolve_recognizer(recognizer)
    features = extract_features(_blocks(audio))
    natural = int(math.ceil(features.frames / 100.0 * fps - 1e-6))
    frame_count = natural if frame_count is None else int(frame_count)
    estimates = recognize(features, chosen, device)
    # Shape the whole audio, then cut: a trimmed track is the start of the full one.
    track = shape_track(estimates, features, chosen, float(fps), max(natural, frame_count), strength)
    if track.frame_count == frame_count:
        return track
    return SpeechTrack(track.fps, track.probs[:frame_count], {k: v[:frame_count] for k, v in track.tracks.items()})
