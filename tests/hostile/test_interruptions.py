"""Interruptions and failures half-way: Ctrl-C (once or held), SIGTERM, kill -9, a full disk.

Whatever stops a command, it leaves no output of its own and no temporary
file that the next run would not remove.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from emospeaker_studio.core import files
from emospeaker_studio.core.errors import OutputError
from emospeaker_studio.core.project import Project
from emospeaker_studio.core.projectfile import load_project, save_project
from emospeaker_studio.paths import resources_dir

ROOT = Path(__file__).resolve().parents[2]
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")


def _cli(*argv: str, cwd: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "emospeaker_studio", *argv], cwd=cwd, env=env, text=True,
                            stderr=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True)


def _wait_for_encoding(proc: subprocess.Popen) -> str:
    seen = ""
    while "encode" not in seen:
        line = proc.stderr.readline()
        if not line:
            break
        seen += line
    return seen


def _render_demo(tmp_path: Path) -> subprocess.Popen:
    # The whole demo voice (~14 s) at 256 px: encoding lasts long enough to interrupt.
    return _cli("render", "--portrait", str(resources_dir() / "demo_portrait.jpg"),
                "--audio", str(resources_dir() / "demo_voice.flac"), "--size", "256", "-o", "clip.mp4", cwd=tmp_path)


@posix_only
@pytest.mark.parametrize(("signum", "held", "code"), [(signal.SIGINT, True, 130), (signal.SIGTERM, False, 143)],
                         ids=["ctrl-c-held-down", "sigterm"])
def test_a_signal_during_encoding_exits_cleanly_and_leaves_nothing(tmp_path: Path, signum: int, held: bool, code: int) -> None:
    proc = _render_demo(tmp_path)
    try:
        seen = _wait_for_encoding(proc)
        assert "encode" in seen, seen
        deadline = time.monotonic() + 3
        while proc.poll() is None and time.monotonic() < deadline:
            # A held-down Ctrl-C reaches the whole process group (ffmpeg too), many times.
            os.killpg(proc.pid, signum) if held else os.kill(proc.pid, signum)
            if not held:
                break
            time.sleep(0.02)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == code, err[-2000:]
    assert "Traceback" not in err and "Exception ignored" not in err and "terminate called" not in err, err[-2000:]
    assert "interrupted; nothing was written" in err
    assert list(tmp_path.iterdir()) == []  # neither the video nor a temporary file


@posix_only
def test_kill_9_during_a_render_leaves_temporary_files_the_next_render_removes(tmp_path: Path) -> None:
    proc = _render_demo(tmp_path)
    try:
        assert "encode" in _wait_for_encoding(proc)
        time.sleep(0.3)
        os.killpg(proc.pid, signal.SIGKILL)  # ffmpeg too, as when a machine loses power
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    left = [p.name for p in tmp_path.iterdir()]
    assert left and all(name.startswith(".clip.mp4.") and files.TEMP_MARK in name for name in left), left
    again = _cli("render", "--portrait", str(resources_dir() / "demo_portrait.jpg"), "--audio",
                 str(resources_dir() / "demo_voice.flac"), "--size", "64", "--fps", "5", "-q", "-o", "clip.mp4", cwd=tmp_path)
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]


_SAVE_LOOP = """
import sys
from emospeaker_studio.core.project import Project
from emospeaker_studio.core.projectfile import save_project
seed = 0
save_project(Project(), sys.argv[1])  # a project exists before the first kill can come
print("ready", flush=True)
while True:
    seed += 1
    save_project(Project().with_(style=Project().style.with_(seed=seed)), sys.argv[1])
