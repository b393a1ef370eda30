"""Open the Studio on the demo project under a real X server and save a screenshot.

Usage: ``python tests/app/studio_screenshot.py OUT.png [WIDTH HEIGHT]``. It waits
for the first rendered frame (at most 120 s), selects a keyframe so the
inspector is filled in, moves the playhead into a blend, waits for that
frame, grabs the window and exits 0; exit 3 when no frame came.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from emospeaker_studio.app.main_window import MainWindow  # noqa: E402
from emospeaker_studio.app.settings import AppSettings  # noqa: E402
from emospeaker_studio.app.theme import apply_theme  # noqa: E402


def main() -> int:
    out = sys.argv[1]
    width, height = (int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) > 3 else (1600, 1000)
    started = time.perf_counter()
    app = QApplication(["emospeaker-studio"])
    app.setOrganizationName("EmoSpeakerStudioScreenshot")
    apply_theme(app, os.environ.get("STUDIO_THEME", "dark"))
    window = MainWindow(AppSettings(opened_before=True), save_settings_fn=lambda s: None)
    window.resize(width, height)
    window.open_demo()
    window.show()
    shown_after = time.perf_counter() - started
    result = {"code": 3}
    stage = {"n": 0}

    def on_frame(index: int, latency: float) -> None:
        if stage["n"] == 0:
            stage["n"] = 1
            track = window.document.project.emotions
            chosen = track.keyframes[min(2, len(track) - 1)]
            window.selection.set([chosen.id], chosen.id)
            window.seek(chosen.time + 0.36)
        elif stage["n"] == 1 and index == window.preview_controller.frame_index(window.clock.position):
            stage["n"] = 2
            QTimer.singleShot(400, finish)

    def finish() -> None:
        window.grab().save(out)
        print(f"window shown after {shown_after:.2f} s; screenshot {out}", flush=True)
        result["code"] = 0
        window.document.reset(window.document.project)
        window.close()

    def give_up() -> None:
        if result["code"] != 0:
            window.grab().save(out)
            print("no rendered frame within the time limit", flush=True)
            window.document.reset(window.document.project)
            window.close()

    window.preview_controller.frameShown.connect(on_frame)
    QTimer.singleShot(120_000, give_up)
    app.exec()
    return result["code"]


if __name__ == "__main__":
    sys.exit(main())
