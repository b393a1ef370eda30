"""The passive lanes (ruler, waveform, speech) and the navigation they share.

Every lane's view box pans with the wheel, zooms with Ctrl+wheel around the
cursor, seeks on click and scrubs on drag; the emotion lane adds editing on
top (see ``emotion_lane.py``). Time is x in seconds; lanes are x-linked.
"""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen, QPixmap, QTransform

#: Seconds of audio visible at the most zoomed-in level (about 3 frames at 25 fps per 100 px).
MIN_VISIBLE_SPAN = 0.25
ZOOM_STEP = 1.0015  # per wheel-delta unit; 120 units (one notch) zooms by about 20 %


class LaneViewBox(pg.ViewBox):
    """A view box whose x axis is time; y is fixed by the lane.

    ``on_seek(seconds, scrubbing)`` is called on click (scrubbing False) and
    during a drag (True); ``on_scrub_end()`` after the drag.
    """

    def __init__(self, y_range: tuple[float, float] = (0.0, 1.0)) -> None:
        super().__init__(enableMenu=False, enableMouse=False)
        self.setMouseEnabled(x=False, y=False)
        self.setYRange(*y_range, padding=0)
        self.setLimits(xMin=-0.5, minXRange=MIN_VISIBLE_SPAN)
        self.on_seek: Callable[[float, bool], None] = lambda t, scrubbing: None
        self.on_scrub_end: Callable[[], None] = lambda: None
        self.on_navigate: Callable[[], None] = lambda: None  # the user zoomed or panned
        self._scrubbing = False

    # -- navigation ------------------------------------------------------------
    def wheelEvent(self, ev, axis=None):  # noqa: N802 - Qt's name
        delta = ev.delta() if hasattr(ev, "delta") else ev.angleDelta().y()
        (x0, x1), _ = self.viewRange()
        self.on_navigate()
        if ev.modifiers() & Qt.ControlModifier:
            factor = ZOOM_STEP ** (-delta)
            centre = self.mapSceneToView(ev.scenePos()).x()
            self.setXRange(centre - (centre - x0) * factor, centre + (x1 - centre) * factor, padding=0)
        else:
            shift = -(x1 - x0) * delta / 1200.0  # one notch pans a tenth of the view
            self.setXRange(x0 + shift, x1 + shift, padding=0)
        ev.accept()

    # -- seeking -----------------------------------------------------------------
    def mouseClickEvent(self, ev):  # noqa: N802 - pyqtgraph's name
        if ev.button() == Qt.LeftButton:
            ev.accept()
            self.on_seek(self.time_at(ev.scenePos()), False)
        else:
            ev.ignore()

    def mouseDragEvent(self, ev, axis=None):  # noqa: N802 - pyqtgraph's name
        if ev.button() != Qt.LeftButton:
            ev.ignore()
            return
        ev.accept()
        self.scrub(ev)

    def scrub(self, ev) -> None:
        self._scrubbing = not ev.isFinish()
        self.on_seek(self.time_at(ev.scenePos()), not ev.isFinish())
        if ev.isFinish():
            self.on_scrub_end()

    def time_at(self, scene_pos: QPointF) -> float:
        return max(0.0, float(self.mapSceneToView(scene_pos).x()))

    def pixels_per_second(self) -> float:
        (x0, x1), _ = self.viewRange()
        return self.width() / max(1e-9, x1 - x0)


