"""Keyframe markers: a diamond per keyframe, a fixed size on screen.

pyqtgraph's ScatterPlotItem rebuilt its spot records, symbol pixmaps and
pens (Python per spot) whenever the keyframes changed, which was a third of
the GUI work of an emotion edit; a dozen diamonds drawn with QPainter cost
next to nothing, and their drawing is cached for the playhead passing over.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem

SIZE_PX = 16.0  # height of a diamond; a selected one is drawn larger
SELECTED_SIZE_PX = 20.0
WIDTH_RATIO = 0.8  # width / height: a diamond, not a square on its corner


@dataclass(frozen=True)
class Diamond:
    """One marker: at (time s, intensity 0..1), filled with ``colour``, outlined with ``outline``."""

    time: float
    intensity: float
    colour: str
    outline: str
    selected: bool


class KeyframeDiamonds(pg.GraphicsObject):
    """Draws :class:`Diamond` markers over a lane; mouse events go to the lane beneath."""

    def __init__(self) -> None:
        super().__init__()
        self._diamonds: tuple[Diamond, ...] = ()
        self.setAcceptedMouseButtons(Qt.NoButton)
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)

    @property
    def diamonds(self) -> tuple[Diamond, ...]:
        return self._diamonds

    def set_diamonds(self, diamonds: tuple[Diamond, ...]) -> None:
        diamonds = tuple(diamonds)
        if diamonds == self._diamonds:
            return
        self._diamonds = diamonds
        self.update()

    def viewTransformChanged(self) -> None:  # noqa: N802 - pyqtgraph's name: a zoom, pan or resize
        # The bounds are the visible part of the lane (the markers keep their size in pixels).
        # pyqtgraph's own handler forgets the cached visible rect: without it the bounds
        # stayed those of the first view (0-1 s in a new project) and later markers were not drawn.
        super().viewTransformChanged()
        self.prepareGeometryChange()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        rect = self.viewRect()
        return QRectF() if rect is None else rect

    def paint(self, painter: QPainter, *args) -> None:
        if not self._diamonds:
            return
        transform = painter.transform()
        painter.resetTransform()
        painter.setRenderHint(QPainter.Antialiasing)
        for diamond in self._diamonds:
            centre = transform.map(QPointF(diamond.time, diamond.intensity))
            half_h = (SELECTED_SIZE_PX if diamond.selected else SIZE_PX) / 2
            half_w = half_h * WIDTH_RATIO
            painter.setPen(QPen(QColor(diamond.outline), 2.2 if diamond.selected else 1.5))
            painter.setBrush(QColor(diamond.colour))
            x, y = centre.x(), centre.y()
            painter.drawPolygon(QPolygonF([QPointF(x, y - half_h), QPointF(x + half_w, y),
                                           QPointF(x, y + half_h), QPointF(x - half_w, y)]))
        painter.setTransform(transform)
