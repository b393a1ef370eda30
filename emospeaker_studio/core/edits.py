"""Undoable edits of a :class:`Project`.

An :class:`Edit` is built from what the user asked for ("move keyframe k to
2.5 s"); ``apply(project)`` returns the changed project and remembers what it
replaced, so ``revert(project)`` can put it back. Apply -> revert -> apply
gives the same projects every time; the Studio wraps each edit in a
``QUndoCommand`` (app/document.py).

An edit object remembers its last application (what it replaced), so give
each push its own object.

Edits made while dragging share a ``merge_key``; the Studio merges the edits
of one gesture (a drag, a slider move) into one undo step with :meth:`Edit.merge`.
"""

from __future__ import annotations

from typing import Hashable, Iterable, Mapping, Optional, Sequence

from emospeaker_studio.core.easing import Easing
from emospeaker_studio.core.emotions import Emotion
from emospeaker_studio.core.errors import UserError
from emospeaker_studio.core.keyframes import EmotionTrack, Keyframe, check_intensity, check_time, new_keyframe_id
from emospeaker_studio.core.project import OUTPUT_FIELDS, STYLE_FIELDS, Project

_UNSET = object()


class Edit:
    """Base class: one undoable change of a project.

    Subclasses implement ``_apply`` (return the new project, store what is
    needed to revert) and ``_revert``. ``description`` is the text for the
    Undo menu ("Undo Move Keyframe").
    """

    description: str = "Edit"

    def __init__(self) -> None:
        self._applied_once = False

    @property
    def merge_key(self) -> Optional[Hashable]:
        """Edits with equal, non-None keys pushed in a row merge into one undo step."""
        return None

    def apply(self, project: Project) -> Project:
        """Return ``project`` with this edit made. Raises UserError (project unchanged) if it cannot be made."""
        result = self._apply(project)
        self._applied_once = True
        return result

    def revert(self, project: Project) -> Project:
        """Return ``project`` (as left by :meth:`apply`) with this edit undone."""
        if not self._applied_once:
            raise RuntimeError(f"cannot revert {type(self).__name__} before it was applied")
        return self._revert(project)

    def merge(self, newer: "Edit") -> "Edit":
        """One edit doing this edit and then ``newer`` (same merge key; both applied)."""
        raise ValueError(f"{type(self).__name__} does not merge")

    def _apply(self, project: Project) -> Project:
        raise NotImplementedError

    def _revert(self, project: Project) -> Project:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.description!r}>"


def _check_same_key(older: Edit, newer: Edit) -> None:
    if older.merge_key is None or older.merge_key != newer.merge_key:
        raise ValueError(f"cannot merge {older!r} with {newer!r}: different merge keys")


# -- keyframes -----------------------------------------------------------------


class AddKeyframe(Edit):
    """Add one keyframe (build it with ``Keyframe.new``)."""

    description = "Add Keyframe"

    def __init__(self, keyframe: Keyframe) -> None:
        super().__init__()
        self.keyframe = keyframe

    def _apply(self, project: Project) -> Project:
        return project.with_(emotions=project.emotions.add(self.keyframe))

    def _revert(self, project: Project) -> Project:
        return project.with_(emotions=project.emotions.remove(self.keyframe.id))


class RemoveKeyframes(Edit):
    """Delete one or several keyframes by id."""

    def __init__(self, keyframe_ids: Iterable[str]) -> None:
        super().__init__()
        self.keyframe_ids = tuple(dict.fromkeys(keyframe_ids))
        self._removed: tuple[Keyframe, ...] = ()
        self.description = "Delete Keyframe" if len(self.keyframe_ids) == 1 else "Delete Keyframes"

    def _apply(self, project: Project) -> Project:
        track = project.emotions
        removed = tuple(track.get(keyframe_id) for keyframe_id in self.keyframe_ids)
        result = project.with_(emotions=track.remove_all(self.keyframe_ids))
        self._removed = removed
        return result

    def _revert(self, project: Project) -> Project:
        return project.with_(emotions=project.emotions.add_all(self._removed))


