"""Autosave to a recovery file, and the offer to recover after a crash.

While a project has unsaved changes it is written every minute to
``user_data_dir()/recovery/`` (atomically, through the core's project
writer). Each open project has its own slot there, so two windows or two
Studio instances never overwrite each other's autosave: a saved project's
slot is named by a hash of its path, an untitled one's by an id for this
window's session. A clean exit removes the slot; slots found at start-up
mean a session ended without saving, so the window offers the newest one.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

from emospeaker_studio import paths
from emospeaker_studio.core.projectfile import FILE_SUFFIX
from emospeaker_studio.app.settings import atomic_write_text
from emospeaker_studio.core import files
from emospeaker_studio.core.project import Project

SUFFIX = FILE_SUFFIX  # autosaves are project files


@dataclass(frozen=True)
class Recovery:
    project_path: Path  # the autosaved project
    original_path: str  # the file it was opened from ("" if untitled)
    saved_at: float  # seconds since the epoch
    slot: str = "autosave"  # the slot's file stem inside the recovery folder


def slot_for(original_path: str, session_id: str) -> str:
    """The slot name for a project: a hash of its path, or the session id while it is untitled."""
    if not original_path:
        return f"untitled-{session_id}"
    key = os.path.normcase(os.path.abspath(original_path))
    return "project-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def _process_alive(pid: int) -> bool:
    """Whether another process with this id runs (POSIX only; elsewhere unknown, so False)."""
    if pid <= 0 or pid == os.getpid() or os.name != "posix":
        # On Windows os.kill(pid, 0) would terminate the process, so it is never asked there.
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists but belongs to someone else
        return True
    return True


class RecoveryStore:
    """One window's autosave slot in the shared recovery folder."""

    def __init__(self, folder: Optional[Path] = None, *, session_id: Optional[str] = None) -> None:
        self.folder = Path(folder) if folder else paths.user_data_dir() / "recovery"
        self.session_id = session_id or uuid.uuid4().hex[:12]
        self._slot: Optional[str] = None  # the slot this store last wrote (or adopted)

    @property
    def slot(self) -> Optional[str]:
        return self._slot

    def _project_file(self, slot: str) -> Path:
        return self.folder / f"{slot}{SUFFIX}"

    def _meta_file(self, slot: str) -> Path:
        return self.folder / f"{slot}.json"

    def save(self, project: Project, original_path: str) -> None:
        from emospeaker_studio.core.projectfile import save_project

        slot = slot_for(original_path, self.session_id)
        self.folder.mkdir(parents=True, exist_ok=True)
        save_project(project, self._project_file(slot))
        atomic_write_text(
            self._meta_file(slot), json.dumps({"original_path": original_path, "saved_at": time.time(), "pid": os.getpid()})
        )
        # The project moved (Save As, a recovered untitled project): its old slot is stale now;
        # removed only after the new one is written so a crash in between loses nothing.
        if self._slot is not None and self._slot != slot:
            self._remove(self._slot)
        self._slot = slot

    def leftovers(self) -> List[Recovery]:
        """Slots not held by another running Studio, newest first."""
        # What a Studio killed during an autosave left half-written (never a slot).
        files.remove_stale_temps_in(self.folder)
        found = []
        for project_file in self.folder.glob(f"*{SUFFIX}"):
            slot = project_file.name[: -len(SUFFIX)]
            try:
                meta = json.loads(self._meta_file(slot).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                meta = {}
            if _process_alive(int(meta.get("pid", 0) or 0)):
                continue  # another instance is still working on it: not left over
            try:
                saved_at = float(meta.get("saved_at", project_file.stat().st_mtime))
            except OSError:
                continue
            found.append(Recovery(project_file, str(meta.get("original_path", "")), saved_at, slot))
        return sorted(found, key=lambda r: r.saved_at, reverse=True)

    def pending(self) -> Optional[Recovery]:
        """The newest recovery left by a session that did not exit cleanly, or None."""
        found = self.leftovers()
        return found[0] if found else None

    def load(self, recovery: Recovery) -> Project:
        from emospeaker_studio.core.projectfile import load_project

        return load_project(recovery.project_path)

    def adopt(self, recovery: Recovery) -> None:
        """Take over a recovered slot: this window's autosaves and clean exit now manage it."""
        if self._slot is not None and self._slot != recovery.slot:
            self._remove(self._slot)
        self._slot = recovery.slot

    def discard(self, recovery: Recovery) -> None:
        """Remove a left-over slot the user chose not to recover."""
        self._remove(recovery.slot)

    def clear(self) -> None:
        """Remove this window's slot (after a save or at a clean exit)."""
        if self._slot is not None:
            self._remove(self._slot)
            self._slot = None

    def _remove(self, slot: str) -> None:
        for path in [self._meta_file(slot), *self.folder.glob(f"{slot}{SUFFIX}*")]:
            try:
                path.unlink()
            except OSError:
                pass
