"""Small reusable inspector controls: a labelled fine slider and an easing curve preview."""

from __future__ import annotations

from typing import Callable, Optional

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSlider, QVBoxLayout, QWidget

from emospeaker_studio.core.easing import Easing


class FineSlider(QWidget):
    """A slider over ``low..high`` in ``steps`` steps with its name and value shown.

    Signals: ``edited(float)`` while the user moves it, ``pressed()`` /
    ``released()`` around a mouse drag (the caller makes the drag one undo step).
    """

    edited = Signal(float)
    pressed = Signal()
    released = Signal()

    def __init__(
        self,
        name: str,
        low: float,
        high: float,
        *,
        steps: int = 1000,
        fmt: Callable[[float], str] = lambda v: f"{v:.2f}",
        parent: Optional[QWidget] = None,
    ) -> None:
        super().__init__(parent)
        self._low, self._high, self._steps, self._fmt = low, high, steps, fmt
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(0, steps)
        self.slider.setSingleStep(max(1, steps // 100))
        self.slider.setPageStep(max(1, steps // 10))
        self.slider.setFocusPolicy(Qt.StrongFocus)
        self.name_label = QLabel(name)
        self.name_label.setObjectName("FieldLabel")
        self.value_label = QLabel()
        self.value_label.setObjectName("ValueLabel")
        self.value_label.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.value_label.setMinimumWidth(52)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.name_label)
        top.addStretch(1)
        top.addWidget(self.value_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setSpacing(3)
        layout.addLayout(top)
        layout.addWidget(self.slider)
        self.slider.valueChanged.connect(self._on_changed)
        self.slider.sliderPressed.connect(self.pressed)
        self.slider.sliderReleased.connect(self.released)
        self._update_text()

    def value(self) -> float:
        return self._low + (self._high - self._low) * self.slider.value() / self._steps

    def set_value(self, value: float) -> None:
        """Show ``value`` without emitting ``edited`` (the model changed, not the user)."""
        position = round((value - self._low) / (self._high - self._low) * self._steps)
        self.slider.blockSignals(True)
        self.slider.setValue(int(min(self._steps, max(0, position))))
        self.slider.blockSignals(False)
        self._update_text()

    def _on_changed(self, _position: int) -> None:
        self._update_text()
        self.edited.emit(self.value())

    def _update_text(self) -> None:
        self.value_label.setText(self._fmt(self.value()))


class EasingPreview(QWidget):
    """Draws an easing curve (blend factor over segment progress) in a small square."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._easing: Optional[Easing] = None
        self._colour = QColor("#4f8dff")
        self.setMinimumSize(92, 64)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)
        self.setFixedHeight(72)

    def set_easing(self, easing: Optional[Easing], colour: Optional[QColor] = None) -> None:
        self._easing = easing
        if colour is not None:
            self._colour = QColor(colour)
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        pal = self.palette()
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        p.setPen(QPen(pal.mid().color(), 1))
        p.setBrush(pal.base())
        p.drawRoundedRect(rect, 4, 4)
        inner = rect.adjusted(10, 12, -10, -12)
        grid = QColor(pal.mid().color())
        p.setPen(QPen(grid, 1, Qt.DashLine))
        p.drawLine(inner.bottomLeft(), inner.topRight())
        if self._easing is None:
            p.setPen(pal.placeholderText().color())
            p.drawText(rect, Qt.AlignCenter, "—")
            return
        path = QPainterPath()
        samples = 64
        for i in range(samples + 1):
            u = i / samples
            y = self._easing.blend(u) if not (self._easing.is_hold and i == samples) else 1.0
            point = QPointF(inner.left() + u * inner.width(), inner.bottom() - y * inner.height())
            if i == 0:
                path.moveTo(point)
            else:
                path.lineTo(point)
        p.setPen(QPen(self._colour, 2.2, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        p.setBrush(Qt.NoBrush)
        p.drawPath(path)
        p.setPen(Qt.NoPen)
        p.setBrush(self._colour)
        p.drawEllipse(inner.bottomLeft(), 3, 3)
        p.drawEllipse(inner.topRight(), 3, 3)