class _KeyframeChange(Edit):
    """Change fields of one keyframe; revert restores the fields as they were."""

    def __init__(self, keyframe_id: str, drag_id: Optional[Hashable] = None, **changes: object) -> None:
        super().__init__()
        self.keyframe_id = keyframe_id
        self.drag_id = drag_id
        self.changes = changes
        self._before: dict[str, object] = {}

    def _apply(self, project: Project) -> Project:
        old = project.emotions.get(self.keyframe_id)
        result = project.with_(emotions=project.emotions.updated(self.keyframe_id, **self.changes))
        self._before = {name: getattr(old, name) for name in self.changes}
        return result

    def _revert(self, project: Project) -> Project:
        return project.with_(emotions=project.emotions.updated(self.keyframe_id, **self._before))

    @property
    def merge_key(self) -> Optional[Hashable]:
        if self.drag_id is None:
            return None
        return (type(self).__name__, self.keyframe_id, self.drag_id)

    def merge(self, newer: Edit) -> Edit:
        _check_same_key(self, newer)
        assert isinstance(newer, _KeyframeChange)
        merged = _KeyframeChange.__new__(type(self))
        merged.__dict__.update(self.__dict__)
        merged.changes = {**self.changes, **newer.changes}
        merged._before = {**newer._before, **self._before}
        merged._applied_once = True
        return merged


class MoveKeyframe(_KeyframeChange):
    """Move a keyframe in time (seconds) and/or intensity (0..1).

    Give the same ``drag_id`` to every edit of one mouse drag so the whole
    drag is one undo step.
    """

    description = "Move Keyframe"

    def __init__(
        self,
        keyframe_id: str,
        time: Optional[float] = None,
        intensity: Optional[float] = None,
        *,
        drag_id: Optional[Hashable] = None,
    ) -> None:
        changes: dict[str, object] = {}
        if time is not None:
            changes["time"] = check_time(time)
        if intensity is not None:
            changes["intensity"] = check_intensity(intensity)
        if not changes:
            raise ValueError("MoveKeyframe needs a time or an intensity")
        super().__init__(keyframe_id, drag_id, **changes)


class MoveKeyframes(Edit):
    """Move several keyframes at once: ``{id: (time or None, intensity or None)}``.

    All moves are checked together, so a block of keyframes can slide past
    its own members. A drag of a selection shares one ``drag_id``.
    """

    def __init__(
        self,
        moves: Mapping[str, tuple[Optional[float], Optional[float]]],
        *,
        drag_id: Optional[Hashable] = None,
    ) -> None:
        super().__init__()
        checked: dict[str, tuple[Optional[float], Optional[float]]] = {}
        for keyframe_id, (time, intensity) in moves.items():
            checked[keyframe_id] = (
                None if time is None else check_time(time),
                None if intensity is None else check_intensity(intensity),
            )
        if not checked:
            raise ValueError("MoveKeyframes needs at least one move")
        self.moves = checked
        self.drag_id = drag_id
        self.description = "Move Keyframe" if len(checked) == 1 else "Move Keyframes"
        self._before: dict[str, tuple[float, float]] = {}

    @property
    def merge_key(self) -> Optional[Hashable]:
        return None if self.drag_id is None else ("move-many", frozenset(self.moves), self.drag_id)

    @staticmethod
    def _moved(track: EmotionTrack, moves: Mapping[str, tuple[Optional[float], Optional[float]]]) -> EmotionTrack:
        for keyframe_id in moves:
            track.get(keyframe_id)  # KeyError for an unknown id
        keyframes = []
        for kf in track:
            if kf.id in moves:
                time, intensity = moves[kf.id]
                kf = kf.with_(
                    time=kf.time if time is None else time,
                    intensity=kf.intensity if intensity is None else intensity,
                )
            keyframes.append(kf)
        return EmotionTrack(tuple(keyframes))

    def _apply(self, project: Project) -> Project:
        track = project.emotions
        result = project.with_(emotions=self._moved(track, self.moves))
        self._before = {kf.id: (kf.time, kf.intensity) for kf in track if kf.id in self.moves}
        return result

    def _revert(self, project: Project) -> Project:
        return project.with_(emotions=self._moved(project.emotions, self._before))  # type: ignore[arg-type]

    def merge(self, newer: Edit) -> Edit:
        _check_same_key(self, newer)
        assert isinstance(newer, MoveKeyframes)
        merged = MoveKeyframes({**self.moves, **newer.moves}, drag_id=self.drag_id)
        merged._before = {**newer._before, **self._before}
        merged._applied_once = True
        return merged


class SetKeyframeEmotion(_KeyframeChange):
    description = "Change Keyframe Emotion"

    def __init__(self, keyframe_id: str, emotion: Emotion) -> None:
        if not isinstance(emotion, Emotion):
            raise UserError(f"expected an Emotion, got {emotion!r}")
        super().__init__(keyframe_id, None, emotion=emotion)


