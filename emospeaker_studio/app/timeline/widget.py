"""The timeline panel: lane headers on the left, four x-linked lanes on the right.

Lanes top to bottom: the timecode ruler (with the loop range), the audio
waveform, the speech (viseme segments) and the emotion lane. The playhead is a
line through all of them (an overlay, see playhead.py). The widget only shows
state and reports intents (seek, scrub); the main window owns playback.
"""

from __future__ import annotations

from typing import Callable, Optional

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from emospeaker_studio.app import keyframe_ops
from emospeaker_studio.app.document import DocumentController
from emospeaker_studio.app.icons import icon
from emospeaker_studio.app.selection import KeyframeSelection
from emospeaker_studio.app.theme import Palette
from emospeaker_studio.app.timeline.emotion_lane import EmotionLaneEditor, EmotionViewBox
from emospeaker_studio.app.timeline.lanes import LaneViewBox, SpeechItem, WaveformItem
from emospeaker_studio.app.timeline.playhead import PlayheadOverlay
from emospeaker_studio.app.timeline.timecode import TimecodeAxis
from emospeaker_studio.app.workers import WaveformPeaks
from emospeaker_studio.core.emotions import Emotion

HEADER_WIDTH = 104


class _RulerAxis(TimecodeAxis):
    """The ruler: click seeks, drag scrubs (instead of pyqtgraph's pan)."""

    def __init__(self, seek: Callable[[float, bool], None], finish: Callable[[], None]) -> None:
        super().__init__("top")
        self._seek, self._finish = seek, finish

    def _time(self, ev) -> float:
        view = self.linkedView()
        return max(0.0, float(view.mapSceneToView(ev.scenePos()).x())) if view else 0.0

    def mouseClickEvent(self, ev):  # noqa: N802
        if ev.button() == Qt.LeftButton:
            ev.accept()
            self._seek(self._time(ev), False)

    def mouseDragEvent(self, ev):  # noqa: N802
        if ev.button() != Qt.LeftButton:
            ev.ignore()
            return
        ev.accept()
        self._seek(self._time(ev), not ev.isFinish())
        if ev.isFinish():
            self._finish()

    def wheelEvent(self, ev):  # noqa: N802 - the lanes own wheel navigation
        view = self.linkedView()
        if view is not None:
            view.wheelEvent(ev)


