"""The Studio: the PySide6 desktop application (``run_gui``).

Importing this package is cheap: Qt and the window load inside ``run_gui``,
and the engine (torch) only inside the render worker's thread.
"""

from __future__ import annotations

import os
import sys
from typing import Optional


def run_gui(path: Optional[str] = None) -> int:
    """Open the Studio window (with ``path``: that project, portrait or audio file) and run until it closes.

    Without a path, the first run opens the bundled demo project.
    Returns the process exit status.
    """
    # OpenCV's wheel points this at its own Qt 5 plugins on import; PySide6 must use its own.
    os.environ.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
    from PySide6.QtWidgets import QApplication

    from emospeaker_studio.app.main_window import MainWindow
    from emospeaker_studio.app.settings import load_settings
    from emospeaker_studio.app.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("EmoSpeaker Studio")
    app.setOrganizationName("EmoSpeakerStudio")
    app.setApplicationDisplayName("EmoSpeaker Studio")
    settings = load_settings()
    apply_theme(app, settings.theme)
    window = MainWindow(settings)
    if path:
        window.open_path(os.path.abspath(path), ask=False)
    elif not window.offer_recovery() and not settings.opened_before:
        window.open_demo()
    window.show()
    _close_on_interrupt(window)
    return int(app.exec())


def _close_on_interrupt(window) -> None:
    """Ctrl+C in the terminal closes the window the normal way (asking to save)."""
    import signal

    from PySide6.QtCore import QTimer

    signal.signal(signal.SIGINT, lambda *_: window.close())
    # Python only runs signal handlers between bytecodes; a idle timer gives it the chance.
    timer = QTimer(window)
    timer.timeout.connect(lambda: None)
    timer.start(250)


__all__ = ["run_gui"]
