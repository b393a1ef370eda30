"""analyze_speech end to end: what a viewer would see go wrong if it broke."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest
import soxr

from emospeaker_studio.core.errors import InputError, UserError
from emospeaker_studio.engine.audio import AudioClip, ffmpeg_exe
from emospeaker_studio.engine.speech import augment
from emospeaker_studio.engine.speech.analyze import Recognizer, analyze_speech, resolve_recognizer
from emospeaker_studio.engine.speech.metrics import closure_hits
from emospeaker_studio.engine.speech.phonemes import CLOSURE, VISEME_INDEX, timed_units
from emospeaker_studio.engine.speech.track import TRACK_NAMES, VISEMES, SpeechTrack

RECOGNIZERS = [Recognizer.DSP, Recognizer.AUTO]
STILL = 0.02  # articulation a viewer cannot see move


def _closures(phones):
    closures = []
    for unit in timed_units(phones):
        if VISEME_INDEX[unit.shape.viseme] == CLOSURE:
            if closures and abs(closures[-1][1] - unit.start_s) < 1e-6:
                closures[-1] = (closures[-1][0], unit.end_s)
            else:
                closures.append((unit.start_s, unit.end_s))
    return closures


def _assert_valid(track: SpeechTrack, frames: int) -> None:
    assert track.frame_count == frames and track.probs.shape == (frames, 15)
    np.testing.assert_allclose(track.probs.sum(axis=1), 1.0, atol=1e-4)
    for name in TRACK_NAMES:
        values = track.tracks[name]
        assert values.shape == (frames,) and values.min() >= 0.0 and values.max() <= 1.0
        assert np.isfinite(values).all()


def _motion(track: SpeechTrack) -> float:
    return max(float(track.tracks[n].max()) for n in ("jaw_open", "lip_round", "lip_spread", "lip_press"))


@pytest.mark.parametrize("recognizer", RECOGNIZERS)
def test_silence_keeps_the_mouth_at_rest(recognizer):
    for samples in (np.zeros(16000 * 3, np.float32),
                    np.random.default_rng(0).standard_normal(16000 * 3).astype(np.float32) * 1e-4):
        track = analyze_speech(AudioClip.from_samples(samples, 16000), 25.0, recognizer=recognizer)
        _assert_valid(track, 75)
        assert _motion(track) == 0.0
        assert (track.probs.argmax(axis=1) == 0).all()


@pytest.mark.parametrize("recognizer", RECOGNIZERS)
def test_music_and_noise_without_speech_barely_move_the_mouth(recognizer):
    rng = np.random.default_rng(5)
    sounds = {
        "pink noise": augment.coloured_noise(16000 * 4, rng, 1.0) * 0.1,
        "hum": (0.3 * np.sin(2 * np.pi * 50 * np.arange(16000 * 3) / 16000)).astype(np.float32),
    }
    # The DSP floor cannot tell a melody from a voice; the shipped model must.
    if recognizer is Recognizer.AUTO:
        sounds["music"] = augment.music(16000 * 6, rng)
    for name, samples in sounds.items():
        track = analyze_speech(AudioClip.from_samples(samples, 16000), 25.0, recognizer=recognizer)
        jaw = track.tracks["jaw_open"]
        # a small bound: no visible opening on average and no big isolated one
        assert jaw.mean() < 0.05, name
        assert np.percentile(jaw, 95) < 0.2, name


@pytest.mark.parametrize("recognizer", [Recognizer.AUTO])
def test_every_bilabial_closes_the_lips_for_two_frames(bilabial_sentence, recognizer):
    clip, phones = bilabial_sentence
    track = analyze_speech(clip, 25.0, recognizer=recognizer)
    closures = _closures(phones)
    found, _, _ = closure_hits(track, closures)
    assert len(closures) >= 10
    assert found / len(closures) >= 0.9
    press, jaw = track.tracks["lip_press"], track.tracks["jaw_open"]
    closed = press >= 0.99
    runs = np.flatnonzero(np.diff(np.concatenate([[0], closed.astype(int), [0]])))
    lengths = runs[1::2] - runs[::2]
    assert lengths.min() >= 2  # a closure is held long enough to be seen
    assert jaw[closed].max() <= 0.05  # and the jaw is shut while the lips press


def test_speech_opens_the_mouth_and_follows_the_syllables(english_sentence):
    clip, phones = english_sentence
    track = analyze_speech(clip, 25.0)
    jaw = track.tracks["jaw_open"]
    speaking = slice(int(phones[1].start_s * 25) + 2, int(phones[-1].start_s * 25) - 2)
    assert jaw[speaking].max() > 0.5
    assert jaw[:5].max() < STILL and jaw[-5:].max() < STILL  # rest in the leading and trailing pauses
    assert track.tracks["voiced"][speaking].mean() > 0.6
    # no chatter: the jaw never flips direction on consecutive frames by a visible amount
    steps = np.diff(jaw)
    flips = (np.sign(steps[1:]) != np.sign(steps[:-1])) & (np.minimum(abs(steps[1:]), abs(steps[:-1])) > 0.15)
    assert flips.sum() <= 1


def _encode(samples: np.ndarray, path, *args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-f", "f32le", "-ar", "16000", "-ac", "1",
                    "-i", "-", *args, str(path)], input=samples.astype("<f4").tobytes(), check=True)


def test_telephone_studio_clipped_and_offset_audio_all_give_a_sane_track(english_sentence, tmp_path):
    clip, _ = english_sentence
    reference = analyze_speech(clip, 25.0).tracks["jaw_open"]
    loud = np.clip(clip.samples / np.abs(clip.samples).max() * 8.0, -1, 1)
    variants = {
        "telephone.wav": (augment.telephone(clip.samples), ["-ar", "8000", "-c:a", "pcm_s16le"]),
        "studio.flac": (clip.samples, ["-ar", "96000", "-c:a", "flac", "-sample_fmt", "s32"]),
        "clipped.wav": (loud, ["-c:a", "pcm_s16le"]),
        "dc.wav": (clip.samples * 0.5 + 0.3, ["-c:a", "pcm_f32le"]),
        "quiet.m4a": (clip.samples * 0.02, ["-c:a", "aac"]),
    }
    for name, (samples, args) in variants.items():
        path = tmp_path / name
        _encode(samples, path, *args)
        track = analyze_speech(path, 25.0, frame_count=reference.size)
        _assert_valid(track, reference.size)
        jaw = track.tracks["jaw_open"]
        assert jaw.max() > 0.35, name
        assert np.corrcoef(jaw, reference)[0, 1] > 0.6, name
        assert track.tracks["lip_press"].max() >= 0.99, name


def test_frame_count_pads_with_rest_or_trims(english_sentence):
    clip, _ = english_sentence
    natural = analyze_speech(clip, 30.0)
    assert natural.frame_count == int(np.ceil(clip.duration_s * 30))
    longer = analyze_speech(clip, 30.0, frame_count=natural.frame_count + 40)
    _assert_valid(longer, natural.frame_count + 40)
    assert _motion(SpeechTrack(30.0, longer.probs[-30:], {k: v[-30:] for k, v in longer.tracks.items()})) == 0
    shorter = analyze_speech(clip, 30.0, frame_count=20)
    _assert_valid(shorter, 20)
    np.testing.assert_allclose(shorter.tracks["jaw_open"], natural.tracks["jaw_open"][:20], atol=1e-5)


def test_strength_scales_the_articulation(english_sentence):
    clip, _ = english_sentence
    full = analyze_speech(clip, 25.0, strength=1.0).tracks["jaw_open"]
    half = analyze_speech(clip, 25.0, strength=0.5).tracks["jaw_open"]
    none = analyze_speech(clip, 25.0, strength=0.0)
    np.testing.assert_allclose(half, full * 0.5, atol=1e-5)
    assert _motion(none) == 0.0


def test_speech_track_json_round_trip(english_sentence, tmp_path):
    clip, _ = english_sentence
    track = analyze_speech(clip, 24.0)
    path = tmp_path / "speech.json"
    track.save(path)
    data = json.loads(path.read_text())
    assert data["fps"] == 24.0 and data["frames"] == track.frame_count
    assert data["visemes"]["labels"] == list(VISEMES) and set(data["tracks"]) == set(TRACK_NAMES)
    again = SpeechTrack.from_json_dict(data)
    np.testing.assert_allclose(again.probs, track.probs, atol=1e-4)
    for name in TRACK_NAMES:
        np.testing.assert_allclose(again.tracks[name], track.tracks[name], atol=1e-4)


def test_corrupt_and_missing_audio_raise_one_line(tmp_path):
    corrupt = tmp_path / "voice.wav"
    corrupt.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage" * 40)
    for path in (corrupt, tmp_path / "missing.mp3"):
        with pytest.raises(InputError) as exc:
            analyze_speech(path)
        assert "\n" not in str(exc.value)


def test_bad_arguments_are_user_errors(english_sentence):
    clip, _ = english_sentence
    with pytest.raises(UserError, match="recognizer"):
        analyze_speech(clip, recognizer="rhubarb")
    with pytest.raises(UserError, match="frame rate"):
        analyze_speech(clip, fps=0)
    with pytest.raises(UserError, match="strength"):
        analyze_speech(clip, strength=3.0)
    assert resolve_recognizer("auto") in (Recognizer.NETWORK, Recognizer.DSP)
    assert resolve_recognizer("model") is Recognizer.NETWORK and resolve_recognizer("DSP") is Recognizer.DSP


def test_a_file_streamed_in_blocks_gives_the_same_track_as_the_whole_clip(english_sentence, tmp_path):
    clip, _ = english_sentence
    samples = np.tile(clip.samples, int(np.ceil(40.0 / clip.duration_s)))  # crosses a 30 s block edge
    path = tmp_path / "long.wav"
    _encode(samples, path, "-c:a", "pcm_f32le")
    streamed = analyze_speech(path, 25.0)
    whole = analyze_speech(AudioClip.from_samples(samples, 16000), 25.0)
    assert streamed.frame_count == whole.frame_count
    np.testing.assert_allclose(streamed.tracks["jaw_open"], whole.tracks["jaw_open"], atol=1e-4)
    np.testing.assert_allclose(streamed.probs, whole.probs, atol=1e-4)


def test_a_clip_at_another_sample_rate_is_resampled_first(english_sentence):
    clip, _ = english_sentence
    reference = analyze_speech(clip, 25.0)
    cd_rate = AudioClip.from_samples(soxr.resample(clip.samples, 16000, 44100), 44100)
    track = analyze_speech(cd_rate, 25.0, frame_count=reference.frame_count)
    _assert_valid(track, reference.frame_count)
    assert np.corrcoef(track.tracks["jaw_open"], reference.tracks["jaw_open"])[0, 1] > 0.95