class TimelineWidget(QWidget):
    """Signals: seekRequested(seconds, scrubbing), scrubFinished(), loopChanged(start, end)."""

    seekRequested = Signal(float, bool)
    scrubFinished = Signal()
    loopChanged = Signal(float, float)

    def __init__(
        self,
        document: DocumentController,
        selection: KeyframeSelection,
        clipboard: keyframe_ops.KeyframeClipboard,
        palette: Palette,
        new_emotion: Callable[[], Emotion],
        parent: Optional[QWidget] = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("TimelinePanel")
        self.document = document
        self._palette = palette
        self._fps = document.project.output.fps
        self._playhead = 0.0
        self._duration = 0.0
        self._auto_fit = True  # follow duration changes with "fit all" until the user zooms or pans
        self._audio_duration = 0.0
        self._header_buttons: list[tuple[QToolButton, str]] = []  # (button, icon name), recoloured with the theme
        pg.setConfigOptions(antialias=True)

        self.emotion_view = EmotionViewBox()
        self.speech_view = LaneViewBox((0.0, 1.0))
        self.waveform_view = LaneViewBox((-1.05, 1.05))
        self.ruler_view = LaneViewBox((0.0, 1.0))
        self._ruler_axis = _RulerAxis(self._emit_seek, self.scrubFinished.emit)

        self.ruler_plot = self._plot(self.ruler_view, {"top": self._ruler_axis})
        self.waveform_plot = self._plot(self.waveform_view)
        self.speech_plot = self._plot(self.speech_view)
        self.emotion_plot = self._plot(self.emotion_view)
        ruler_item = self.ruler_plot.getPlotItem()
        ruler_item.showAxis("top")
        self._ruler_axis.setHeight(26)
        self._ruler_axis.setStyle(tickLength=-6, tickTextOffset=4)
        for view in (self.speech_view, self.waveform_view, self.ruler_view):
            view.setXLink(self.emotion_view)
        for view in (self.emotion_view, self.speech_view, self.waveform_view, self.ruler_view):
            view.on_seek = self._emit_seek
            view.on_scrub_end = self.scrubFinished.emit
            view.on_navigate = self._on_user_navigated

        self.waveform_item = WaveformItem(QColor(palette.waveform))
        self.waveform_view.addItem(self.waveform_item)
        self._centre_line = pg.InfiniteLine(pos=0.0, angle=0)
        self.waveform_view.addItem(self._centre_line, ignoreBounds=True)
        self.speech_item = SpeechItem(QColor(palette.text))
        self.speech_view.addItem(self.speech_item)

        self.loop_region = pg.LinearRegionItem(values=(0.0, 1.0), brush=pg.mkBrush(QColor(79, 141, 255, 45)))
        self.loop_region.setZValue(-20)
        self.loop_region.setVisible(False)
        self.loop_region.sigRegionChangeFinished.connect(self._on_loop_region)
        self.ruler_view.addItem(self.loop_region, ignoreBounds=True)

        self.editor = EmotionLaneEditor(
            self.emotion_view, document, selection, clipboard, palette,
            fps=lambda: self._fps, playhead=lambda: self._playhead, new_emotion=new_emotion,
        )
        self.editor.seekRequested.connect(self.seekRequested)
        self.editor.scrubFinished.connect(self.scrubFinished)

        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(0)
        grid.setVerticalSpacing(1)
        rows = (
            (self._ruler_header(), self.ruler_plot, 28),
            (self._lane_header("AUDIO", "Waveform"), self.waveform_plot, 62),
            (self._lane_header("SPEECH", "Visemes"), self.speech_plot, 34),
            (self._lane_header("EMOTION", "Double-click to add"), self.emotion_plot, None),
        )
        for row, (header, plot, height) in enumerate(rows):
            grid.addWidget(header, row, 0)
            grid.addWidget(plot, row, 1)
            if height:
                header.setFixedHeight(height)
                plot.setFixedHeight(height)
            else:
                plot.setMinimumHeight(110)
        grid.setRowStretch(3, 1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addLayout(grid)
        # Over the lanes, on top of them (created after them): see playhead.py.
        self._playhead_overlay = PlayheadOverlay(self._playhead_x, self)
        self._playhead_overlay.raise_()
        for plot in (self.ruler_plot, self.emotion_plot):
            plot.installEventFilter(self)
        self.emotion_view.sigXRangeChanged.connect(lambda *_: self._playhead_overlay.relayout())
        self.emotion_view.sigResized.connect(lambda *_: self._playhead_overlay.relayout())
        document.projectChanged.connect(self._on_project_changed)
        self._duration = 0.0
        self.set_duration(1.0)
        self._apply_palette()

    def set_palette(self, palette: Palette) -> None:
        """Recolour every lane for a theme switch (the emotion colours are the same in every theme)."""
        self._palette = palette
        self.editor.set_palette(palette)
        self._apply_palette()

    @property
    def palette_(self) -> Palette:
        return self._palette

    def _apply_palette(self) -> None:
        palette = self._palette
        for plot, background in ((self.ruler_plot, palette.panel), (self.waveform_plot, palette.lane),
                                 (self.speech_plot, palette.lane_alt), (self.emotion_plot, palette.lane)):
            plot.setBackground(QColor(background))
        self._ruler_axis.setPen(pg.mkPen(palette.border))
        self._ruler_axis.setTextPen(pg.mkPen(palette.text_dim))
        self.waveform_item.set_colour(QColor(palette.waveform))
        self._centre_line.setPen(pg.mkPen(QColor(palette.grid)))
        self.speech_item.set_text_colour(QColor(palette.text))
        self.loop_region.lines[0].setPen(pg.mkPen(QColor(palette.accent), width=2))
        self.loop_region.lines[1].setPen(pg.mkPen(QColor(palette.accent), width=2))
        self._playhead_overlay.set_colour(QColor(palette.playhead))
        for button, name in self._header_buttons:
            button.setIcon(icon(name, palette.text_dim))

    # -- construction helpers ------------------------------------------------------------
    def _plot(self, view: pg.ViewBox, axes: Optional[dict] = None) -> pg.PlotWidget:
        plot = pg.PlotWidget(viewBox=view, axisItems=axes or {})
        item = plot.getPlotItem()
        item.hideAxis("left")
        item.hideAxis("bottom")
        item.setMenuEnabled(False)
        item.hideButtons()
        item.layout.setContentsMargins(0, 0, 0, 0)
        item.layout.setSpacing(0)
        plot.setFrameShape(QFrame.NoFrame)
        plot.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        plot.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        return plot

    def _lane_header(self, title: str, hint: str) -> QWidget:
        frame = QFrame()
        frame.setObjectName("LaneHeader")
        frame.setFixedWidth(HEADER_WIDTH)
        layout = QVBoxLayout(frame)
        layout.setContentsMargins(12, 4, 8, 4)
        layout.setSpacing(0)
        name = QLabel(title)
        name.setObjectName("LaneName")
        layout.addWidget(name)
        if hint:
            small = QLabel(hint)
            small.setObjectName("Hint")
            small.setStyleSheet("font-size: 7.5pt;")
            small.setWordWrap(True)
            layout.addWidget(small)
        layout.addStretch(1)
        return frame

    def _ruler_header(self) -> QWidget:
        frame = QFrame()
        frame.setObjectName("LaneHeader")
        frame.setFixedWidth(HEADER_WIDTH)
        layout = QHBoxLayout(frame)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(2)
        for name, tip, slot in (
            ("fit-all", "Fit the whole timeline (F)", self.fit_all),
            ("zoom-100", "Zoom in (Ctrl+wheel)", lambda: self.zoom(0.6)),
        ):
            button = QToolButton()
            self._header_buttons.append((button, name))
            button.setToolTip(tip)
            button.setAutoRaise(True)
            button.clicked.connect(slot)
            layout.addWidget(button)
        layout.addStretch(1)
        return frame

    # -- state from outside ----------------------------------------------------------------
    def set_fps(self, fps: float) -> None:
        self._fps = float(fps)

    @property
    def fps(self) -> float:
        return self._fps

    @property
    def duration(self) -> float:
        return self._duration

    def set_audio_duration(self, seconds: float) -> None:
        self._audio_duration = max(0.0, seconds)
        self.editor.set_audio_end(self._audio_duration)
        self._update_duration()

    def _update_duration(self) -> None:
        track = self.document.project.emotions
        last = track.keyframes[-1].time + 0.5 if track else 0.0
        self.set_duration(max(1.0, self._audio_duration, last))

    def set_duration(self, seconds: float) -> None:
        if abs(seconds - self._duration) < 1e-9:
            return
        self._duration = seconds
        self.emotion_view.setLimits(xMin=-0.05 * seconds, xMax=seconds * 1.05 + 0.5)
        self.editor.set_duration(seconds)
        if self._auto_fit:
            self.fit_all()

    def set_playhead(self, seconds: float) -> None:
        self._playhead = seconds
        self._keep_playhead_visible()
        self._playhead_overlay.set_seconds(seconds)

    @property
    def playhead_overlay(self) -> PlayheadOverlay:
        return self._playhead_overlay

    def _playhead_x(self, seconds: float) -> Optional[float]:
        """Where ``seconds`` is drawn across the lanes, in the playhead overlay's pixels (None: out of view)."""
        (x0, x1), _ = self.emotion_view.viewRange()
        if not x0 <= seconds <= x1:
            return None
        scene = self.emotion_view.mapViewToScene(QPointF(seconds, 0.0))
        in_viewport = self.emotion_plot.viewportTransform().map(scene)
        origin = self.emotion_plot.viewport().mapTo(self, QPoint(0, 0)) - self._playhead_overlay.pos()
        return in_viewport.x() + origin.x()

    def _place_playhead_overlay(self) -> None:
        lanes = self.ruler_plot.geometry().united(self.emotion_plot.geometry())
        overlay = self._playhead_overlay
        overlay.setGeometry(lanes)
        overlay.handle_bottom = float(self.ruler_plot.geometry().bottom() + 1 - lanes.top())
        overlay.relayout(moved=True)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.Resize, QEvent.Move):
            self._place_playhead_overlay()
        return False

    def _keep_playhead_visible(self) -> None:
        (x0, x1), _ = self.emotion_view.viewRange()
        if not x0 <= self._playhead <= x1:
            span = x1 - x0
            start = max(0.0, self._playhead - span * 0.1)
            self.emotion_view.setXRange(start, start + span, padding=0)

    def set_waveform(self, peaks: Optional[WaveformPeaks]) -> None:
        if peaks is None:
            self.waveform_item.clear()
            return
        self.waveform_item.set_peaks(peaks.lows, peaks.highs, peaks.rate)
        self.set_audio_duration(peaks.duration_s)

    def set_speech(self, speech) -> None:
        if speech is None:
            self.speech_item.set_speech((), None, self._fps)
        else:
            self.speech_item.set_speech(tuple(speech.labels), speech.probs, float(speech.fps))

    def set_loop(self, enabled: bool, start: float, end: float) -> None:
        self.loop_region.blockSignals(True)
        self.loop_region.setRegion((start, end))
        self.loop_region.blockSignals(False)
        self.loop_region.setVisible(enabled)

    def fit_all(self) -> None:
        """Show the whole timeline, and keep showing all of it as the duration changes
        until the user zooms or pans."""
        self.emotion_view.setXRange(0.0, self._duration, padding=0.02)
        self._auto_fit = True

    def _on_user_navigated(self) -> None:
        self._auto_fit = False

    def zoom(self, factor: float) -> None:
        self._auto_fit = False
        (x0, x1), _ = self.emotion_view.viewRange()
        centre = self._playhead if x0 <= self._playhead <= x1 else (x0 + x1) / 2
        self.emotion_view.setXRange(centre - (centre - x0) * factor, centre + (x1 - centre) * factor, padding=0)

    def visible_range(self) -> tuple[float, float]:
        (x0, x1), _ = self.emotion_view.viewRange()
        return float(x0), float(x1)

    # -- coordinates (tests and tooltips) ---------------------------------------------------
    def emotion_point(self, time: float, intensity: float) -> QPoint:
        """Where (time s, intensity) is drawn, in the emotion plot's viewport pixels."""
        scene = self.emotion_view.mapViewToScene(QPointF(time, intensity))
        return self.emotion_plot.mapFromScene(scene)

    # -- internals -------------------------------------------------------------------------------
    def _emit_seek(self, seconds: float, scrubbing: bool) -> None:
        self.seekRequested.emit(min(seconds, self._duration), scrubbing)

    def _on_loop_region(self) -> None:
        start, end = self.loop_region.getRegion()
        self.loopChanged.emit(max(0.0, float(start)), float(end))

    def _on_project_changed(self, old, new) -> None:
        if old.output.fps != new.output.fps:
            self.set_fps(new.output.fps)
        if old.emotions != new.emotions:
            self._update_duration()
