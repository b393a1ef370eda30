"""Speed and memory of the render/export path, measured in one run on the bundled demo.

``emospeaker-studio bench`` prints these figures and can write them as JSON.
What is measured, and why each figure is measured the way it is:

* ``prepare``: cold face fit (cache off), warm fit (from the cache), and a full
  ``prepare`` of the demo with a warm cache (fit + audio + speech + animation +
  renderer) -- what a user waits for before the first frame.
* ``render_fps``: frames per second of ``PreparedRender.iter_batches`` alone
  (parallel CPU workers, as export uses it), at output heights 512 and 1080,
  excluding the first (warm-up) batch; ``render_fps_serial*``: one batch at
  a time, on torch's threads and on one thread, for comparison.
* ``random_frame_ms``: median time to render one frame alone at 512, over
  random frames -- the preview's scrubbing latency.
* ``refit_ms``: face re-fit after a key-point move at 512, per key point of the
  face editor (a mouth corner, an eye corner, a brow, the chin, the nose tip):
  the median over the steps of a drag of ``with_project`` for the moved point
  plus the first frame, each step from the one before, on one torch thread as
  the preview worker renders -- how often the preview follows a drag.
* ``export_fps``: frames per second of a full render + encode at 512 per
  format, written to a temporary folder.
* ``encode_floor``: MP4 at 1080: the same frames pre-rendered to a raw file on
  disk and piped to the same encoder give the floor; ``export_over_encode`` is
  export time / encode-only time (1.30 = 30 % render overhead).
* ``memory``: peak RSS of this process and of its largest child (ffmpeg), and
  RSS sampled during a long MP4 export (the demo voice looped to 2.5 minutes,
  rendered at 256 px to keep the run short -- streaming does not depend on
  the size): flat in length means the export streams.

Timings depend on what else the machine is doing; run it on an idle machine.
"""

from __future__ import annotations

import contextlib
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from emospeaker_studio.core.project import ExportFormat, Project
from emospeaker_studio.engine.export import export_frames
from emospeaker_studio.engine.jobs import Progress

TARGETS = {
    "render_fps_512": 60.0,  # at least
    "export_fps_mp4_1080": 25.0,  # at least (1x real time at 25 fps)
    "export_over_encode_mp4_1080": 1.30,  # at most
    "random_frame_ms_512": 40.0,  # at most
    "refit_ms_512": 80.0,  # at most, for every key point measured
    "prepare_s": 3.0,  # at most
}


LONG_EXPORT_HEIGHT = 256


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _vm_rss_mb(pid: str) -> Optional[float]:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def rss_mb() -> float:
    """Current resident memory of this process in MiB (Linux /proc; peak RSS elsewhere)."""
    own = _vm_rss_mb("self")
    return own if own is not None else peak_rss_mb()[0]


def children_rss_mb() -> float:
    """Current resident memory of this process's running children (ffmpeg) in MiB; 0 off Linux."""
    total = 0.0
    try:
        for task in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{task}/children") as children:
                for pid in children.read().split():
                    total += _vm_rss_mb(pid) or 0.0
    except OSError:
        pass
    return total


def peak_rss_mb() -> tuple[float, float]:
    """Peak RSS in MiB of this process and of its largest finished child.

    The child figure counts a child from the moment it is forked, when it
    still maps this process's memory, so it is an upper bound for ffmpeg.
    """
    try:
        import resource
    except ImportError:  # Windows
        return float("nan"), float("nan")
    scale = 1024.0 * 1024.0 if sys.platform == "darwin" else 1024.0  # bytes on macOS, KiB on Linux
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / scale
    return own, child


def demo_project() -> Project:
    from emospeaker_studio.core.projectfile import load_project
    from emospeaker_studio.paths import demo_project_path

    return load_project(demo_project_path())


def _at_height(project: Project, height: int) -> Project:
    return project.with_(output=project.output.with_(height=height, width=None))


