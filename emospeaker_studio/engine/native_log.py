"""Native libraries' log lines go to the user's log file, not to the terminal.

MediaPipe, TensorFlow Lite and absl print warnings meant for their own
developers ("W0000 … landmark_projection_calculator …", "Created TensorFlow
Lite XNNPACK delegate for CPU") from C++ threads straight to file descriptor 2,
where no Python logging filter sees them. While such a library runs, fd 2
points at ``paths.log_file()``; it points back at the terminal afterwards, so
the command line's own lines (progress, notes, ``error:``) and tracebacks
still reach the user. fd 2 belongs to the whole process: what another thread
writes to stderr meanwhile lands in the log too, so keep the block around the
native work only (the command line reports progress from the thread that fits).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from contextlib import contextmanager
from typing import Iterator

from emospeaker_studio import paths

MAX_LOG_BYTES = 1 << 20  # a larger log is moved to <name>.1 (one old generation kept)

# fd 2 belongs to the whole process: one redirection at a time, nested uses share it.
_lock = threading.RLock()
_depth = 0
_saved_stderr_fd = -1


@contextmanager
def native_output_to_log(what: str) -> Iterator[None]:
    """Send what native code writes to fd 2 into the log file while the block runs.

    ``what`` names the work in the log file's header line. When the log file
    cannot be opened, nothing is redirected: noise on the terminal is better
    than a failed fit.
    """
    global _depth, _saved_stderr_fd
    with _lock:
        if _depth == 0:
            log_fd = _open_log(what)
            if log_fd < 0:
                yield
                return
            _flush_python_stderr()
            try:
                _saved_stderr_fd = os.dup(2)
            except OSError:  # no fd 2 at all (a windowed app): the log becomes it
                _saved_stderr_fd = -1
            os.dup2(log_fd, 2)
            os.close(log_fd)
        _depth += 1
        try:
            yield
        finally:
            _depth -= 1
            if _depth == 0:
                _flush_python_stderr()
                if _saved_stderr_fd >= 0:
                    os.dup2(_saved_stderr_fd, 2)
                    os.close(_saved_stderr_fd)
                else:
                    os.close(2)
                _saved_stderr_fd = -1


def _open_log(what: str) -> int:
    """The log file opened for appending (moved aside first when too large), or -1."""
    path = paths.log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_file() and path.stat().st_size > MAX_LOG_BYTES:
            os.replace(path, path.with_name(path.name + ".1"))
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        os.write(fd, f"--- {stamp} pid {os.getpid()}: {what}\n".encode())
        return fd
    except OSError:
        return -1


def _flush_python_stderr() -> None:
    # Text Python buffered for fd 2 belongs where it was written, before the switch.
    try:
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):
        pass
