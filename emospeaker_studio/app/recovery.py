"""Autosave to a recovery file, and the offer to recover after a crash.

While a project has unsaved changes it is written every minute to
``user_data_dir()/recovery/`` (atomically, through the core's project
writer). A clean exit removes the file; finding it at start-up means the last
session ended without saving, so the window offers to restore it.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from emospeaker_studio import paths
from emospeaker_studio.app.settings import atomic_write_text
from emospeaker_studio.core.project import Project


@dataclass(frozen=True)
class Recovery:
    project_path: Path  # the autosaved project
    original_path: str  # the file it was opened from ("" if untitled)
    saved_at: float  # seconds since the epoch


class RecoveryStore:
    def __init__(self, folder: Optional[Path] = None) -> None:
        self.folder = Path(folder) if folder else paths.user_data_dir() / "recovery"

    @property
    def project_path(self) -> Path:
        return self.folder / "autosave.esproj"

    @property
    def _meta_path(self) -> Path:
        return self.folder / "autosave.json"

    def save(self, project: Project, original_path: str) -> None:
        from emospeaker_studio.core.projectfile import save_project

        self.folder.mkdir(parents=True, exist_ok=True)
        save_project(project, self.project_path)
        atomic_write_text(self._meta_path, json.dumps({"original_path": original_path, "saved_at": time.time(), "pid": os.getpid()}))

    def pending(self) -> Optional[Recovery]:
        """The recovery left by a session that did not exit cleanly, or None."""
        if not self.project_path.is_file():
            return None
        try:
            meta = json.loads(self._meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        return Recovery(self.project_path, str(meta.get("original_path", "")), float(meta.get("saved_at", self.project_path.stat().st_mtime)))

    def load(self, recovery: Recovery) -> Project:
        from emospeaker_studio.core.projectfile import load_project

        return load_project(recovery.project_path)

    def clear(self) -> None:
        for path in (self.project_path, self._meta_path, self.project_path.with_name(self.project_path.name + ".bak")):
            try:
                path.unlink()
            except OSError:
                pass
        for extra in self.folder.glob("autosave.esproj*"):
            try:
                extra.unlink()
            except OSError:
                pass
