"""What the command line writes where: the demo video into the user's videos folder,
native libraries' log lines into the log file, its own lines onto the terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from emospeaker_studio import cli
from emospeaker_studio.paths import resources_dir

REPO = Path(__file__).resolve().parent.parent


def _videos_folder(tmp_path: Path, monkeypatch) -> Path:
    """Point platformdirs' videos folder (XDG user-dirs) into tmp_path."""
    config = tmp_path / "config"
    config.mkdir()
    videos = tmp_path / "My Videos"
    (config / "user-dirs.dirs").write_text(f'XDG_VIDEOS_DIR="{videos}"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    return videos


def test_headless_launch_renders_the_demo_into_the_videos_folder(capsys, tmp_path, monkeypatch):
    videos = _videos_folder(tmp_path, monkeypatch)
    work = tmp_path / "checkout"
    work.mkdir()
    monkeypatch.chdir(work)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    rendered = []
    monkeypatch.setattr(cli, "_render", lambda project, args: rendered.append(Path(args.output)) or 0)
    assert cli.main([]) == 0
    assert rendered == [videos / "emospeaker-demo.mp4"]
    assert videos.is_dir()  # created for it
    assert str(videos / "emospeaker-demo.mp4") in capsys.readouterr().err
    assert list(work.iterdir()) == []


def test_demo_without_output_writes_the_videos_folder_and_says_where(capsys, tmp_path, monkeypatch):
    videos = _videos_folder(tmp_path, monkeypatch)
    monkeypatch.chdir(tmp_path)
    code = cli.main(["demo", "--size", "64", "--fps", "5", "-q"])
    out = capsys.readouterr().out
    assert code == 0
    target = videos / "emospeaker-demo.mp4"
    assert target.stat().st_size > 0
    assert f"wrote {target}" in out


def test_demo_without_output_names_the_file_after_the_format(capsys, tmp_path, monkeypatch):
    videos = _videos_folder(tmp_path, monkeypatch)
    rendered = []
    monkeypatch.setattr(cli, "_render", lambda project, args: rendered.append((Path(args.output), project.output.format)) or 0)
    assert cli.main(["demo", "--format", "webm"]) == 0
    assert rendered[0][0] == videos / "emospeaker-demo.webm" and rendered[0][1].name == "WEBM"


def _run_cli(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_STATE_HOME=str(tmp_path / "state"),
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-m", "emospeaker_studio", *argv], capture_output=True, text=True,
                          env=env, timeout=240, cwd=tmp_path)


def _log(tmp_path: Path) -> str:
    logs = list((tmp_path / "state").rglob("emospeaker-studio.log"))
    assert len(logs) == 1, logs
    return logs[0].read_text()


def test_fit_prints_its_own_lines_and_logs_mediapipes(tmp_path):
    # A fresh cache: MediaPipe runs, and prints its TensorFlow Lite and absl lines.
    done = _run_cli(tmp_path, "fit", str(resources_dir() / "demo_portrait.jpg"), "-o", str(tmp_path / "fit.json"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote {tmp_path / 'fit.json'}"
    assert "W0000" not in done.stderr and "XNNPACK" not in done.stderr and "absl" not in done.stderr, done.stderr
    log = _log(tmp_path)
    assert "XNNPACK" in log and "W0000" in log


def test_an_error_after_mediapipe_still_reaches_the_terminal(tmp_path):
    import cv2

    blank = tmp_path / "wall.png"
    cv2.imwrite(str(blank), np.full((400, 300, 3), 128, np.uint8))
    done = _run_cli(tmp_path, "fit", str(blank), "-o", str(tmp_path / "fit.json"))
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: no face found in wall.png"), done.stderr
    assert "XNNPACK" in _log(tmp_path)