def _timed(function: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def _render_fps(prepared, start: int, count: int, repeats: int = 3, workers: Optional[int] = None) -> float:
    """Median over ``repeats`` runs: one busy moment on a shared machine should not set the figure."""
    stop = min(prepared.frame_count, start + count + prepared.batch_size)
    runs = []
    for _ in range(repeats):
        batches = prepared.iter_batches(start=start, stop=stop, workers=workers)
        next(batches)  # warm-up: first-call allocations, lazy initialisation
        frames = 0
        began = time.perf_counter()
        for batch in batches:
            frames += len(batch)
        runs.append(frames / (time.perf_counter() - began))
    return statistics.median(runs)


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


@contextlib.contextmanager
def _one_torch_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _random_frame_ms(prepared, samples: int, seed: int = 1) -> float:
    rng = random.Random(seed)
    prepared.render_frames(0, 1)  # warm-up
    times = []
    for _ in range(samples):
        i = rng.randrange(prepared.frame_count)
        began = time.perf_counter()
        prepared.render_frames(i, i + 1)
        times.append((time.perf_counter() - began) * 1000.0)
    return statistics.median(times)


# Key points the face editor lets the user drag (app/preview.py KEY_POINTS), one of each kind.
REFIT_POINTS = {"mouth_corner": 61, "eye_corner": 33, "brow": 70, "chin": 152, "nose_tip": 1}


def _refit_ms(prepared, frame: int, steps: int) -> dict[str, float]:
    """Per key point: median ms of one drag step (re-fit + first frame), one torch thread."""
    project = prepared.project
    figures = {}
    with _one_torch_thread():
        for name, point in REFIT_POINTS.items():
            current, times = prepared, []
            for step in range(1, steps + 1):
                moved = project.with_(landmark_offsets=((point, 0.6 * step, 0.3 * step),))
                began = time.perf_counter()
                current = current.with_project(moved)
                current.render_frames(frame, frame + 1)
                times.append((time.perf_counter() - began) * 1000.0)
            figures[name] = round(statistics.median(times), 1)
    return figures


def _export(prepared, fmt: ExportFormat, folder: Path, frames: int, start: int = 0, *, name: str = "bench",
            batches=None, progress=None) -> float:
    """Render + encode ``frames`` frames into ``fmt``; returns frames per second."""
    source = batches if batches is not None else prepared.iter_batches(start=start, stop=start + frames)
    seconds, _ = _timed(lambda: export_frames(
        source, out_path=folder / f"{name}{fmt.suffix}", fmt=fmt, fps=prepared.fps, size=prepared.size,
        frame_count=frames, audio_path=Path(prepared.project.audio), alpha=prepared.has_alpha,
        progress=progress))
    return frames / seconds


def _encode_floor(prepared, folder: Path, frames: int, start: int) -> tuple[float, float]:
    """(export fps, encode-only fps) of MP4 for the same frames.

    The frames are rendered once into a raw file on disk and read back batch
    by batch (from the page cache: a memory copy, ~1 ms per 1080p frame), so
    encode-only pays the same pipe and encoder cost and nothing else.
    """
    w, h = prepared.size
    channels = 4 if prepared.has_alpha else 3
    raw_path = folder / "frames.raw"
    with open(raw_path, "wb") as raw:
        for batch in prepared.iter_batches(start=start, stop=start + frames):
            raw.write(np.ascontiguousarray(batch).tobytes())
    step = prepared.batch_size
    shape = (h, w, channels)

    def from_disk():
        with open(raw_path, "rb") as raw:
            for first in range(0, frames, step):
                count = min(step, frames - first)
                yield np.fromfile(raw, dtype=np.uint8, count=count * h * w * channels).reshape(count, *shape)

    encode_fps = _export(prepared, ExportFormat.MP4, folder, frames, name="floor", batches=from_disk())
    export_fps = _export(prepared, ExportFormat.MP4, folder, frames, start=start, name="export")
    raw_path.unlink()
    return export_fps, encode_fps


def _looped_audio(source: str, seconds: float, folder: Path) -> Path:
    """The demo voice repeated to ``seconds`` (a long recording without shipping one)."""
    from emospeaker_studio.engine.export.ffmpeg_pipe import ffmpeg_exe

    out = folder / "long_voice.wav"
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-stream_loop", "-1",
                    "-i", source, "-t", f"{seconds:.3f}", "-ac", "1", str(out)], check=True)
    return out


