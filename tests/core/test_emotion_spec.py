"""The command line's emotion spec."""

from __future__ import annotations

import pytest
from hypothesis import given

from emospeaker_studio.core.easing import EASE_IN_OUT, HOLD, LINEAR, PRESETS, Easing
from emospeaker_studio.core.emotion_spec import format_emotion_spec, parse_emotion_spec
from emospeaker_studio.core.emotions import Emotion
from emospeaker_studio.core.errors import UserError
from emospeaker_studio.core.keyframes import EmotionTrack

from .strategies import tracks


def summary(track: EmotionTrack) -> list[tuple]:
    return [(k.time, k.emotion, k.intensity, k.easing) for k in track]


def test_the_documented_example() -> None:
    track = parse_emotion_spec("0=neutral, 1.5=happy:0.8, 4=surprised")
    assert summary(track) == [
        (0.0, Emotion.NEUTRAL, 1.0, LINEAR),
        (1.5, Emotion.HAPPY, 0.8, LINEAR),
        (4.0, Emotion.SURPRISED, 1.0, LINEAR),
    ]
    assert len(set(track.ids)) == 3


def test_aliases_easings_and_friendly_forms() -> None:
    track = parse_emotion_spec(
        "2s = Surprise : 50% / hold ; 0=fear:0.25/ease_in_out, 3=anger/cubic-bezier(0.1, 0.7, 1.0, 0.1), 5=happiness,"
    )
    assert summary(track) == [
        (0.0, Emotion.FEARFUL, 0.25, EASE_IN_OUT),
        (2.0, Emotion.SURPRISED, 0.5, HOLD),
        (3.0, Emotion.ANGRY, 1.0, Easing.custom(0.1, 0.7, 1.0, 0.1)),
        (5.0, Emotion.HAPPY, 1.0, LINEAR),
    ]
    assert parse_emotion_spec("1=sad/overshoot")[0].easing == PRESETS["overshoot"]


@pytest.mark.parametrize(
    "spec, message",
    [
        ("", "the emotion spec is empty"),
        (" , ,", "has no items"),
        ("0=neutral, happy", r"item 2 'happy': missing '='; expected TIME=EMOTION\[:INTENSITY\]\[/EASING\], e\.g\. 1\.5=happy:0\.8"),
        ("abc=happy", r"item 1 'abc=happy': time 'abc' is not a number of seconds"),
        ("-1=happy", r"item 1 '-1=happy': time must be >= 0 seconds"),
        ("inf=happy", r"time 'inf' is not a number"),
        ("1=ecstatic", r"item 1 '1=ecstatic': unknown emotion 'ecstatic'; use one of: neutral, happy"),
        ("1=happy:high", r"item 1 '1=happy:high': intensity 'high' is not a number; use 0\.\.1"),
        ("1=happy:1.5", r"intensity 1\.5 is outside 0\.\.1"),
        ("1=happy:150%", r"intensity 150% is outside 0\.\.1"),
        ("1=:0.5", r"missing emotion"),
        ("1=happy/wobbly", r"item 1 '1=happy/wobbly': unknown easing 'wobbly'"),
        ("1=happy, 1.0=sad", r"item 2 '1.0=sad': another item is already at 1 s; give each item a different time"),
    ],
)
def test_errors_name_the_item_and_the_form(spec: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_emotion_spec(spec)


def test_format_is_compact() -> None:
    track = parse_emotion_spec("0=neutral, 1.5=happy:0.8/hold, 4=surprise:0.5/cubic-bezier(0.1,0.7,1,0.1)")
    assert format_emotion_spec(track) == "0=neutral, 1.5=happy:0.8/hold, 4=surprised:0.5/cubic-bezier(0.1, 0.7, 1, 0.1)"
    assert format_emotion_spec(EmotionTrack()) == ""


@given(tracks(min_size=1))
def test_format_then_parse_round_trip(track: EmotionTrack) -> None:
    assert summary(parse_emotion_spec(format_emotion_spec(track))) == summary(track)
