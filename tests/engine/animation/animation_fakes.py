"""Small builders shared by the animation tests: speech frames and emotion blends."""

from __future__ import annotations

import numpy as np

from emospeaker_studio.core.emotions import Emotion
from emospeaker_studio.core.keyframes import EmotionBlend, EmotionComponent
from emospeaker_studio.engine.animation.speech_frames import SpeechFrames

FPS = 25.0


def blend(*parts: tuple[Emotion, float, float]) -> EmotionBlend:
    """blend((Emotion.HAPPY, weight, intensity), ...)"""
    return EmotionBlend(tuple(EmotionComponent(e, w, i) for e, w, i in parts))


def silent_speech(frames: int) -> SpeechFrames:
    z = np.zeros(frames)
    return SpeechFrames(z, z.copy(), z.copy(), z.copy(), z.copy())


def talking_speech(frames: int, *, closure_every: int = 0, closure_frames: int = 3, seed: int = 0) -> SpeechFrames:
    """Syllables of 0.2 s with varying stress; every ``closure_every``-th syllable starts with a p/b/m closure."""
    generator = np.random.default_rng(seed)
    jaw = np.zeros(frames)
    voiced = np.zeros(frames)
    press = np.zeros(frames)
    spread = np.zeros(frames)
    rounding = np.zeros(frames)
    syllable = max(5, closure_frames + 2)
    for k, start in enumerate(range(0, frames - syllable, syllable)):
        peak = generator.uniform(0.15, 0.6)
        shape = np.sin(np.pi * (np.arange(syllable) + 0.5) / syllable)
        jaw[start : start + syllable] = peak * shape
        voiced[start : start + syllable] = 1.0
        (spread if k % 2 else rounding)[start : start + syllable] = 0.4 * shape
        if closure_every and k % closure_every == 0:
            press[start : start + closure_frames] = 1.0
            jaw[start : start + closure_frames] = 0.0
    return SpeechFrames(jaw, rounding, spread, press, voiced)