class SetKeyframeEasing(_KeyframeChange):
    description = "Change Keyframe Easing"

    def __init__(self, keyframe_id: str, easing: Easing, *, drag_id: Optional[Hashable] = None) -> None:
        if not isinstance(easing, Easing):
            raise UserError(f"expected an Easing, got {easing!r}")
        super().__init__(keyframe_id, drag_id, easing=easing)


class SetKeyframeIntensity(_KeyframeChange):
    """Set a keyframe's intensity (0..1); a slider drag shares one ``drag_id``."""

    description = "Change Keyframe Intensity"

    def __init__(self, keyframe_id: str, intensity: float, *, drag_id: Optional[Hashable] = None) -> None:
        super().__init__(keyframe_id, drag_id, intensity=check_intensity(intensity))


class PasteKeyframes(Edit):
    """Paste copies of keyframes (with fresh ids), the earliest at ``at_time`` seconds.

    Without ``at_time`` the copies keep their times. ``keyframe_ids`` are the
    new ids, in time order (the GUI selects them). A copy landing on an
    existing keyframe's time is refused with a UserError.
    """

    def __init__(self, keyframes: Sequence[Keyframe], at_time: Optional[float] = None) -> None:
        super().__init__()
        originals = sorted(keyframes, key=lambda kf: kf.time)
        if not originals:
            raise UserError("nothing to paste; copy some keyframes first")
        offset = 0.0 if at_time is None else check_time(at_time, "paste time") - originals[0].time
        self.keyframes = tuple(kf.with_(id=new_keyframe_id(), time=kf.time + offset) for kf in originals)
        EmotionTrack(self.keyframes)  # refuse copies that collide with each other
        self.keyframe_ids = tuple(kf.id for kf in self.keyframes)
        self.description = "Paste Keyframe" if len(self.keyframes) == 1 else "Paste Keyframes"

    def _apply(self, project: Project) -> Project:
        return project.with_(emotions=project.emotions.add_all(self.keyframes))

    def _revert(self, project: Project) -> Project:
        return project.with_(emotions=project.emotions.remove_all(self.keyframe_ids))


class SetEmotionTrack(Edit):
    """Replace the whole emotion track (e.g. from an emotion spec or a preset).

    Edits with the same ``drag_id`` merge (the first one's track is restored on undo).
    """

    def __init__(
        self, track: EmotionTrack, description: str = "Replace Emotion Track", *, drag_id: Optional[Hashable] = None
    ) -> None:
        super().__init__()
        self.track = track
        self.description = description
        self.drag_id = drag_id
        self._before: Optional[EmotionTrack] = None

    @property
    def merge_key(self) -> Optional[Hashable]:
        return None if self.drag_id is None else ("track", self.drag_id)

    def merge(self, newer: Edit) -> Edit:
        _check_same_key(self, newer)
        assert isinstance(newer, SetEmotionTrack)
        merged = SetEmotionTrack(newer.track, self.description, drag_id=self.drag_id)
        merged._before = self._before
        merged._applied_once = True
        return merged

    def _apply(self, project: Project) -> Project:
        before = project.emotions
        result = project.with_(emotions=self.track)
        self._before = before
        return result

    def _revert(self, project: Project) -> Project:
        assert self._before is not None
        return project.with_(emotions=self._before)


# -- settings ----------------------------------------------------------------

_STYLE_LABELS = {
    "head_motion": "Head Motion",
    "still": "Still Mode",
    "blink_rate": "Blink Rate",
    "lipsync_strength": "Lip-Sync Strength",
    "expressiveness": "Expressiveness",
    "seed": "Seed",
}


class SetStyle(Edit):
    """Set one style field; consecutive changes of the same field merge (a slider drag)."""

    def __init__(self, field: str, value: object) -> None:
        super().__init__()
        if field not in STYLE_FIELDS:
            raise UserError(f"unknown style setting {field!r}; use one of: {', '.join(STYLE_FIELDS)}")
        self.field = field
        self.value = value
        self.description = f"Change {_STYLE_LABELS.get(field, field)}"
        self._before: object = _UNSET

    @property
    def merge_key(self) -> Optional[Hashable]:
        return ("style", self.field)

    def _apply(self, project: Project) -> Project:
        before = getattr(project.style, self.field)
        result = project.with_(style=project.style.with_(**{self.field: self.value}))
        self._before = before
        return result

    def _revert(self, project: Project) -> Project:
        return project.with_(style=project.style.with_(**{self.field: self._before}))

    def merge(self, newer: Edit) -> Edit:
        _check_same_key(self, newer)
        assert isinstance(newer, SetStyle)
        merged = SetStyle(self.field, newer.value)
        merged._before = self._before
        merged._applied_once = True
        return merged


