"""animate: the whole stage, on sampled emotion timelines and speech frames."""

from __future__ import annotations

import numpy as np
import pytest

from animation_fakes import FPS, blend, silent_speech, talking_speech
from emospeaker_studio.core.emotions import Emotion
from emospeaker_studio.core.project import StyleSettings
from emospeaker_studio.engine.animation import animate_timeline
from emospeaker_studio.engine.animation.articulation import MAX_TALKING_JAW, SPEECH_JAW_RANGE
from emospeaker_studio.engine.animation.blinks import HELD_CLOSURE, LID_UNITS
from emospeaker_studio.engine.animation.emotion_timeline import EmotionTimeline
from emospeaker_studio.engine.animation.photo_relative import relaxation
from emospeaker_studio.engine.animation.speech_frames import SpeechFrames
from emospeaker_studio.engine.controls import CONTROL_NAMES, FACE_CONTROLS, CoefficientTrack

SMILING_PHOTO = {"AU12": 0.6, "AU06": 0.3, "jaw_open": 0.2}
NON_NEUTRAL = [e for e in Emotion if e is not Emotion.NEUTRAL]
HEAD_AND_GAZE = ("head_pitch", "head_yaw", "head_roll", "gaze_x", "gaze_y")


def run(emotion=Emotion.NEUTRAL, intensity=1.0, speech=None, photo=None, frames=250, **style):
    speech = speech if speech is not None else silent_speech(frames)
    timeline = EmotionTimeline.constant(emotion, intensity, speech.frame_count)
    return animate_timeline(timeline, speech, StyleSettings(**style), photo or {}, fps=FPS)


def face(track: CoefficientTrack) -> np.ndarray:
    return track.values[:, : len(FACE_CONTROLS)]


def blink_peaks(track: CoefficientTrack) -> int:
    closed = (track.column("blink") >= 1.0).astype(int)
    return int(np.sum(np.diff(np.concatenate([[0], closed])) == 1))


def test_neutral_silence_leaves_the_face_exactly_as_photographed():
    track = run(photo=SMILING_PHOTO)
    assert track.values.dtype == np.float32 and track.names == CONTROL_NAMES
    assert np.all(face(track) == 0.0)


def test_neutral_silence_still_without_blinks_is_all_zero():
    track = run(photo=SMILING_PHOTO, still=True, blink_rate=0.0)
    assert np.all(track.values == 0.0)


def test_sad_on_a_smiling_photo_brings_the_corners_down():
    track = run(Emotion.SAD, 0.8, photo=SMILING_PHOTO)
    assert np.all(track.column("AU12") < -0.4)
    assert np.all(track.column("AU15") > 0.3)
    # The smile's teeth go behind the lips, fully by this intensity.
    assert np.all(track.column("lip_press") == pytest.approx(relaxation(0.8))) and relaxation(0.8) == 1.0


def test_emotional_lip_closure_gives_way_to_speech():
    speech = talking_speech(200)  # no p/b/m closures in it
    talking = run(Emotion.ANGRY, 1.0, speech=speech, photo=SMILING_PHOTO)
    silent = run(Emotion.ANGRY, 1.0, frames=200, photo=SMILING_PHOTO)
    assert np.all(silent.column("lip_press") == 1.0) and np.all(silent.column("AU24") == 0.0)
    assert talking.column("lip_press")[20:180].max() < 0.05
    assert talking.column("AU24")[20:180].max() < 0.05
    assert talking.column("AU23")[20:180].min() > silent.column("AU23")[0]  # still tense


@pytest.mark.parametrize("emotion", list(Emotion))
def test_a_lip_closure_closes_the_lips_whatever_the_emotion(emotion):
    speech = talking_speech(100, closure_every=3)
    track = run(emotion, 1.0, speech=speech, photo=SMILING_PHOTO)
    closed = speech.lip_press >= 1.0
    assert closed.sum() > 10
    assert np.all(track.column("lip_press")[closed] >= 0.99)
    # The emotion's lip-parting units give way during the closure, and so do
    # the other closing units, so the lips do not overshoot and cross.
    for name in ("AU10", "AU16", "AU17", "AU24"):
        assert np.all(np.abs(track.column(name)[closed]) < 1e-6)


