"""Emotion keyframes, the emotion track, and its evaluation at a time.

Times are in seconds (float, >= 0); intensities are in 0..1 (continuous; the
paper's 15 levels are a subset). A keyframe's easing shapes the segment that
starts at it. Every type here is immutable: track methods return new tracks.
"""

from __future__ import annotations

import bisect
import uuid
from dataclasses import dataclass, field, replace
from typing import Iterable, Iterator, Optional, Union

from emospeaker_studio.core.easing import LINEAR, Easing
from emospeaker_studio.core.emotions import Emotion, parse_emotion
from emospeaker_studio.core.errors import UserError
from emospeaker_studio.core.numbers import is_finite_number, show_number

#: Two keyframes closer than this (seconds) count as "at the same time".
TIME_EPSILON = 1e-6
#: The latest time a keyframe may have (seconds; about four months), so times stay exact floats.
MAX_TIME = 1e7


def new_keyframe_id() -> str:
    """A fresh, stable keyframe id (32 hex digits)."""
    return uuid.uuid4().hex


def _format_time(t: float) -> str:
    return f"{t:.3f} s" if abs(t - round(t, 3)) < 1e-9 else f"{t:.6f} s"


def check_time(time: object, what: str = "keyframe time") -> float:
    """Return ``time`` as a float in seconds; UserError unless finite and >= 0."""
    if not is_finite_number(time):
        raise UserError(f"{what} must be a number of seconds >= 0, got {time!r}")
    assert isinstance(time, (int, float))
    if time < 0:
        raise UserError(
            f"{what} must be >= 0 seconds, got {show_number(time)}; keyframes start at 0 s (the start of the audio)"
        )
    if time > MAX_TIME:
        raise UserError(f"{what} must be at most {MAX_TIME:g} seconds, got {show_number(time)}")
    return float(time)


def check_intensity(intensity: object, what: str = "intensity") -> float:
    """Return ``intensity`` as a float; UserError unless it is a number in 0..1."""
    if not is_finite_number(intensity):
        raise UserError(f"{what} must be a number from 0 to 1, got {intensity!r}")
    assert isinstance(intensity, (int, float))
    if not 0.0 <= intensity <= 1.0:
        raise UserError(f"{what} must be from 0 to 1 (0 = none, 1 = full), got {show_number(intensity)}")
    return float(intensity)