def _long_export(project: Project, device: str, folder: Path, seconds: float) -> dict:
    """RSS sampled through a long MP4 export: it should not grow with length."""
    from emospeaker_studio.engine.pipeline import frame_count_for, render_project

    long_project = project.with_(audio=str(_looped_audio(project.audio, seconds, folder)))
    samples: list[tuple[float, float]] = []  # (fraction done, RSS MiB)
    ffmpeg_rss: list[float] = []

    def sample(p: Progress) -> None:
        if p.stage == "encode" and (not samples or p.fraction - samples[-1][0] >= 0.05 or p.done == p.total):
            samples.append((p.fraction, rss_mb()))
            ffmpeg_rss.append(children_rss_mb())

    seconds_taken, _ = _timed(lambda: render_project(long_project, folder / "long.mp4", device=device,
                                                     progress=sample))
    early = [rss for fraction, rss in samples if fraction <= 0.25] or [samples[0][1]]
    late = [rss for fraction, rss in samples if fraction >= 0.75] or [samples[-1][1]]
    return {
        "audio_s": round(seconds, 1),
        "wall_s": round(seconds_taken, 2),
        "rss_mb_at_25pct": round(max(early), 1),
        "rss_mb_at_end": round(max(late), 1),
        "rss_growth_mb": round(max(late) - max(early), 1),
        "frames": frame_count_for(seconds, project.output.fps),
        "rss_samples_mb": [round(rss, 1) for _, rss in samples],
        "ffmpeg_rss_mb_max": round(max(ffmpeg_rss), 1),
    }


