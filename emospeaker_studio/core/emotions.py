"""The eight emotions (MEAD's set) and the names users may type for them."""

from __future__ import annotations

from enum import Enum

from emospeaker_studio.core.errors import UserError


class Emotion(str, Enum):
    NEUTRAL = "neutral"
    HAPPY = "happy"
    SAD = "sad"
    ANGRY = "angry"
    SURPRISED = "surprised"
    FEARFUL = "fearful"
    DISGUSTED = "disgusted"
    CONTEMPTUOUS = "contemptuous"

    @property
    def label(self) -> str:
        return self.value.capitalize()


_ALIASES: dict[str, Emotion] = {
    "happiness": Emotion.HAPPY,
    "joy": Emotion.HAPPY,
    "smile": Emotion.HAPPY,
    "sadness": Emotion.SAD,
    "anger": Emotion.ANGRY,
    "mad": Emotion.ANGRY,
    "surprise": Emotion.SURPRISED,
    "fear": Emotion.FEARFUL,
    "afraid": Emotion.FEARFUL,
    "scared": Emotion.FEARFUL,
    "disgust": Emotion.DISGUSTED,
    "contempt": Emotion.CONTEMPTUOUS,
    "calm": Emotion.NEUTRAL,
    "none": Emotion.NEUTRAL,
}


def parse_emotion(text: str) -> Emotion:
    """Map a user's word (any case, common aliases) to an :class:`Emotion`.

    Raises :class:`UserError` naming the accepted words.
    """
    key = text.strip().lower()
    for emotion in Emotion:
        if key == emotion.value:
            return emotion
    if key in _ALIASES:
        return _ALIASES[key]
    names = ", ".join(e.value for e in Emotion)
    raise UserError(f"unknown emotion {text.strip()!r}; use one of: {names}")
