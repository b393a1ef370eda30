"""Speech fixtures: espeak-ng sentences with exact phone timings, as 16 kHz clips and as files."""

from __future__ import annotations

import numpy as np
import pytest

from emospeaker_studio.engine.audio import AudioClip
from emospeaker_studio.engine.speech import augment
from emospeaker_studio.engine.speech.espeak import Espeak, Phone, Utterance, VoiceSettings


@pytest.fixture(scope="session")
def espeak() -> Espeak:
    return Espeak()


def padded_clip(utterance: Utterance, pad_s: float = 0.4) -> tuple[AudioClip, tuple[Phone, ...]]:
    """The utterance at 16 kHz with silence around it, and its phones shifted to match."""
    pad = np.zeros(int(pad_s * augment.RATE), np.float32)
    samples = np.concatenate([pad, augment.to_rate(utterance.samples, utterance.sample_rate), pad])
    phones = tuple(Phone(p.symbol, p.start_s + pad_s, p.end_s + pad_s) for p in utterance.phones)
    return AudioClip.from_samples(samples, augment.RATE), phones


@pytest.fixture(scope="session")
def bilabial_sentence(espeak) -> tuple[AudioClip, tuple[Phone, ...]]:
    """Many p/b/m in a voice and language the model never trained on (Dutch, held-out variant)."""
    utterance = espeak.synthesize("Mijn broer Bob bakt maandag appelbollen, pap en pannenkoeken.",
                                  VoiceSettings("nl+m3", rate=165))
    return padded_clip(utterance)


@pytest.fixture(scope="session")
def english_sentence(espeak) -> tuple[AudioClip, tuple[Phone, ...]]:
    utterance = espeak.synthesize("Maybe the people upstairs bought a bigger map of Boston.",
                                  VoiceSettings("en-us+f3", rate=180))
    return padded_clip(utterance)