def test_on_closed_lips_the_pout_and_press_of_an_emotion_stay():
    assert run(Emotion.ANGRY, 1.0, frames=10).column("AU24").min() > 0.6
    assert run(Emotion.SAD, 1.0, frames=10).column("AU17").min() > 0.5


def test_the_photo_lip_gap_rests_in_silence_and_follows_speech_while_talking():
    frames = 100
    jaw = np.zeros(frames)
    voiced = np.zeros(frames)
    jaw[40:50], voiced[40:50] = 0.05, 1.0  # nearly closed sound
    jaw[50:60], voiced[50:60] = 1.0, 1.0  # wide vowel
    z = np.zeros(frames)
    track = run(speech=SpeechFrames(jaw, z, z, z, voiced), photo={"jaw_open": 0.2})
    coefficient = track.column("jaw_open")
    assert np.all(coefficient[:20] == 0.0) and np.all(coefficient[-20:] == 0.0)
    # The gap is absolute while talking (speech's widest is SPEECH_JAW_RANGE of the
    # control); the control spans 1 - 0.2 from the photo's gap.
    assert coefficient[45] == pytest.approx((0.05 * SPEECH_JAW_RANGE - 0.2) / 0.8, abs=1e-6)  # more closed than the photo
    assert coefficient[55] == pytest.approx((SPEECH_JAW_RANGE - 0.2) / 0.8, abs=1e-6)


def test_a_closure_on_a_parted_photo_is_closed_once_not_twice():
    speech = talking_speech(100, closure_every=3)
    track = run(speech=speech, photo={"jaw_open": 0.2})
    closed = speech.lip_press >= 1.0
    # lip_press closes the photo's gap; pulling the jaw shut as well would cross the lips.
    assert np.all(track.column("lip_press")[closed] == 1.0)
    assert np.all(np.abs(track.column("jaw_open")[closed]) < 1e-6)


def test_emotion_changes_how_speech_is_articulated():
    speech = talking_speech(200)
    jaw = {e: run(e, 1.0, speech=speech).column("jaw_open").max() for e in Emotion}
    assert jaw[Emotion.SAD] < 0.8 * jaw[Emotion.NEUTRAL]
    assert jaw[Emotion.ANGRY] < 0.9 * jaw[Emotion.NEUTRAL]
    assert jaw[Emotion.SURPRISED] > jaw[Emotion.NEUTRAL]
    spread = {e: run(e, 1.0, speech=speech).column("lip_spread").mean() for e in (Emotion.NEUTRAL, Emotion.HAPPY)}
    assert spread[Emotion.HAPPY] > spread[Emotion.NEUTRAL] + 0.05
    angry_talking = run(Emotion.ANGRY, 1.0, speech=speech).column("AU23").mean()
    angry_silent = run(Emotion.ANGRY, 1.0, frames=200).column("AU23").mean()
    assert angry_talking > angry_silent + 0.1


def test_a_smile_while_talking_keeps_the_corners_up_and_opens_the_jaw():
    speech = talking_speech(200)
    talking = run(Emotion.HAPPY, 1.0, speech=speech)
    silent = run(Emotion.HAPPY, 1.0, frames=200)
    np.testing.assert_allclose(talking.column("AU12"), silent.column("AU12"))
    assert talking.column("jaw_open").max() > 0.4 * SPEECH_JAW_RANGE


def test_blinks_at_a_natural_rate_reaching_full_closure():
    minutes = 2
    frames = int(minutes * 60 * FPS)
    rates = [blink_peaks(run(frames=frames, seed=seed)) / minutes for seed in range(6)]
    assert all(11 <= r <= 24 for r in rates), rates
    assert 14 <= np.mean(rates) <= 20, rates
    track = run(frames=frames)
    assert track.column("blink").max() == 1.0
    assert track.column("blink").min() == 0.0


