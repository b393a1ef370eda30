"""Which keyframes are selected, shared by the timeline and the inspector."""

from __future__ import annotations

from typing import Iterable, Optional

from PySide6.QtCore import QObject, Signal

from emospeaker_studio.core.keyframes import EmotionTrack


class KeyframeSelection(QObject):
    """A set of keyframe ids; ``changed`` fires when it differs from before.

    ``current`` is the keyframe the inspector shows: the last one clicked, or
    the earliest selected when the selection came from a rubber band.
    """

    changed = Signal()

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self._ids: tuple[str, ...] = ()
        self._current: Optional[str] = None

    @property
    def ids(self) -> tuple[str, ...]:
        return self._ids

    @property
    def current(self) -> Optional[str]:
        return self._current

    def __contains__(self, keyframe_id: object) -> bool:
        return keyframe_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def set(self, ids: Iterable[str], current: Optional[str] = None) -> None:
        ids = tuple(dict.fromkeys(ids))
        current = current if current in ids else (ids[0] if ids else None)
        if ids != self._ids or current != self._current:
            self._ids, self._current = ids, current
            self.changed.emit()

    def clear(self) -> None:
        self.set(())

    def toggle(self, keyframe_id: str) -> None:
        if keyframe_id in self._ids:
            self.set(i for i in self._ids if i != keyframe_id)
        else:
            self.set(self._ids + (keyframe_id,), keyframe_id)

    def prune(self, track: EmotionTrack) -> None:
        """Forget ids no longer on ``track`` (after undo or delete)."""
        kept = tuple(i for i in self._ids if i in track)
        if kept != self._ids:
            self.set(kept, self._current)
