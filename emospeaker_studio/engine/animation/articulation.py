"""Speech articulation, shaped by the emotion and combined with it.

Speech says what the mouth must do (open, round, spread, close); emotion says
how (a sad speaker barely opens the jaw, an angry one talks through tense,
thin lips with a clipped jaw, a happy one spreads the lips, a surprised one
opens wide). The rules that keep both readable:

* The emotion's own units (a smile's AU12, sad's AU15) stay on while
  talking: a smiling speaker keeps the corners up and still opens the jaw.
* Lip closures (p, b, m) always win: lip_press closes the lips whatever the
  photo or the emotion does, and the emotion's lip-parting units (AU10
  upper-lip raise, AU16 lower-lip depress, its dropped jaw) give way.
* An emotion's pressed or closed lips (AU24, the lip_press that closes a
  parted photo for sad/angry/contempt) give way while talking, leaving the
  tension (AU23): a mouth cannot press shut and articulate at once.
* lip_press is the one closure: units that also push the lips together
  (AU17's lower-lip lift, AU24) yield to it, so closed lips never overshoot
  and cross each other.
* The photo's own lip gap: in silence the mouth rests as photographed (a
  zero jaw coefficient). While talking the speech jaw opening J is absolute
  (the gap is J x SPEECH_JAW_RANGE x 0.35 face heights, engine/controls.py:
  at most the opening of a loud vowel), so with the photo
  already open by P the coefficient is ``activity * (J - P) / (1 - P)``:
  negative where speech wants the mouth more closed than the photo (the
  renderer's jaw basis is linear between the photo's gap and 0.35 face
  heights at 1). Under a lip closure the jaw term yields to lip_press,
  which closes the photo's gap by itself; both at once would close it twice.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Mapping

import numpy as np

from emospeaker_studio.core.emotions import Emotion
from emospeaker_studio.engine.animation.emotion_timeline import EmotionTimeline
from emospeaker_studio.engine.animation.photo_relative import relative_jaw
from emospeaker_studio.engine.animation.speech_frames import SpeechFrames
from emospeaker_studio.engine.controls import FACE_CONTROLS

_INDEX = {name: i for i, name in enumerate(FACE_CONTROLS)}

# The absolute jaw_open (a fraction of the control's 0.35 face heights) that the
# speech's fullest opening reaches: about 0.12 face heights between the lips, the
# most a person opens for a loud, open vowel. Speech at 1 on the full control
# range would be a shout (0.35 face heights), and every emotion would turn into
# the same huge dark mouth on open vowels.
SPEECH_JAW_RANGE = 0.36
# The widest absolute jaw_open while talking, an emotion's dropped jaw (surprise)
# included: about 0.21 face heights between the lips.
MAX_TALKING_JAW = 0.6


@dataclass(frozen=True)
class ArticulationStyle:
    """How an emotion at full strength changes articulation (neutral = the defaults)."""

    jaw_gain: float = 1.0  # multiplies the speech jaw opening
    jaw_cap: float = 1.0  # the widest the jaw opens for speech
    round_gain: float = 1.0  # multiplies lip rounding (oo, w)
    spread_gain: float = 1.0  # multiplies the speech's lip spread (ee)
    spread_add: float = 0.0  # extra lip spread while voiced (talking through a smile)
    tension: float = 0.0  # AU23 lip tightening while voiced (tense, thin lips)
    jaw_hold: float = 0.5  # how much of the emotion's own dropped jaw stays while talking


NEUTRAL_STYLE = ArticulationStyle()

ARTICULATION_STYLES: Mapping[Emotion, ArticulationStyle] = {
    Emotion.NEUTRAL: NEUTRAL_STYLE,
    # Smiling lips resist rounding and stay spread; the cheeks stay up (AU6 is
    # not touched by speech).
    Emotion.HAPPY: ArticulationStyle(round_gain=0.7, spread_add=0.3),
    # Low energy: small jaw, lazy lips that barely spread, so the corners stay
    # down and the lips close to each other instead of baring the teeth.
    Emotion.SAD: ArticulationStyle(jaw_gain=0.6, jaw_cap=0.45, round_gain=0.8, spread_gain=0.35),
    # Clenched: talking through the teeth, the jaw barely opens and the lips are
    # thin and tense, little spread. A freer jaw shows the teeth between thin
    # lips, which reads as disgust's sneer rather than anger.
    Emotion.ANGRY: ArticulationStyle(jaw_gain=0.55, jaw_cap=0.35, tension=0.45, spread_gain=0.5),
    # Big, open articulation: the jaw drops further, the lips round freely, and
    # the dropped jaw of surprise stays between the syllables.
    Emotion.SURPRISED: ArticulationStyle(jaw_gain=1.3, round_gain=1.1, spread_gain=0.7, jaw_hold=0.85),
    # The open, stretched mouth of fear (its jaw, AU16 and AU20) stays between
    # the syllables; speech spreads the lips less, because a spread "ee" on
    # stretched lips lifts the corners into a grin.
    Emotion.FEARFUL: ArticulationStyle(spread_gain=0.5, tension=0.1, jaw_hold=0.7),
    # Reluctant mouth: a small jaw under the raised upper lip, little rounding.
    Emotion.DISGUSTED: ArticulationStyle(jaw_gain=0.7, jaw_cap=0.6, round_gain=0.7, spread_gain=0.8),
    Emotion.CONTEMPTUOUS: ArticulationStyle(jaw_gain=0.8, round_gain=0.9, spread_gain=0.8),
}

# Emotion units that part the lips; a closure overrides them.
LIP_PARTING_UNITS: tuple[str, ...] = ("AU10", "AU16", "jaw_open")
# Emotion units that press the lips shut; talking overrides them.
LIP_PRESSING_UNITS: tuple[str, ...] = ("AU24", "lip_press")
# Units that close the lips too; lip_press's closure replaces theirs.
LIP_CLOSING_UNITS: tuple[str, ...] = ("AU17", "AU24")


def blended_style(timeline: EmotionTimeline, expressiveness: float) -> dict[str, np.ndarray]:
    """Per frame, each ArticulationStyle field crossfaded by the emotion blend."""
    result = {}
    for f in fields(ArticulationStyle):
        table = {e: getattr(s, f.name) for e, s in ARTICULATION_STYLES.items()}
        result[f.name] = timeline.per_emotion_value(
            table, neutral_value=getattr(NEUTRAL_STYLE, f.name), gain=expressiveness
        )
    return result


def closure_strength(speech: SpeechFrames, lipsync_strength: float) -> np.ndarray:
    """The lip_press coefficient. Full closures survive down to half lip-sync strength,
    because a half-closed p/b/m reads as a lip-sync error, not as subtler speech."""
    return np.clip(speech.lip_press * min(1.0, 2.0 * max(0.0, lipsync_strength)), 0.0, 1.0)


def combine_speech(
    expression: np.ndarray,
    speech: SpeechFrames,
    activity: np.ndarray,
    timeline: EmotionTimeline,
    photo_expression: Mapping[str, float],
    *,
    lipsync_strength: float,
    expressiveness: float,
) -> np.ndarray:
    """Face-control coefficients (frames, FACE_CONTROLS): the emotion's plus the speech's."""
    out = np.array(expression, np.float64, copy=True)
    style = blended_style(timeline, expressiveness)
    gain = max(0.0, float(lipsync_strength))
    press = closure_strength(speech, lipsync_strength)
    photo_jaw = float(photo_expression.get("jaw_open", 0.0))

    jaw = np.minimum(speech.jaw_open * gain * style["jaw_gain"], style["jaw_cap"]) * SPEECH_JAW_RANGE
    rounding = np.clip(speech.lip_round * gain * style["round_gain"], 0.0, 1.0)
    # Extra spread only on unrounded sounds: a smile does not fight an "oo".
    spread_extra = style["spread_add"] * speech.voiced * (1.0 - rounding)
    spread = np.clip(speech.lip_spread * gain * style["spread_gain"] + spread_extra, 0.0, 1.0)
    tension = style["tension"] * speech.voiced * min(1.0, gain)

    # Closures win over the emotion's parted lips; the emotion's dropped jaw
    # also yields to the speech jaw while talking (half-way, unless the
    # emotion holds it: surprise talks through a dropped jaw).
    for name in LIP_PARTING_UNITS:
        out[:, _INDEX[name]] *= 1.0 - press
    out[:, _INDEX["jaw_open"]] *= 1.0 - (1.0 - style["jaw_hold"]) * activity
    for name in LIP_PRESSING_UNITS:
        out[:, _INDEX[name]] *= 1.0 - activity * min(1.0, gain)

    talking = activity * min(1.0, gain)
    out[:, _INDEX["jaw_open"]] += (1.0 - press) * talking * relative_jaw(jaw, photo_jaw)
    # An emotion's dropped jaw and the speech's together open no wider than a
    # jaw does while talking (a photo already open wider keeps its own gap).
    widest = max(float(relative_jaw(MAX_TALKING_JAW, photo_jaw)), 0.0)
    out[:, _INDEX["jaw_open"]] = np.minimum(out[:, _INDEX["jaw_open"]], widest)
    out[:, _INDEX["lip_round"]] += rounding
    out[:, _INDEX["lip_spread"]] += spread
    out[:, _INDEX["lip_press"]] = np.maximum(out[:, _INDEX["lip_press"]], press)
    out[:, _INDEX["AU23"]] = np.minimum(out[:, _INDEX["AU23"]] + tension, 1.0)
    closure = np.clip(out[:, _INDEX["lip_press"]], 0.0, 1.0)
    for name in LIP_CLOSING_UNITS:
        out[:, _INDEX[name]] *= 1.0 - closure
    return out