def test_blink_shape_closes_in_about_100ms_and_reopens_in_about_150ms():
    blink = run(frames=1500).column("blink")
    peak = int(np.flatnonzero(blink >= 1.0)[0])
    start = peak - np.flatnonzero(blink[:peak][::-1] == 0.0)[0]
    end = peak + np.flatnonzero(blink[peak:] == 0.0)[0]
    assert 0.06 <= (peak - start) / FPS <= 0.2
    assert 0.1 <= (end - peak) / FPS <= 0.25


def test_no_blink_during_a_held_lip_closure():
    # Closures of 0.28 s ("mm") before every other syllable.
    speech = talking_speech(3000, closure_every=2, closure_frames=7)
    track = run(speech=speech, blink_rate=2.0)
    assert blink_peaks(track) > 40  # still blinking in the gaps
    held = track.column("lip_press") >= HELD_CLOSURE
    assert held.sum() > 1000
    assert np.all(track.column("blink")[held] == 0.0)


def test_brief_plosive_closures_do_not_hold_blinks_back():
    # Fluent speech with a 0.12 s p/b/m closure every 0.4 s keeps a natural rate.
    frames = int(120 * FPS)
    dense = blink_peaks(run(speech=talking_speech(frames, closure_every=2)))
    open_lips = blink_peaks(run(speech=talking_speech(frames)))
    assert dense >= 0.8 * open_lips
    assert dense / 2 >= 12  # per minute


def test_a_blink_due_during_a_long_closure_waits_for_the_lips_to_open():
    frames = 1500
    z = np.zeros(frames)
    press = np.zeros(frames)
    press[100:1400:100] = 1.0  # brief closures ...
    for start in range(0, frames, 100):
        press[start + 20 : start + 60] = 1.0  # ... and a held "mmm" of 1.6 s in every 4 s
    speech = SpeechFrames(z, z, z, press, z)
    open_lips = run(frames=frames)
    held = run(speech=speech)
    assert np.all(held.column("blink")[press >= HELD_CLOSURE] == 0.0)
    assert blink_peaks(held) >= 0.6 * blink_peaks(open_lips)


def test_blink_rate_follows_emotion_and_style():
    frames = int(180 * FPS)
    assert blink_peaks(run(frames=frames, blink_rate=0.0)) == 0
    assert blink_peaks(run(frames=frames, blink_rate=2.0)) > 1.6 * blink_peaks(run(frames=frames))
    surprised = blink_peaks(run(Emotion.SURPRISED, 1.0, frames=frames))
    sad = blink_peaks(run(Emotion.SAD, 1.0, frames=frames))
    assert surprised < 0.7 * sad


def test_still_keeps_head_and_gaze_at_zero():
    track = run(Emotion.SAD, 1.0, speech=talking_speech(250), still=True)
    for name in HEAD_AND_GAZE:
        assert np.all(track.column(name) == 0.0), name


def test_head_motion_is_small_scaled_and_off_at_zero():
    speech = talking_speech(750)
    full = run(speech=speech, head_motion=1.0)
    half = run(speech=speech, head_motion=0.5)
    off = run(speech=speech, head_motion=0.0)
    for name in ("head_pitch", "head_yaw", "head_roll"):
        assert np.abs(full.column(name)).max() <= 6.0
        np.testing.assert_allclose(half.column(name), 0.5 * full.column(name), atol=1e-5)
        assert np.all(off.column(name) == 0.0)
    assert np.ptp(full.column("head_pitch")) > 1.5  # visibly nodding


def test_the_head_nods_on_stressed_syllables():
    frames = 250
    z = np.zeros(frames)
    voiced = np.zeros(frames)
    jaw = np.zeros(frames)
    stresses = (50, 125, 200)
    for frame in stresses:
        voiced[frame - 3 : frame + 4] = 1.0
        jaw[frame - 3 : frame + 4] = 0.6
    track = run(speech=SpeechFrames(jaw, z, z, z, voiced), head_motion=1.0)
    pitch = track.column("head_pitch")
    quiet = run(frames=frames, head_motion=1.0).column("head_pitch")
    nod = pitch - quiet
    for frame in stresses:
        assert nod[frame - 5 : frame + 8].max() > 1.5
    assert np.abs(nod[85:95]).max() < 0.3


