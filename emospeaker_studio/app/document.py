"""The open document as Qt sees it: the current :class:`Project`, its file, and undo.

Every change goes through :meth:`DocumentController.push`, which wraps the
core :class:`Edit` in a :class:`EditCommand` on a ``QUndoStack`` (so the Edit
menu, the undo view and the clean state come from Qt). Widgets never hold a
project of their own: they listen to ``projectChanged(old, new)`` and redraw
what differs.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Hashable, Optional

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from emospeaker_studio.core.edits import Edit
from emospeaker_studio.core.errors import UserError
from emospeaker_studio.core.project import Project
from emospeaker_studio.core.projectfile import FILE_SUFFIX

PROJECT_SUFFIX = FILE_SUFFIX  # ".esproj", the file format's own
_MERGE_ID = 0x45_4d_4f  # any fixed id: QUndoStack only offers a merge to commands whose ids match
_gesture_ids = itertools.count(1)


class EditCommand(QUndoCommand):
    """A ``QUndoCommand`` around one core edit: redo applies it, undo reverts it.

    Two commands merge when they belong to the same gesture (one mouse drag or
    one slider drag) and their core merge keys are equal; the merged command
    holds the core's merged edit, so one undo returns to before the drag.
    """

    def __init__(self, document: "DocumentController", edit: Edit, gesture: Optional[Hashable]) -> None:
        super().__init__(edit.description)
        self.document = document
        self.edit = edit
        self.gesture = gesture
        self._first_redo = True

    def id(self) -> int:  # noqa: A003 - Qt's name
        return _MERGE_ID if self.gesture is not None and self.edit.merge_key is not None else -1

    def redo(self) -> None:
        if self._first_redo:
            # push() already applied the edit (to report a UserError before the
            # command joins the stack); only later redos apply it here.
            self._first_redo = False
            return
        self.document._replace(self.edit.apply(self.document.project))

    def undo(self) -> None:
        self.document._replace(self.edit.revert(self.document.project))

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(other, EditCommand) or other.gesture != self.gesture:
            return False
        if self.edit.merge_key is None or self.edit.merge_key != other.edit.merge_key:
            return False
        self.edit = self.edit.merge(other.edit)
        return True


class DocumentController(QObject):
    """Owns the project, its path and its undo history; announces every change.

    Signals:
        projectChanged(old, new): after any change (edit, undo, redo, open, new).
        pathChanged(str): the file the project is saved to ("" for untitled).
        dirtyChanged(bool): unsaved changes appeared or went away.
        editFailed(str): an edit was refused (message says why); nothing changed.
    """

    projectChanged = Signal(object, object)
    pathChanged = Signal(str)
    dirtyChanged = Signal(bool)
    editFailed = Signal(str)

    def __init__(self, project: Optional[Project] = None, path: Optional[str] = None, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self._project = project or Project()
        self._path = path or ""
        self._recovered_dirty = False
        self._untitled_name = "Untitled"
        self.undo_stack = QUndoStack(self)
        # A bound method (not a lambda) so Qt drops the connection when this object dies.
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self._gesture: Optional[int] = None
        self._macro_open = False

    # -- state --------------------------------------------------------------
    @property
    def project(self) -> Project:
        return self._project

    @property
    def path(self) -> str:
        return self._path

    @property
    def display_name(self) -> str:
        return Path(self._path).name if self._path else self._untitled_name

    @property
    def is_dirty(self) -> bool:
        return self._recovered_dirty or not self.undo_stack.isClean()

    def _on_clean_changed(self, _clean: bool) -> None:
        self.dirtyChanged.emit(self.is_dirty)

    # -- editing ------------------------------------------------------------
    def push(self, edit: Edit) -> bool:
        """Apply ``edit`` as one undo step (or merge it into the current gesture's step).

        Returns False and emits ``editFailed`` when the core refuses the edit
        (a UserError: the project stays as it was).
        """
        try:
            new_project = edit.apply(self._project)
        except (UserError, KeyError) as exc:
            self.editFailed.emit(str(exc.args[0] if isinstance(exc, KeyError) else exc))
            return False
        self._replace(new_project)
        if self._gesture is not None and not self._macro_open:
            # Opened on the first edit, so a click that changes nothing adds no empty step.
            self.undo_stack.beginMacro(edit.description)
            self._macro_open = True
        self.undo_stack.push(EditCommand(self, edit, self._gesture))
        return True

    def begin_gesture(self) -> None:
        """Edits pushed until :meth:`end_gesture` are one undo step (a drag, a slider move)."""
        self.end_gesture()
        self._gesture = next(_gesture_ids)

    def end_gesture(self) -> None:
        self._gesture = None
        if self._macro_open:
            self._macro_open = False
            self.undo_stack.endMacro()

    @property
    def in_gesture(self) -> bool:
        return self._gesture is not None

    def _replace(self, project: Project) -> None:
        old, self._project = self._project, project
        if old is not project:
            self.projectChanged.emit(old, project)

    # -- files ----------------------------------------------------------------
    def reset(self, project: Project, path: Optional[str] = None, *, dirty: bool = False, untitled_name: str = "Untitled") -> None:
        """Start over with ``project`` (New, Open, Recover): empty history.

        ``untitled_name`` names a project without a file (e.g. "Demo"); saving it asks where.
        """
        was_dirty = self.is_dirty
        name_changed = untitled_name != self._untitled_name
        self._untitled_name = untitled_name
        self.end_gesture()
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self._recovered_dirty = dirty
        self._set_path(path or "")
        if name_changed and not self._path:
            self.pathChanged.emit("")
        self._replace(project)
        if was_dirty != self.is_dirty:
            self.dirtyChanged.emit(self.is_dirty)

    def open(self, path: str) -> None:
        """Load a project file; raises ``ProjectFileError`` (a UserError) with the reason."""
        from emospeaker_studio.core.projectfile import load_project

        project = load_project(Path(path))
        self.reset(project, os.path.abspath(path))

    def save(self, path: Optional[str] = None) -> str:
        """Save to ``path`` (or the current file); atomic. Returns the path written."""
        from emospeaker_studio.core.projectfile import save_project

        target = path or self._path
        if not target:
            raise UserError("choose where to save the project (File > Save As)")
        if not target.endswith(PROJECT_SUFFIX):
            target += PROJECT_SUFFIX
        try:
            save_project(self._project, Path(target))
        except OSError as exc:  # the core should raise OutputError; never lose work to a bare OSError
            raise UserError(f"could not save {target}: {exc.strerror or exc}; choose another folder") from exc
        self._set_path(os.path.abspath(target))
        was_dirty = self.is_dirty
        self._recovered_dirty = False
        self.undo_stack.setClean()
        if was_dirty and not self.is_dirty:
            self.dirtyChanged.emit(False)
        return self._path

    def _set_path(self, path: str) -> None:
        if path != self._path:
            self._path = path
            self.pathChanged.emit(path)
