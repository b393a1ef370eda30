"""The Studio keeps the command line's file contract: bad files get a message in the window,
an export or a save never replaces an input, and a killed autosave still offers its recovery."""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from emospeaker_studio.core import files
from emospeaker_studio.core.edits import SetAudio, SetPortrait

ROOT = Path(__file__).resolve().parents[2]


def _bomb_png(path: Path) -> Path:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))
    return path


@pytest.mark.parametrize(("make", "words"), [
    (lambda d: (os.mkfifo(d / "pipe.png"), d / "pipe.png")[1], "FIFO"),
    (lambda d: ((d / "folder.png").mkdir(), d / "folder.png")[1], "folder"),
    (lambda d: _bomb_png(d / "bomb.png"), "60000x60000"),
    (lambda d: d / "gone.png", "does not exist"),
], ids=["fifo", "folder", "decompression-bomb", "missing"])
def test_a_bad_portrait_is_a_message_in_the_window_and_the_project_keeps_its_own(window, tmp_path, make, words):
    before = window.document.project.portrait
    path = make(tmp_path)
    assert not window.open_path(str(path))
    assert window.banner.isVisible() and words in window.banner.message
    assert window.document.project.portrait == before


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_fifo_or_device_as_audio_is_named_as_such(window, tmp_path, kind):
    if kind == "fifo":
        path = tmp_path / "pipe.wav"
        os.mkfifo(path)
        words = "FIFO"
    else:
        path, words = Path("/dev/zero"), "device"
    before = window.document.project.audio
    assert not window.import_audio(str(path))
    assert words in window.banner.message and window.document.project.audio == before


def test_opening_a_fifo_as_a_project_answers_at_once(window, tmp_path):
    path = tmp_path / "pipe.esproj"
    os.mkfifo(path)
    started = time.monotonic()
    assert not window.open_path(str(path), ask=False)
    assert time.monotonic() - started < 5
    assert "FIFO" in window.banner.message


def test_saving_through_a_link_to_the_voice_is_refused_and_the_voice_is_unchanged(window, media, tmp_path):
    _, audio = media
    original = audio.read_bytes()
    link = tmp_path / "take.esproj"
    link.symlink_to(audio)  # a save writes through a link: here it would replace the recording
    assert not window._save_to(str(link))
    assert "audio file" in window.banner.message
    assert audio.read_bytes() == original and window.document.is_dirty


def test_exporting_over_the_voice_is_refused_before_the_export_starts(make_window, fake_backend, media, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QDialog

    from emospeaker_studio.app import main_window as main_window_module

    calls = []
    window = make_window(fake_backend, export_render=lambda *a, **k: calls.append(a))
    portrait, _ = media
    voice = tmp_path / "voice.mp4"
    voice.write_bytes(b"the only copy of the recording")
    window.document.push(SetPortrait(str(portrait)))
    window.document.push(SetAudio(str(voice)))

    def accept(dialog):
        dialog.path_edit.setText(str(tmp_path / "sub" / ".." / "voice.mp4"))
        return QDialog.DialogCode.Accepted

    (tmp_path / "sub").mkdir()
    monkeypatch.setattr(main_window_module.ExportDialog, "exec", accept)
    window.actions_["export"].trigger()
    assert "audio file" in window.banner.message and window._export_job is None and not calls
    assert voice.read_bytes() == b"the only copy of the recording"


_AUTOSAVE_LOOP = """
import sys
from emospeaker_studio.app.recovery import RecoveryStore
from emospeaker_studio.core.emotion_spec import parse_emotion_spec
from emospeaker_studio.core.project import Project
store = RecoveryStore(sys.argv[1], session_id="killed")
project = Project(emotions=parse_emotion_spec(", ".join(f"{t}=sad" for t in range(30))))
store.save(project, "")
print("ready", flush=True)
seed = 0
while True:
    seed += 1
    store.save(project.with_(style=project.style.with_(seed=seed)), "")
"""


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_kill_9_during_autosaves_keeps_the_recovery_offer_and_leaves_no_temporary_files(make_window, fake_backend, tmp_path, qtbot):
    folder = tmp_path / "recovery"  # the folder make_window's store uses
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-c", _AUTOSAVE_LOOP, str(folder)], env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    window = make_window(fake_backend)
    assert window.offer_recovery()
    window.banner._actions[0].click()  # Recover
    assert len(window.document.project.emotions) == 30 and window.document.is_dirty
    leftovers = [name for name in os.listdir(folder) if files.TEMP_MARK in name]
    assert leftovers == []
