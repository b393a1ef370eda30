"""A private PulseAudio server with a null sink: a sound card that plays into nothing at the real pace.

Used by the sound-card test and by measure_studio.py (``--sound``) on machines
without a sound card. An idle null sink wakes only every second or two, so a
new stream would wait that long to start where a real sound card starts at
once; a quiet stream (pacat reading /dev/zero at the playing pace) keeps it awake.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Iterator, Optional


def pulseaudio_binary() -> Optional[str]:
    return shutil.which("pulseaudio")


@contextlib.contextmanager
def null_sound_card(folder: Path) -> Iterator[str]:
    """Run the server while the block runs; yields the PULSE_SERVER address for the clients."""
    binary = pulseaudio_binary()
    if binary is None:
        raise RuntimeError("PulseAudio is not installed (apt-get install pulseaudio)")
    runtime = Path(folder) / "pulse-runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    socket = runtime / "native"
    env = dict(os.environ, HOME=str(folder), XDG_RUNTIME_DIR=str(runtime), XDG_CONFIG_HOME=str(Path(folder) / "config"))
    server = subprocess.Popen(
        [binary, "-n", "--daemonize=no", "--exit-idle-time=-1", "--disable-shm=yes", "--log-target=stderr",
         "-L", "module-null-sink sink_name=studio_null", "-L", f"module-native-protocol-unix socket={socket} auth-anonymous=1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    keep_awake = None
    try:
        deadline = time.monotonic() + 15
        while not socket.exists() and server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if not socket.exists():
            server.kill()
            raise RuntimeError(f"PulseAudio did not start: {server.communicate()[1].decode()[-2000:]}")
        address = f"unix:{socket}"
        pacat = shutil.which("pacat")
        if pacat is not None:
            with open("/dev/zero", "rb") as zeros:
                keep_awake = subprocess.Popen(
                    [pacat, f"--server={address}", "--latency-msec=20", "--raw", "--format=s16le", "--channels=1", "--rate=24000"],
                    stdin=zeros, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        yield address
    finally:
        for process in (keep_awake, server):
            if process is None or process.poll() is not None:
                continue
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