@dataclass(frozen=True)
class Keyframe:
    """One emotion keyframe.

    ``id``: stable identifier (e.g. uuid4 hex), unique within a track.
    ``time``: seconds from the start of the audio, >= 0.
    ``emotion``: an :class:`Emotion` (a plain string is parsed, aliases allowed).
    ``intensity``: 0..1.
    ``easing``: the easing of the segment from this keyframe to the next.
    """

    id: str
    time: float
    emotion: Emotion
    intensity: float = 1.0
    easing: Easing = LINEAR

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise UserError(f"keyframe id must be a non-empty string, got {self.id!r}")
        object.__setattr__(self, "time", check_time(self.time))
        if not isinstance(self.emotion, Emotion):
            if not isinstance(self.emotion, str):
                raise UserError(f"keyframe emotion must be an emotion name, got {self.emotion!r}")
            object.__setattr__(self, "emotion", parse_emotion(self.emotion))
        object.__setattr__(self, "intensity", check_intensity(self.intensity))
        if not isinstance(self.easing, Easing):
            raise UserError(f"keyframe easing must be an Easing, got {self.easing!r}")

    @staticmethod
    def new(
        time: float,
        emotion: Union[Emotion, str],
        intensity: float = 1.0,
        easing: Easing = LINEAR,
    ) -> "Keyframe":
        """A keyframe with a fresh id."""
        return Keyframe(new_keyframe_id(), time, emotion, intensity, easing)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> "Keyframe":
        """A copy with some fields changed (validated)."""
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class EmotionTrack:
    """Emotion keyframes, always sorted by time, ids unique, no two at the same time.

    Build from any iterable of keyframes (they are sorted). All methods are
    pure and return a new track; a conflicting keyframe raises UserError.
    """

    keyframes: tuple[Keyframe, ...] = ()
    _times: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for kf in self.keyframes:
            if not isinstance(kf, Keyframe):
                raise UserError(f"an emotion track holds keyframes, got {kf!r}")
        keyframes = tuple(sorted(self.keyframes, key=lambda kf: kf.time))
        seen: dict[str, Keyframe] = {}
        for kf in keyframes:
            if kf.id in seen:
                raise UserError(f"two keyframes have the same id {kf.id!r}; give each keyframe its own id")
            seen[kf.id] = kf
        for before, after in zip(keyframes, keyframes[1:]):
            if after.time - before.time < TIME_EPSILON:
                raise _same_time_error(after.time, before)
        object.__setattr__(self, "keyframes", keyframes)
        object.__setattr__(self, "_times", tuple(kf.time for kf in keyframes))

    # -- reading -----------------------------------------------------------
    def __len__(self) -> int:
        return len(self.keyframes)

    def __iter__(self) -> Iterator[Keyframe]:
        return iter(self.keyframes)

    def __getitem__(self, index: int) -> Keyframe:
        return self.keyframes[index]

    def __bool__(self) -> bool:
        return bool(self.keyframes)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(kf.id for kf in self.keyframes)

    @property
    def times(self) -> tuple[float, ...]:
        """Keyframe times in seconds, ascending."""
        return self._times

    @property
    def end_time(self) -> float:
        """Time of the last keyframe in seconds (0 for an empty track)."""
        return self._times[-1] if self._times else 0.0

    def find(self, keyframe_id: str) -> Optional[Keyframe]:
        """The keyframe with this id, or None."""
        for kf in self.keyframes:
            if kf.id == keyframe_id:
                return kf
        return None

    def get(self, keyframe_id: str) -> Keyframe:
        """The keyframe with this id; KeyError if there is none."""
        kf = self.find(keyframe_id)
        if kf is None:
            raise KeyError(f"no keyframe with id {keyframe_id!r}")
        return kf

    def __contains__(self, keyframe_id: object) -> bool:
        return isinstance(keyframe_id, str) and self.find(keyframe_id) is not None

    def index_of(self, keyframe_id: str) -> int:
        """Position of the keyframe in time order; KeyError if absent."""
        for i, kf in enumerate(self.keyframes):
            if kf.id == keyframe_id:
                return i
        raise KeyError(f"no keyframe with id {keyframe_id!r}")

    def at_time(self, time: float, tolerance: float = TIME_EPSILON) -> Optional[Keyframe]:
        """The keyframe within ``tolerance`` seconds of ``time``, or None."""
        i = bisect.bisect_left(self._times, time - tolerance)
        if i < len(self._times) and abs(self._times[i] - time) < tolerance:
            return self.keyframes[i]
        return None

    def segment_at(self, t: float) -> tuple[Optional[Keyframe], Optional[Keyframe]]:
        """The keyframes before (at or earlier than ``t``) and after ``t``; either may be None."""
        i = bisect.bisect_right(self._times, t)
        before = self.keyframes[i - 1] if i > 0 else None
        after = self.keyframes[i] if i < len(self.keyframes) else None
        return before, after

    def free_time_near(self, time: float) -> float:
        """The nearest time >= ``time`` where a keyframe may be put (seconds)."""
        t = max(0.0, time)
        while True:
            clash = self.at_time(t)
            if clash is None:
                return t
            t = clash.time + 2 * TIME_EPSILON + 1e-3

    # -- pure edits ----------------------------------------------------------
    def add(self, keyframe: Keyframe) -> "EmotionTrack":
        """A track with ``keyframe`` added; UserError if its id or time is taken."""
        if keyframe.id in self:
            raise UserError(f"a keyframe with id {keyframe.id!r} is already on the track")
        self._check_time_free(keyframe.time, ignore_id=None)
        return EmotionTrack(self.keyframes + (keyframe,))

    def add_all(self, keyframes: Iterable[Keyframe]) -> "EmotionTrack":
        """A track with several keyframes added (all or none)."""
        track = self
        for kf in keyframes:
            track = track.add(kf)
        return track

    def remove(self, keyframe_id: str) -> "EmotionTrack":
        """A track without the keyframe ``keyframe_id``; KeyError if absent."""
        self.get(keyframe_id)
        return EmotionTrack(tuple(kf for kf in self.keyframes if kf.id != keyframe_id))

    def remove_all(self, keyframe_ids: Iterable[str]) -> "EmotionTrack":
        """A track without these keyframes; KeyError if one is absent."""
        ids = set(keyframe_ids)
        for keyframe_id in ids:
            self.get(keyframe_id)
        return EmotionTrack(tuple(kf for kf in self.keyframes if kf.id not in ids))

    def replace(self, keyframe: Keyframe) -> "EmotionTrack":
        """A track where the keyframe with ``keyframe.id`` is replaced by ``keyframe``."""
        self.get(keyframe.id)
        self._check_time_free(keyframe.time, ignore_id=keyframe.id)
        return EmotionTrack(tuple(keyframe if kf.id == keyframe.id else kf for kf in self.keyframes))

    def moved(self, keyframe_id: str, time: float) -> "EmotionTrack":
        """A track with keyframe ``keyframe_id`` moved to ``time`` seconds."""
        return self.replace(self.get(keyframe_id).with_(time=time))

    def updated(self, keyframe_id: str, **changes: object) -> "EmotionTrack":
        """A track with some fields of one keyframe changed (``time``, ``emotion``, ``intensity``, ``easing``)."""
        if "id" in changes:
            raise ValueError("a keyframe's id cannot change")
        return self.replace(self.get(keyframe_id).with_(**changes))

    def shifted(self, offset: float) -> "EmotionTrack":
        """All keyframes moved by ``offset`` seconds; UserError if one would go below 0."""
        return EmotionTrack(tuple(kf.with_(time=kf.time + offset) for kf in self.keyframes))

    def _check_time_free(self, time: float, ignore_id: Optional[str]) -> None:
        i = bisect.bisect_left(self._times, time - TIME_EPSILON)
        while i < len(self._times) and self._times[i] - time < TIME_EPSILON:
            other = self.keyframes[i]
            if other.id != ignore_id and abs(other.time - time) < TIME_EPSILON:
                raise _same_time_error(time, other)
            i += 1