"""


@posix_only
def test_kill_9_during_saves_never_loses_the_project_and_the_next_save_cleans_up(tmp_path: Path) -> None:
    path = tmp_path / "p.esproj"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for attempt in range(5):
        proc = subprocess.Popen([sys.executable, "-c", _SAVE_LOOP, str(path)], env=env, stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.05 + 0.03 * attempt)
        proc.kill()
        proc.wait(timeout=30)
        assert load_project(path).style.seed > 0  # always a whole project
    save_project(Project(), path)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["p.esproj", "p.esproj.bak"], names


def test_stale_temporary_files_of_dead_runs_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    target = tmp_path / "clip.mp4"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".clip.mp4.{dead.pid}-0123abcd{files.TEMP_MARK}"
    stale_folder = tmp_path / f".clip.mp4.{dead.pid}-89abcdef{files.TEMP_MARK}"
    stale_backup = tmp_path / f".clip.mp4.bak.{dead.pid}-456789ab{files.TEMP_MARK}"  # a sibling's, as a .bak's
    live = tmp_path / f".clip.mp4.{os.getpid()}-00000000{files.TEMP_MARK}"
    other = tmp_path / ".clip.mp4.notes"
    for path in (stale, stale_backup, live, other):
        path.write_bytes(b"x")
    stale_folder.mkdir()
    (stale_folder / "frame_000001.png").write_bytes(b"x")
    files.check_output_path(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name])


def test_a_temporary_file_untouched_for_a_day_is_stale_whatever_its_process_id(tmp_path: Path) -> None:
    """A process id can be reused by a later process, and on Windows none is looked up: a
    temporary file nobody has written to for a day is a killed run's all the same."""
    target = tmp_path / "clip.mp4"
    old = tmp_path / f".clip.mp4.{os.getpid()}-0123abcd{files.TEMP_MARK}"  # "alive": this very process
    fresh = tmp_path / f".clip.mp4.{os.getpid()}-89abcdef{files.TEMP_MARK}"
    for path in (old, fresh):
        path.write_bytes(b"x")
    a_day_ago = time.time() - files.STALE_AFTER_S - 60
    os.utime(old, (a_day_ago, a_day_ago))
    files.check_output_path(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == [fresh.name]


def test_a_failed_coefficients_write_leaves_no_video(tmp_path: Path, monkeypatch) -> None:
    """The coefficients are written first under a temporary name: a full disk there stops the
    command before the video exists."""
    from emospeaker_studio.engine import pipeline

    def disk_full(target, data, mode=None):
        raise files.write_error(target, OSError(errno.ENOSPC, "No space left on device"))

    project = _small_project(tmp_path)
    monkeypatch.setattr(pipeline, "write_temp", disk_full)
    with pytest.raises(OutputError, match="disk is full"):
        pipeline.render_project(project, tmp_path / "out" / "clip.mp4", coefficients_out=tmp_path / "out" / "c.json", device="cpu")
    assert list((tmp_path / "out").iterdir()) == []


def test_a_failed_export_leaves_no_coefficients(tmp_path: Path, monkeypatch) -> None:
    from emospeaker_studio.engine import pipeline

    def export_fails(frames, **kwargs):
        raise OutputError("disk full while writing clip.mp4; free some space or choose another folder")

    project = _small_project(tmp_path)
    monkeypatch.setattr(pipeline, "export_frames", export_fails)
    with pytest.raises(OutputError, match="disk full"):
        pipeline.render_project(project, tmp_path / "out" / "clip.mp4", coefficients_out=tmp_path / "out" / "c.json", device="cpu")
    assert list((tmp_path / "out").iterdir()) == []


def _small_project(tmp_path: Path) -> Project:
    import imageio_ffmpeg

    voice = tmp_path / "voice.wav"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-i", str(resources_dir() / "demo_voice.flac"),
                    "-t", "0.5", str(voice)], check=True, timeout=60)
    (tmp_path / "out").mkdir()
    project = Project(portrait=str(resources_dir() / "demo_portrait.jpg"), audio=str(voice))
    return project.with_(output=project.output.with_(height=64))


def test_json_outputs_are_readable_by_others_like_any_new_file(tmp_path: Path) -> None:
    """fit and analyze wrote 0600 files (mkstemp's mode); new files follow the umask."""
    old = os.umask(0o022)
    try:
        written = files.atomic_write_text(tmp_path / "speech.json", json.dumps({"fps": 25}))
    finally:
        os.umask(old)
    assert written.stat().st_mode & 0o777 == 0o644


def test_ffmpeg_failures_read_as_one_plain_line() -> None:
    """A full disk during a PNG sequence ended with 'Last message repeated 1 times'; NaN audio
    with '[aac @ 0x55...]': the line shown names the cause without ffmpeg's noise."""
    from emospeaker_studio.engine.export.ffmpeg_pipe import _clean, telling_line

    full_disk = ["[image2 @ 0x5581c0a3e2c0] Could not open file : frame_000123.png", "av_interleaved_write_frame(): No space left on device",
                 "Last message repeated 1 times", "Conversion failed!"]
    assert telling_line([_clean(line) for line in full_disk]) == "av_interleaved_write_frame(): No space left on device"
    nan_audio = ["[aac @ 0x55d0c3a1b2c0] Input contains (near) NaN/+-inf", "Error while encoding", "Conversion failed!"]
    assert telling_line([_clean(line) for line in nan_audio]) == "Input contains (near) NaN/+-inf"


# Importing the command line takes a moment before its signal handlers exist; a
# Ctrl-C in it is simulated by an import hook that raises KeyboardInterrupt there.
_CTRL_C_WHILE_IMPORTING = """
import runpy, sys

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "emospeaker_studio.cli":
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, CtrlC())
sys.argv = ["emospeaker-studio", "--help"]
runpy.run_module("emospeaker_studio", run_name="__main__")
"""


def test_ctrl_c_while_the_program_starts_is_one_line_and_exit_130(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", _CTRL_C_WHILE_IMPORTING], cwd=tmp_path, env=env, text=True,
                          capture_output=True, timeout=60)
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == ["interrupted; nothing was written"]
    assert list(tmp_path.iterdir()) == []
