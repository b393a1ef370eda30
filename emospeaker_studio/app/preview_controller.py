"""Connects the document, the playhead and the render worker to the preview.

It decides which frames to ask for (the one under the playhead first, then a
few ahead while playing), keeps the frames it got in a small cache keyed by
the document state that produced them, and shows the best frame it has for
the playhead right now (never a frame from a later time).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from typing import Optional

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from emospeaker_studio.app.document import DocumentController
from emospeaker_studio.app.preview import PreviewView
from emospeaker_studio.app.workers import (
    PreviewInfo,
    PreviewRequest,
    RenderWorker,
    animation_key,
    preparation_key,
    preview_project,
)
from emospeaker_studio.engine.jobs import Progress

CACHE_FRAMES = 96
LOOKAHEAD_FRAMES = 8
#: While a face key point is dragged, a re-fit is requested at most this often (the newest offsets win).
LIVE_EDIT_INTERVAL_MS = 40


class PreviewController(QObject):
    """Signals: info(PreviewInfo), status(str) for the preview's corner, failed(str) for the banner,
    frameShown(frame index, latency ms from request to display), waveform(WaveformPeaks),
    portraitFitted(fit) for a portrait that has no voice yet."""

    info = Signal(object)
    status = Signal(str)
    failed = Signal(str)
    frameShown = Signal(int, float)
    waveform = Signal(object)
    portraitFitted = Signal(object)

    def __init__(self, document: DocumentController, view: PreviewView, worker: RenderWorker, *, device: str = "auto", preview_height: int = 512, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.document = document
        self.view = view
        self.worker = worker
        self.device = device
        self.preview_height = preview_height
        self._cache: "OrderedDict[int, QImage]" = OrderedDict()
        self._generation = 0
        self._render_key: Optional[tuple] = None
        self._info: Optional[PreviewInfo] = None
        self._fps = document.project.output.fps
        self._position = 0.0
        self._playing = False
        self._shown_frame: Optional[int] = None
        self._shown_generation = -1
        # A key point being dragged: the offsets shown instead of the document's, until release.
        self._live_offsets: Optional[tuple] = None
        self._live_generations: set[int] = set()
        self._held_info: Optional[PreviewInfo] = None
        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(LIVE_EDIT_INTERVAL_MS)
        self._live_timer.timeout.connect(self._apply_live_offsets)
        self._requested: set[int] = set()
        self._request_times: dict[int, float] = {}
        # Smoothed render time per frame (seconds); 0 until measured: every frame is asked for.
        self._frame_cost_s = 0.0
        self._last_frame_at: Optional[float] = None
        worker.frameReady.connect(self._on_frame)
        worker.prepared.connect(self._on_prepared)
        worker.failed.connect(self._on_failed)
        worker.preparing.connect(self._on_preparing)
        worker.waveformReady.connect(self.waveform)
        worker.portraitFitted.connect(self.portraitFitted)
        document.projectChanged.connect(self._on_project_changed)

    # -- state ----------------------------------------------------------------
    @property
    def frame_count(self) -> int:
        return self._info.frame_count if self._info else 0

    @property
    def info_(self) -> Optional[PreviewInfo]:
        return self._info

    def frame_index(self, seconds: float) -> int:
        index = int(math.floor(seconds * self._fps + 1e-6))
        if self._info:
            index = min(index, self._info.frame_count - 1)
        return max(0, index)

    def set_options(self, device: str, preview_height: int) -> None:
        if (device, preview_height) != (self.device, self.preview_height):
            self.device, self.preview_height = device, preview_height
            self.refresh()

    def refresh(self) -> None:
        """Re-render from the current document (after a preference change or an open)."""
        self._render_key = None
        self._check_render_key()
        self._request_around(self._position)

    # -- events ---------------------------------------------------------------------
    def _on_project_changed(self, old, new) -> None:
        self._fps = new.output.fps
        if (old.audio, old.portrait) != (new.audio, new.portrait):
            # The frame count and the speech described the old files: until the new ones
            # are analysed there are none (the timeline and the clock ask frame_count).
            self._info = None
        if self._check_render_key():
            self._request_around(self._position)

    def _check_render_key(self) -> bool:
        project = self._snapshot()
        key = (preparation_key(project, self.device), animation_key(project))
        if key == self._render_key:
            return False
        self._render_key = key
        self._generation += 1
        self._cache.clear()
        self._requested.clear()
        if not project.portrait or not project.audio:
            # The window's empty state says which file to add next.
            if not project.portrait:
                self.view.set_frame(None)
            self.view.set_message("")
        return True

    def _snapshot(self):
        project = self.document.project
        if self._live_offsets is not None:
            project = project.with_(landmark_offsets=self._live_offsets)
        return preview_project(project, self.preview_height)

    # -- a face key point being dragged --------------------------------------------------
    def preview_landmark_offsets(self, offsets: tuple) -> None:
        """Show the face re-fitted with ``offsets`` ((index, dx, dy) in portrait pixels) without editing the document.

        Called on every move of a drag; a render is requested at most every
        LIVE_EDIT_INTERVAL_MS with the newest offsets, and it waits for the
        re-fit already running instead of cancelling it (a re-fit takes longer
        than a mouse move). The document changes once, on release.
        """
        self._live_offsets = tuple(offsets)
        if not self._live_timer.isActive():
            self._live_timer.start()

    def end_landmark_preview(self) -> None:
        """The drag ended: show the document again (it holds the correction by now, if there is one)."""
        self._live_timer.stop()
        if self._live_offsets is None:
            return
        self._live_offsets = None
        held, self._held_info = self._held_info, None
        changed = self._check_render_key()
        # The state shown now is the document's: its fit is announced to the window as usual.
        self._live_generations.discard(self._generation)
        if changed:
            self._request_around(self._position)
        elif held is not None and held.generation == self._generation:
            self.info.emit(held)  # the fit of the last step is the document's fit: nothing new will be announced

    def _apply_live_offsets(self) -> None:
        if self._live_offsets is not None and self._check_render_key():
            self._live_generations.add(self._generation)
            self._request_around(self._position, interactive=True)

    def set_playing(self, playing: bool) -> None:
        self._playing = playing
        if playing:
            self._request_around(self._position)

    def show_time(self, seconds: float) -> None:
        """Show the frame for ``seconds``: from the cache at once, else ask the worker.

        While playing, the newest cached frame not later than the playhead is
        shown (a frame that is not ready in time is dropped, never waited for),
        and the worker is kept busy with frames ahead of the playhead.
        """
        self._position = seconds
        index = self.frame_index(seconds)
        if self._playing:
            best = self._newest_cached_at_or_before(index)
            if best is not None and best != self._shown_frame:
                self._show(best, self._cache[best])
            self._keep_ahead(index)
            return
        image = self._cache.get(index)
        if image is not None:
            self._show(index, image)
        else:
            self._request((index,))

    def _newest_cached_at_or_before(self, index: int) -> Optional[int]:
        for candidate in range(index, max(-1, index - 3 * self._stride() - 1), -1):
            if candidate in self._cache:
                return candidate
        return None

    def _stride(self) -> int:
        """Render every n-th frame while playing, n from the measured render time (1 when fast enough)."""
        return max(1, min(12, math.ceil(self._frame_cost_s * self._fps * 1.15)))

    def _keep_ahead(self, index: int) -> None:
        stride = self._stride()
        # Frames on a fixed grid of the stride, starting where a render started now could still be in time.
        first = ((index + stride) // stride) * stride
        wanted = [f for f in range(first, first + LOOKAHEAD_FRAMES * stride, stride) if f not in self._cache]
        if self._info:
            wanted = [f for f in wanted if f < self._info.frame_count]
        if wanted and wanted[0] not in self._requested:
            self._request(tuple(wanted))

    def _request_around(self, seconds: float, *, interactive: bool = False) -> None:
        index = self.frame_index(seconds)
        if self._playing and not interactive:
            self._keep_ahead(index)
        else:
            self._request((index,), interactive=interactive)

    def _request(self, frames: tuple[int, ...], *, interactive: bool = False) -> None:
        now = time.perf_counter()
        # The first frame of a request may wait for a frame still rendering: only the
        # gap between two frames arriving back to back measures the render time.
        self._last_frame_at = None
        for f in frames:
            self._request_times.setdefault(f, now)
        self._requested = set(frames)
        self.worker.submit(PreviewRequest(self._snapshot(), frames, self.device, self._generation, interactive=interactive))

    def _on_frame(self, generation: int, index: int, image: QImage) -> None:
        if generation != self._generation:
            if (generation in self._live_generations and generation > self._shown_generation
                    and index == self.frame_index(self._position)):
                # An earlier step of a drag: the newest face there is until the latest step arrives.
                self._show(index, image, generation)
            return
        now = time.perf_counter()
        if self._last_frame_at is not None and index in self._requested:
            # Smoothed time per rendered frame, from frames arriving back to back.
            gap = min(2.0, now - self._last_frame_at)
            self._frame_cost_s = 0.8 * self._frame_cost_s + 0.2 * gap
        self._last_frame_at = now
        self._cache[index] = image
        self._cache.move_to_end(index)
        while len(self._cache) > CACHE_FRAMES:
            self._cache.popitem(last=False)
        current = self.frame_index(self._position)
        if index == current or (self._playing and (self._shown_frame is None or self._shown_frame < index) and index <= current):
            self._show(index, image)

    def _show(self, index: int, image: QImage, generation: Optional[int] = None) -> None:
        generation = self._generation if generation is None else generation
        # The same frame index of a newer document state (after an edit) is a new picture.
        if (self._shown_frame, self._shown_generation) != (index, generation) or not self.view.has_frame:
            self.view.set_frame(image)
            self._shown_frame, self._shown_generation = index, generation
        self.view.set_message("")
        started = self._request_times.pop(index, None)
        latency = (time.perf_counter() - started) * 1000 if started else 0.0
        self.frameShown.emit(index, latency)
        if len(self._request_times) > 4 * CACHE_FRAMES:
            self._request_times.clear()

    def _on_prepared(self, info: PreviewInfo) -> None:
        if info.generation in self._live_generations:
            # A step of a key-point drag: the window keeps drawing the held point, not this fit.
            if self._live_offsets is not None:
                self._info, self._held_info = info, info
            return
        project = self.document.project
        if not project.portrait or not project.audio:
            return  # a preparation of files the project no longer has (File > New while it ran)
        # An info prepared for an older document state is taken too: the frames requested since will follow.
        self._live_generations.clear()
        self._info = info
        self._fps = info.fps
        self.info.emit(info)
        self.status.emit(f"Preview {info.size[0]}×{info.size[1]} · {info.frame_count} frames")

    def _on_preparing(self, progress: Progress) -> None:
        step = progress.stage.split(":", 1)[-1].strip()
        names = {"portrait": "Loading the portrait", "face fit": "Fitting the face", "audio": "Decoding the audio",
                 "speech": "Analysing the speech", "animation": "Animating", "renderer": "Building the face rig", "prepare": "Ready"}
        label = names.get(step, step.capitalize())
        if not self.view.has_frame:
            self.view.set_message(f"{label}… {progress.fraction * 100:.0f} %")

    def _on_failed(self, message: str) -> None:
        self.failed.emit(message)
        if not self.view.has_frame:
            self.view.set_message(message)