def test_emotion_sets_head_posture_and_gaze():
    sad = run(Emotion.SAD, 1.0, frames=500, head_motion=1.0)
    neutral = run(frames=500, head_motion=1.0)
    surprised = run(Emotion.SURPRISED, 1.0, frames=500, head_motion=1.0)
    assert sad.column("head_pitch").mean() > neutral.column("head_pitch").mean() + 3.0  # head down
    assert surprised.column("head_pitch").mean() < neutral.column("head_pitch").mean() - 2.0  # pulled back
    assert sad.column("gaze_y").mean() > neutral.column("gaze_y").mean() + 0.1  # eyes down


def test_gaze_stays_mostly_at_the_camera():
    track = run(frames=1500)
    gaze = np.hypot(track.column("gaze_x"), track.column("gaze_y"))
    assert np.mean(gaze < 0.05) > 0.3
    assert gaze.max() < 0.3
    assert np.ptp(track.column("gaze_x")) > 0.02  # it does move


def test_same_seed_same_track_other_seed_other_blinks():
    speech = talking_speech(750)
    first = run(Emotion.HAPPY, 0.7, speech=speech, seed=7)
    again = run(Emotion.HAPPY, 0.7, speech=speech, seed=7)
    other = run(Emotion.HAPPY, 0.7, speech=speech, seed=8)
    np.testing.assert_array_equal(first.values, again.values)
    assert not np.array_equal(first.column("blink"), other.column("blink"))
    # The seed only moves the eyes and the head: the face is the same but for the
    # lids, which yield to each track's own blinks.
    lids = [FACE_CONTROLS.index(name) for name in LID_UNITS]
    others = [i for i in range(len(FACE_CONTROLS)) if i not in lids]
    np.testing.assert_array_equal(face(first)[:, others], face(other)[:, others])
    open_in_both = (first.column("blink") == 0) & (other.column("blink") == 0)
    np.testing.assert_array_equal(face(first)[open_in_both][:, lids], face(other)[open_in_both][:, lids])


@pytest.mark.parametrize("emotion", [Emotion.SURPRISED, Emotion.FEARFUL, Emotion.HAPPY, Emotion.ANGRY])
def test_a_full_blink_closes_the_eyes_whatever_the_emotion_does_to_the_lids(emotion):
    # Raised upper lids (AU5) would keep a blinking eye open; raised lower lids
    # (AU6, AU7) would cross the closing upper lids.
    track = run(emotion, 1.0, speech=talking_speech(750), frames=750)
    blink = track.column("blink")
    assert blink.max() == 1.0
    shut = blink == 1.0
    assert (blink > 0).sum() > shut.sum()  # blinks close and open over several frames
    for name in LID_UNITS:
        assert np.all(track.column(name)[shut] == 0.0)
        open_frames = blink == 0.0
        if name in ("AU05",) and emotion in (Emotion.SURPRISED, Emotion.FEARFUL):
            assert track.column(name)[open_frames].min() > 0.5  # the wide eyes stay wide between blinks


def test_a_longer_track_starts_with_the_shorter_one():
    # Frames do not depend on how long the clip is beyond a short look-ahead.
    speech = talking_speech(1000)
    short_speech = SpeechFrames(*(getattr(speech, n)[:600] for n in ("jaw_open", "lip_round", "lip_spread", "lip_press", "voiced")))
    long = run(Emotion.FEARFUL, 0.6, speech=speech)
    short = run(Emotion.FEARFUL, 0.6, speech=short_speech)
    np.testing.assert_array_equal(long.values[:500], short.values[:500])


