"""Build the double-clickable EmoSpeaker Studio app with PyInstaller, then smoke-test it.

    python installer/build.py                # build dist/EmoSpeakerStudio/, then test it
    python installer/build.py --test-only    # test an existing build
    python installer/build.py --no-test      # build only

Installs nothing: PyInstaller and the app's dependencies come from the current
environment (``pip install -e ".[installer]"``), and whichever torch is
installed there (CPU or CUDA) is the one that ships.

The smoke test runs the packaged executable, not the source tree:
``fit`` on a copy of the bundled portrait (MediaPipe and its model files),
``analyze --recognizer model`` on the bundled voice (torch and models/),
``demo --size 256`` (the whole pipeline and the bundled ffmpeg), then opens
the Studio window offscreen on the bundled demo project and checks it is still
running, with no traceback, after a while (the window has no quit-after-show
option, so "stays up and silent" is the check). Exit status 0 when the build
and every check pass, 1 when one fails, 2 when PyInstaller is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "installer" / "emospeaker_studio.spec"
APP_FOLDER = "EmoSpeakerStudio"  # must match APP_NAME in the spec
EXE_NAME = "emospeaker-studio"  # must match EXE_NAME in the spec
LANDMARK_COUNT = 478


class SmokeFailure(Exception):
    """A check of the packaged app failed; the message says which and why."""


def executable(dist: Path) -> Path:
    suffix = ".exe" if sys.platform == "win32" else ""
    return dist / APP_FOLDER / f"{EXE_NAME}{suffix}"


def bundle_dir(dist: Path) -> Path:
    """The packaged app's sys._MEIPASS: where resources/, models/ and the libraries are."""
    return dist / APP_FOLDER / "_internal"


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def build(dist: Path, work: Path) -> float:
    """Run the spec; return the seconds it took."""
    command = [
        sys.executable, "-m", "PyInstaller", str(SPEC),
        "--noconfirm", "--clean", "--log-level", "WARN",
        "--distpath", str(dist), "--workpath", str(work),
    ]
    print("building:", " ".join(command), flush=True)
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        raise SmokeFailure(f"PyInstaller failed (exit {result.returncode}) after {elapsed:.0f} s")
    return elapsed


def _isolated_env(home: Path) -> dict[str, str]:
    """The app's environment for the checks: offscreen Qt, and on Linux fresh user dirs (no cached fits, no settings)."""
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
    for name in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        env[name] = str(home / name.lower())
    return env


