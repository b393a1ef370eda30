"""The command line's emotion spec: ``"0=neutral, 1.5=happy:0.8, 4=surprised"``.

Each comma-separated item is ``TIME=EMOTION[:INTENSITY][/EASING]``: time in
seconds (an ``s`` suffix is allowed), an emotion name or alias (``surprise``,
``fear``, ``anger``, ``happiness``...), an optional intensity 0..1 (or a
percentage such as ``80%``; default 1) and an optional easing for the segment
that starts there (``hold``, ``linear`` (default), ``ease-in``, ``ease-out``,
``ease-in-out``, a preset such as ``overshoot``, or ``cubic-bezier(x1, y1, x2, y2)``).
"""

from __future__ import annotations

import math

from emospeaker_studio.core.easing import LINEAR, EasingKind, parse_easing
from emospeaker_studio.core.emotions import parse_emotion
from emospeaker_studio.core.errors import UserError
from emospeaker_studio.core.keyframes import EmotionTrack, Keyframe, new_keyframe_id

FORM = "TIME=EMOTION[:INTENSITY][/EASING], e.g. 1.5=happy:0.8"


def _split_items(text: str) -> list[str]:
    """Split at commas (or semicolons) that are not inside parentheses."""
    items, depth, current = [], 0, []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        if char in ",;" and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    return items


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def parse_emotion_spec(text: str) -> EmotionTrack:
    """Parse an emotion spec into an :class:`EmotionTrack` (fresh keyframe ids).

    Raises :class:`UserError` naming the offending item and the expected form.
    """
    if not text or not text.strip():
        raise UserError(f"the emotion spec is empty; write items like {FORM}")
    keyframes: list[Keyframe] = []
    for position, raw in enumerate(_split_items(text), start=1):
        item = raw.strip()
        if not item:
            continue  # allow "0=neutral, 2=happy," and doubled commas
        where = f"emotion spec item {position} {item!r}"
        if "=" not in item:
            raise UserError(f"{where}: missing '='; expected {FORM}")
        time_text, rest = (part.strip() for part in item.split("=", 1))
        if time_text.lower().endswith("s"):
            time_text = time_text[:-1].strip()
        try:
            time = _number(time_text)
        except ValueError:
            raise UserError(f"{where}: time {time_text!r} is not a number of seconds; expected {FORM}") from None
        if time < 0:
            raise UserError(f"{where}: time must be >= 0 seconds; expected {FORM}")
        easing = LINEAR
        if "/" in rest:
            rest, easing_text = (part.strip() for part in rest.split("/", 1))
            try:
                easing = parse_easing(easing_text)
            except UserError as exc:
                raise UserError(f"{where}: {exc}") from None
        intensity = 1.0
        if ":" in rest:
            rest, intensity_text = (part.strip() for part in rest.split(":", 1))
            try:
                if intensity_text.endswith("%"):
                    intensity = _number(intensity_text[:-1]) / 100.0
                else:
                    intensity = _number(intensity_text)
            except ValueError:
                raise UserError(
                    f"{where}: intensity {intensity_text!r} is not a number; use 0..1 (or 0%..100%), "
                    f"expected {FORM}"
                ) from None
            if not 0.0 <= intensity <= 1.0:
                raise UserError(f"{where}: intensity {intensity_text} is outside 0..1; expected {FORM}")
        if not rest:
            raise UserError(f"{where}: missing emotion; expected {FORM}")
        try:
            emotion = parse_emotion(rest)
        except UserError as exc:
            raise UserError(f"{where}: {exc}") from None
        keyframe = Keyframe(new_keyframe_id(), time, emotion, intensity, easing)
        for other in keyframes:
            if abs(other.time - time) < 1e-6:
                raise UserError(
                    f"{where}: another item is already at {time:g} s; give each item a different time"
                )
        keyframes.append(keyframe)
    if not keyframes:
        raise UserError(f"the emotion spec has no items; write items like {FORM}")
    return EmotionTrack(tuple(keyframes))


def _short(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def format_emotion_spec(track: EmotionTrack) -> str:
    """The spec of a track; ``parse_emotion_spec`` of it gives the same keyframes (new ids)."""
    items = []
    for kf in track:
        item = f"{_short(kf.time)}={kf.emotion.value}"
        if kf.intensity != 1.0:
            item += f":{_short(kf.intensity)}"
        if kf.easing.kind is not EasingKind.LINEAR:
            item += f"/{kf.easing.name}"
        items.append(item)
    return ", ".join(items)
