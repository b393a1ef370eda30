"""Background work: the preview render worker and the export job.

The GUI builds a frozen request from the immutable core ``Project`` (the
snapshot) and hands it over; the worker thread serves it and reports back
through signals, which Qt delivers on the GUI thread. A newer preview request
replaces a pending one and cancels the one in flight (unless both need the
same expensive preparation, which is then kept). The engine itself runs in a
child process (``engine.preview_process``): the window's process never loads
torch and shares its GIL with no renderer.
"""

from __future__ import annotations

import logging
import threading
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Protocol

import numpy as np
from PySide6.QtCore import QThread, Signal
from PySide6.QtGui import QImage

from emospeaker_studio.core.errors import Cancelled, UserError
from emospeaker_studio.core.project import ExportFormat, Project
from emospeaker_studio.engine.jobs import CancelToken, Progress, ThrottledProgress
from emospeaker_studio.engine.preview_process import PreviewEngineFailed, PreviewProcess, PreviewProcessLost

log = logging.getLogger(__name__)

#: Waveform peaks per second of audio: enough for a sharp waveform at any useful zoom.
PEAKS_PER_SECOND = 400
#: At most this many progress signals per second (a signal per frame would flood the GUI).
PROGRESS_SIGNALS_PER_SECOND = 15


# -- requests and results ------------------------------------------------------


def preview_project(project: Project, preview_height: int) -> Project:
    """The project as the preview renders it: the output height lowered to the preview's."""
    out = project.output
    if out.height <= preview_height:
        return project
    width = None if out.width is None else max(16, round(out.width * preview_height / out.height))
    return project.with_(output=out.with_(height=preview_height, width=width))


def preparation_key(project: Project, device: str) -> tuple:
    """What the expensive preparation (face fit, speech analysis, rig) depends on."""
    out = project.output
    return (project.portrait, project.audio, project.face_index, project.landmark_offsets, out.height, out.width,
            out.framing, out.fill, out.fps, device)


def animation_key(project: Project) -> tuple:
    """What the per-frame animation depends on beyond the preparation."""
    return (project.emotions, project.style)


@dataclass(frozen=True)
class PreviewRequest:
    """Render ``frames`` of ``project`` (already at preview size) on ``device``.

    ``generation`` comes back with every frame so the GUI can drop frames of
    an older document state. ``interactive``: one step of a continuous gesture
    (a key point being dragged); it does not cancel an interactive request
    already running, it waits for it (replacing any pending one), so a gesture
    whose every step takes longer than the next one shows its steps instead of
    cancelling each of them.
    """

    project: Project
    frames: tuple[int, ...]
    device: str = "auto"
    generation: int = 0
    interactive: bool = False
    cancel: CancelToken = field(default_factory=CancelToken, compare=False)


@dataclass(frozen=True)
class PreviewInfo:
    """What the GUI learns once a project is prepared."""

    frame_count: int
    fps: float
    size: tuple[int, int]
    speech: Any  # engine SpeechTrack (probs per frame, labels)
    fit: Any  # engine FaceFit (landmarks in portrait px, face_count, face_index)
    generation: int


@dataclass(frozen=True)
class WaveformPeaks:
    """Min/max of the audio in bins of ``1 / rate`` seconds (for drawing only)."""

    path: str
    lows: np.ndarray
    highs: np.ndarray
    rate: float
    duration_s: float


def waveform_peaks(audio, rate: float = PEAKS_PER_SECOND) -> WaveformPeaks:
    """The peaks of ``audio`` (engine PlaybackAudio, int16 PCM), scaled to -1..1."""
    samples, sample_rate = audio.samples, audio.sample_rate
    hop = max(1, int(sample_rate / rate))
    usable = len(samples) // hop * hop
    if usable == 0:
        empty = np.zeros(1, np.float32)
        return WaveformPeaks(audio.path, empty, empty, sample_rate / hop, audio.duration_s)
    blocks = samples[:usable].reshape(-1, hop)
    lows = blocks.min(axis=1).astype(np.float32) / 32767.0
    highs = blocks.max(axis=1).astype(np.float32) / 32767.0
    return WaveformPeaks(audio.path, lows, highs, sample_rate / hop, audio.duration_s)


def frames_to_images(frames: np.ndarray) -> list[QImage]:
    """uint8 (B, H, W, 3|4) arrays to QImages that own their pixels."""
    images = []
    for frame in frames:
        frame = np.ascontiguousarray(frame)
        h, w, c = frame.shape
        fmt = QImage.Format_RGBA8888 if c == 4 else QImage.Format_RGB888
        images.append(QImage(frame.data, w, h, w * c, fmt).copy())
    return images


# -- the engine, behind a small interface so tests can give a fake --------------


