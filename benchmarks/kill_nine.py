"""kill -9 at random moments of a project save and of a render, then the next run: what is left?

    python -m benchmarks.kill_nine --saves 50 --renders 50

Saves: a child process saves a project over and over (each save a little
different) and is killed with SIGKILL after a random delay. The project must
then load (never a half-written file), and after one more save in the same
place nothing may be left beside it but the project and its ``.bak``.

Renders: a ``render`` command is killed with SIGKILL at a random moment of its
run (preparation or encoding; its ffmpeg is left to notice on its own, as
when a terminal is closed). After the next render to the same file finishes,
nothing may be left beside the video.

Prints one JSON object with the counts; exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_SAVE_LOOP = """
import sys
from emospeaker_studio.core.emotion_spec import parse_emotion_spec
from emospeaker_studio.core.project import Project
from emospeaker_studio.core.projectfile import save_project
spec = ", ".join(f"{t}=happy:0.5" for t in range(40))
project = Project(portrait="face.jpg", audio="voice.wav", emotions=parse_emotion_spec(spec))
print("ready", flush=True)
seed = 0
while True:
    seed += 1
    save_project(project.with_(style=project.style.with_(seed=seed)), sys.argv[1])
"""


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def kill_saves(count: int, rng: random.Random) -> dict:
    from emospeaker_studio.core.errors import UserError
    from emospeaker_studio.core.project import Project
    from emospeaker_studio.core.projectfile import load_project, save_project

    folder = Path(tempfile.mkdtemp(prefix="kill9-save-"))
    path = folder / "p.esproj"
    save_project(Project(), path)
    unloadable = left_by_kill = kills_leaving_files = left_after_next = 0
    for _ in range(count):
        child = subprocess.Popen([sys.executable, "-c", _SAVE_LOOP, str(path)], env=_env(), stdout=subprocess.PIPE, text=True)
        child.stdout.readline()
        time.sleep(rng.uniform(0.0, 0.3))
        child.send_signal(signal.SIGKILL)
        child.wait()
        try:
            load_project(path)
        except UserError:
            unloadable += 1
        left = len(_extra(folder, {"p.esproj", "p.esproj.bak"}))
        left_by_kill += left
        kills_leaving_files += left > 0
        save_project(Project(), path)  # the next run that writes there
        left_after_next += len(_extra(folder, {"p.esproj", "p.esproj.bak"}))
    return {"kills": count, "unloadable_projects": unloadable, "kills_that_left_files": kills_leaving_files,
            "temp_files_left_by_the_kills": left_by_kill,
            "temp_files_left_after_the_next_save": left_after_next}


def kill_renders(count: int, rng: random.Random) -> dict:
    import imageio_ffmpeg

    from emospeaker_studio.paths import resources_dir

    folder = Path(tempfile.mkdtemp(prefix="kill9-render-"))
    voice = folder / "voice.wav"
    # The whole demo voice at 512 px: about half of a run is encoding, when the temporary video exists.
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-i", str(resources_dir() / "demo_voice.flac"),
                    str(voice)], check=True)
    out = folder / "out"
    out.mkdir()
    argv = [sys.executable, "-m", "emospeaker_studio", "render", "--portrait", str(resources_dir() / "demo_portrait.jpg"),
            "--audio", str(voice), "--size", "512", "-q", "-o", str(out / "clip.mp4")]
    run_s = _timed_run(argv)  # the first run also warms the face-fit cache, as a user's would be
    run_s = _timed_run(argv)
    left_by_kill = kills_leaving_files = left_after_next = failed_next = killed_while_running = 0
    for _ in range(count):
        child = subprocess.Popen(argv, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # A moment within the run, from the length of the last complete run (the machine's load varies).
        time.sleep(rng.uniform(0.0, run_s))
        killed_while_running += child.poll() is None
        child.send_signal(signal.SIGKILL)
        child.wait()
        time.sleep(0.2)  # the orphaned ffmpeg sees its input end and exits
        left = len(_extra(out, {"clip.mp4"}))
        left_by_kill += left
        kills_leaving_files += left > 0
        start = time.perf_counter()
        if subprocess.run(argv, env=_env(), capture_output=True).returncode != 0:
            failed_next += 1
        run_s = time.perf_counter() - start
        left_after_next += len(_extra(out, {"clip.mp4"}))
    return {"kills": count, "killed_while_running": killed_while_running, "kills_that_left_files": kills_leaving_files,
            "temp_files_left_by_the_kills": left_by_kill, "next_runs_failed": failed_next,
            "temp_files_left_after_the_next_render": left_after_next}


def _timed_run(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=_env(), check=True, capture_output=True)
    return time.perf_counter() - start


def _extra(folder: Path, expected: set[str]) -> list[str]:
    return [name for name in os.listdir(folder) if name not in expected]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=50)
    parser.add_argument("--renders", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    figures = {"saves": kill_saves(args.saves, rng), "renders": kill_renders(args.renders, rng)}
    print(json.dumps(figures, indent=2))
    saves, renders = figures["saves"], figures["renders"]
    missed = (saves["unloadable_projects"] or saves["temp_files_left_after_the_next_save"]
              or renders["temp_files_left_after_the_next_render"] or renders["next_runs_failed"])
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
