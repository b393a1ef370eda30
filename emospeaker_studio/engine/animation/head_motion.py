"""Head motion from the speech: nods on stressed syllables, slow sway, emotional posture.

A stressed syllable is a local peak of vocal effort (voicing times jaw
opening) that stands out from its neighbourhood; the head dips on it and
comes back over ~0.4 s, a little ahead of the sound. Between nods the head
sways slowly (seeded noise under 0.4 Hz), more while talking. The emotion
sets a posture: sad hangs the head, surprise and fear pull it back, anger
lowers the chin, disgust turns away, contempt lifts the chin and tilts. All
of it scales with ``head_motion`` (0..1) and stays within MAX_DEGREES. Angles in degrees, signs as in engine/controls.py.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from emospeaker_studio.core.emotions import Emotion
from emospeaker_studio.engine.animation.noise import Stream, slow_noise
from emospeaker_studio.engine.animation.speech_frames import SpeechFrames

MAX_DEGREES = 6.0
NOD_DEGREES = 3.0  # pitch of a full-strength nod
NOD_LEAD_S = 0.1  # the nod starts this long before the stressed syllable's peak
NOD_LENGTH_S = 0.45
STRESS_MIN_GAP_S = 0.35
STRESS_RADIUS_S = 0.25  # a stress is the highest effort within this radius
STRESS_MIN_PROMINENCE = 0.12  # above the lowest effort within the radius
SWAY_DEGREES = {"pitch": 0.8, "yaw": 2.0, "roll": 1.0}
SWAY_SILENT_FRACTION = 0.5  # sway while silent, relative to while talking
# (pitch, yaw, roll) posture at full strength, before the head-motion amount
# scales it; pitch positive = down, yaw positive = to the image's right.
EMOTION_POSTURE: Mapping[Emotion, tuple[float, float, float]] = {
    Emotion.SAD: (6.0, 0.0, 1.0),  # the head hangs, a little to one side
    Emotion.SURPRISED: (-4.0, 0.0, 0.0),  # pulled back
    Emotion.ANGRY: (3.5, 0.0, 0.0),  # chin down, glaring from under the brows
    Emotion.FEARFUL: (-3.0, 1.5, 0.0),  # pulled back and a little away
    Emotion.DISGUSTED: (-1.0, 4.0, 1.5),  # turned away from what disgusts
    Emotion.CONTEMPTUOUS: (-2.5, -1.5, -3.0),  # chin up, head tilted
}


def vocal_effort(speech: SpeechFrames, fps: float) -> np.ndarray:
    """Voicing times jaw opening, lightly smoothed (~60 ms)."""
    effort = speech.voiced * (0.3 + speech.jaw_open)
    radius = max(1, int(round(0.03 * fps)))
    kernel = np.ones(2 * radius + 1) / (2 * radius + 1)
    if effort.size == 0:
        return effort
    return np.convolve(np.pad(effort, radius, mode="edge"), kernel, mode="valid")


def stressed_frames(effort: np.ndarray, fps: float) -> list[tuple[int, float]]:
    """(frame, prominence) of each stressed syllable, at least STRESS_MIN_GAP_S apart."""
    radius = max(1, int(round(STRESS_RADIUS_S * fps)))
    if effort.size == 0:
        return []
    padded = np.pad(effort, radius, mode="constant")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * radius + 1)
    prominence = effort - windows.min(axis=1)
    is_peak = (effort >= windows.max(axis=1)) & (prominence >= STRESS_MIN_PROMINENCE)
    min_gap = int(round(STRESS_MIN_GAP_S * fps))
    chosen: list[tuple[int, float]] = []
    for frame in np.flatnonzero(is_peak):
        if chosen and frame - chosen[-1][0] < min_gap:
            continue  # a plateau or a close second peak: one nod is enough
        chosen.append((int(frame), float(prominence[frame])))
    return chosen


def nod_pitch(effort: np.ndarray, fps: float) -> np.ndarray:
    """Pitch (degrees, down) of the nods on the stressed syllables."""
    frames = effort.shape[0]
    pitch = np.zeros(frames)
    length = max(2, int(round(NOD_LENGTH_S * fps)))
    lead = int(round(NOD_LEAD_S * fps))
    shape = np.sin(np.pi * np.arange(length + 1) / length) ** 2
    for frame, prominence in stressed_frames(effort, fps):
        amplitude = NOD_DEGREES * float(np.clip(prominence / 0.5, 0.4, 1.0))
        start = frame - lead
        for offset, value in enumerate(shape):
            f = start + offset
            if 0 <= f < frames:
                pitch[f] = max(pitch[f], amplitude * value)
    return pitch


def head_pose(
    speech: SpeechFrames,
    activity: np.ndarray,
    posture: np.ndarray,
    fps: float,
    seed: int,
    amount: float,
) -> np.ndarray:
    """(frames, 3) pitch, yaw, roll in degrees; ``posture`` is the (frames, 3) emotional offset."""
    return posed_head(speech_head_motion(speech, activity, fps, seed), posture, amount)


def speech_head_motion(speech: SpeechFrames, activity: np.ndarray, fps: float, seed: int) -> np.ndarray:
    """(frames, 3) degrees: the sway and the nods, the part of ``head_pose`` that no emotion changes."""
    frames = activity.shape[0]
    times = np.arange(frames) / fps
    sway_gain = SWAY_SILENT_FRACTION + (1.0 - SWAY_SILENT_FRACTION) * activity
    pose = np.zeros((frames, 3))
    for axis, (name, stream) in enumerate(
        (("pitch", Stream.SWAY_PITCH), ("yaw", Stream.SWAY_YAW), ("roll", Stream.SWAY_ROLL))
    ):
        pose[:, axis] = SWAY_DEGREES[name] * sway_gain * slow_noise(times, seed, stream, low_hz=0.05, high_hz=0.4)
    pose[:, 0] += nod_pitch(vocal_effort(speech, fps), fps)
    return pose


def posed_head(speech_motion: np.ndarray, posture: np.ndarray, amount: float) -> np.ndarray:
    """``speech_head_motion`` with the emotional ``posture`` added, scaled by ``amount`` (0..1) and limited."""
    return np.clip((speech_motion + posture) * float(np.clip(amount, 0.0, 1.0)), -MAX_DEGREES, MAX_DEGREES)