class PreviewBackend(Protocol):
    def load_audio(self, audio_path: str) -> Any: ...

    def prepare(self, project: Project, device: str, progress: Callable[[Progress], None], cancel: CancelToken, previous: Any = None) -> Any: ...

    def fit_portrait(self, project: Project, cancel: CancelToken) -> Any: ...

    def reanimate(self, prepared: Any, project: Project, cancel: CancelToken) -> Any: ...

    def render(self, prepared: Any, start: int, stop: int) -> np.ndarray: ...


# -- the preview worker ------------------------------------------------------------


class RenderWorker(QThread):
    """One thread that owns the prepared render and serves preview requests in order.

    Signals (delivered on the GUI thread):
        audioReady(PlaybackAudio): the voice decoded for playback (engine object)
        waveformReady(WaveformPeaks)
        preparing(Progress): preparation progress (fit, speech...)
        prepared(PreviewInfo): the project is ready to render
        portraitFitted(fit): the portrait's face fit, while there is no voice yet (engine object)
        frameReady(generation, frame index, QImage)
        failed(str): a one-line message for the window
        idle(): nothing left to do
    """

    audioReady = Signal(object)
    waveformReady = Signal(object)
    preparing = Signal(object)
    prepared = Signal(object)
    portraitFitted = Signal(object)
    frameReady = Signal(int, int, QImage)
    failed = Signal(str)
    idle = Signal()

    def __init__(self, backend: Optional[PreviewBackend] = None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("RenderWorker")
        self._backend = backend or PreviewProcess()
        self._cond = threading.Condition()
        self._pending: Optional[PreviewRequest] = None
        self._current: Optional[PreviewRequest] = None
        self._current_is_preparing = False
        self._stopping = False
        # Owned by the worker thread only:
        self._prepared: Any = None
        self._prep_key: Optional[tuple] = None
        self._anim_key: Optional[tuple] = None
        self._waveform_path: Optional[str] = None
        self._failed_key: Optional[tuple] = None
        self._fitted_key: Optional[tuple] = None  # the portrait fitted alone last (no voice yet)

    # -- called from the GUI thread ---------------------------------------------
    def submit(self, request: PreviewRequest) -> None:
        """Queue ``request``; it replaces a pending one and cancels the one running."""
        with self._cond:
            if self._pending is not None:
                self._pending.cancel.cancel()
            current = self._current
            if current is not None:
                same_prep = preparation_key(current.project, current.device) == preparation_key(request.project, request.device)
                both_interactive = current.interactive and request.interactive
                if not ((self._current_is_preparing and same_prep) or both_interactive):
                    current.cancel.cancel()
            self._pending = request
            self._cond.notify()
        if not self.isRunning():
            self.start()

    def stop(self, timeout_ms: int = 10000) -> None:
        """Cancel everything and end the thread (call before the window closes)."""
        with self._cond:
            self._stopping = True
            for request in (self._pending, self._current):
                if request is not None:
                    request.cancel.cancel()
            self._pending = None
            self._cond.notify()
        if self.isRunning():
            self.wait(timeout_ms)
        close = getattr(self._backend, "close", None)
        if close is not None:
            close()  # the engine's child process ends with the worker

    # -- the worker thread -----------------------------------------------------------
    def run(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                request, self._pending = self._pending, None
                self._current = request
            try:
                self._serve_recovering(request)
            except Cancelled:
                pass
            except UserError as exc:
                self.failed.emit(str(exc))
            except PreviewProcessLost as exc:
                self._forget_preparation()
                self.failed.emit(f"The preview stopped: {exc}; it starts again with your next change")
            except PreviewEngineFailed as exc:
                self.failed.emit(f"Preview failed: {exc}")
            except Exception as exc:  # a bug: say so in the window, keep the app alive
                log.error("preview render failed:\n%s", traceback.format_exc())
                self.failed.emit(f"Preview failed: {type(exc).__name__}: {exc}")
            finally:
                with self._cond:
                    self._current = None
                    self._current_is_preparing = False
                    if self._pending is None and not self._stopping:
                        self.idle.emit()

    def _serve_recovering(self, request: PreviewRequest) -> None:
        """Serve ``request``; if the engine's process lost the preparation, prepare again once."""
        try:
            self._serve(request)
        except PreviewProcessLost as exc:
            log.warning("preview preparation lost (%s): preparing again", exc)
            self._forget_preparation()
            self._serve(request)

    def _forget_preparation(self) -> None:
        self._prepared, self._prep_key, self._anim_key = None, None, None

    def _serve(self, request: PreviewRequest) -> None:
        project, cancel = request.project, request.cancel
        if project.audio and project.audio != self._waveform_path:
            self._waveform_path = project.audio
            try:
                audio = self._backend.load_audio(project.audio)
                self.audioReady.emit(audio)
                self.waveformReady.emit(waveform_peaks(audio))
            except UserError as exc:
                self.failed.emit(str(exc))
        if project.portrait and not project.audio:
            self._fit_portrait_alone(project, cancel)
        if not project.portrait or not project.audio:
            return  # the window asks for the missing file; nothing to render yet
        cancel.raise_if_cancelled()
        prep_key = preparation_key(project, request.device)
        if prep_key == self._failed_key:
            return  # already reported; wait for the user to change something
        if self._prepared is None or prep_key != self._prep_key:
            previous, self._prepared = self._prepared, None
            with self._cond:
                self._current_is_preparing = True
            emitter = ThrottledProgress(self.preparing.emit, PROGRESS_SIGNALS_PER_SECOND)
            try:
                self._prepared = self._backend.prepare(project, request.device, emitter, cancel, previous)
            except UserError:
                self._failed_key = prep_key
                raise
            finally:
                with self._cond:
                    self._current_is_preparing = False
                if self._prepared is None:
                    self._prepared = previous  # cancelled or failed: keep the stages for the next try
            self._prep_key, self._anim_key, self._failed_key = prep_key, animation_key(project), None
            self._announce(request)
        elif animation_key(project) != self._anim_key:
            # Same fit, speech and size: nothing new to announce, only new frames follow.
            self._prepared = self._backend.reanimate(self._prepared, project, cancel)
            self._anim_key = animation_key(project)
        frame_count = int(getattr(self._prepared, "frame_count", 0))
        for index in request.frames:
            cancel.raise_if_cancelled()
            if not 0 <= index < frame_count:
                continue
            frames = self._backend.render(self._prepared, index, index + 1)
            self.frameReady.emit(request.generation, index, frames_to_images(frames)[0])

    def _fit_portrait_alone(self, project: Project, cancel: CancelToken) -> None:
        """Fit the face of a portrait that has no voice yet, once per photo, face and corrections:
        a photo without a face, or with closed eyes, is said when it is opened, not after the voice."""
        key = (project.portrait, project.face_index, project.landmark_offsets)
        if key == self._fitted_key:
            return
        cancel.raise_if_cancelled()
        try:
            fit = self._backend.fit_portrait(project, cancel)
        except UserError:
            self._fitted_key = key  # said once (the caller reports it), not again on every request
            raise
        self._fitted_key = key
        self.portraitFitted.emit(fit)

    def _announce(self, request: PreviewRequest) -> None:
        p = self._prepared
        self.prepared.emit(
            PreviewInfo(
                frame_count=int(p.frame_count),
                fps=float(p.fps),
                size=tuple(getattr(p, "size", (0, 0))),
                speech=getattr(p, "speech", None),
                fit=getattr(p, "fit", None),
                generation=request.generation,
            )
        )


# -- export ------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportRequest:
    project: Project
    out_path: str
    fmt: ExportFormat
    device: str = "auto"
    cancel: CancelToken = field(default_factory=CancelToken, compare=False)


class ExportJob(QThread):
    """Renders a whole project to a file, off the GUI thread.

    The engine runs in a child process (``engine.export_process``): it shares
    no GIL with the window and runs at a lower CPU priority, so the window
    stays responsive however hard the export works. This thread only relays
    the child's reports as signals. A ``render`` callable given instead (tests,
    embedding) runs on this thread itself.

    Signals: progress(Progress), succeeded(path), failed(message), cancelled().
    """

    progress = Signal(object)
    succeeded = Signal(str)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, request: ExportRequest, render: Optional[Callable[..., Any]] = None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ExportJob")
        self.request = request
        self._render = render
        self._process = None
        if render is None:
            from emospeaker_studio.engine.export_process import ExportProcess

            self._process = ExportProcess(request.project, request.out_path, request.fmt, request.device)

    @property
    def process(self):
        """The child process running the export (None when a ``render`` callable runs on this thread)."""
        return self._process

    def cancel(self) -> None:
        self.request.cancel.cancel()
        if self._process is not None:
            self._process.cancel()

    def run(self) -> None:
        if self._process is not None:
            self._relay_child()
        else:
            self._render_here()

    def _relay_child(self) -> None:
        process = self._process
        try:
            process.start()
        except Exception as exc:  # e.g. no resources for another process: a message, not a crash
            log.error("export process did not start:\n%s", traceback.format_exc())
            self.failed.emit(f"Export failed: the export process did not start ({type(exc).__name__}: {exc})")
            return
        for kind, payload in process.messages():
            self._report(kind, payload)

    def _render_here(self) -> None:
        from emospeaker_studio.engine.export_process import run_export

        request = self.request
        # run_export sets this thread's torch threads to the engine's export
        # policy, whatever the preview worker beside it uses.
        progress = ThrottledProgress(self.progress.emit, PROGRESS_SIGNALS_PER_SECOND)
        self._report(*run_export(self._render, request.project, request.out_path, request.fmt, request.device,
                                 progress, request.cancel))

    def _report(self, kind: str, payload: object) -> None:
        """One report of the export (from the child or from this thread) as its signal."""
        if kind == "progress":
            self.progress.emit(payload)
        elif kind == "done":
            self.succeeded.emit(self.request.out_path)
        elif kind == "cancelled":
            self.cancelled.emit()
        elif kind == "failed":
            self.failed.emit(str(payload))
