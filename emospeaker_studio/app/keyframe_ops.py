"""Keyframe commands shared by the timeline's context menu, the Edit menu and shortcuts.

Each function turns a user intent into one core edit pushed on the document
(so it is one undo step) and updates the selection to what the user expects
to see selected afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional

from emospeaker_studio.app.document import DocumentController
from emospeaker_studio.app.selection import KeyframeSelection
from emospeaker_studio.core.easing import HOLD, LINEAR, Easing
from emospeaker_studio.core.edits import (
    AddKeyframe,
    MacroEdit,
    PasteKeyframes,
    RemoveKeyframes,
    SetKeyframeEasing,
    SetKeyframeEmotion,
)
from emospeaker_studio.core.emotions import Emotion
from emospeaker_studio.core.keyframes import Keyframe


def snap_to_frame(seconds: float, fps: float) -> float:
    """The start time of the frame nearest ``seconds`` (keyframes sit on frames)."""
    return max(0.0, round(seconds * fps) / fps)


@dataclass
class KeyframeClipboard:
    """Copied keyframes (the app's own clipboard: keyframes are not text)."""

    keyframes: tuple[Keyframe, ...] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return bool(self.keyframes)


def add_keyframe(doc: DocumentController, selection: KeyframeSelection, time: float, emotion: Emotion, intensity: float) -> Optional[str]:
    """Add a keyframe at the first free time at or after ``time``; select it. Returns its id."""
    track = doc.project.emotions
    time = track.free_time_near(time)
    keyframe = Keyframe.new(time, emotion, min(1.0, max(0.0, intensity)))
    if doc.push(AddKeyframe(keyframe)):
        selection.set([keyframe.id], keyframe.id)
        return keyframe.id
    return None


def delete_keyframes(doc: DocumentController, selection: KeyframeSelection, ids: Optional[Iterable[str]] = None) -> bool:
    ids = tuple(ids if ids is not None else selection.ids)
    ids = tuple(i for i in ids if i in doc.project.emotions)
    if not ids:
        return False
    ok = doc.push(RemoveKeyframes(ids))
    if ok:
        selection.clear()
    return ok


def copy_keyframes(doc: DocumentController, selection: KeyframeSelection, clipboard: KeyframeClipboard) -> int:
    track = doc.project.emotions
    clipboard.keyframes = tuple(kf for kf in track if kf.id in selection)
    return len(clipboard.keyframes)


def paste_keyframes(doc: DocumentController, selection: KeyframeSelection, clipboard: KeyframeClipboard, at_time: float) -> bool:
    """Paste the clipboard with its earliest keyframe at ``at_time`` (moved to free time if taken)."""
    if not clipboard:
        doc.editFailed.emit("nothing to paste; copy some keyframes first (Ctrl+C)")
        return False
    first = min(kf.time for kf in clipboard.keyframes)
    span_ok_time = _free_offset_time(doc, clipboard.keyframes, at_time - first)
    edit = PasteKeyframes(clipboard.keyframes, at_time=first + span_ok_time)
    if doc.push(edit):
        selection.set(edit.keyframe_ids, edit.keyframe_ids[0])
        return True
    return False


def duplicate_keyframes(doc: DocumentController, selection: KeyframeSelection, fps: float) -> bool:
    """Copies of the selected keyframes right after the last one (one frame later, or more if taken)."""
    track = doc.project.emotions
    chosen = tuple(kf for kf in track if kf.id in selection)
    if not chosen:
        return False
    first, last = chosen[0].time, chosen[-1].time
    span = last - first
    offset = _free_offset_time(doc, chosen, span + max(1.0 / fps, 0.5 if span == 0 else 1.0 / fps))
    edit = PasteKeyframes(chosen, at_time=first + offset)
    if doc.push(edit):
        selection.set(edit.keyframe_ids, edit.keyframe_ids[0])
        return True
    return False


def _free_offset_time(doc: DocumentController, keyframes: tuple[Keyframe, ...], offset: float) -> float:
    """Smallest offset >= ``offset`` (within 10 s more) where no copy lands on an existing keyframe."""
    track = doc.project.emotions
    step = 0.04
    for attempt in range(250):
        trial = offset + attempt * step
        if all(kf.time + trial >= 0 and track.at_time(kf.time + trial, 1e-3) is None for kf in keyframes):
            return trial
    return offset


def set_emotion(doc: DocumentController, ids: Iterable[str], emotion: Emotion) -> bool:
    edits = [SetKeyframeEmotion(i, emotion) for i in ids if doc.project.emotions.get(i).emotion != emotion]
    if not edits:
        return False
    return doc.push(edits[0] if len(edits) == 1 else MacroEdit(edits, "Change Keyframe Emotions"))


def set_easing(doc: DocumentController, ids: Iterable[str], easing: Easing) -> bool:
    edits = [SetKeyframeEasing(i, easing) for i in ids if doc.project.emotions.get(i).easing != easing]
    if not edits:
        return False
    return doc.push(edits[0] if len(edits) == 1 else MacroEdit(edits, "Change Keyframe Easings"))


def toggle_hold(doc: DocumentController, ids: Iterable[str]) -> bool:
    """Hold the emotion of keyframes ``ids`` until the next keyframe (then it changes at once);
    when all of them hold already, blend linearly again. One undo step."""
    track = doc.project.emotions
    ids = tuple(i for i in ids if i in track)
    if not ids:
        doc.editFailed.emit("select the keyframes whose emotion should hold (click a diamond), then press H")
        return False
    all_held = all(track.get(i).easing.is_hold for i in ids)
    return set_easing(doc, ids, LINEAR if all_held else HOLD)
