"""Measure the Studio against its targets on this machine (a benchmark, not a test).

Usage (under a real or virtual X server):
    Xvfb :99 -screen 0 1600x1000x24 &
    DISPLAY=:99 QT_QPA_PLATFORM=xcb python tests/app/measure_studio.py [--preview 512] [--play 10]

Prints: window-shown time after launch (a child process), preview frames
shown per second while playing the demo with audio and how far the picture
trails the audio clock, the frame-under-the-playhead latency after scrubs and
after an emotion edit, and the longest GUI-thread stall (a 5 ms watchdog
timer) during playback and during an export.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)

LAUNCH_CHILD = r"""
import time, sys
started = float(sys.argv[1])
import emospeaker_studio.app
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from emospeaker_studio.app.main_window import MainWindow
from emospeaker_studio.app.settings import AppSettings
from emospeaker_studio.app.theme import apply_theme
app = QApplication(["studio"])
apply_theme(app, "dark")
w = MainWindow(AppSettings(opened_before=True), save_settings_fn=lambda s: None)
w.open_demo()
w.show()
def shown():
    print(f"SHOWN {time.time() - started:.3f}", flush=True)
    w.document.reset(w.document.project)
    w.close()
QTimer.singleShot(0, shown)
app.exec()
"""


def measure_launch() -> float:
    started = time.time()
    out = subprocess.run([sys.executable, "-c", LAUNCH_CHILD, repr(started)], capture_output=True, text=True, timeout=120)
    for line in out.stdout.splitlines():
        if line.startswith("SHOWN"):
            return float(line.split()[1])
    raise RuntimeError(out.stderr[-2000:])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--preview", type=int, default=512)
    parser.add_argument("--play", type=float, default=10.0)
    parser.add_argument("--scrubs", type=int, default=15)
    parser.add_argument("--exports", type=int, default=1, help="export runs (the stall is the max over them)")
    parser.add_argument("--project", help="measure this project instead of the bundled demo (e.g. a 60 s voice for drift)")
    parser.add_argument("--sound", action="store_true",
                        help="play the voice into a private PulseAudio null sink (a sound card that plays into nothing "
                             "at the real pace), so the picture follows a real audio clock")
    args = parser.parse_args()
    if args.sound:
        from null_sound_card import null_sound_card

        with tempfile.TemporaryDirectory() as folder, null_sound_card(Path(folder)) as address:
            os.environ["PULSE_SERVER"] = address
            return measure(args)
    return measure(args)


def measure(args) -> int:

    launches = [measure_launch() for _ in range(3)]
    print(f"window shown after launch: {min(launches):.2f} s best, {statistics.median(launches):.2f} s median of 3")

    import emospeaker_studio.app  # noqa: F401
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from emospeaker_studio.app.main_window import MainWindow
    from emospeaker_studio.app.settings import AppSettings
    from emospeaker_studio.app.theme import apply_theme
    from emospeaker_studio.core.edits import SetKeyframeIntensity

    app = QApplication(["studio-bench"])
    apply_theme(app, "dark")
    window = MainWindow(AppSettings(opened_before=True, preview_height=args.preview), save_settings_fn=lambda s: None)
    window.resize(1600, 1000)
    if args.project:
        window.open_path(args.project, ask=False)
    else:
        window.open_demo()
    window.show()
    pc = window.preview_controller

    def wait_until(predicate, timeout_s: float) -> bool:
        loop = QEventLoop()
        timer = QTimer()
        timer.timeout.connect(lambda: loop.quit() if predicate() else None)
        timer.start(5)
        deadline = QTimer()
        deadline.setSingleShot(True)
        deadline.timeout.connect(loop.quit)
        deadline.start(int(timeout_s * 1000))
        loop.exec()
        return predicate()

    def pause_for(seconds: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()

    wait_until(lambda: window.preview.has_frame, 180)
    info = pc.info_
    print(f"preview {info.size[0]}x{info.size[1]} at {info.fps:g} fps, {info.frame_count} frames")

    # Watchdog: the longest gap between 5 ms timer ticks is the longest GUI stall.
    gaps = {"max": 0.0, "at": 0.0}
    watch = QElapsedTimer()
    watch.start()
    last = {"t": 0, "start": 0}

    def tick():
        now = watch.elapsed()
        if now - last["t"] > gaps["max"]:
            gaps["max"], gaps["at"] = now - last["t"], (last["t"] - last["start"]) / 1000
        last["t"] = now

    # Python's garbage collector stops every thread while it runs: log its longest passes.
    import gc
    collections = {"start": 0.0, "longest": (0.0, -1)}

    def on_gc(phase, info):
        if phase == "start":
            collections["start"] = time.perf_counter()
        else:
            ms = (time.perf_counter() - collections["start"]) * 1000
            if ms > collections["longest"][0]:
                collections["longest"] = (ms, info["generation"])

    gc.callbacks.append(on_gc)

    watchdog = QTimer()
    watchdog.setInterval(5)
    watchdog.timeout.connect(tick)

    # Playback.
    shown: list[tuple[float, int, float]] = []
    sound_lags: list[float] = []  # frames the picture trails the sound card, at each frame shown

    def on_shown(index: int, latency: float) -> None:
        shown.append((time.perf_counter(), index, window.clock.position))
        sound = window.clock.sound_position()
        if sound is not None:
            sound_lags.append(sound * info.fps - index)

    pc.frameShown.connect(on_shown)
    window.seek(0.0)
    pause_for(0.5)
    shown.clear()
    first_frame = pc._shown_frame  # on screen when playback starts: the first frame of the run
    last["t"] = last["start"] = watch.elapsed()
    gaps["max"] = 0.0
    collections["longest"] = (0.0, -1)
    watchdog.start()
    started = time.perf_counter()
    window.clock.max_correction_s = 0.0
    window.clock.play()
    pause_for(args.play)
    correction = window.clock.max_correction_s
    window.clock.pause()
    elapsed = time.perf_counter() - started
    watchdog.stop()
    distinct_frames = {i for _, i, _ in shown} | ({first_frame} if first_frame is not None else set())
    distinct = len(distinct_frames)
    last_due = pc.frame_index(window.clock.position)
    due = set(range(first_frame or 0, last_due + 1))
    dropped = sorted(due - distinct_frames)
    lags = [pos * info.fps - index for _, index, pos in shown]
    # Frames per second of the clip played: the frames shown over the frames the clock
    # passed through (counting distinct frames over the wall time would also count the
    # player's start-up as time without frames).
    shown_due = len(due & distinct_frames)
    print(f"playback: {shown_due * info.fps / len(due):.2f} fps: {shown_due} of the {len(due)} frames due were shown "
          f"({len(dropped)} dropped: {dropped[:12]}); {distinct / elapsed:.2f} distinct frames per wall-clock second over {elapsed:.2f} s")
    print(f"playback: picture behind the audio clock: median {statistics.median(lags) if lags else float('nan'):.1f}, max {max(lags) if lags else float('nan'):.1f} frames")
    print(f"picture clock vs the sound card: largest correction {correction * 1000:.0f} ms "
          f"({correction * info.fps:.2f} frames); picture waited {window.clock.last_sound_start_s * 1000:.0f} ms for the sound to start")
    if sound_lags:
        print(f"playback: picture behind the sound card: median {statistics.median(sound_lags):.2f}, "
              f"min {min(sound_lags):.2f}, max {max(sound_lags):.2f} frames over {len(sound_lags)} frames shown")
    else:
        print("playback: no sound played (no audio output device): the picture ran on the timer clock")
    print(f"GUI-thread stall max during playback: {gaps['max']:.0f} ms (at {gaps['at']:.2f} s); "
          f"longest garbage collection {collections['longest'][0]:.0f} ms (generation {collections['longest'][1]})")

    # Scrubs to frames not in the cache.
    latencies = []
    rng = random.Random(1)
    for _ in range(args.scrubs):
        target = rng.randrange(info.frame_count)
        got = []
        conn = pc.frameShown.connect(lambda index, latency, t=target: got.append(latency) if index == t else None)
        t0 = time.perf_counter()
        window.seek(target / info.fps + 1e-4)
        wait_until(lambda: bool(got), 10)
        latencies.append((time.perf_counter() - t0) * 1000)
        pc.frameShown.disconnect(conn)
    print(f"scrub -> frame shown: median {statistics.median(latencies):.0f} ms, max {max(latencies):.0f} ms over {len(latencies)} scrubs")

    # An emotion edit -> the frame under the playhead re-rendered.
    track = window.document.project.emotions
    kf = track.keyframes[len(track) // 2]
    window.seek(kf.time + 0.2)
    wait_until(lambda: pc._shown_frame == pc.frame_index(window.clock.position), 10)
    edit_latencies = []
    for value in (0.3, 0.6, 0.9, 0.5) * 3:  # 12 edits: a median of 4 moved with one busy moment
        got = []
        conn = pc.frameShown.connect(lambda index, latency: got.append(latency))
        t0 = time.perf_counter()
        window.document.push(SetKeyframeIntensity(kf.id, value))
        wait_until(lambda: bool(got), 10)
        edit_latencies.append((time.perf_counter() - t0) * 1000)
        pc.frameShown.disconnect(conn)
    print(f"emotion edit -> frame shown: median {statistics.median(edit_latencies):.0f} ms, max {max(edit_latencies):.0f} ms")

    # A face key point dragged for 2 s (a move every 20 ms): how often the re-fitted face shows.
    window.transport.overlay.setChecked(True)
    live = []
    conn = pc.frameShown.connect(lambda index, latency: live.append(time.perf_counter()))
    undo_steps = window.document.undo_stack.count()
    last["t"] = last["start"] = watch.elapsed()
    gaps["max"] = 0.0
    watchdog.start()
    t0 = time.perf_counter()
    for step in range(100):
        window.preview.landmarkDragged.emit(61, 0.05 * step, 0.02 * step)
        pause_for(0.02)
    released = time.perf_counter()
    window.preview.landmarkMoved.emit(61, 0.05 * 99, 0.02 * 99)
    window.preview.landmarkDragFinished.emit()
    shown_before = len([t for t in live if t <= released])
    wait_until(lambda: pc._shown_generation == pc._generation and len(live) > shown_before, 10)
    watchdog.stop()
    pc.frameShown.disconnect(conn)
    during = [t - t0 for t in live if t <= released]
    steps = [b - a for a, b in zip(during, during[1:])]
    print(f"key-point drag for {released - t0:.1f} s: re-fitted face shown {len(during)} times, first after "
          f"{during[0] * 1000 if during else float('nan'):.0f} ms, then every {statistics.median(steps) * 1000 if steps else float('nan'):.0f} ms (median); "
          f"after release {(live[-1] - released) * 1000 if live else float('nan'):.0f} ms; undo steps added: "
          f"{window.document.undo_stack.count() - undo_steps}; GUI-thread stall max {gaps['max']:.0f} ms")
    window.document.undo_stack.undo()
    window.transport.overlay.setChecked(False)

    # Export with the window live (the stall is the max over every run).
    stalls = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.exports):
            out = os.path.join(folder, f"bench{run}.mp4")
            done = []
            conn = window.exportFinished.connect(done.append)
            last["t"] = last["start"] = watch.elapsed()
            gaps["max"] = 0.0
            collections["longest"] = (0.0, -1)
            watchdog.start()
            t0 = time.perf_counter()
            window.start_export(out)
            wait_until(lambda: bool(done), 600)
            seconds = time.perf_counter() - t0
            pause_for(0.3)  # the job's thread ends after its last signal
            watchdog.stop()
            window.exportFinished.disconnect(conn)
            stalls.append(gaps["max"])
            ok = bool(done and done[0]) and os.path.getsize(out) > 0
            print(f"export {run + 1}: {info.frame_count} frames at {window.document.project.output.height}p in {seconds:.1f} s; "
                  f"GUI-thread stall max {gaps['max']:.0f} ms (at {gaps['at']:.2f} s), longest garbage collection "
                  f"{collections['longest'][0]:.0f} ms (generation {collections['longest'][1]}); file written: {ok}")
    if stalls:
        print(f"GUI-thread stall max during export over {len(stalls)} runs: {max(stalls):.0f} ms "
              f"(per run: {', '.join(f'{v:.0f}' for v in stalls)})")
    window.document.reset(window.document.project)
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
