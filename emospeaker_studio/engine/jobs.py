"""Cancel tokens and progress reports shared by every long-running engine job.

The engine checks the token once per frame; the command line and the Qt
workers adapt progress callbacks to a progress bar or to signals.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable, Optional

from emospeaker_studio.core.errors import Cancelled


def end_child_process(process, wait_s: float) -> None:
    """Wait up to ``wait_s`` seconds for a multiprocessing child to end, then kill it; it is reaped either way."""
    process.join(wait_s)
    if process.is_alive():
        process.kill()
        process.join()


class CancelToken:
    """Thread-safe flag a job polls; ``raise_if_cancelled`` raises :class:`Cancelled`."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


@dataclass(frozen=True)
class Progress:
    """How far a job is. ``fps`` and ``eta_s`` are None until they can be estimated."""

    stage: str  # e.g. "fit", "speech", "render", "encode"
    done: int
    total: int
    fps: Optional[float] = None
    eta_s: Optional[float] = None

    @property
    def fraction(self) -> float:
        return 0.0 if self.total <= 0 else min(1.0, self.done / self.total)


ProgressCallback = Callable[[Progress], None]


class ThrottledProgress:
    """A progress callback that forwards at most ``per_second`` reports a second, always the last one.

    A job reports every frame; a progress bar, a Qt signal or a pipe needs a
    few a second, and the final report (done == total) must never be dropped.
    """

    def __init__(self, forward: ProgressCallback, per_second: float) -> None:
        self._forward = forward
        self._interval = 1.0 / per_second
        self._last = 0.0

    def __call__(self, progress: Progress) -> None:
        now = time.perf_counter()
        if now - self._last >= self._interval or progress.done >= progress.total:
            self._last = now
            self._forward(progress)


class RateMeter:
    """Turns (done, total) counts into Progress with a smoothed rate and ETA."""

    def __init__(self, stage: str, total: int) -> None:
        self.stage = stage
        self.total = total
        self._start = time.perf_counter()

    def progress(self, done: int) -> Progress:
        elapsed = time.perf_counter() - self._start
        fps = done / elapsed if elapsed > 0 and done > 0 else None
        eta = (self.total - done) / fps if fps else None
        return Progress(self.stage, done, self.total, fps, eta)
