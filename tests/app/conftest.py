"""Qt test setup: offscreen platform (set before Qt loads), fixtures for windows and fakes,
and a check that no test leaves a thread running."""

from __future__ import annotations

import gc
import os
import warnings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)  # OpenCV points it at its Qt 5 plugins

import pytest  # noqa: E402
from PySide6.QtCore import QThread, QThreadPool  # noqa: E402
from PySide6.QtGui import QColor, QImage  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from studio_fakes import FakeBackend, write_wav  # noqa: E402  (this folder is on sys.path: no __init__.py)


@pytest.fixture(scope="session")
def qapp_args():
    return ["emospeaker-studio-tests"]


@pytest.fixture(autouse=True)
def _app_identity(qapp):
    qapp.setOrganizationName("EmoSpeakerStudioTests")
    qapp.setApplicationName("EmoSpeaker Studio Tests")
    yield


@pytest.fixture(autouse=True)
def no_threads_left(qapp):
    """Fail a test that leaves a QThread or a thread-pool task running."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # isinstance() on some torch objects warns about deprecations
        running = [t for t in gc.get_objects() if isinstance(t, QThread) and _is_running(t)]
    assert not running, f"threads left running: {[t.objectName() or type(t).__name__ for t in running]}"
    assert QThreadPool.globalInstance().waitForDone(2000), "QThreadPool tasks left running"


def _is_running(thread: QThread) -> bool:
    try:
        return thread.isRunning()
    except RuntimeError:  # the C++ object is already gone
        return False


@pytest.fixture
def media(tmp_path):
    """A small portrait PNG and a 3-second WAV on disk."""
    portrait = tmp_path / "face.png"
    image = QImage(96, 128, QImage.Format_RGB888)
    image.fill(QColor("#c89f7f"))
    assert image.save(str(portrait))
    audio = tmp_path / "voice.wav"
    write_wav(audio, seconds=3.0)
    return portrait, audio


@pytest.fixture
def fake_backend():
    return FakeBackend()


@pytest.fixture
def window(make_window, fake_backend, media):
    """A window on the fake backend with ``media``'s portrait and voice imported."""
    from emospeaker_studio.core.edits import SetAudio, SetPortrait

    window = make_window(fake_backend)
    portrait, audio = media
    window.document.push(SetPortrait(str(portrait)))
    window.document.push(SetAudio(str(audio)))
    return window


@pytest.fixture
def make_window(qtbot, tmp_path):
    """Build a MainWindow with a fake (or given) backend; closes and stops it at teardown."""
    from emospeaker_studio.app.main_window import MainWindow
    from emospeaker_studio.app.recovery import RecoveryStore
    from emospeaker_studio.app.settings import AppSettings
    from emospeaker_studio.app.workers import RenderWorker

    windows = []

    def build(backend=None, *, answer=QMessageBox.Discard, export_render=None, settings=None, audio=False):
        worker = RenderWorker(backend) if backend is not None else None
        asked = []
        saved = []

        def ask(title, text):
            asked.append(title)
            return answer() if callable(answer) else answer

        window = MainWindow(
            settings or AppSettings(opened_before=True, preview_height=256),
            save_settings_fn=saved.append,
            recovery=RecoveryStore(tmp_path / "recovery"),
            worker=worker,
            export_render=export_render,
            ask=ask,
            audio_playback=audio,  # QtMultimedia only where a test is about sound: it is slow to open and close
        )
        window.asked = asked
        window.saved_settings = saved
        window.resize(1400, 900)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield build
    for window in windows:
        window.document.reset(window.document.project)  # nothing unsaved: no prompt at close
        window.close()
        window.shutdown()
