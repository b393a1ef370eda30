"""Keyframes, the emotion track, and emotion_at (unit and property tests)."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from emospeaker_studio.core.easing import EASE_IN_OUT, HOLD, LINEAR, Easing
from emospeaker_studio.core.emotions import Emotion
from emospeaker_studio.core.errors import UserError
from emospeaker_studio.core.keyframes import (
    NEUTRAL_BLEND,
    TIME_EPSILON,
    EmotionBlend,
    EmotionComponent,
    EmotionTrack,
    Keyframe,
    emotion_at,
)

from .strategies import easings, emotions, intensities, preset_easings, tracks

HAPPY, SAD, NEUTRAL = Emotion.HAPPY, Emotion.SAD, Emotion.NEUTRAL


def kf(id: str, time: float, emotion: Emotion = HAPPY, intensity: float = 1.0, easing: Easing = LINEAR) -> Keyframe:
    return Keyframe(id, time, emotion, intensity, easing)


# -- Keyframe -----------------------------------------------------------------


def test_keyframe_validates_its_fields() -> None:
    with pytest.raises(UserError, match=">= 0 seconds"):
        kf("a", -0.5)
    with pytest.raises(UserError, match="from 0 to 1"):
        kf("a", 1.0, intensity=1.2)
    with pytest.raises(UserError, match="from 0 to 1"):
        kf("a", 1.0, intensity=-0.1)
    with pytest.raises(UserError, match="number from 0 to 1"):
        kf("a", 1.0, intensity=math.nan)
    with pytest.raises(UserError, match="number of seconds"):
        kf("a", math.inf)
    with pytest.raises(UserError, match="number from 0 to 1"):
        Keyframe("a", 1.0, HAPPY, "high")  # type: ignore[arg-type]
    with pytest.raises(UserError, match="id"):
        kf("", 1.0)
    with pytest.raises(UserError, match="unknown emotion"):
        Keyframe("a", 1.0, "ecstatic")  # type: ignore[arg-type]


def test_keyframe_coerces_friendly_values() -> None:
    k = Keyframe("a", 2, "surprise", 1)  # type: ignore[arg-type]
    assert k.time == 2.0 and isinstance(k.time, float)
    assert k.emotion is Emotion.SURPRISED
    assert k.intensity == 1.0 and isinstance(k.intensity, float)
    assert k.easing == LINEAR


def test_new_keyframes_get_fresh_ids() -> None:
    a, b = Keyframe.new(0.0, HAPPY), Keyframe.new(0.0, HAPPY)
    assert a.id != b.id and len(a.id) == 32


def test_intensity_is_continuous_not_levels() -> None:
    # the paper's 15 levels and anything between them
    for level in range(15):
        assert kf("a", 0.0, intensity=level / 14).intensity == pytest.approx(level / 14)
    assert kf("a", 0.0, intensity=0.123456789).intensity == 0.123456789


# -- EmotionTrack ---------------------------------------------------------------


def test_track_is_sorted_whatever_the_input_order() -> None:
    track = EmotionTrack((kf("c", 3.0), kf("a", 1.0), kf("b", 2.0)))
    assert track.ids == ("a", "b", "c")
    assert track.times == (1.0, 2.0, 3.0)
    assert track.end_time == 3.0
    assert len(track) == 3 and track[0].id == "a" and "b" in track and "z" not in track


def test_same_time_is_refused_with_a_hint() -> None:
    track = EmotionTrack((kf("a", 1.5),))
    with pytest.raises(UserError, match=r"already at 1\.500 s \(happy\); choose a different time"):
        track.add(kf("b", 1.5 + TIME_EPSILON / 2))
    with pytest.raises(UserError, match="choose a different time"):
        EmotionTrack((kf("a", 1.0), kf("b", 1.0)))
    # far enough apart is fine
    assert len(track.add(kf("b", 1.5 + 2 * TIME_EPSILON))) == 2


def test_track_holds_only_keyframes() -> None:
    with pytest.raises(UserError, match="holds keyframes"):
        EmotionTrack((1, 2))  # type: ignore[arg-type]


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(UserError, match="same id"):
        EmotionTrack((kf("a", 1.0), kf("a", 2.0)))
    with pytest.raises(UserError, match="already on the track"):
        EmotionTrack((kf("a", 1.0),)).add(kf("a", 2.0))


def test_pure_methods_return_new_tracks() -> None:
    track = EmotionTrack((kf("a", 0.0, NEUTRAL), kf("b", 2.0)))
    added = track.add(kf("c", 1.0, SAD))
    assert added.ids == ("a", "c", "b") and track.ids == ("a", "b")
    assert added.remove("c") == track
    assert added.remove_all(["a", "c"]).ids == ("b",)
    moved = added.moved("c", 3.0)
    assert moved.ids == ("a", "b", "c") and moved.get("c").time == 3.0
    replaced = track.replace(kf("b", 2.0, SAD, 0.5))
    assert replaced.get("b").emotion is SAD and replaced.get("b").intensity == 0.5
    updated = track.updated("b", intensity=0.25, easing=HOLD)
    assert updated.get("b").intensity == 0.25 and updated.get("b").easing == HOLD
    assert track.find("zz") is None
    with pytest.raises(KeyError):
        track.get("zz")
    with pytest.raises(KeyError):
        track.remove("zz")
    with pytest.raises(UserError, match="different time"):
        track.moved("b", 0.0)
    # moving a keyframe onto its own time is fine
    assert track.moved("b", 2.0) == track


def test_track_queries() -> None:
    track = EmotionTrack((kf("a", 0.0), kf("b", 2.0), kf("c", 4.0)))
    assert track.index_of("b") == 1
    assert track.at_time(2.0).id == "b" and track.at_time(2.5) is None
    assert track.segment_at(3.0) == (track.get("b"), track.get("c"))
    assert track.segment_at(-1.0) == (None, track.get("a"))
    assert track.segment_at(9.0) == (track.get("c"), None)
    assert track.free_time_near(1.0) == 1.0
    assert track.at_time(track.free_time_near(2.0)) is None
    assert track.shifted(1.0).times == (1.0, 3.0, 5.0)
    with pytest.raises(UserError):
        track.shifted(-1.0)


def test_track_is_immutable_and_hashable() -> None:
    track = EmotionTrack((kf("a", 0.0),))
    with pytest.raises(AttributeError):
        track.keyframes = ()  # type: ignore[misc]
    assert hash(track) == hash(EmotionTrack((kf("a", 0.0),)))
    assert EmotionTrack([kf("a", 0.0)]) == track  # a list is accepted


# -- emotion_at -----------------------------------------------------------------


def test_empty_track_is_neutral_at_zero() -> None:
    blend = emotion_at(EmotionTrack(), 3.0)
    assert blend == NEUTRAL_BLEND
    assert blend.emotion is NEUTRAL and blend.components[0].intensity == 0.0


def test_single_keyframe_holds_everywhere() -> None:
    track = EmotionTrack((kf("a", 2.0, SAD, 0.4),))
    for t in (-5.0, 0.0, 2.0, 100.0):
        assert emotion_at(track, t).components == (EmotionComponent(SAD, 1.0, 0.4),)


def test_before_first_and_after_last() -> None:
    track = EmotionTrack((kf("a", 1.0, HAPPY, 0.3), kf("b", 2.0, SAD, 0.9)))
    assert emotion_at(track, 0.0).components == (EmotionComponent(HAPPY, 1.0, 0.3),)
    assert emotion_at(track, -1.0).components == (EmotionComponent(HAPPY, 1.0, 0.3),)
    assert emotion_at(track, 2.0).components == (EmotionComponent(SAD, 1.0, 0.9),)
    assert emotion_at(track, 50.0).components == (EmotionComponent(SAD, 1.0, 0.9),)


def test_exactly_at_keyframes() -> None:
    track = EmotionTrack((kf("a", 0.0, HAPPY, 0.3), kf("b", 1.0, SAD, 0.9), kf("c", 2.0, NEUTRAL, 0.5)))
    assert emotion_at(track, 0.0).components == (EmotionComponent(HAPPY, 1.0, 0.3),)
    assert emotion_at(track, 1.0).components == (EmotionComponent(SAD, 1.0, 0.9),)
    assert emotion_at(track, 2.0).components == (EmotionComponent(NEUTRAL, 1.0, 0.5),)


def test_linear_blend_between_different_emotions() -> None:
    track = EmotionTrack((kf("a", 0.0, HAPPY, 0.8), kf("b", 2.0, SAD, 0.4)))
    blend = emotion_at(track, 0.5)
    assert blend.components == (EmotionComponent(HAPPY, 0.75, 0.8), EmotionComponent(SAD, 0.25, 0.4))
    assert blend.dominant.emotion is HAPPY and blend.emotion is HAPPY
    assert blend.weight_of(SAD) == 0.25
    assert blend.intensity_of(HAPPY) == pytest.approx(0.6)
    assert blend.intensity_of(SAD) == pytest.approx(0.1)
    assert blend.intensity_of(Emotion.ANGRY) == 0.0
    assert emotion_at(track, 1.5).dominant.emotion is SAD


def test_same_emotion_lerps_intensity_in_one_component() -> None:
    track = EmotionTrack((kf("a", 0.0, HAPPY, 0.2), kf("b", 1.0, HAPPY, 1.0)))
    blend = emotion_at(track, 0.25)
    assert len(blend.components) == 1
    assert blend.components[0].emotion is HAPPY
    assert blend.components[0].intensity == pytest.approx(0.4)


def test_segment_uses_the_easing_of_its_first_keyframe() -> None:
    track = EmotionTrack((kf("a", 0.0, HAPPY, 0.0, EASE_IN_OUT), kf("b", 1.0, HAPPY, 1.0, HOLD)))
    assert emotion_at(track, 0.25).components[0].intensity == pytest.approx(EASE_IN_OUT.blend(0.25))
    assert emotion_at(track, 0.5).components[0].intensity == pytest.approx(0.5)


def test_hold_keeps_the_first_keyframe_then_jumps() -> None:
    track = EmotionTrack((kf("a", 0.0, HAPPY, 0.5, HOLD), kf("b", 1.0, SAD, 1.0)))
    for t in (0.0, 0.5, 0.999999):
        assert emotion_at(track, t).components == (EmotionComponent(HAPPY, 1.0, 0.5),)
    assert emotion_at(track, 1.0).components == (EmotionComponent(SAD, 1.0, 1.0),)


def test_overshoot_is_clamped() -> None:
    overshoot = Easing.custom(0.3, 2.5, 0.6, 1.0)
    track = EmotionTrack((kf("a", 0.0, HAPPY, 0.5, overshoot), kf("b", 1.0, HAPPY, 0.9)))
    values = [emotion_at(track, i / 100).components[0].intensity for i in range(101)]
    assert max(values) == 1.0  # 0.5 + 0.4 * 2.x would be > 1
    track2 = EmotionTrack((kf("a", 0.0, HAPPY, 0.5, overshoot), kf("b", 1.0, SAD, 0.9)))
    for i in range(101):
        blend = emotion_at(track2, i / 100)
        assert all(0.0 <= c.weight <= 1.0 for c in blend.components)


def test_blend_validation() -> None:
    with pytest.raises(ValueError):
        EmotionBlend(())
    with pytest.raises(ValueError):
        EmotionBlend((EmotionComponent(HAPPY, 0.5, 1.0),))
    with pytest.raises(ValueError):
        emotion_at(EmotionTrack((kf("a", 0.0),)), math.nan)


def test_amounts_has_every_emotion() -> None:
    track = EmotionTrack((kf("a", 0.0, HAPPY, 0.8), kf("b", 2.0, SAD, 0.4)))
    amounts = emotion_at(track, 1.0).amounts()
    assert set(amounts) == set(Emotion)
    assert amounts[HAPPY] == pytest.approx(0.4) and amounts[SAD] == pytest.approx(0.2)


# -- properties -------------------------------------------------------------------

times = st.floats(-5.0, 40.0, allow_nan=False)


@given(tracks(), times)
def test_blend_is_well_formed(track: EmotionTrack, t: float) -> None:
    blend = emotion_at(track, t)
    assert 1 <= len(blend.components) <= 2
    assert sum(c.weight for c in blend.components) == pytest.approx(1.0, abs=1e-12)
    for c in blend.components:
        assert 0.0 < c.weight <= 1.0
        assert 0.0 <= c.intensity <= 1.0
    if len(blend.components) == 2:
        assert blend.components[0].emotion != blend.components[1].emotion
    assert all(0.0 <= v <= 1.0 + 1e-12 for v in blend.amounts().values())
    # the components come from the keyframes around t
    before, after = track.segment_at(t)
    allowed = {k.emotion for k in (before, after) if k is not None} or {NEUTRAL}
    assert {c.emotion for c in blend.components} <= allowed


def _distance(a: EmotionBlend, b: EmotionBlend) -> float:
    va, vb = a.amounts(), b.amounts()
    return max(abs(va[e] - vb[e]) for e in Emotion)


@given(tracks(easing=preset_easings, min_size=1), times, st.floats(1e-9, 1e-4))
def test_continuous_where_not_hold_lipschitz(track: EmotionTrack, t: float, dt: float) -> None:
    """With the named curves (bounded slope) the amounts move at most L * dt / segment length."""
    before, after = track.segment_at(t)
    before2, _ = track.segment_at(t + dt)
    assume(before2 == before)  # no keyframe inside (t, t + dt]
    assume(before is None or not before.easing.is_hold or after is None)
    length = (after.time - before.time) if before is not None and after is not None else 1.0
    # the slopes of the CSS presets are below 2; 3 leaves room for rounding
    bound = 3.0 * dt / length + 1e-9
    assert _distance(emotion_at(track, t), emotion_at(track, t + dt)) <= bound


@given(tracks(easing=easings, min_size=1), times)
def test_continuous_where_not_hold_any_curve(track: EmotionTrack, t: float) -> None:
    """Custom curves may be steep (a vertical tangent) but never jump."""
    dt = 1e-9
    before, after = track.segment_at(t)
    assume(before is None or not before.easing.is_hold or after is None)
    # crossing a keyframe is allowed: the value at a keyframe is that keyframe from both sides
    assert _distance(emotion_at(track, t), emotion_at(track, t + dt)) <= 0.05


@given(tracks(easing=easings, min_size=2))
def test_continuous_across_keyframes(track: EmotionTrack) -> None:
    for i, keyframe in enumerate(track.keyframes[1:], start=1):
        previous = track.keyframes[i - 1]
        if previous.easing.is_hold:
            continue
        at = emotion_at(track, keyframe.time)
        just_before = emotion_at(track, keyframe.time - 1e-9)
        assert _distance(at, just_before) <= 0.05


@given(tracks(min_size=2))
def test_hold_jumps_only_at_the_next_keyframe(track: EmotionTrack) -> None:
    for a, b in zip(track.keyframes, track.keyframes[1:]):
        if a.easing.is_hold:
            for f in (0.0, 0.3, 0.99):
                assert emotion_at(track, a.time + f * (b.time - a.time)).components == (
                    EmotionComponent(a.emotion, 1.0, a.intensity),
                )


_ops = st.lists(
    st.tuples(
        st.sampled_from(["add", "remove", "move", "replace", "update"]),
        st.integers(0, 20),
        st.floats(0.0, 20.0, allow_nan=False),
        emotions,
        intensities,
        easings,
    ),
    max_size=30,
)


@settings(max_examples=150)
@given(tracks(), _ops)
def test_ordering_preserved_under_random_edits(track: EmotionTrack, ops: list) -> None:
    counter = 0
    for op, index, time, emotion, intensity, easing in ops:
        ids = track.ids
        try:
            if op == "add":
                counter += 1
                track = track.add(Keyframe(f"new{counter}", time, emotion, intensity, easing))
            elif ids and op == "remove":
                track = track.remove(ids[index % len(ids)])
            elif ids and op == "move":
                track = track.moved(ids[index % len(ids)], time)
            elif ids and op == "replace":
                keyframe_id = ids[index % len(ids)]
                track = track.replace(Keyframe(keyframe_id, time, emotion, intensity, easing))
            elif ids and op == "update":
                track = track.updated(ids[index % len(ids)], intensity=intensity, easing=easing)
        except UserError as exc:
            assert "different time" in str(exc)
        assert list(track.times) == sorted(track.times)
        assert all(b - a >= TIME_EPSILON for a, b in zip(track.times, track.times[1:]))
        assert len(set(track.ids)) == len(track)
        assert EmotionTrack(track.keyframes) == track
