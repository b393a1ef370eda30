"""Where the shipped resources and models live, and the per-user directories.

Pure Python (no Qt, no torch) so every layer may use it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs

APP_NAME = "EmoSpeakerStudio"
_SOURCE_ROOT = Path(__file__).resolve().parent.parent


def _shipped(folder: str) -> Path:
    # A packaged app (installer/, PyInstaller) unpacks them beside its modules
    # in sys._MEIPASS; a source checkout or editable install keeps resources/
    # and models/ at the repository root; a wheel install puts them under
    # share/ (data files).
    bundle = getattr(sys, "_MEIPASS", None)
    frozen = [Path(bundle) / folder] if bundle else []
    for candidate in (*frozen, _SOURCE_ROOT / folder, Path(sys.prefix) / "share" / "emospeaker-studio" / folder):
        if candidate.is_dir():
            return candidate
    return _SOURCE_ROOT / folder


def source_checkout() -> Path | None:
    """The repository this package runs from, when it runs from a clone (it has benchmarks/); else None."""
    return _SOURCE_ROOT if (_SOURCE_ROOT / "benchmarks").is_dir() else None


def resources_dir() -> Path:
    return _shipped("resources")


def demo_project_path() -> Path:
    """The bundled demo project (portrait, voice and keyframes)."""
    return resources_dir() / "demo.esproj"


def models_dir() -> Path:
    return _shipped("models")


def user_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def user_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def user_log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_file() -> Path:
    """The log file: what native libraries print (engine/native_log.py) goes here, not to the terminal."""
    return user_log_dir() / "emospeaker-studio.log"


def demo_video_path() -> Path:
    """Where the demo renders when no output file is named: the user's videos folder, never the current folder."""
    return Path(platformdirs.user_videos_dir()) / "emospeaker-demo.mp4"
