"""Torch stays off the GUI thread, and each background job runs on the engine's thread policy
(``engine.device.torch_threads``): the preview worker and the export job."""

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

# A fresh process (torch not loaded yet) opens the demo and waits for the first
# rendered frame. It records which thread first imports torch and how many torch
# threads the preview worker renders with, on a process whose default is 2.
CHILD = r"""
import importlib.abc, json, sys, threading

first_import = {}

class Watch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "torch" and "thread" not in first_import:
            first_import["thread"] = threading.current_thread().name
            first_import["main"] = threading.current_thread() is threading.main_thread()
        return None

sys.meta_path.insert(0, Watch())

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from emospeaker_studio.app import workers
from emospeaker_studio.app.main_window import MainWindow
from emospeaker_studio.app.settings import AppSettings

render_threads = []
real_render = workers.EngineBackend.render

def render(self, prepared, start, stop):
    frames = real_render(self, prepared, start, stop)
    import torch
    render_threads.append(torch.get_num_threads())
    return frames

workers.EngineBackend.render = render
loaded_with_window = "torch" in sys.modules

app = QApplication(["studio-threads"])
window = MainWindow(AppSettings(opened_before=True, preview_height=128, device="cpu"), save_settings_fn=lambda s: None)
window.open_demo()
window.show()
loop = QEventLoop()
window.preview_controller.frameShown.connect(lambda index, latency: loop.quit())
QTimer.singleShot(150_000, loop.quit)
loop.exec()
print("RESULT " + json.dumps({"torch_loaded_with_window": loaded_with_window, "first_import": first_import,
                              "render_threads": render_threads}), flush=True)
window.document.reset(window.document.project)
window.close()
window.shutdown()
"""


@pytest.mark.skipif(not DEMO.is_file(), reason="the demo project is not in resources/")
def test_torch_loads_on_the_worker_and_previews_render_on_the_preview_policy(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", OMP_NUM_THREADS="2", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_CACHE_HOME=os.environ.get("XDG_CACHE_HOME", str(tmp_path / "cache")))
    env.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=240, env=env)
    lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, out.stderr[-3000:]
    result = json.loads(lines[-1][len("RESULT "):])
    assert result["torch_loaded_with_window"] is False
    assert result["first_import"]["main"] is False, result["first_import"]
    assert result["first_import"]["thread"] != "MainThread"
    assert result["render_threads"], "a preview frame was rendered"
    assert set(result["render_threads"]) == {torch_threads(TorchJob.PREVIEW, "cpu")}


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