def run_benchmark(*, out_json: Optional[Path] = None, device: str = "auto", quick: bool = False,
                  progress: Optional[Callable[[str], None]] = _stderr) -> dict:
    """Measure the figures described in this module's docstring; write them to ``out_json`` too.

    ``quick``: fewer frames and a short "long" export -- a smoke test, figures
    less precise. ``progress`` receives one line per measurement (stderr by default).
    """
    from emospeaker_studio.engine.face.fit import fit_face
    from emospeaker_studio.engine.face.portrait import load_portrait
    from emospeaker_studio.engine.pipeline import prepare

    say = progress or (lambda message: None)
    if out_json is not None:
        from emospeaker_studio.core.files import check_output_folder

        check_output_folder(Path(out_json))
    n_render = 16 if quick else 150
    n_render_1080 = 4 if quick else 50
    n_export = 8 if quick else 125
    n_floor = 8 if quick else 100
    n_random = 3 if quick else 21
    n_refit = 2 if quick else 7
    long_s = 3.0 if quick else 150.0
    start = 75  # mid-speech: the mouth is open and the expression moving

    project = demo_project()
    figures: dict = {"quick": quick, "cpu_count": os.cpu_count(), "platform": platform.platform(),
                     "python": platform.python_version()}

    say("prepare: face fit cold and warm")
    portrait = load_portrait(project.portrait)
    fit_face(portrait, face_index=project.face_index)  # imports MediaPipe, fills the cache
    cold_s, _ = _timed(lambda: fit_face(portrait, face_index=project.face_index, cache=False))
    warm_s, _ = _timed(lambda: fit_face(portrait, face_index=project.face_index, cache=True))
    say("prepare: whole project at 512")
    project_512 = _at_height(project, 512)
    first_s, _ = _timed(lambda: prepare(project_512, device=device))  # pays imports and warm-up
    prepare_s, prepared = _timed(lambda: prepare(project_512, device=device))
    reanimate_s, _ = _timed(lambda: prepared.with_project(project_512.with_(
        style=project_512.style.with_(seed=project_512.style.seed + 1))))
    figures["device"] = str(getattr(prepared.renderer, "device", device))
    figures["frames_in_demo"] = prepared.frame_count
    figures["prepare"] = {"fit_cold_s": round(cold_s, 3), "fit_warm_s": round(warm_s, 3),
                          "prepare_first_call_s": round(first_s, 3),
                          "prepare_s": round(prepare_s, 3), "reanimate_s": round(reanimate_s, 4)}

    say("render only at 512 and 1080")
    render_fps = {"512": round(_render_fps(prepared, start, n_render), 1)}
    figures["random_frame_ms"] = {"512": round(_random_frame_ms(prepared, n_random), 2)}
    say("face re-fit after a key-point move at 512")
    figures["refit_ms"] = {"512": _refit_ms(prepared, start, n_refit)}
    prepared_1080 = prepared.with_project(_at_height(project, 1080))
    render_fps["1080"] = round(_render_fps(prepared_1080, start, n_render_1080), 1)
    figures["render_fps"] = render_fps
    figures["render_workers"] = prepared.render_workers
    figures["torch_threads"] = _torch_threads()
    if figures["device"] == "cpu":
        # One batch at a time, on torch's own threads and on one thread: how
        # much the parallel workers (render_workers) gain on this machine.
        figures["render_fps_serial"] = {
            "512": round(_render_fps(prepared, start, n_render, workers=1), 1),
            "1080": round(_render_fps(prepared_1080, start, n_render_1080, workers=1), 1),
        }
        with _one_torch_thread():
            figures["render_fps_serial_one_thread"] = {
                "512": round(_render_fps(prepared, start, n_render, workers=1), 1),
                "1080": round(_render_fps(prepared_1080, start, n_render_1080, workers=1), 1),
            }
    figures["batch_size"] = {"512": prepared.batch_size, "1080": prepared_1080.batch_size}

    with tempfile.TemporaryDirectory(prefix="emospeaker-bench-") as tmp:
        folder = Path(tmp)
        export_fps = {}
        for fmt in (ExportFormat.MP4, ExportFormat.WEBM, ExportFormat.MOV, ExportFormat.GIF, ExportFormat.PNG):
            say(f"export {fmt.value} at 512")
            export_fps[fmt.value] = round(_export(prepared, fmt, folder, n_export, start=start), 1)
        figures["export_fps_512"] = export_fps

        say(f"long export: {long_s:.0f} s of audio at {LONG_EXPORT_HEIGHT}")
        figures["long_export"] = {"height": LONG_EXPORT_HEIGHT,
                                  **_long_export(_at_height(project, LONG_EXPORT_HEIGHT), device, folder, long_s)}

        say("MP4 at 1080: export vs encode alone")
        export_1080, encode_1080 = _encode_floor(prepared_1080, folder, n_floor, start)
        figures["mp4_1080"] = {"export_fps": round(export_1080, 1), "encode_only_fps": round(encode_1080, 1),
                               "export_over_encode": round(encode_1080 / export_1080, 3)}
        del prepared_1080
    # The high-water mark of the whole run: prepare, renderers at 512 and 1080,
    # every export (the floor reads its frames batch by batch, never all at once).
    own, child = peak_rss_mb()
    figures["memory"] = {"peak_rss_mb": round(own, 1), "peak_child_rss_upper_bound_mb": round(child, 1)}
    figures["targets"] = TARGETS
    figures["meets_targets"] = {
        "render_fps_512": render_fps["512"] >= TARGETS["render_fps_512"],
        "export_fps_mp4_1080": figures["mp4_1080"]["export_fps"] >= TARGETS["export_fps_mp4_1080"],
        "export_over_encode_mp4_1080": figures["mp4_1080"]["export_over_encode"]
        <= TARGETS["export_over_encode_mp4_1080"],
        "random_frame_ms_512": figures["random_frame_ms"]["512"] <= TARGETS["random_frame_ms_512"],
        "refit_ms_512": max(figures["refit_ms"]["512"].values()) <= TARGETS["refit_ms_512"],
        "prepare_s": prepare_s <= TARGETS["prepare_s"],
    }
    if out_json is not None:
        import json

        from emospeaker_studio.core.files import atomic_write_text

        atomic_write_text(Path(out_json), json.dumps(figures, indent=2))
    return figures