class PictureCachedItem(pg.GraphicsObject):
    """A lane item that draws what the view shows of it once into a pixmap it keeps, then only copies it.

    The playhead passing over a lane repaints a strip of it 25 times a second.
    Qt's DeviceCoordinateCache kept these drawings in QPixmapCache, which
    dropped them on its own schedule: about a minute into playback both lanes
    were drawn again at once, 50 ms of the GUI thread for a 70 s voice.
    Subclasses draw in device pixels in ``draw`` and call ``redraw`` when their
    content changes; a zoom, pan or resize draws again by itself.
    """

    def __init__(self) -> None:
        super().__init__()
        self._picture: Optional[QPixmap] = None
        self._picture_key: Optional[tuple] = None

    def redraw(self) -> None:
        self._picture_key = None
        self.update()

    def draw(self, painter: QPainter, transform, x0: float, x1: float) -> None:
        """Draw the part between ``x0`` and ``x1`` seconds; ``transform`` maps item to device pixels."""
        raise NotImplementedError

    def paint(self, painter: QPainter, *args) -> None:
        view = self.getViewBox()
        shown = self.viewRect()
        if view is None or shown is None:
            return
        transform = painter.transform()
        area = transform.mapRect(shown).toAlignedRect()
        ratio = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
        (x0, x1), _ = view.viewRange()
        key = (area.x(), area.y(), area.width(), area.height(), ratio, x0, x1)
        if key != self._picture_key or self._picture is None:
            picture = QPixmap(max(1, round(area.width() * ratio)), max(1, round(area.height() * ratio)))
            picture.setDevicePixelRatio(ratio)
            picture.fill(Qt.transparent)
            drawing = QPainter(picture)
            self.draw(drawing, transform * QTransform.fromTranslate(-area.x(), -area.y()), x0, x1)
            drawing.end()
            self._picture, self._picture_key = picture, key
        painter.resetTransform()
        painter.drawPixmap(area.topLeft(), self._picture)
        painter.setTransform(transform)


class WaveformItem(PictureCachedItem):
    """The audio as a min/max envelope, drawn as vertical bars at screen resolution."""

    def __init__(self, colour: QColor) -> None:
        super().__init__()
        self._colour = QColor(colour)
        self._lows = np.zeros(0, np.float32)
        self._highs = np.zeros(0, np.float32)
        self._rate = 1.0
        self._scale = 1.0

    def set_colour(self, colour: QColor) -> None:
        self._colour = QColor(colour)
        self.redraw()

    def set_peaks(self, lows: np.ndarray, highs: np.ndarray, rate: float) -> None:
        self.prepareGeometryChange()
        self._lows, self._highs, self._rate = np.asarray(lows, np.float32), np.asarray(highs, np.float32), float(rate)
        peak = float(max(np.abs(self._lows).max(initial=0.0), np.abs(self._highs).max(initial=0.0)))
        self._scale = 0.95 / peak if peak > 1e-6 else 1.0  # normalise quiet recordings so they stay visible
        self.redraw()

    def clear(self) -> None:
        self.set_peaks(np.zeros(0), np.zeros(0), 1.0)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return QRectF(0.0, -1.0, max(len(self._lows) / self._rate, 1e-3), 2.0)

    def draw(self, painter: QPainter, transform, x0: float, x1: float) -> None:
        if len(self._lows) == 0:
            return
        view = self.getViewBox()
        width_px = max(1, int(view.width()))
        # One column per device pixel: min of lows and max of highs over its bins.
        times = np.linspace(max(0.0, x0), x1, width_px + 1)
        bins = np.clip((times * self._rate).astype(np.int64), 0, len(self._lows))
        valid = bins[1:] > bins[:-1]
        if not valid.any():
            return
        starts = bins[:-1][valid]
        lows = np.minimum.reduceat(self._lows, np.minimum(starts, len(self._lows) - 1)) * self._scale
        highs = np.maximum.reduceat(self._highs, np.minimum(starts, len(self._highs) - 1)) * self._scale
        # Device pixels of every bar at once (the transform is a scale and an offset).
        xs = times[:-1][valid] * transform.m11() + transform.dx()
        tops = highs * transform.m22() + transform.dy()
        bottoms = lows * transform.m22() + transform.dy()
        bottoms = np.where(np.abs(tops - bottoms) < 1.0, tops + 1.0, bottoms)  # at least a pixel tall
        pen = QPen(self._colour)
        pen.setWidthF(1.0)
        painter.setPen(pen)
        painter.drawLines([QLineF(x, top, x, bottom) for x, top, bottom in zip(xs.tolist(), tops.tolist(), bottoms.tolist())])


