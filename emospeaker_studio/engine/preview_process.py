"""The preview's engine in a child process, serving one request at a time.

Rendering a frame runs Python and numpy between torch's kernels; on a thread of
the window's process each of those stretches holds the GIL that the GUI thread
needs to paint and to feed the sound card. Measured on 2 cores while playing
the demo with other work running on the machine, the GUI thread stalled for
more than 25 ms 77 times in 10 s with the renderer on a thread of its process,
and once with every frame already cached (nothing rendering); on an idle
machine the difference was small (11-19 against 12-13 such stalls). In a child
process the renderer shares no GIL with the window, the window's process never
loads torch (it opens sooner), and a crash in a native library ends the child,
not the window.

The child keeps the newest preparation (face fit, speech, rig, animation) and
reuses its stages for the next one. The parent holds a
:class:`RemotePreparation`: what the window shows of it (frame count, fps,
size, speech, fit) and a handle that names it.

Protocol, over two one-way pipes: the parent sends ``(request id, kind,
*args)`` with kind "prepare" (project, device), "reanimate" (handle, project),
"render" (handle, start, stop) or "stop"; the child answers ``(request id,
kind, payload)``: any number of "progress" (Progress), then one of "prepared"
(_Prepared), "frames" (uint8 array), "cancelled", "user_error" (message),
"failed" (message) or "stale" (the handle is not the child's preparation). A
third pipe carries cancels (a request id): a preparation stops between steps.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

from emospeaker_studio.core.errors import Cancelled, UserError
from emospeaker_studio.core.project import Project
from emospeaker_studio.engine.jobs import CancelToken, Progress, end_child_process

log = logging.getLogger(__name__)

#: How often a waiting parent looks at its cancel token and at the child's health (seconds).
_POLL_S = 0.05
#: How long ``close`` waits for the child to end before it is killed (seconds).
_CLOSE_WAIT_S = 5.0


class PreviewProcessLost(RuntimeError):
    """The preparation a request named is gone (the child ended, or holds a newer one): prepare again."""


class PreviewEngineFailed(RuntimeError):
    """A bug in the child's engine; the message names the exception (its traceback is in the child's log)."""


@dataclass(frozen=True)
class _Prepared:
    """What the child sends back about a preparation."""

    number: int
    frame_count: int
    fps: float
    size: tuple[int, int]
    speech: Any  # SpeechTrack
    fit: Any  # FaceFit
    torch_threads: int  # the child's intra-op threads (the engine's preview policy)


@dataclass(frozen=True)
class RemotePreparation:
    """A preparation held by the child: ``handle`` is (child number, preparation number)."""

    handle: tuple[int, int]
    frame_count: int
    fps: float
    size: tuple[int, int]
    speech: Any
    fit: Any
    torch_threads: int


class PreviewProcess:
    """The engine's preview calls (prepare, reanimate, render) answered by a child process.

    Calls block; make them from one worker thread. The child starts on the
    first preparation and again on the next one after it ended. ``close``
    ends it.
    """

    def __init__(self) -> None:
        self._context = multiprocessing.get_context("spawn")  # no fork of a process running Qt threads
        self._process = None
        self._requests = self._replies = self._cancels = None
        self._child_number = 0
        self._next_request = 0

    # -- the engine's preview calls ------------------------------------------------
    def load_audio(self, audio_path: str):
        """The voice decoded for playback (ffmpeg does the work: no reason to ask the child)."""
        from emospeaker_studio.engine.playback_audio import load_playback_audio

        return load_playback_audio(audio_path)

    def prepare(self, project: Project, device: str, progress: Callable[[Progress], None], cancel: CancelToken,
                previous: Any = None) -> RemotePreparation:
        """Prepare ``project`` (the child reuses every stage of its last preparation whose inputs did not change)."""
        self._ensure_started()
        return self._prepared(self._call(("prepare", project, device), progress, cancel))

    def fit_portrait(self, project: Project, cancel: CancelToken) -> Any:
        """The portrait's face fit alone (there is no voice yet); UserError when it has no face."""
        self._ensure_started()
        return self._call(("fit", project), None, cancel)

    def reanimate(self, prepared: RemotePreparation, project: Project, cancel: CancelToken) -> RemotePreparation:
        """Only the animation re-runs (an emotion or style edit)."""
        return self._prepared(self._call(("reanimate", self._number(prepared), project), None, cancel))

    def render(self, prepared: RemotePreparation, start: int, stop: int) -> np.ndarray:
        return self._call(("render", self._number(prepared), start, stop), None, None)

    @property
    def pid(self) -> Optional[int]:
        """The child's process id while it runs."""
        return self._process.pid if self._process is not None and self._process.is_alive() else None

    def close(self) -> None:
        """End the child (it finishes the request it is on first, if any)."""
        process = self._process
        if process is None:
            return
        try:
            self._requests.send((-1, "stop"))
        except (OSError, ValueError):
            pass
        end_child_process(process, _CLOSE_WAIT_S)
        self._close_pipes()
        self._process = None

    # -- the child ------------------------------------------------------------------
    def _ensure_started(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        self._close_pipes()
        requests_out, requests_in = self._context.Pipe(duplex=False)
        replies_out, replies_in = self._context.Pipe(duplex=False)
        cancels_out, cancels_in = self._context.Pipe(duplex=False)
        self._process = self._context.Process(target=_child_main, args=(requests_out, replies_in, cancels_out),
                                              name="emospeaker-preview", daemon=True)
        self._process.start()
        for child_end in (requests_out, replies_in, cancels_out):
            child_end.close()
        self._requests, self._replies, self._cancels = requests_in, replies_out, cancels_in
        self._child_number += 1

    def _close_pipes(self) -> None:
        for connection in (self._requests, self._replies, self._cancels):
            if connection is not None:
                connection.close()
        self._requests = self._replies = self._cancels = None

    def _number(self, prepared: RemotePreparation) -> int:
        child, number = prepared.handle
        if child != self._child_number or self._process is None or not self._process.is_alive():
            raise PreviewProcessLost("the preview process that prepared this project has ended")
        return number

    def _prepared(self, info: _Prepared) -> RemotePreparation:
        return RemotePreparation((self._child_number, info.number), info.frame_count, info.fps, tuple(info.size),
                                 info.speech, info.fit, info.torch_threads)

    def _lost(self) -> PreviewProcessLost:
        """The child stopped answering: make sure it is gone (the next preparation starts another)."""
        process = self._process
        if process is None:
            return PreviewProcessLost("the preview process is not running")
        end_child_process(process, 1.0)  # its pipes close a moment before it can be reaped
        return PreviewProcessLost(f"the preview process ended unexpectedly (exit code {process.exitcode})")

    def _call(self, message: tuple, progress: Optional[Callable[[Progress], None]], cancel: Optional[CancelToken]):
        """Send one request and wait for its outcome, passing on progress and a cancel."""
        if self._process is None:
            raise PreviewProcessLost("the preview process is not running")
        self._next_request += 1
        request = self._next_request
        try:
            self._requests.send((request, *message))
        except (OSError, ValueError):
            raise self._lost() from None
        cancel_sent = False
        while True:
            if not self._replies.poll(_POLL_S):
                if cancel is not None and cancel.cancelled and not cancel_sent:
                    cancel_sent = True
                    try:
                        self._cancels.send(request)
                    except (OSError, ValueError):
                        pass
                if not self._process.is_alive() and not self._replies.poll(0):
                    raise self._lost()
                continue
            try:
                answered, kind, payload = self._replies.recv()
            except (EOFError, OSError):
                raise self._lost() from None
            if answered != request:
                continue  # the end of a request this side stopped waiting for
            if kind == "progress":
                if progress is not None:
                    progress(payload)
                continue
            return _outcome(kind, payload)


def _outcome(kind: str, payload: Any) -> Any:
    if kind in ("prepared", "frames", "fitted"):
        return payload
    if kind == "cancelled":
        raise Cancelled()
    if kind == "user_error":
        raise UserError(payload)
    if kind == "stale":
        raise PreviewProcessLost("the preview process holds another preparation")
    raise PreviewEngineFailed(payload)


# -- in the child --------------------------------------------------------------------


def _child_main(requests, replies, cancels) -> None:
    from emospeaker_studio.engine.device import TorchJob, use_torch_threads

    use_torch_threads(TorchJob.PREVIEW)
    running = _Running()
    threading.Thread(target=_cancel_on_request, args=(cancels, running), name="preview-cancel", daemon=True).start()
    server = _Server()
    while True:
        try:
            request, kind, *args = requests.recv()
        except (EOFError, OSError):
            return  # the window's process is gone
        if kind == "stop":
            return
        token = running.begin(request)
        reply = server.serve(kind, args, token, lambda p, r=request: replies.send((r, "progress", p)))
        running.end()
        try:
            replies.send((request, *reply))
        except (OSError, ValueError):
            return


class _Running:
    """The request the child is serving and its cancel token (shared with the cancel listener)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._request: Optional[int] = None
        self._token: Optional[CancelToken] = None

    def begin(self, request: int) -> CancelToken:
        with self._lock:
            self._request, self._token = request, CancelToken()
            return self._token

    def end(self) -> None:
        with self._lock:
            self._request = self._token = None

    def cancel(self, request: Optional[int]) -> None:
        """Cancel ``request`` if it is the one running (None: whatever runs)."""
        with self._lock:
            if self._token is not None and (request is None or request == self._request):
                self._token.cancel()


def _cancel_on_request(cancels, running: _Running) -> None:
    while True:
        try:
            request = cancels.recv()
        except (EOFError, OSError):
            running.cancel(None)  # the window's process is gone
            return
        running.cancel(request)


class _Server:
    """The child's state: the newest preparation and its number."""

    def __init__(self) -> None:
        self.prepared = None  # engine.pipeline.PreparedRender
        self.number = 0

    def serve(self, kind: str, args: list, token: CancelToken, progress) -> tuple[str, Any]:
        try:
            if kind == "prepare":
                project, device = args
                return "prepared", self._adopt(self._prepare(project, device, progress, token))
            if kind == "fit":
                from emospeaker_studio.engine import pipeline

                (project,) = args
                return "fitted", pipeline.fit_portrait(project, cancel=token)
            if kind == "reanimate":
                number, project = args
                if number != self.number or self.prepared is None:
                    return "stale", None
                return "prepared", self._adopt(self.prepared.with_project(project, cancel=token))
            if kind == "render":
                number, start, stop = args
                if number != self.number or self.prepared is None:
                    return "stale", None
                return "frames", self.prepared.render_frames(start, stop)
            return "failed", f"unknown preview request {kind!r}"
        except Cancelled:
            return "cancelled", None
        except UserError as exc:
            return "user_error", str(exc)
        except Exception as exc:  # a bug: the window says so, the child serves on
            log.error("preview %s failed:\n%s", kind, traceback.format_exc())
            return "failed", f"{type(exc).__name__}: {exc}"

    def _prepare(self, project: Project, device: str, progress, token: CancelToken):
        if self.prepared is not None:
            # Reuses every stage whose inputs did not change (e.g. the face fit after an fps change).
            return self.prepared.with_project(project, device=device, progress=progress, cancel=token)
        from emospeaker_studio.engine import pipeline

        return pipeline.prepare(project, device=device, progress=progress, cancel=token)

    def _adopt(self, prepared) -> _Prepared:
        import torch

        self.prepared = prepared
        self.number += 1
        return _Prepared(self.number, int(prepared.frame_count), float(prepared.fps), tuple(prepared.size),
                         prepared.speech, prepared.fit, torch.get_num_threads())