def _run_app(exe: Path, args: Sequence[str], env: dict[str, str], log: Path, timeout: float) -> float:
    """Run the packaged app to completion; raise SmokeFailure unless it exits 0. Returns the seconds it took."""
    started = time.monotonic()
    with log.open("wb") as out:
        try:
            result = subprocess.run([str(exe), *args], env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise SmokeFailure(f"'{EXE_NAME} {' '.join(args)}' did not finish in {timeout:.0f} s\n{_tail(log)}") from None
    if result.returncode != 0:
        raise SmokeFailure(f"'{EXE_NAME} {' '.join(args)}' exited {result.returncode}\n{_tail(log)}")
    return time.monotonic() - started


def _tail(log: Path, lines: int = 25) -> str:
    text = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join("    " + line for line in text[-lines:])


def check_fit(exe: Path, bundle: Path, env: dict[str, str], tmp: Path) -> str:
    # A copy with a random trailer (ignored by JPEG decoders) has a new hash, so
    # the fit cache cannot answer and MediaPipe must really run.
    portrait = tmp / "portrait.jpg"
    portrait.write_bytes((bundle / "resources" / "demo_portrait.jpg").read_bytes() + secrets.token_bytes(16))
    out = tmp / "fit.json"
    seconds = _run_app(exe, ["fit", str(portrait), "-o", str(out)], env, tmp / "fit.log", timeout=300)
    landmarks = json.loads(out.read_text(encoding="utf-8")).get("landmarks", [])
    if len(landmarks) != LANDMARK_COUNT:
        raise SmokeFailure(f"fit wrote {len(landmarks)} landmarks, expected {LANDMARK_COUNT}")
    return f"fit: {LANDMARK_COUNT} landmarks in {seconds:.1f} s"


def check_speech_model(exe: Path, bundle: Path, env: dict[str, str], tmp: Path) -> str:
    out = tmp / "speech.json"
    voice = bundle / "resources" / "demo_voice.flac"
    args = ["analyze", str(voice), "-o", str(out), "--recognizer", "model"]
    seconds = _run_app(exe, args, env, tmp / "analyze.log", timeout=300)
    if out.stat().st_size == 0:
        raise SmokeFailure("analyze wrote an empty file")
    return f"analyze (speech network from models/): {seconds:.1f} s"


def check_demo(exe: Path, env: dict[str, str], tmp: Path) -> str:
    out = tmp / "demo.mp4"
    seconds = _run_app(exe, ["demo", "-o", str(out), "--size", "256", "-q"], env, tmp / "demo.log", timeout=900)
    if not out.is_file() or out.stat().st_size < 10_000:
        raise SmokeFailure(f"demo did not write a video ({out})")
    detail = f"{out.stat().st_size / 1e3:.0f} kB"
    try:  # count the frames with the build environment's ffmpeg, when it has one
        import imageio_ffmpeg

        frames, duration = imageio_ffmpeg.count_frames_and_secs(str(out))
        if frames < 1:
            raise SmokeFailure("demo wrote a video with no frames")
        detail += f", {frames} frames, {duration:.1f} s"
    except ImportError:
        pass
    return f"demo --size 256: {detail} in {seconds:.1f} s"


def check_window(exe: Path, bundle: Path, env: dict[str, str], tmp: Path, seconds: float) -> str:
    log = tmp / "studio.log"
    project = bundle / "resources" / "demo.esproj"
    with log.open("wb") as out:
        process = subprocess.Popen([str(exe), str(project)], env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            code = process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            code = None
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    if code is not None:
        raise SmokeFailure(f"the Studio window closed by itself after < {seconds:.0f} s (exit {code})\n{_tail(log)}")
    text = log.read_text(encoding="utf-8", errors="replace")
    if "Traceback" in text or "preview render failed" in text:
        raise SmokeFailure(f"the Studio reported an error\n{_tail(log, 40)}")
    return f"Studio window (offscreen, demo project): up {seconds:.0f} s, no errors"


def smoke_test(dist: Path, window_seconds: float) -> list[str]:
    exe = executable(dist)
    if not exe.is_file():
        raise SmokeFailure(f"no packaged executable at {exe}; build first")
    bundle = bundle_dir(dist)
    for folder in ("resources", "models", "mediapipe/modules/face_landmark", "imageio_ffmpeg/binaries"):
        if not (bundle / folder).is_dir():
            raise SmokeFailure(f"the build lacks {folder}/ (looked in {bundle})")
    with tempfile.TemporaryDirectory(prefix="emospeaker-smoke-") as name:
        tmp = Path(name)
        env = _isolated_env(tmp / "home")
        results = []
        for check in (
            lambda: check_fit(exe, bundle, env, tmp),
            lambda: check_speech_model(exe, bundle, env, tmp),
            lambda: check_demo(exe, env, tmp),
            lambda: check_window(exe, bundle, env, tmp, window_seconds),
        ):
            results.append(check())
            print("  ok", results[-1], flush=True)
        return results


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Build the EmoSpeaker Studio desktop app (PyInstaller) and smoke-test it.")
    parser.add_argument("--dist", default=str(ROOT / "dist"), help="output folder (default: dist/)")
    parser.add_argument("--work", default=str(ROOT / "build"), help="PyInstaller's work folder (default: build/)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--test-only", action="store_true", help="smoke-test an existing build, do not build")
    mode.add_argument("--no-test", action="store_true", help="build only")
    parser.add_argument("--window-seconds", type=float, default=45.0, help="how long the Studio window must stay up (default 45)")
    args = parser.parse_args(argv)
    dist, work = Path(args.dist).resolve(), Path(args.work).resolve()

    try:
        if not args.test_only:
            try:
                import PyInstaller  # noqa: F401
            except ImportError:
                print('error: PyInstaller is not installed; run: pip install -e ".[installer]"', file=sys.stderr)
                return 2
            seconds = build(dist, work)
            folder = dist / APP_FOLDER
            print(f"built {folder} in {seconds / 60:.1f} min: {folder_size(folder) / 2**20:.0f} MiB", flush=True)
        if not args.no_test:
            print("smoke test of the packaged app:", flush=True)
            smoke_test(dist, args.window_seconds)
            print("smoke test passed")
    except SmokeFailure as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