#: Viseme families and their colours: lip closures and lip/teeth contacts, tongue consonants, vowels.
VISEME_FAMILY_COLOURS = {
    "PP": "#f07178", "FF": "#f07178", "TH": "#f07178",
    "DD": "#c792ea", "kk": "#c792ea", "CH": "#c792ea", "SS": "#c792ea", "nn": "#c792ea", "RR": "#c792ea",
    "aa": "#82aaff", "E": "#82aaff", "ih": "#82aaff", "oh": "#89ddff", "ou": "#89ddff",
}


class SpeechItem(PictureCachedItem):
    """Viseme segments (runs of the most likely viseme) as labelled blocks coloured by family."""

    def __init__(self, text_colour: QColor) -> None:
        super().__init__()
        self._text = QColor(text_colour)
        self._segments: list[tuple[float, float, str]] = []
        self._source: Optional[tuple] = None  # (labels, fps, probabilities) the segments were made from
        self._duration = 1e-3
        self._font = QFont()
        self._font.setPointSizeF(7.5)

    def set_text_colour(self, colour: QColor) -> None:
        self._text = QColor(colour)
        self.redraw()

    def set_speech(self, labels: tuple[str, ...], probs: Optional[np.ndarray], fps: float) -> None:
        """Take per-frame viseme probabilities (frames, len(labels)) and merge runs into segments.

        The same speech again (every preparation reports it, a face re-fit too)
        keeps the drawing: drawing a long voice's visemes takes tens of ms.
        """
        source = (tuple(labels), float(fps), None if probs is None else np.array(probs))  # a copy: callers may reuse theirs
        if _same_speech(source, self._source):
            return
        self._source = source
        self.prepareGeometryChange()
        self._segments = []
        if probs is None or len(probs) == 0:
            self._duration = 1e-3
            self.redraw()
            return
        best = np.asarray(probs).argmax(axis=1)
        change = np.flatnonzero(np.diff(best)) + 1
        starts = np.concatenate(([0], change))
        stops = np.concatenate((change, [len(best)]))
        for start, stop in zip(starts, stops):
            label = labels[int(best[start])]
            if label != "sil":
                self._segments.append((start / fps, stop / fps, label))
        self._duration = len(best) / fps
        self.redraw()

    @property
    def segments(self) -> list[tuple[float, float, str]]:
        return list(self._segments)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return QRectF(0.0, 0.0, self._duration, 1.0)

    def draw(self, painter: QPainter, transform, x0: float, x1: float) -> None:
        if not self._segments:
            return
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setFont(self._font)
        metrics = QFontMetricsF(self._font)
        looks: dict[str, tuple[QPen, QColor, float]] = {}  # label -> (edge pen, fill, text width)
        top, bottom = transform.map(QPointF(0.0, 0.86)).y(), transform.map(QPointF(0.0, 0.14)).y()
        y, height = min(top, bottom), abs(bottom - top)
        for start, stop, label in self._segments:
            if stop < x0 or start > x1:
                continue
            look = looks.get(label)
            if look is None:
                colour = QColor(VISEME_FAMILY_COLOURS.get(label, "#9aa4b1"))
                fill, edge = QColor(colour), QColor(colour)
                fill.setAlpha(80)
                edge.setAlpha(190)
                look = looks[label] = (QPen(edge, 1.0), fill, metrics.horizontalAdvance(label))
            pen, fill, text_width = look
            left = transform.map(QPointF(start, 0.0)).x() + 0.5
            right = transform.map(QPointF(stop, 0.0)).x() - 0.5
            rect = QRectF(left, y, max(1.0, right - left), height)
            painter.setPen(pen)
            painter.setBrush(fill)
            painter.drawRoundedRect(rect, 3, 3)
            if rect.width() > text_width + 6:
                painter.setPen(self._text)
                painter.drawText(rect, Qt.AlignCenter, label)


def _same_speech(a: Optional[tuple], b: Optional[tuple]) -> bool:
    """Whether two (labels, fps, probabilities or None) describe the same visemes."""
    if a is None or b is None or a[:2] != b[:2]:
        return False
    if a[2] is None or b[2] is None:
        return a[2] is None and b[2] is None
    return bool(np.array_equal(a[2], b[2]))