class SetOutput(Edit):
    """Set output fields: ``SetOutput(height=720, width=None)``; same fields in a row merge."""

    def __init__(self, **changes: object) -> None:
        super().__init__()
        unknown = [name for name in changes if name not in OUTPUT_FIELDS]
        if unknown or not changes:
            raise UserError(f"unknown output setting {unknown!r}; use: {', '.join(OUTPUT_FIELDS)}")
        self.changes = changes
        self.description = "Change Output Size" if set(changes) <= {"width", "height"} else "Change Output Settings"
        self._before: dict[str, object] = {}

    @property
    def merge_key(self) -> Optional[Hashable]:
        return ("output", tuple(sorted(self.changes)))

    def _apply(self, project: Project) -> Project:
        before = {name: getattr(project.output, name) for name in self.changes}
        result = project.with_(output=project.output.with_(**self.changes))
        self._before = before
        return result

    def _revert(self, project: Project) -> Project:
        return project.with_(output=project.output.with_(**self._before))

    def merge(self, newer: Edit) -> Edit:
        _check_same_key(self, newer)
        assert isinstance(newer, SetOutput)
        merged = SetOutput(**newer.changes)
        merged._before = self._before
        merged._applied_once = True
        return merged


class _ProjectFields(Edit):
    """Set top-level project fields; revert restores them."""

    def __init__(self, **changes: object) -> None:
        super().__init__()
        self.changes = changes
        self._before: dict[str, object] = {}

    def _apply(self, project: Project) -> Project:
        before = {name: getattr(project, name) for name in self.changes}
        result = project.with_(**self.changes)
        self._before = before
        return result

    def _revert(self, project: Project) -> Project:
        return project.with_(**self._before)


class SetPortrait(_ProjectFields):
    """Choose the portrait (absolute path or None); resets the face choice and landmark corrections."""

    def __init__(self, path: Optional[str], face_index: int = 0) -> None:
        super().__init__(portrait=path, face_index=face_index, landmark_offsets=())
        self.description = "Remove Portrait" if path is None else "Set Portrait"


class SetAudio(_ProjectFields):
    """Choose the voice recording (absolute path or None)."""

    def __init__(self, path: Optional[str]) -> None:
        super().__init__(audio=path)
        self.description = "Remove Audio" if path is None else "Set Audio"


class SetFaceIndex(_ProjectFields):
    """Choose which face of the portrait to animate; resets landmark corrections."""

    description = "Choose Face"

    def __init__(self, face_index: int) -> None:
        super().__init__(face_index=face_index, landmark_offsets=())


class SetLandmarkOffsets(_ProjectFields):
    """Replace the landmark corrections ((index, dx, dy) in portrait pixels); a drag shares ``drag_id``."""

    description = "Adjust Landmarks"

    def __init__(self, offsets: Sequence[tuple[int, float, float]], *, drag_id: Optional[Hashable] = None) -> None:
        super().__init__(landmark_offsets=tuple(tuple(o) for o in offsets))
        self.drag_id = drag_id

    @property
    def merge_key(self) -> Optional[Hashable]:
        return None if self.drag_id is None else ("landmarks", self.drag_id)

    def merge(self, newer: Edit) -> Edit:
        _check_same_key(self, newer)
        assert isinstance(newer, SetLandmarkOffsets)
        merged = SetLandmarkOffsets(newer.changes["landmark_offsets"], drag_id=self.drag_id)  # type: ignore[arg-type]
        merged._before = self._before
        merged._applied_once = True
        return merged


class MacroEdit(Edit):
    """Several edits as one undo step, applied in order and reverted in reverse order."""

    def __init__(self, edits: Iterable[Edit], description: str = "Edit") -> None:
        super().__init__()
        self.edits = tuple(edits)
        self.description = description

    def _apply(self, project: Project) -> Project:
        for edit in self.edits:
            project = edit.apply(project)
        return project

    def _revert(self, project: Project) -> Project:
        for edit in reversed(self.edits):
            project = edit.revert(project)
        return project
