"""A running ffmpeg that reads raw frames on stdin.

Frames are handed to a feeder thread through a small bounded queue, so the
caller renders the next batch while the previous one is still being written
into the pipe (the write releases the GIL): rendering and encoding keep both
cores busy, and memory stays bounded by the queue.

ffmpeg's stderr goes to an anonymous temporary file, never a pipe, so a
chatty ffmpeg can never fill a pipe buffer and deadlock against our writes.
"""

from __future__ import annotations

import queue
import re
import subprocess
import tempfile
import threading
from typing import Optional, Sequence

import numpy as np

import imageio_ffmpeg

# Frames in flight between the caller and the pipe, by default. The writer
# asks for two render batches' worth, so a whole batch can be rendered while
# the previous one is still being written; more only costs memory.
_DEFAULT_QUEUE_FRAMES = 4
_POLL_S = 0.1


def ffmpeg_exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def write_to_pipe(pipe, data: memoryview) -> None:
    """One write into ffmpeg's stdin (a seam the tests use to simulate a full disk)."""
    pipe.write(data)


class FfmpegPipe:
    """ffmpeg started with ``args`` (without the executable), fed through ``feed``."""

    def __init__(self, args: Sequence[str], *, queue_frames: int = _DEFAULT_QUEUE_FRAMES) -> None:
        self._stderr = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            [ffmpeg_exe(), *args], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._stderr
        )
        self._queue: "queue.Queue[Optional[np.ndarray]]" = queue.Queue(maxsize=max(1, queue_frames))
        self.write_error: Optional[OSError] = None
        self._feeder = threading.Thread(target=self._feed_loop, name="ffmpeg-feeder", daemon=True)
        self._feeder.start()

    # -- feeding -----------------------------------------------------------
    def _feed_loop(self) -> None:
        stdin = self._proc.stdin
        while True:
            item = self._queue.get()
            if item is None:
                break
            if self.write_error is not None:
                continue  # keep draining so the producer never blocks on a dead pipe
            try:
                write_to_pipe(stdin, memoryview(item).cast("B"))
            except OSError as exc:  # BrokenPipe when ffmpeg died, ENOSPC, ...
                self.write_error = exc
        try:
            stdin.close()
        except OSError as exc:
            if self.write_error is None:
                self.write_error = exc

    def feed(self, frames: np.ndarray, cancel=None) -> None:
        """Queue one uint8 frame (or batch); blocks while the queue is full.

        Raises the feeder's OSError as soon as a write has failed, and
        ``Cancelled`` (through ``cancel``) while waiting for room.
        """
        frames = np.ascontiguousarray(frames)
        while True:
            if self.write_error is not None:
                raise self.write_error
            if cancel is not None:
                cancel.raise_if_cancelled()
            try:
                self._queue.put(frames, timeout=_POLL_S)
                return
            except queue.Full:
                if self._proc.poll() is not None and self.write_error is None and not self._feeder.is_alive():
                    raise BrokenPipeError("ffmpeg exited while frames were still coming")

    # -- ending ------------------------------------------------------------
    def finish(self, cancel=None) -> int:
        """Close stdin after the queued frames, wait for ffmpeg, return its exit code."""
        self._put_sentinel()
        self._feeder.join()
        while True:
            try:
                return self._proc.wait(timeout=_POLL_S)
            except subprocess.TimeoutExpired:
                if cancel is not None:
                    cancel.raise_if_cancelled()

    def kill(self) -> None:
        """Stop ffmpeg now (cancel or error); safe to call twice."""
        if self._proc.poll() is None:
            self._proc.kill()
        # Unblock the feeder: its write fails once ffmpeg is gone; drain the rest.
        self._put_sentinel()
        self._feeder.join(timeout=5)
        self._proc.wait()

    def _put_sentinel(self) -> None:
        while True:
            try:
                self._queue.put(None, timeout=_POLL_S)
                return
            except queue.Full:
                if not self._feeder.is_alive():
                    return

    def error_text(self) -> str:
        """ffmpeg's most telling stderr line, cleaned for a one-line message."""
        self._stderr.seek(0)
        lines = [_clean(ln) for ln in self._stderr.read().decode("utf-8", "replace").splitlines()]
        self._stderr.close()
        return telling_line(lines)

    def close(self) -> None:
        if not self._stderr.closed:
            self._stderr.close()


_CONTEXT_PREFIX = re.compile(r"^\[[^\]]*@ 0x[0-9a-f]+\]\s*")
# Lines that say that something failed but not what.
_VAGUE = ("Conversion failed", "Error while", "[out#", "Last message repeated", "Task finished with error",
          "Terminating thread with return code")


def _clean(line: str) -> str:
    """A stderr line without ffmpeg's "[aac @ 0x55d0c3a1b2c0] " context prefix (a memory address)."""
    return _CONTEXT_PREFIX.sub("", line.strip())


def telling_line(lines: Sequence[str]) -> str:
    """The line that best says why ffmpeg failed: a full disk wins, then the last specific line."""
    lines = [line for line in lines if line]
    for line in lines:
        if "No space left on device" in line:
            return line
    for line in reversed(lines):
        if not line.startswith(_VAGUE):
            return line
    return lines[-1] if lines else "no message"
