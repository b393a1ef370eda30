"""A screenshot of the main window under a real X server (Xvfb), saved for a person to look at."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "artifacts" / "main_window.png"


@pytest.fixture
def xvfb_display():
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb) so no real X server can be started")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        server.kill()
        server.wait()
        pytest.skip("Xvfb did not start")
    yield f":{number}"
    server.terminate()
    server.wait(10)


@pytest.mark.xvfb
def test_main_window_screenshot_is_not_blank(xvfb_display, tmp_path):
    from PySide6.QtGui import QImage

    out = Path(os.environ.get("STUDIO_SCREENSHOT", DEFAULT_OUT))
    out.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, DISPLAY=xvfb_display, QT_QPA_PLATFORM="xcb")
    run = subprocess.run(
        [sys.executable, str(HERE / "studio_screenshot.py"), str(out)],
        env=env, capture_output=True, text=True, timeout=240,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1600, 1000)
    colours = {image.pixelColor(x, y).rgb() for x in range(0, image.width(), 13) for y in range(0, image.height(), 13)}
    assert len(colours) > 500, "the window looks blank"
    # The preview holds the rendered portrait: a varied picture, not the empty canvas.
    preview = image.copy(300, 150, 500, 400)
    centre = {preview.pixelColor(x, y).rgb() for x in range(0, preview.width(), 5) for y in range(0, preview.height(), 5)}
    assert len(centre) > 300
