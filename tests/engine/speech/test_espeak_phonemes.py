"""espeak-ng synthesis with phone timings, and the mapping of its phonemes to visemes."""

from __future__ import annotations

import numpy as np
import pytest

from emospeaker_studio.core.errors import UserError
from emospeaker_studio.engine.speech.espeak import Phone, VoiceSettings
from emospeaker_studio.engine.speech.phonemes import (
    GROUP_OF_VISEME, GROUPS, VISEME_INDEX, articulation_curves, frame_targets, phone_units, timed_units,
)
from emospeaker_studio.engine.speech.track import VISEMES


def test_synthesis_reports_phones_that_tile_the_audio(espeak):
    utterance = espeak.synthesize("Bob met Pam.", VoiceSettings("en-us", rate=150))
    assert utterance.sample_rate == 22050 and utterance.samples.size > 0.5 * 22050
    starts = [p.start_s for p in utterance.phones]
    assert starts == sorted(starts)
    assert all(a.end_s == pytest.approx(b.start_s) for a, b in zip(utterance.phones, utterance.phones[1:]))
    assert utterance.phones[-1].end_s == pytest.approx(utterance.samples.size / 22050)
    symbols = [p.symbol for p in utterance.phones]
    assert symbols.count("b") == 2 and symbols.count("m") == 2 and symbols.count("p") == 1


def test_a_bilabial_stop_is_quiet_while_the_lips_are_closed(espeak):
    """The phone timings are true to the audio: a vowel is far louder than the closure of the b after it."""
    utterance = espeak.synthesize("abba", VoiceSettings("de", rate=120))
    rate = utterance.sample_rate
    b = next(p for p in utterance.phones if p.symbol.startswith("b"))
    vowel = next(p for p in utterance.phones if p.symbol.startswith("a"))

    def rms(phone):
        middle = utterance.samples[int(phone.start_s * rate):int(phone.end_s * rate)]
        return float(np.sqrt(np.mean(middle[middle.size // 4: middle.size * 3 // 4] ** 2)))

    assert rms(vowel) > 3 * rms(b)


def test_voices_rates_and_pitches_change_the_speech(espeak):
    slow = espeak.synthesize("pomegranate", VoiceSettings("en-us", rate=100))
    fast = espeak.synthesize("pomegranate", VoiceSettings("en-us", rate=300))
    assert slow.samples.size > 1.8 * fast.samples.size
    finnish = espeak.synthesize("kalastaja", VoiceSettings("fi+f3", pitch=80))
    assert finnish.samples.size > 0 and len(finnish.phones) >= 8


def test_unknown_voice_is_a_user_error(espeak):
    with pytest.raises(UserError, match="no voice"):
        espeak.synthesize("hello", VoiceSettings("xx-nowhere"))


@pytest.mark.parametrize("symbol, visemes", [
    ("p", ["PP"]), ("b", ["PP"]), ("m", ["PP"]), ("f", ["FF"]), ("v#", ["FF"]), ("T", ["TH"]),
    ("t", ["DD"]), ("k", ["kk"]), ("tS", ["CH"]), ("dZ", ["CH"]), ("S", ["CH"]), ("s", ["SS"]),
    ("ts", ["SS"]), ("n", ["nn"]), ("l^", ["nn"]), ("r", ["RR"]), ("a:", ["aa"]), ("E", ["E"]),
    ("i:", ["ih"]), ("O", ["oh"]), ("u:", ["ou"]), ("aI", ["aa", "ih"]), ("oU", ["oh", "ou"]),
    ("_:", ["sil"]), ("_", ["sil"]),
])
def test_espeak_mnemonics_map_to_visemes(symbol, visemes):
    assert [u.viseme for u in phone_units(symbol)] == visemes


def test_language_switch_markers_and_aspirates_take_their_shape_from_context():
    phones = [Phone("_", 0.0, 0.1), Phone("(en)", 0.1, 0.1), Phone("h", 0.1, 0.2), Phone("u:", 0.2, 0.4)]
    units = timed_units(phones)
    assert [u.shape.viseme for u in units] == ["sil", "ou", "ou"]
    assert units[1].shape.round < units[2].shape.round  # the aspirate is a weaker version of the vowel


def test_frame_targets_follow_phone_times():
    phones = [Phone("_", 0.0, 0.1), Phone("m", 0.1, 0.2), Phone("a:", 0.2, 0.5), Phone("_", 0.5, 0.6)]
    labels, articulation = frame_targets(phones, 100.0, 70)
    assert VISEMES[labels[5]] == "sil" and VISEMES[labels[15]] == "PP" and VISEMES[labels[30]] == "aa"
    assert VISEMES[labels[65]] == "sil"  # past the last phone
    assert articulation[15, 3] == 1.0 and articulation[15, 0] == 0.0  # lips pressed, jaw shut
    assert articulation[30, 0] == 1.0
    _, eased = articulation_curves(phones, 100.0, 70)
    assert 0.0 < eased[19, 0] < eased[22, 0] < 1.0  # eased, not a step


def test_every_viseme_belongs_to_one_of_six_groups():
    assert len(GROUP_OF_VISEME) == 15 and set(GROUP_OF_VISEME) == set(range(len(GROUPS)))
    assert GROUPS[GROUP_OF_VISEME[VISEME_INDEX["PP"]]] == "closed"
    assert GROUPS[GROUP_OF_VISEME[VISEME_INDEX["ou"]]] == "round"
