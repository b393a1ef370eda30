"""The batch command end to end: tiny renders in child processes, the results file, resuming,
failures that do not stop the others, Ctrl-C, and frames identical to a single render."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from emospeaker_studio import cli
from emospeaker_studio.paths import resources_dir

ROOT = Path(__file__).resolve().parent.parent
TEMP_MARK = ".partial"


@pytest.fixture(scope="module")
def material(tmp_path_factory) -> Path:
    """A portrait, a second of voice, and a photo without a face."""
    folder = tmp_path_factory.mktemp("batch-material")
    shutil.copy(resources_dir() / "demo_portrait.jpg", folder / "face.jpg")
    voice, rate = sf.read(resources_dir() / "demo_voice.flac", dtype="float32")
    sf.write(folder / "voice.wav", voice[:rate], rate)
    sf.write(folder / "long.wav", voice[: rate * 12], rate)
    Image.new("RGB", (96, 96), (128, 128, 128)).save(folder / "blank.png")
    return folder


@pytest.fixture
def work(tmp_path: Path, material: Path) -> Path:
    for item in material.iterdir():
        shutil.copy(item, tmp_path / item.name)
    (tmp_path / "out").mkdir()
    return tmp_path


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def batch(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "emospeaker_studio", "batch", *args], capture_output=True,
                          text=True, timeout=timeout, env=_env(), cwd=ROOT)


def events(done: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def results(manifest: Path) -> dict[int, dict]:
    lines = manifest.with_name(manifest.name + ".results.jsonl").read_text().splitlines()
    return {record["row"]: record for record in map(json.loads, lines)}


def written_files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def test_an_invalid_manifest_lists_every_row_and_writes_nothing(capsys, work: Path) -> None:
    manifest = work / "m.csv"
    manifest.write_text("portrait,audio,output,size,fps\n"
                        "face.jpg,voice.wav,out/a.mp4,32,500\n"
                        "face.jpg,voice.wav,out/b.mp4,32,\n"
                        "face.jpg,gone.wav,out/b.mp4,32,\n")
    before = written_files(work)
    code = cli.main(["batch", str(manifest)])
    err = capsys.readouterr().err.splitlines()
    assert code == 2
    assert err[:-1] == [
        "row 1: column fps: 500 is out of range; give 1 to 120",
        f"row 3: audio file {work / 'gone.wav'} does not exist; check the path",
        f"row 3: output {work / 'out' / 'b.mp4'} is also row 2's output; give each row its own",
    ]
    assert err[-1].startswith("error: 2 of 3 row(s) of the manifest have problems") and "--skip-invalid" in err[-1]
    assert written_files(work) == before


def test_a_batch_runs_records_resumes_and_reruns_what_changed(work: Path) -> None:
    manifest = work / "m.jsonl"
    manifest.write_text('{"portrait": "face.jpg", "audio": "voice.wav", "output": "out/a.mp4", "size": 48}\n'
                        '{"portrait": "face.jpg", "audio": "voice.wav", "emotion": "0=happy", "output": "out/b.webm", '
                        '"size": 48, "seed": 2}\n')
    first = batch(str(manifest), "--jobs", "2", "--progress", "jsonl")
    assert first.returncode == 0, first.stderr
    kinds = [(e["event"], e.get("row")) for e in events(first)]
    assert sorted(kinds) == sorted([("started", 1), ("started", 2), ("done", 1), ("done", 2), ("summary", None)])
    assert events(first)[-1] == {"event": "summary", "done": 2, "unchanged": 0, "failed": 0, "invalid": 0,
                                 "results": str(work / "m.jsonl.results.jsonl")}
    recorded = results(manifest)
    for row, name in ((1, "a.mp4"), (2, "b.webm")):
        assert recorded[row]["status"] == "done"
        assert recorded[row]["bytes"] == (work / "out" / name).stat().st_size > 0
        assert recorded[row]["duration_s"] == pytest.approx(1.0, abs=0.1)
    assert not [p for p in (work / "out").iterdir() if TEMP_MARK in p.name]

    again = batch(str(manifest), "--progress", "jsonl")
    assert again.returncode == 0
    assert [(e["event"], e.get("reason")) for e in events(again)[:-1]] == [
        ("skipped", "unchanged since it was rendered")] * 2

    # New bytes in an input: the jobs reading it run again; a changed row's setting too.
    voice, rate = sf.read(work / "voice.wav", dtype="float32")
    sf.write(work / "voice.wav", voice * 0.5, rate)
    third = batch(str(manifest), "--progress", "jsonl")
    assert third.returncode == 0
    assert sorted(e["row"] for e in events(third) if e["event"] == "done") == [1, 2]
    manifest.write_text(manifest.read_text().replace('"seed": 2', '"seed": 3'))
    fourth = batch(str(manifest), "--progress", "jsonl")
    assert [(e["event"], e["row"]) for e in events(fourth) if e["event"] in ("done", "skipped")] == [
        ("skipped", 1), ("done", 2)]


def test_a_failing_job_does_not_stop_the_others_and_is_retried(work: Path) -> None:
    manifest = work / "m.csv"
    manifest.write_text("portrait,audio,output,size\nblank.png,voice.wav,out/a.mp4,48\nface.jpg,voice.wav,out/b.mp4,48\n")
    done = batch(str(manifest), "--jobs", "1")
    assert done.returncode == 1
    recorded = results(manifest)
    assert recorded[1]["status"] == "failed" and "face" in recorded[1]["error"]
    assert recorded[2]["status"] == "done" and (work / "out" / "b.mp4").is_file()
    assert not (work / "out" / "a.mp4").exists()
    assert "[1/2] row 1 failed:" in done.stderr and "[2/2] row 2 done:" in done.stderr
    assert "rendered 1, unchanged 0, failed 1, skipped as invalid 0" in done.stdout
    assert f"  row 1 failed: {recorded[1]['error']}" in done.stdout
    assert "Traceback" not in done.stderr

    shutil.copy(work / "face.jpg", work / "blank.png")  # fixed: the failed job is retried, the done one kept
    retry = batch(str(manifest), "--progress", "jsonl")
    assert retry.returncode == 0
    assert [(e["event"], e["row"]) for e in events(retry) if e["event"] in ("done", "skipped")] == [
        ("skipped", 2), ("done", 1)]


def test_skip_invalid_renders_the_valid_rows(work: Path) -> None:
    manifest = work / "m.csv"
    manifest.write_text("portrait,audio,output,size\nface.jpg,nothing.wav,out/a.mp4,48\nface.jpg,voice.wav,out/b.mp4,48\n")
    done = batch(str(manifest), "--skip-invalid", "-q")
    assert done.returncode == 1
    assert done.stderr == ""
    recorded = results(manifest)
    assert recorded[1]["status"] == "skipped" and "nothing.wav does not exist" in recorded[1]["reason"]
    assert recorded[2]["status"] == "done"
    assert "skipped as invalid 1" in done.stdout and "row 1 invalid:" in done.stdout


def test_batch_frames_are_the_frames_of_a_single_render(work: Path) -> None:
    options = ["--size", "40", "--emotion", "0=neutral, 0.5=surprised", "--seed", "5", "--head-motion", "0.8"]
    single = subprocess.run([sys.executable, "-m", "emospeaker_studio", "render", "--portrait", str(work / "face.jpg"),
                             "--audio", str(work / "voice.wav"), "-o", str(work / "single.png"), "-q", *options],
                            capture_output=True, text=True, timeout=240, env=_env(), cwd=ROOT)
    assert single.returncode == 0, single.stderr
    manifest = work / "m.csv"
    manifest.write_text("portrait,audio,output,size,emotion,seed,head_motion\n"
                        'face.jpg,voice.wav,out/batch.png,40,"0=neutral, 0.5=surprised",5,0.8\n'
                        'face.jpg,voice.wav,out/other.png,40,0=happy,5,0.8\n')
    done = batch(str(manifest), "--jobs", "2")
    assert done.returncode == 0, done.stderr
    frames = sorted((work / "single").glob("frame_*.png"))
    assert len(frames) == 25
    for frame in frames:
        assert (work / "out" / "batch" / frame.name).read_bytes() == frame.read_bytes(), frame.name
    # The comparison can fail: another emotion gives other frames.
    other = np.asarray(Image.open(work / "out" / "other" / frames[-1].name))
    assert not np.array_equal(other, np.asarray(Image.open(frames[-1])))


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_stops_the_renders_and_leaves_no_partial_output(work: Path) -> None:
    manifest = work / "m.csv"
    manifest.write_text("portrait,audio,output,size\nface.jpg,long.wav,out/a.mp4,256\nface.jpg,long.wav,out/b.mp4,256\n")
    process = subprocess.Popen([sys.executable, "-m", "emospeaker_studio", "batch", str(manifest), "--jobs", "2",
                                "--progress", "jsonl"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=_env(), cwd=ROOT)
    started = [process.stdout.readline() for _ in range(2)]
    assert all('"started"' in line for line in started), started
    # Let the renders get under way (writing temporary files) before the interruption.
    deadline = 60.0
    begin = time.monotonic()
    while not [p for p in (work / "out").iterdir() if TEMP_MARK in p.name] and time.monotonic() - begin < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert list((work / "out").iterdir()) == []
    assert not (work / "m.csv.results.jsonl").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_kill_9_loses_only_the_jobs_in_flight(work: Path) -> None:
    manifest = work / "m.csv"
    manifest.write_text("portrait,audio,output,size\nface.jpg,voice.wav,out/a.mp4,48\nface.jpg,long.wav,out/b.mp4,48\n")
    process = subprocess.Popen([sys.executable, "-m", "emospeaker_studio", "batch", str(manifest), "--jobs", "1",
                                "--progress", "jsonl"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env=_env(), cwd=ROOT)
    seen = []
    while not any('"done"' in line for line in seen):
        line = process.stdout.readline()
        assert line, seen
        seen.append(line)
    children_file = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    orphans = [int(pid) for pid in children_file.read_text().split()] if children_file.exists() else []
    process.kill()  # SIGKILL: no clean-up at all; row 2 is in flight
    process.wait(timeout=30)
    recorded = results(manifest)  # complete JSON lines: it is rewritten whole, by a rename
    assert list(recorded) == [1] and recorded[1]["status"] == "done"

    rerun = batch(str(manifest), "--progress", "jsonl")
    assert rerun.returncode == 0, rerun.stderr
    assert [(e["event"], e["row"]) for e in events(rerun) if e["event"] in ("done", "skipped")] == [
        ("skipped", 1), ("done", 2)]
    assert sorted(p.name for p in (work / "out").iterdir() if TEMP_MARK not in p.name) == ["a.mp4", "b.mp4"]
    # The killed batch's render of row 2 runs on by itself; let it end before the folder goes.
    begin = time.monotonic()
    while any(Path(f"/proc/{pid}").exists() for pid in orphans) and time.monotonic() - begin < 120:
        time.sleep(0.1)