def _same_time_error(time: float, other: Keyframe) -> UserError:
    return UserError(
        f"a keyframe is already at {_format_time(other.time)} ({other.emotion.value}); "
        f"choose a different time (keyframes must be at least {TIME_EPSILON:g} s apart) "
        "or edit that keyframe instead"
    )


@dataclass(frozen=True)
class EmotionComponent:
    """One emotion in a blend: ``weight`` (0..1, its share of the blend) and ``intensity`` (0..1)."""

    emotion: Emotion
    weight: float
    intensity: float

    @property
    def amount(self) -> float:
        """weight x intensity: how much this emotion shows (0..1)."""
        return self.weight * self.intensity


@dataclass(frozen=True)
class EmotionBlend:
    """The emotion at one instant: 1 or 2 components whose weights sum to 1."""

    components: tuple[EmotionComponent, ...]

    def __post_init__(self) -> None:
        components = tuple(self.components)
        if not 1 <= len(components) <= 2:
            raise ValueError(f"an emotion blend has 1 or 2 components, got {len(components)}")
        total = sum(c.weight for c in components)
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"blend weights must sum to 1, got {total}")
        object.__setattr__(self, "components", components)

    @property
    def dominant(self) -> EmotionComponent:
        """The component with the largest weight (the earlier keyframe's on a tie)."""
        return max(self.components, key=lambda c: c.weight)

    @property
    def emotion(self) -> Emotion:
        """The dominant emotion."""
        return self.dominant.emotion

    def weight_of(self, emotion: Emotion) -> float:
        """Total weight (0..1) of ``emotion`` in the blend; 0 if absent."""
        return sum(c.weight for c in self.components if c.emotion == emotion)

    def intensity_of(self, emotion: Emotion) -> float:
        """How much ``emotion`` shows (0..1): the sum of weight x intensity of its components; 0 if absent."""
        return sum(c.weight * c.intensity for c in self.components if c.emotion == emotion)

    def amounts(self) -> dict[Emotion, float]:
        """``intensity_of`` for every emotion (all eight keys); continuous in time except at holds."""
        result = {emotion: 0.0 for emotion in Emotion}
        for c in self.components:
            result[c.emotion] += c.weight * c.intensity
        return result


#: The blend of an empty track: neutral at intensity 0.
NEUTRAL_BLEND = EmotionBlend((EmotionComponent(Emotion.NEUTRAL, 1.0, 0.0),))


def _single(kf: Keyframe) -> EmotionBlend:
    return EmotionBlend((EmotionComponent(kf.emotion, 1.0, kf.intensity),))


def emotion_at(track: EmotionTrack, t: float) -> EmotionBlend:
    """The emotion at time ``t`` (seconds).

    Before the first keyframe: the first keyframe's emotion and intensity;
    after the last: the last's. Between keyframes a and b, the blend factor is
    ``w = a.easing.blend((t - a.time) / (b.time - a.time))``. The same emotion
    on both gives one component with the intensity interpolated (an
    overshooting curve is clamped to 0..1); different emotions give
    ``(a.emotion, 1 - w, a.intensity)`` and ``(b.emotion, w, b.intensity)`` with
    w clamped to 0..1, dropping a component of weight 0. An empty track is
    neutral at intensity 0.
    """
    if not is_finite_number(t):
        raise ValueError(f"time must be finite, got {t!r}")
    keyframes = track.keyframes
    if not keyframes:
        return NEUTRAL_BLEND
    times = track.times
    i = bisect.bisect_right(times, t)
    if i == 0:
        return _single(keyframes[0])
    if i == len(keyframes):
        return _single(keyframes[-1])
    a, b = keyframes[i - 1], keyframes[i]
    w = a.easing.blend((t - a.time) / (b.time - a.time))
    if a.emotion == b.emotion:
        intensity = a.intensity + (b.intensity - a.intensity) * w
        return EmotionBlend((EmotionComponent(a.emotion, 1.0, min(1.0, max(0.0, intensity))),))
    w = min(1.0, max(0.0, w))
    if w <= 0.0:
        return _single(a)
    if w >= 1.0:
        return _single(b)
    return EmotionBlend(
        (
            EmotionComponent(a.emotion, 1.0 - w, a.intensity),
            EmotionComponent(b.emotion, w, b.intensity),
        )
    )
