"""An export in a child process, reporting over a pipe.

An export renders and encodes for as long as the clip lasts, on every core.
On threads of the window's own process it shares the window's GIL (its
preparation and frame loop hold it in stretches) and, on Linux desktops with
autogroup scheduling, the window's CPU scheduling group, so a busy export
makes the GUI thread wait for its turn whenever other programs load the
machine. A child process in a session of its own shares neither, and a higher
nice value makes it yield where there is no autogroup. It also keeps a crash
in the encoder or a native library out of the window.

The child reports ``(kind, payload)`` tuples, in order:
``("progress", Progress)`` (at most :data:`PROGRESS_MESSAGES_PER_SECOND`),
then exactly one of ``("done", path)``, ``("cancelled", None)`` or
``("failed", message)``. A child that dies without one is reported as failed.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import traceback
from pathlib import Path
from typing import Iterator, Optional

from emospeaker_studio.core.errors import Cancelled, UserError
from emospeaker_studio.core.project import ExportFormat, Project
from emospeaker_studio.engine.jobs import CancelToken, Progress, ThrottledProgress, end_child_process

log = logging.getLogger(__name__)

#: How much the child lowers its CPU priority (Unix nice increment): the window's process wins a contended core.
EXPORT_NICENESS = 5
#: The nice value of the child's own scheduling group (Linux autogroup), where groups are on.
EXPORT_GROUP_NICENESS = 10
#: Progress reports per second over the pipe, at most (the last one always goes).
PROGRESS_MESSAGES_PER_SECOND = 15


class ExportProcess:
    """``render_project(project, out_path, fmt=fmt, device=device)`` in a spawned child process.

    Create, then :meth:`start`, then iterate :meth:`messages` (blocking; on a
    worker thread) until it ends. :meth:`cancel` may be called from any thread at
    any time, also before :meth:`start`: the child stops at its next frame and
    removes what it wrote.
    """

    def __init__(self, project: Project, out_path: str, fmt: ExportFormat, device: str = "auto",
                 *, niceness: int = EXPORT_NICENESS) -> None:
        self._context = multiprocessing.get_context("spawn")  # no fork of a process running Qt and torch threads
        # Two one-way pipes (plain file descriptors, nothing to leak): reports up, a cancel down.
        self._reader, self._writer = self._context.Pipe(duplex=False)
        self._cancel_reader, self._cancel_writer = self._context.Pipe(duplex=False)
        self._cancel_lock = threading.Lock()
        self._cancelled = False  # no more cancel to send (sent, or the child is gone)
        self._cancel_requested = False
        self._args = (project, str(out_path), fmt, device, niceness)
        self._process = None

    def start(self) -> None:
        self._process = self._context.Process(
            target=_child_main, args=(self._writer, self._cancel_reader, *self._args), name="emospeaker-export", daemon=True
        )
        self._process.start()
        # The child holds the only other ends: its exit ends messages(), and the parent's exit cancels the child.
        self._writer.close()
        self._cancel_reader.close()

    def cancel(self) -> None:
        with self._cancel_lock:
            if self._cancelled:
                return
            self._cancelled = self._cancel_requested = True
            try:
                self._cancel_writer.send("cancel")
            except (OSError, ValueError):
                pass  # the child has already ended

    @property
    def pid(self) -> Optional[int]:
        return None if self._process is None else self._process.pid

    def messages(self) -> Iterator[tuple[str, object]]:
        """The child's reports until it exits; the last one says how it ended."""
        ended = False
        try:
            while True:
                try:
                    kind, payload = self._reader.recv()
                except (EOFError, OSError):
                    break
                ended = ended or kind in ("done", "cancelled", "failed")
                yield kind, payload
        finally:
            self._reader.close()
            with self._cancel_lock:
                self._cancelled = True
                self._cancel_writer.close()
            end_child_process(self._process, 30)
        if not ended:
            if self._cancel_requested:
                yield "cancelled", None
            else:
                yield "failed", f"Export failed: the export process ended unexpectedly (exit code {self._process.exitcode})"


