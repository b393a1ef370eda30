"""Animation: emotion keyframes + speech articulation + style -> per-frame coefficients.

``animate`` is the entry point; ``emotion_matrix`` holds the emotion-intensity
table. numpy only.
"""

from emospeaker_studio.engine.animation.animate import animate, animate_timeline
from emospeaker_studio.engine.animation.emotion_matrix import emotion_aus

__all__ = ["animate", "animate_timeline", "emotion_aus"]
