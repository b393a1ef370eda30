"""The Studio's preferences: one typed object saved as JSON in the user config dir.

Window geometry and dock layout live in QSettings (Qt's own format suits
them); everything a user chooses in Preferences lives here, versioned, with
an ordered chain of migrations so an old file is upgraded, never discarded.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Callable, Optional

from emospeaker_studio import paths
from emospeaker_studio.core import files

SCHEMA_VERSION = 2
DEVICES = ("auto", "cpu", "cuda")
THEMES = ("dark", "light")
PREVIEW_HEIGHTS = (256, 384, 512, 720)
MAX_RECENT = 10


@dataclass
class AppSettings:
    """What the user chose in Preferences, plus the recent-files list.

    ``device``: "auto" (CUDA when present), "cpu" or "cuda".
    ``preview_height``: pixels of the preview render (export uses the project's size).
    ``theme``: "dark" or "light".
    ``recent_files``: most recent first, at most :data:`MAX_RECENT`.
    ``opened_before``: False until the first window closes; the first run opens the demo.
    ``autosave_interval_s``: seconds between recovery saves.
    """

    device: str = "auto"
    preview_height: int = 512
    theme: str = "dark"
    recent_files: list[str] = field(default_factory=list)
    opened_before: bool = False
    autosave_interval_s: int = 60

    def normalized(self) -> "AppSettings":
        """A copy with every out-of-range value replaced by its default."""
        default = AppSettings()
        device = self.device if self.device in DEVICES else default.device
        theme = self.theme if self.theme in THEMES else default.theme
        height = self.preview_height if isinstance(self.preview_height, int) and 64 <= self.preview_height <= 2160 else default.preview_height
        recent = [p for p in self.recent_files if isinstance(p, str) and p][:MAX_RECENT]
        interval = self.autosave_interval_s if isinstance(self.autosave_interval_s, int) and self.autosave_interval_s >= 5 else 60
        return AppSettings(device, height, theme, recent, bool(self.opened_before), interval)

    def with_recent(self, path: str) -> "AppSettings":
        """A copy with ``path`` moved to the front of the recent files."""
        path = os.path.abspath(path)
        recent = [path] + [p for p in self.recent_files if p != path]
        return AppSettings(self.device, self.preview_height, self.theme, recent[:MAX_RECENT], self.opened_before, self.autosave_interval_s)


def default_settings_path() -> Path:
    return paths.user_config_dir() / "studio-settings.json"


def _from_v1(data: dict) -> dict:
    # Version 1 stored the preview size as "preview_size" ("512p") and had no autosave interval.
    data = dict(data)
    size = str(data.pop("preview_size", "512")).rstrip("p")
    data["preview_height"] = int(size) if size.isdigit() else 512
    data.setdefault("autosave_interval_s", 60)
    return data


#: version -> function that upgrades a dict of that version to the next one.
MIGRATIONS: dict[int, Callable[[dict], dict]] = {1: _from_v1}


def migrate(data: dict) -> dict:
    """Upgrade a settings dict of any known version to :data:`SCHEMA_VERSION`."""
    version = int(data.get("schema_version", 1))
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
    data["schema_version"] = SCHEMA_VERSION
    return data


def load_settings(path: Optional[Path] = None) -> AppSettings:
    """Read the settings; a missing or unreadable file gives the defaults (a broken
    file is kept beside as ``.broken`` so nothing the user chose is silently lost)."""
    path = Path(path) if path else default_settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not an object")
        version = int(data.get("schema_version", 1))
        if version > SCHEMA_VERSION:
            return AppSettings()  # written by a newer Studio: do not touch it
        if version < SCHEMA_VERSION:
            _backup(path, f".v{version}.bak")
        data = migrate(data)
    except FileNotFoundError:
        return AppSettings()
    except (OSError, ValueError, TypeError):
        _backup(path, ".broken")
        return AppSettings()
    known = {f.name for f in fields(AppSettings)}
    return AppSettings(**{k: v for k, v in data.items() if k in known}).normalized()


def save_settings(settings: AppSettings, path: Optional[Path] = None) -> None:
    """Write the settings atomically (temporary file + rename)."""
    path = Path(path) if path else default_settings_path()
    data = {"schema_version": SCHEMA_VERSION, **asdict(settings.normalized())}
    atomic_write_text(path, json.dumps(data, indent=2))


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, creating its folder first (raises OutputError)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    files.atomic_write_text(path, text)


def _backup(path: Path, suffix: str) -> None:
    try:
        path.with_name(path.name + suffix).write_bytes(path.read_bytes())
    except OSError:
        pass
