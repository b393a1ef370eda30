"""Emotion keyframes + speech articulation + style -> per-frame coefficients.

The stage the paper calls fine-grained emotion coefficient prediction, made
interpretable: every coefficient comes from a readable rule or table in this
package (emotion_matrix, photo_relative, articulation, blinks, gaze,
head_motion). All of it is relative to the photo: neutral emotion with
silence gives all-zero coefficients, which the renderer turns into the photo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from emospeaker_studio.core.keyframes import EmotionTrack
from emospeaker_studio.core.project import StyleSettings

from emospeaker_studio.engine.animation.articulation import combine_speech
from emospeaker_studio.engine.animation.blinks import EMOTION_RATE, NATURAL_RATE_PER_MIN, TALKING_RATE_GAIN, blink_track
from emospeaker_studio.engine.animation.emotion_timeline import EmotionTimeline, sample_emotion_track
from emospeaker_studio.engine.animation.gaze import EMOTION_GAZE_DOWN, gaze_tracks
from emospeaker_studio.engine.animation.head_motion import EMOTION_POSTURE, head_pose
from emospeaker_studio.engine.animation.photo_relative import relative_expression
from emospeaker_studio.engine.animation.speech_frames import SpeechFrames, speaking_activity, speech_frames
from emospeaker_studio.engine.controls import CONTROL_INDEX, CONTROL_NAMES, FACE_CONTROLS, CoefficientTrack
from emospeaker_studio.engine.speech.track import SpeechTrack


def animate(
    emotions: EmotionTrack,
    speech: SpeechTrack,
    style: StyleSettings,
    photo_expression: Mapping[str, float],
    *,
    fps: float,
    frame_count: int,
) -> CoefficientTrack:
    """Animate ``frame_count`` frames at ``fps`` (frame i shows time i / fps seconds).

    ``photo_expression`` is the photo's own activations from the face fit
    (``FaceFit.photo_expression``); ``speech`` may have another rate or length
    (it is resampled; past its end is silence).
    Deterministic for ``style.seed``.
    """
    return animate_speech(emotions, speech, style, fps=fps, frame_count=frame_count).coefficients(photo_expression)


def animate_speech(emotions: EmotionTrack, speech: SpeechTrack, style: StyleSettings, *, fps: float,
                   frame_count: int) -> Motion:
    """The photo-independent part of ``animate`` (see :class:`Motion`)."""
    _check(fps, frame_count)
    timeline = sample_emotion_track(emotions, fps, frame_count)
    return animate_motion(timeline, speech_frames(speech, fps, frame_count), style, fps=fps)


def animate_timeline(
    timeline: EmotionTimeline,
    speech: SpeechFrames,
    style: StyleSettings,
    photo_expression: Mapping[str, float],
    *,
    fps: float,
) -> CoefficientTrack:
    """``animate`` on an already-sampled emotion timeline and speech frames of equal length."""
    return animate_motion(timeline, speech, style, fps=fps).coefficients(photo_expression)


@dataclass(frozen=True, eq=False)
class Motion:
    """An animation before the photo's expression is known: emotion timeline and speech
    frames, with the blink rate, gaze and head pose they drive (none of which depend on
    the photo). ``coefficients(photo_expression)`` finishes it.

    Split so that a change of the photo's expression alone (a key-point correction in
    the face editor re-measures it) re-runs only the part that depends on it, about a
    third of the whole.
    """

    timeline: EmotionTimeline
    speech: SpeechFrames
    style: StyleSettings
    fps: float
    activity: np.ndarray  # (frames,) how much the person is speaking, 0..1
    blink_rate: np.ndarray  # (frames,) blinks per minute
    gaze: tuple[np.ndarray, np.ndarray] | None  # gaze_x, gaze_y; None when still
    pose: np.ndarray | None  # (frames, 3) pitch, yaw, roll; None when still

    def coefficients(self, photo_expression: Mapping[str, float]) -> CoefficientTrack:
        """The coefficients for a photo whose own expression is ``photo_expression``."""
        style, timeline = self.style, self.timeline
        expressiveness = float(style.expressiveness)
        values = np.zeros((timeline.frame_count, len(CONTROL_NAMES)))
        expression = relative_expression(timeline, photo_expression, expressiveness)
        face = combine_speech(
            expression,
            self.speech,
            self.activity,
            timeline,
            photo_expression,
            lipsync_strength=float(style.lipsync_strength),
            expressiveness=expressiveness,
        )
        values[:, : len(FACE_CONTROLS)] = face
        lip_press = face[:, FACE_CONTROLS.index("lip_press")]
        values[:, CONTROL_INDEX["blink"]] = blink_track(self.blink_rate, lip_press, self.fps, int(style.seed))
        if self.gaze is not None:
            values[:, CONTROL_INDEX["gaze_x"]], values[:, CONTROL_INDEX["gaze_y"]] = self.gaze
        if self.pose is not None:
            for axis, name in enumerate(("head_pitch", "head_yaw", "head_roll")):
                values[:, CONTROL_INDEX[name]] = self.pose[:, axis]
        return CoefficientTrack(fps=float(self.fps), values=values.astype(np.float32))


def animate_motion(timeline: EmotionTimeline, speech: SpeechFrames, style: StyleSettings, *, fps: float) -> Motion:
    """The photo-independent part of ``animate_timeline`` (see :class:`Motion`)."""
    frames = timeline.frame_count
    _check(fps, frames)
    if speech.frame_count != frames:
        raise ValueError(f"speech has {speech.frame_count} frames, emotions {frames}")
    expressiveness = float(style.expressiveness)
    seed = int(style.seed)
    activity = speaking_activity(speech, fps)
    rate = (
        NATURAL_RATE_PER_MIN
        * max(0.0, float(style.blink_rate))
        * timeline.per_emotion_value(dict(EMOTION_RATE), neutral_value=1.0)
        * (1.0 + (TALKING_RATE_GAIN - 1.0) * activity)
    )
    gaze = pose = None
    if not style.still:
        gaze_x, gaze_y = gaze_tracks(frames, fps, seed)
        gaze_y = gaze_y + timeline.per_emotion_value(dict(EMOTION_GAZE_DOWN), neutral_value=0.0, gain=expressiveness)
        gaze = (gaze_x, gaze_y)
        posture = np.stack(
            [
                timeline.per_emotion_value(
                    {e: p[axis] for e, p in EMOTION_POSTURE.items()}, neutral_value=0.0, gain=expressiveness
                )
                for axis in range(3)
            ],
            axis=1,
        )
        pose = head_pose(speech, activity, posture, fps, seed, float(style.head_motion))
    return Motion(timeline, speech, style, float(fps), activity, rate, gaze, pose)


def _check(fps: float, frame_count: int) -> None:
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps}")
    if frame_count < 0:
        raise ValueError(f"frame_count must be >= 0, got {frame_count}")
