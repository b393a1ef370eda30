"""Preferences: saved as JSON, defaults for broken files, old versions migrated."""

from __future__ import annotations

import json

from emospeaker_studio.app.settings import SCHEMA_VERSION, AppSettings, load_settings, save_settings


def test_round_trip_and_recent_files(tmp_path):
    path = tmp_path / "settings.json"
    settings = AppSettings(device="cpu", preview_height=384, theme="light").with_recent("/a.esproj").with_recent("/b.esproj").with_recent("/a.esproj")
    save_settings(settings, path)
    loaded = load_settings(path)
    assert loaded == settings
    assert loaded.recent_files == ["/a.esproj", "/b.esproj"]
    assert json.loads(path.read_text())["schema_version"] == SCHEMA_VERSION


def test_broken_file_gives_defaults_and_is_kept(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text("{ not json")
    assert load_settings(path) == AppSettings()
    assert (tmp_path / "settings.json.broken").read_text() == "{ not json"


def test_version_1_is_migrated(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"schema_version": 1, "device": "cuda", "preview_size": "384p", "theme": "nope"}))
    loaded = load_settings(path)
    assert (loaded.device, loaded.preview_height, loaded.theme) == ("cuda", 384, "dark")
    assert (tmp_path / "settings.json.v1.bak").exists()