def _child_main(writer, cancel_reader, project: Project, out_path: str, fmt: ExportFormat, device: str, niceness: int) -> None:
    """The child process: render and encode, report over ``writer``."""
    _step_aside(niceness)
    token = CancelToken()
    threading.Thread(target=_cancel_when_asked, args=(cancel_reader, token), name="export-cancel", daemon=True).start()
    send = _Reporter(writer, token)
    try:
        from emospeaker_studio.engine.pipeline import render_project

        send.final(*run_export(render_project, project, Path(out_path), fmt, device, send.progress, token))
    finally:
        writer.close()


def run_export(render, project: Project, out_path, fmt: ExportFormat, device: str, progress, cancel: CancelToken) -> tuple[str, object]:
    """Run ``render`` (``render_project``'s signature) under the engine's export thread policy.

    Returns its outcome as the final report, never raises: ``("done", path)``,
    ``("cancelled", None)`` or ``("failed", message)``: a user's mistake as
    its own one line, a bug as a message for the window with the traceback in
    the log. The child process and an export run on a thread of the window's
    process both end this way.
    """
    from emospeaker_studio.engine.device import TorchJob, torch_threads_for

    try:
        with torch_threads_for(TorchJob.EXPORT, device):
            written = render(project, out_path, device=device, fmt=fmt, progress=progress, cancel=cancel)
    except Cancelled:
        return "cancelled", None
    except UserError as exc:
        return "failed", str(exc)
    except Exception as exc:
        log.error("export failed:\n%s", traceback.format_exc())
        return "failed", f"Export failed: {type(exc).__name__}: {exc}"
    return ("cancelled", None) if cancel.cancelled else ("done", str(written))


def _step_aside(niceness: int) -> None:
    """Let the window's process win a core whenever it wakes up.

    On Linux with autogroup scheduling (the desktop default) CPU time is shared
    between sessions first and nice values only count within a session: an
    export in the window's session keeps that session busy, and the GUI thread
    waits behind it for its turn whenever other programs load the machine. A
    session of its own puts the export in its own group, so the window's group
    stays mostly idle and is scheduled at once; that group's own nice value
    then makes it yield to the window's group too (on 2 cores, six exports of
    the demo stalled the GUI thread over 25 ms eight times, up to 62 ms, with
    the group at nice 0, and once, 26 ms, at nice 10, in the same time).
    Elsewhere the nice value does the same.
    """
    if hasattr(os, "setsid"):
        try:
            os.setsid()
            _lower_group_priority(EXPORT_GROUP_NICENESS)
        except OSError:
            pass
    try:
        os.nice(niceness)
    except (AttributeError, OSError):
        pass  # no nice on this platform: the export still runs, at normal priority


def _lower_group_priority(niceness: int) -> None:
    """Give the process's autogroup (its session, on Linux) nice value ``niceness``; no-op elsewhere."""
    try:
        with open("/proc/self/autogroup", "w") as group:
            group.write(str(niceness))
    except OSError:
        pass  # no autogroups here (another system, or turned off): the process's nice value is what counts


def _cancel_when_asked(cancel_reader, token: CancelToken) -> None:
    """Cancel on the parent's word, or when the parent is gone (its end of the pipe closed)."""
    try:
        cancel_reader.recv()
    except (EOFError, OSError):
        pass
    token.cancel()


class _Reporter:
    """Sends the child's reports; a parent that stopped listening cancels the export."""

    def __init__(self, writer, token: CancelToken) -> None:
        self._writer = writer
        self._token = token
        self.progress = ThrottledProgress(self._send_progress, PROGRESS_MESSAGES_PER_SECOND)

    def _send_progress(self, progress: Progress) -> None:
        if not self._send(("progress", progress)):
            self._token.cancel()
            raise Cancelled()  # nobody waits for this file any more: stop and remove it

    def final(self, kind: str, payload: object) -> None:
        self._send((kind, payload))

    def _send(self, message: tuple) -> bool:
        try:
            self._writer.send(message)
            return True
        except (OSError, ValueError):  # the parent is gone
            return False
