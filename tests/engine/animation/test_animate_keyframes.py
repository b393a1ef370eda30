"""animate on the document's own types: keyframed EmotionTrack, SpeechTrack, StyleSettings."""

from __future__ import annotations

import numpy as np
import pytest

from emospeaker_studio.core.emotion_spec import parse_emotion_spec
from emospeaker_studio.core.keyframes import EmotionTrack
from emospeaker_studio.core.project import StyleSettings
from emospeaker_studio.engine.animation import animate
from emospeaker_studio.engine.animation.articulation import SPEECH_JAW_RANGE
from emospeaker_studio.engine.controls import CONTROL_NAMES
from emospeaker_studio.engine.speech.track import TRACK_NAMES, VISEMES, SpeechTrack

FPS = 25.0


def speech_with(fps: float, frames: int, **tracks: np.ndarray) -> SpeechTrack:
    probs = np.zeros((frames, len(VISEMES)), np.float32)
    probs[:, 0] = 1.0
    values = {name: np.asarray(tracks.get(name, np.zeros(frames)), np.float32) for name in TRACK_NAMES}
    return SpeechTrack(fps, probs, values)


def test_keyframes_drive_the_expression_through_a_transition():
    track = parse_emotion_spec("0=neutral, 1=happy:1, 3=sad:0.8")
    frames = int(4 * FPS)
    out = animate(track, SpeechTrack.silent(FPS, frames), StyleSettings(), {}, fps=FPS, frame_count=frames)
    au12, au15 = out.column("AU12"), out.column("AU15")
    assert au12[0] == 0.0 and au15[0] == 0.0  # neutral start
    assert au12[25] > 0.8 and au15[25] == 0.0  # happy at 1 s
    assert 0.2 < au12[50] < au12[25] and 0.1 < au15[50] < au15[75]  # halfway: both, weaker
    assert au12[75] == 0.0 and au15[75] > 0.5  # sad from 3 s on
    assert np.all(np.diff(au12[:26]) >= 0)  # the smile builds up without reversing


def test_an_empty_track_with_silence_is_the_photo():
    out = animate(
        EmotionTrack(), SpeechTrack.silent(FPS, 50), StyleSettings(still=True, blink_rate=0.0), {"AU12": 0.5},
        fps=FPS, frame_count=50,
    )
    assert out.names == CONTROL_NAMES and out.fps == FPS
    assert np.all(out.values == 0.0)


def test_speech_at_another_rate_is_resampled_onto_the_video_frames():
    speech_fps, speech_frames = 50.0, 100
    jaw = np.zeros(speech_frames)
    voiced = np.zeros(speech_frames)
    jaw[50:60], voiced[50:60] = 0.6, 1.0  # 1.0 .. 1.2 s
    speech = speech_with(speech_fps, speech_frames, jaw_open=jaw, voiced=voiced)
    frames = 75  # 3 s: the last second is past the speech, so silent
    out = animate(parse_emotion_spec("0=neutral"), speech, StyleSettings(), {}, fps=FPS, frame_count=frames)
    opened = np.flatnonzero(out.column("jaw_open") > 0.3 * SPEECH_JAW_RANGE)
    assert opened.min() == 25 and opened.max() in (29, 30)
    assert np.all(out.column("jaw_open")[50:] == 0.0)


def test_lipsync_strength_scales_the_mouth_and_zero_leaves_it_as_photographed():
    frames = 50
    jaw = np.where(np.arange(frames) % 10 < 5, 0.5, 0.1)
    speech = speech_with(FPS, frames, jaw_open=jaw, voiced=np.ones(frames))
    track = parse_emotion_spec("0=neutral")
    photo = {"jaw_open": 0.15}

    def jaw_coefficients(strength):
        out = animate(track, speech, StyleSettings(lipsync_strength=strength), photo, fps=FPS, frame_count=frames)
        return out.column("jaw_open")

    assert np.ptp(jaw_coefficients(1.5)) > np.ptp(jaw_coefficients(1.0)) > np.ptp(jaw_coefficients(0.5))
    assert np.all(jaw_coefficients(0.0) == 0.0)


@pytest.mark.parametrize("fps, frames", [(0.0, 10), (-25.0, 10), (25.0, -1)])
def test_bad_frame_geometry_is_a_programming_error(fps, frames):
    with pytest.raises(ValueError):
        animate(EmotionTrack(), SpeechTrack.silent(25.0, 10), StyleSettings(), {}, fps=fps, frame_count=frames)


def _talking_track(frames: int) -> SpeechTrack:
    t = np.arange(frames) / FPS
    jaw = np.clip(np.sin(2 * np.pi * 2.3 * t), 0, None) * (np.sin(2 * np.pi * 0.3 * t) > -0.3)
    return speech_with(FPS, frames, jaw_open=jaw, voicing=(jaw > 0.1).astype(float))


def test_an_edit_from_the_previous_motion_gives_what_a_fresh_animation_gives():
    """The Studio re-animates from the last motion after every edit: it reuses the emotion
    samples the edit did not change and the speech's motion, and must give the same numbers."""
    from emospeaker_studio.core.easing import PRESETS
    from emospeaker_studio.core.keyframes import Keyframe
    from emospeaker_studio.engine.animation.animate import animate_speech

    frames = int(12 * FPS)
    speech = _talking_track(frames)
    photo = {"AU12": 0.4, "jaw_open": 0.1}
    track = parse_emotion_spec("0=neutral, 1=happy:0.8, 3=sad:0.6, 5.5=angry:0.9, 8=surprised:0.7, 10=happy:0.5")
    style = StyleSettings(head_motion=0.8)
    ids = [kf.id for kf in track]
    steps = [
        lambda tr, st: (tr.updated(ids[2], intensity=0.1), st),
        lambda tr, st: (tr.updated(ids[3], time=6.2, easing=PRESETS["ease-in-out"]), st),
        lambda tr, st: (tr.add(Keyframe.new(11.5, "fearful", 0.6)), st),
        lambda tr, st: (tr.remove(ids[5]), st),
        lambda tr, st: (tr, StyleSettings(head_motion=0.3, seed=4)),
        lambda tr, st: (tr.updated(ids[0], emotion="contemptuous"), StyleSettings(still=True, seed=4)),
        lambda tr, st: (tr, StyleSettings(head_motion=1.0, seed=4, expressiveness=0.5)),
    ]
    motion = animate_speech(track, speech, style, fps=FPS, frame_count=frames)
    for step in steps:
        track, style = step(track, style)
        edited = animate_speech(track, speech, style, fps=FPS, frame_count=frames, previous=motion)
        fresh = animate_speech(track, speech, style, fps=FPS, frame_count=frames)
        np.testing.assert_array_equal(edited.coefficients(photo).values, fresh.coefficients(photo).values)
        assert (edited.driven is motion.driven) == (style.seed == motion.style.seed)
        motion = edited