def test_mid_transition_blend_gives_intermediate_units():
    frames = 3
    timeline = EmotionTimeline.from_blends(
        [blend((Emotion.HAPPY, 1.0, 0.9)), blend((Emotion.HAPPY, 0.5, 0.9), (Emotion.SURPRISED, 0.5, 0.9)),
         blend((Emotion.SURPRISED, 1.0, 0.9))]
    )
    track = animate_timeline(timeline, silent_speech(frames), StyleSettings(), {}, fps=FPS)
    f = face(track)
    assert np.all(f[1] >= np.minimum(f[0], f[2]) - 1e-6) and np.all(f[1] <= np.maximum(f[0], f[2]) + 1e-6)
    for name in ("AU12", "AU01"):  # the smile fades out while the brows go up
        col = track.column(name)
        assert min(col[0], col[2]) < col[1] < max(col[0], col[2])


def test_json_round_trip_is_what_render_writes():
    track = run(Emotion.ANGRY, 0.5, speech=talking_speech(50))
    data = track.to_json_dict()
    assert data["names"] == list(CONTROL_NAMES) and len(data["frames"]) == 50
    back = CoefficientTrack.from_json_dict(data)
    np.testing.assert_allclose(back.values, track.values, atol=1e-5)


def test_no_frames_is_an_empty_track():
    assert run(frames=0).values.shape == (0, len(CONTROL_NAMES))


def test_one_motion_finishes_for_any_photo_as_the_whole_animation_does():
    # The pipeline keeps the photo-independent motion across key-point corrections
    # and finishes it for each re-measured photo expression.
    from emospeaker_studio.engine.animation.animate import animate_motion

    speech = talking_speech(150, closure_every=40)
    timeline = EmotionTimeline.constant(Emotion.HAPPY, 0.7, speech.frame_count)
    style = StyleSettings(head_motion=1.0)
    motion = animate_motion(timeline, speech, style, fps=FPS)
    for photo in (SMILING_PHOTO, {}, {"AU15": 0.4, "jaw_open": 0.1}, SMILING_PHOTO):
        whole = animate_timeline(timeline, speech, style, photo, fps=FPS)
        np.testing.assert_array_equal(motion.coefficients(photo).values, whole.values)


@pytest.mark.parametrize("photo_jaw", [0.0, 0.2])
@pytest.mark.parametrize("emotion", list(Emotion))
def test_no_emotion_opens_a_talking_jaw_wider_than_a_jaw_opens(emotion, photo_jaw):
    frames = 60
    loud = SpeechFrames(np.ones(frames), np.zeros(frames), np.zeros(frames), np.zeros(frames), np.ones(frames))
    track = run(emotion, 1.0, speech=loud, photo={"jaw_open": photo_jaw}, expressiveness=1.5, lipsync_strength=1.5)
    opening = photo_jaw + track.column("jaw_open") * (1.0 - photo_jaw)  # absolute, 0..1 of 0.35 face heights
    assert opening.max() <= MAX_TALKING_JAW + 1e-6


def test_the_emotion_shapes_how_wide_the_speech_opens():
    speech = talking_speech(200)
    widest = {e: run(e, 1.0, speech=speech).column("jaw_open").max() for e in (Emotion.SAD, Emotion.NEUTRAL, Emotion.SURPRISED)}
    assert widest[Emotion.SAD] < 0.75 * widest[Emotion.NEUTRAL] < widest[Emotion.SURPRISED]
    spread = {e: run(e, 1.0, speech=speech).column("lip_spread").max() for e in (Emotion.SAD, Emotion.NEUTRAL)}
    assert spread[Emotion.SAD] < 0.5 * spread[Emotion.NEUTRAL]  # a sad mouth does not bare the teeth on 'ee'


def test_surprise_talks_through_its_dropped_jaw():
    speech = talking_speech(200)
    between = (speech.voiced > 0) & (speech.jaw_open < 0.1)  # the ends of each syllable
    surprised = run(Emotion.SURPRISED, 1.0, speech=speech).column("jaw_open")
    silent = run(Emotion.SURPRISED, 1.0, frames=200).column("jaw_open")
    assert between.sum() > 10
    assert surprised[between].min() >= 0.75 * silent.max()
