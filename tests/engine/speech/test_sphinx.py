"""The benchmark-only PocketSphinx recognizer: ARPAbet phones -> visemes and articulation, and the decoder itself."""

from __future__ import annotations

import numpy as np
import pytest

from emospeaker_studio.engine.speech import sphinx
from emospeaker_studio.engine.speech.features import FRAME_RATE, extract_features
from emospeaker_studio.engine.speech.phonemes import VISEME_INDEX, articulation_curves
from emospeaker_studio.engine.speech.track import VISEMES

CMU_PHONES = ("AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z "
              "ZH").split()


def test_every_cmu_phone_has_a_mouth_shape_and_fillers_are_rest():
    for phone in CMU_PHONES:
        assert phone in sphinx.ARPABET_TO_ESPEAK
        estimates = sphinx.estimates_from_phones([(phone, 0, 19)], 20)
        assert estimates.speech[10] == 1.0, phone
        assert VISEMES[int(estimates.probs[10].argmax())] != "sil", phone
    for filler in ("SIL", "+NSN+", "+SPN+", "+BREATH+"):
        estimates = sphinx.estimates_from_phones([(filler, 0, 19)], 20)
        assert estimates.speech.max() == 0.0 and estimates.articulation.max() == 0.0
    assert sphinx.espeak_symbol("AA1") == sphinx.espeak_symbol("AA")  # stress digits do not matter


def test_a_recognized_phone_sequence_becomes_visemes_and_articulation_at_its_frames():
    # "map": silence, m, aa, p, silence, 10 ms frames, inclusive end frames as PocketSphinx reports them.
    phones = [("SIL", 0, 9), ("M", 10, 19), ("AE", 20, 39), ("P", 40, 49), ("SIL", 50, 59)]
    estimates = sphinx.estimates_from_phones(phones, 60)
    labels = estimates.probs.argmax(axis=1)
    assert labels[5] == VISEME_INDEX["sil"] and labels[15] == VISEME_INDEX["PP"]
    assert labels[30] == VISEME_INDEX["aa"] and labels[45] == VISEME_INDEX["PP"]
    jaw, press = estimates.articulation[:, 0], estimates.articulation[:, 3]
    assert press[15] > 0.9 and press[45] > 0.9 and press[30] < 0.05
    assert jaw[30] > 0.8 and jaw[15] < 0.1
    assert estimates.speech[5] == 0 and estimates.speech[30] == 1
    np.testing.assert_allclose(estimates.probs.sum(axis=1), 1.0, atol=1e-5)


def test_a_diphthong_moves_the_lips_within_the_phone():
    estimates = sphinx.estimates_from_phones([("AY", 0, 29)], 30)  # "my": open then spread
    labels = estimates.probs.argmax(axis=1)
    assert labels[5] == VISEME_INDEX["aa"] and labels[25] == VISEME_INDEX["ih"]


@pytest.mark.parametrize("mode", sphinx.MODES)
def test_pocketsphinx_follows_the_mouth_of_english_speech(english_sentence, mode):
    """On a held-out English voice the recognized jaw follows the true openness and the pauses are rest."""
    pytest.importorskip("pocketsphinx")
    clip, phones = english_sentence
    features = extract_features([clip.samples])
    estimates = sphinx.recognize_sphinx(clip.samples, features.frames, mode)
    assert estimates.frames == features.frames
    labels, curves = articulation_curves(phones, FRAME_RATE, features.frames)
    assert np.corrcoef(estimates.articulation[:, 0], curves[:, 0])[0, 1] > 0.5
    assert (estimates.probs.argmax(axis=1) == labels).mean() > 0.4
    pause = int(0.3 * FRAME_RATE)  # the clip has 0.4 s of silence at each end
    assert estimates.speech[:pause].max() == 0 and estimates.speech[-pause:].max() == 0


def test_the_benchmark_skips_pocketsphinx_cleanly_when_it_is_not_installed(monkeypatch, capsys):
    from emospeaker_studio.engine.speech import benchmark

    monkeypatch.setattr(sphinx, "available", lambda: False)
    report = benchmark.run_speech_benchmark(quick=True, split="dev")
    assert "pocketsphinx" not in report["recognizers"] and "dsp" in report["recognizers"]
    assert report["skipped"]["pocketsphinx"].startswith("not installed")
    assert "pocketsphinx: not installed" in capsys.readouterr().err


ENGLISH_TEXT = "Maybe the people upstairs bought a bigger map of Boston."  # the english_sentence fixture


def test_aligning_the_transcript_closes_the_lips_at_its_p_b_m(english_sentence):
    """Forced alignment of the fixture's transcript: a closure at every p/b/m of the sentence, and nowhere else."""
    pytest.importorskip("pocketsphinx")
    from emospeaker_studio.engine.speech.phonemes import CLOSURE, timed_units

    clip, phones = english_sentence
    features = extract_features([clip.samples])
    result = sphinx.align_sphinx(clip.samples, features.frames, ENGLISH_TEXT)
    assert result.aligned and result.fallback_reason == ""
    estimates = result.estimates
    assert estimates.frames == features.frames
    closed = estimates.probs.argmax(axis=1) == CLOSURE
    truth = [u for u in timed_units(phones) if VISEME_INDEX[u.shape.viseme] == CLOSURE]
    assert len(truth) >= 8  # m, b, p, p, p, b, b, m, b (merged where adjacent)
    tolerance = int(0.05 * FRAME_RATE)
    for unit in truth:  # each true p/b/m has a recognized closure within 50 ms of it
        first, last = int(unit.start_s * FRAME_RATE), int(np.ceil(unit.end_s * FRAME_RATE))
        assert closed[max(0, first - tolerance):last + tolerance].any(), unit
        assert estimates.articulation[max(0, first - tolerance):last + tolerance, 3].max() > 0.5, unit
    true_closed = np.zeros(features.frames, bool)
    for unit in truth:
        true_closed[max(0, int(unit.start_s * FRAME_RATE) - tolerance):int(unit.end_s * FRAME_RATE) + tolerance] = True
    assert (closed & ~true_closed).sum() <= 3  # no closures away from the p/b/m
    press = estimates.articulation[:, 3]
    assert press[closed].min() > 0.4 and press[~true_closed].max() < 0.5  # lips pressed at the closures only


@pytest.mark.parametrize("text, reason", [
    ("Maybe the zorblax upstairs bought a bigger map of Boston.", "not in the dictionary: zorblax"),
    ("", "empty transcript"),
])
def test_an_unalignable_transcript_falls_back_to_free_recognition(english_sentence, text, reason):
    pytest.importorskip("pocketsphinx")
    clip, _ = english_sentence
    features = extract_features([clip.samples])
    result = sphinx.align_sphinx(clip.samples, features.frames, text)
    assert not result.aligned and result.fallback_reason == reason
    free = sphinx.recognize_sphinx(clip.samples, features.frames, "phones")
    np.testing.assert_array_equal(result.estimates.probs, free.probs)


def test_a_transcript_the_audio_does_not_say_falls_back_to_free_recognition(english_sentence):
    pytest.importorskip("pocketsphinx")
    clip, _ = english_sentence
    features = extract_features([clip.samples])
    result = sphinx.align_sphinx(clip.samples, features.frames, "the cat sat on the mat with a dog and a hat")
    assert not result.aligned and result.fallback_reason in ("no alignment found",
                                                             "decoder error: Failed to stop utterance processing")
    assert result.estimates.frames == features.frames
