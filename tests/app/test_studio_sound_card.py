"""The sound card path for real: AudioOutput playing into a PulseAudio null sink.

A private PulseAudio server (a null sink: a sound card that plays into
nothing at the real pace) runs for this test alone, and a child process
plays through it, so the test session's own QtMultimedia never sees it.
Skipped where PulseAudio is not installed (CI installs it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from null_sound_card import null_sound_card, pulseaudio_binary

CHILD = r"""
import json, sys, time
import numpy as np
from PySide6.QtCore import QCoreApplication, QTimer, Qt
from emospeaker_studio.app.audio_output import AudioOutput
from emospeaker_studio.engine.playback_audio import PlaybackAudio

app = QCoreApplication([])
rate = 24000
t = np.arange(2 * rate) / rate
output = AudioOutput()
output.set_audio(PlaybackAudio("tone", np.round(np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16), rate))
runs = [(0.2, 1.0, 1.2), (1.8, -1.0, 1.2), (0.2, 2.0, 0.6), (1.6, 1.0, 1.6)]
results = []
state = {"run": -1, "samples": [], "started": 0.0}

def next_run():
    if state["run"] >= 0:
        output.stop()
        results.append({"start": runs[state["run"]][0], "rate": runs[state["run"]][1], "samples": state["samples"],
                        "reason": output.unavailable_reason})
    state["run"] += 1
    if state["run"] == len(runs):
        output.shutdown()
        print("RESULT " + json.dumps(results), flush=True)
        app.quit()
        return
    start, speed, seconds = runs[state["run"]]
    state["samples"] = []
    state["started"] = time.perf_counter()
    ok = output.start(start, speed)
    if not ok:
        print("RESULT " + json.dumps({"failed": output.unavailable_reason}), flush=True)
        app.quit()
        return
    QTimer.singleShot(int((seconds + 1.5) * 1000), next_run)  # up to 1.5 s for the sink to start

def tick():
    if output.active:
        output.feed()
        position = output.position()
        state["samples"].append((time.perf_counter() - state["started"], position))

timer = QTimer()
timer.setTimerType(Qt.PreciseTimer)
timer.timeout.connect(tick)
timer.start(8)
QTimer.singleShot(0, next_run)
app.exec()
"""


@pytest.fixture
def pulse_server(tmp_path):
    if pulseaudio_binary() is None:
        pytest.skip("PulseAudio is not installed (apt-get install pulseaudio)")
    with null_sound_card(tmp_path) as address:
        yield address


def test_the_sound_card_plays_forwards_backwards_and_double_speed_at_the_real_pace(pulse_server, tmp_path):
    env = dict(os.environ, PULSE_SERVER=pulse_server, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path))
    env.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120, env=env)
    lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, out.stderr[-3000:]
    results = json.loads(lines[0][len("RESULT "):])
    assert not isinstance(results, dict), f"no sound: {results}"
    for run in results[:3]:
        playing = [(t, p) for t, p in run["samples"] if p is not None]
        assert len(playing) > 20, f"the sound never started: {run}"
        times = [t for t, _ in playing]
        positions = [p for _, p in playing]
        # Where the sound is moves at the rate asked for, either way, at the machine's pace.
        slope = (positions[-1] - positions[0]) / (times[-1] - times[0])
        assert slope == pytest.approx(run["rate"], rel=0.06), run["rate"]
        assert abs(positions[0] - run["start"]) < 0.25
        steps = [b - a for a, b in zip(positions, positions[1:])]
        assert all(step * run["rate"] >= 0 for step in steps), "the sound's position went against the direction of play"
    # Played to the end of the recording, the position stops counting (the timer takes over).
    last = results[3]["samples"]
    assert any(p is not None for _, p in last)
    assert last[-1][1] is None, "the position went on after the sound ran out"
    assert max(p for _, p in last if p is not None) <= 2.0 + 1e-3
