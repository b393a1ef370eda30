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
from emospeaker_studio.engine.animation.blinks import (
    EMOTION_RATE,
    LID_UNITS,
    NATURAL_RATE_PER_MIN,
    TALKING_RATE_GAIN,
    blink_track,
    yield_lids_to_blink,
)
from emospeaker_studio.engine.animation.emotion_timeline import EmotionTimeline, resample_emotion_times, sample_emotion_track
from emospeaker_studio.engine.animation.gaze import EMOTION_GAZE_DOWN, EMOTION_GAZE_WANDER, gaze_tracks
from emospeaker_studio.engine.animation.head_motion import EMOTION_POSTURE, posed_head, speech_head_motion
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
                   frame_count: int, previous: Motion | None = None) -> Motion:
    """The photo-independent part of ``animate`` (see :class:`Motion`).

    ``previous``: the motion this one replaces (after an emotion or style
    edit). The emotion samples the edit did not change and the speech-driven
    motion of the same speech and seed are taken from it; the result is the
    same as without it.
    """
    _check(fps, frame_count)
    if previous is not None and previous.emotions is not None and previous.fps == float(fps):
        timeline = resample_emotion_times(emotions, np.arange(frame_count) / fps, before=previous.emotions,
                                          sampled=previous.timeline)
    else:
        timeline = sample_emotion_track(emotions, fps, frame_count)
    frames = speech_frames(speech, fps, frame_count)
    seed = int(style.seed)
    if previous is not None and previous.driven is not None and previous.driven.made_for(speech, fps, frame_count, seed):
        driven = previous.driven
    else:
        driven = speech_motion(speech, frames, fps, seed)
    return animate_motion(timeline, frames, style, fps=fps, emotions=emotions, driven=driven)


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
    emotions: EmotionTrack | None = None  # the keyframes ``timeline`` was sampled from, when known
    driven: SpeechMotion | None = None  # what the speech alone drives

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
        blink = blink_track(self.blink_rate, lip_press, self.fps, int(style.seed))
        values[:, CONTROL_INDEX["blink"]] = blink
        lids = [CONTROL_INDEX[name] for name in LID_UNITS]
        values[:, lids] = yield_lids_to_blink(values[:, lids], blink)
        if self.gaze is not None:
            values[:, CONTROL_INDEX["gaze_x"]], values[:, CONTROL_INDEX["gaze_y"]] = self.gaze
        if self.pose is not None:
            for axis, name in enumerate(("head_pitch", "head_yaw", "head_roll")):
                values[:, CONTROL_INDEX[name]] = self.pose[:, axis]
        return CoefficientTrack(fps=float(self.fps), values=values.astype(np.float32))


@dataclass(frozen=True, eq=False)
class SpeechMotion:
    """What the speech alone drives for one seed, before any emotion: the speaking
    activity, the gaze's fixations and the head's sway and nods. An emotion or
    style edit that keeps the speech and the seed reuses it (a third of the
    animation's time on the demo). Its arrays are read-only: motions share them.
    """

    source: object  # the SpeechTrack it was made from, compared by identity; None when not known
    fps: float
    seed: int
    activity: np.ndarray  # (frames,) 0..1
    gaze: tuple[np.ndarray, np.ndarray]  # gaze_x, gaze_y before the emotions' offset
    head: np.ndarray  # (frames, 3) degrees before the posture and the amount

    def made_for(self, source: object, fps: float, frame_count: int, seed: int) -> bool:
        return (source is not None and self.source is source and self.fps == float(fps)
                and self.activity.shape[0] == frame_count and self.seed == seed)


def speech_motion(source: object, speech: SpeechFrames, fps: float, seed: int) -> SpeechMotion:
    """The :class:`SpeechMotion` of ``speech`` (frames at ``fps``) for ``seed``; ``source``: what it was made from."""
    activity = speaking_activity(speech, fps)
    gaze = gaze_tracks(speech.frame_count, fps, seed)
    head = speech_head_motion(speech, activity, fps, seed)
    for array in (activity, *gaze, head):
        array.setflags(write=False)
    return SpeechMotion(source, float(fps), int(seed), activity, gaze, head)


def animate_motion(timeline: EmotionTimeline, speech: SpeechFrames, style: StyleSettings, *, fps: float,
                   emotions: EmotionTrack | None = None, driven: SpeechMotion | None = None) -> Motion:
    """The photo-independent part of ``animate_timeline`` (see :class:`Motion`); ``driven``: the
    speech's motion for ``style.seed`` when already made, ``emotions``: the keyframes sampled."""
    frames = timeline.frame_count
    _check(fps, frames)
    if speech.frame_count != frames:
        raise ValueError(f"speech has {speech.frame_count} frames, emotions {frames}")
    expressiveness = float(style.expressiveness)
    if driven is None:
        driven = speech_motion(None, speech, fps, int(style.seed))
    activity = driven.activity
    rate = (
        NATURAL_RATE_PER_MIN
        * max(0.0, float(style.blink_rate))
        * timeline.per_emotion_value(dict(EMOTION_RATE), neutral_value=1.0)
        * (1.0 + (TALKING_RATE_GAIN - 1.0) * activity)
    )
    gaze = pose = None
    if not style.still:
        wander = timeline.per_emotion_value(dict(EMOTION_GAZE_WANDER), neutral_value=1.0, gain=expressiveness)
        gaze_x, gaze_y = (axis * wander for axis in driven.gaze)
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
        pose = posed_head(driven.head, posture, float(style.head_motion))
    return Motion(timeline, speech, style, float(fps), activity, rate, gaze, pose, emotions, driven)


def _check(fps: float, frame_count: int) -> None:
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps}")
    if frame_count < 0:
        raise ValueError(f"frame_count must be >= 0, got {frame_count}")
