"""The window's process never loads torch: previews render in a child process on the engine's preview
thread policy (``engine.device.torch_threads``), and the export job runs on the export policy."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch

from emospeaker_studio import paths
from emospeaker_studio.app.workers import ExportJob, ExportRequest
from emospeaker_studio.core.project import ExportFormat, Project
from emospeaker_studio.engine.device import TorchJob, torch_threads

DEMO = paths.resources_dir() / "demo.esproj"

# A fresh process opens the demo and waits for the first rendered frame; it says
# whether torch was ever loaded in it, which process rendered, and with how many torch threads.
CHILD = r"""
import json, os, sys

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from emospeaker_studio.app.main_window import MainWindow
from emospeaker_studio.app.settings import AppSettings

app = QApplication(["studio-threads"])
window = MainWindow(AppSettings(opened_before=True, preview_height=128, device="cpu"), save_settings_fn=lambda s: None)
window.open_demo()
window.show()
loop = QEventLoop()
window.preview_controller.frameShown.connect(lambda index, latency: loop.quit())
QTimer.singleShot(150_000, loop.quit)
loop.exec()
info = window.preview_controller.info_
engine = window.worker._backend
print("RESULT " + json.dumps({"torch_loaded": "torch" in sys.modules, "window_pid": os.getpid(), "engine_pid": engine.pid,
                              "frame_shown": window.preview.has_frame,
                              "render_threads": getattr(window.worker._prepared, "torch_threads", None)}), flush=True)
window.document.reset(window.document.project)
window.close()
window.shutdown()
print("CLOSED " + json.dumps({"engine_pid": engine.pid}), flush=True)
"""


@pytest.mark.skipif(not DEMO.is_file(), reason="the demo project is not in resources/")
def test_previews_render_in_a_child_process_on_the_preview_policy_and_the_window_never_loads_torch(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", OMP_NUM_THREADS="2", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_CACHE_HOME=os.environ.get("XDG_CACHE_HOME", str(tmp_path / "cache")))
    env.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=240, env=env)
    lines = {line.split(" ", 1)[0]: json.loads(line.split(" ", 1)[1]) for line in out.stdout.splitlines()
             if line.startswith(("RESULT ", "CLOSED "))}
    assert "RESULT" in lines, out.stderr[-3000:]
    result = lines["RESULT"]
    assert result["frame_shown"]
    assert result["torch_loaded"] is False
    assert result["engine_pid"] not in (None, result["window_pid"])
    assert result["render_threads"] == torch_threads(TorchJob.PREVIEW, "cpu")
    assert lines["CLOSED"]["engine_pid"] is None, "the engine's process outlived the window"


def test_export_job_renders_on_the_export_policy(qtbot, tmp_path):
    seen = []

    def render(project, out_path, **kwargs):
        seen.append(torch.get_num_threads())

    before = torch.get_num_threads()
    torch.set_num_threads(2)  # a thread that does not choose would start from 2
    try:
        job = ExportJob(ExportRequest(Project(), str(tmp_path / "out.mp4"), ExportFormat.MP4, device="cpu"), render=render)
        with qtbot.waitSignal(job.finished, timeout=10_000):
            job.start()
    finally:
        torch.set_num_threads(before)
    assert seen == [torch_threads(TorchJob.EXPORT, "cpu")]
