"""The playhead: one line over all the lanes, drawn by a widget laid over them.

A line item in each lane's scene made every frame of playback cost four
scene updates (each walks its scene's items and repaints a lane's viewport
through pyqtgraph's Python paint code). Drawn here, a move repaints only the
two thin strips the line leaves and enters, and the lanes beneath redraw
just those strips.
"""

from __future__ import annotations

import math
from typing import Callable, Optional

from PySide6.QtCore import QPointF, QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QWidget

LINE_WIDTH = 1.6
HANDLE_HALF_WIDTH = 6.0  # the ruler's marker, px either side of the line
HANDLE_HEIGHT = 8.0
STRIP_MARGIN = 2  # px repainted either side of the marker (antialiasing)


class PlayheadOverlay(QWidget):
    """Draws the playhead at ``x_of(seconds)`` (this widget's pixels, or None when out of view).

    It takes no mouse events: clicks and drags go to the lanes beneath, which
    seek and scrub. ``handle_bottom`` is where the ruler ends (px from the top):
    the marker's tip sits there.
    """

    def __init__(self, x_of: Callable[[float], Optional[float]], parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WA_NoSystemBackground)
        self._x_of = x_of
        self._seconds = 0.0
        self._x: Optional[float] = None
        self._colour = QColor("#ff5b4f")
        self.handle_bottom = 0.0

    @property
    def line_x(self) -> Optional[float]:
        """Where the line is drawn (px from this widget's left), None when the playhead is out of view."""
        return self._x

    def set_colour(self, colour: QColor) -> None:
        self._colour = QColor(colour)
        self.update()

    def set_seconds(self, seconds: float) -> None:
        self._seconds = seconds
        self.relayout()

    def relayout(self, *, moved: bool = False) -> None:
        """Place the line again after a move of the playhead, a zoom or a pan; ``moved``:
        this widget itself moved or changed size (its old strip means nothing now)."""
        if moved:
            self._x = None
            self.update()
        x = self._x_of(self._seconds)
        if x is not None and self._x is not None and abs(x - self._x) < 0.05:
            return
        for old_or_new in (self._x, x):
            if old_or_new is not None:
                self.update(self._strip(old_or_new))
        self._x = x

    def _strip(self, x: float) -> QRect:
        half = int(math.ceil(HANDLE_HALF_WIDTH)) + STRIP_MARGIN
        return QRect(int(math.floor(x)) - half, 0, 2 * half + 1, self.height())

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self._x is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        x = self._x
        painter.setPen(QPen(self._colour, LINE_WIDTH))
        painter.drawLine(QPointF(x, 0.0), QPointF(x, float(self.height())))
        painter.setPen(Qt.NoPen)
        painter.setBrush(self._colour)
        tip = self.handle_bottom
        painter.drawPolygon(QPolygonF([QPointF(x - HANDLE_HALF_WIDTH, tip - HANDLE_HEIGHT),
                                       QPointF(x + HANDLE_HALF_WIDTH, tip - HANDLE_HEIGHT), QPointF(x, tip)]))
        painter.end()
