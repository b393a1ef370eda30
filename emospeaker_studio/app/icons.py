"""Icons drawn with QPainter: transport, tools and a small face per emotion.

Drawing them in code keeps them crisp at any device-pixel ratio and in both
themes (the colour is a parameter) without shipping image files.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

from emospeaker_studio.core.emotions import Emotion
from emospeaker_studio.app.theme import EMOTION_COLORS

_SIZE = 64  # drawing canvas; Qt scales the pixmap down to the button size


def _canvas() -> tuple[QPixmap, QPainter]:
    pixmap = QPixmap(_SIZE, _SIZE)
    pixmap.fill(Qt.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    return pixmap, painter


def _poly(*points: tuple[float, float]) -> QPolygonF:
    return QPolygonF([QPointF(x, y) for x, y in points])


def _draw_glyph(name: str, p: QPainter, colour: QColor) -> None:
    pen = QPen(colour, 5, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin)
    p.setPen(Qt.NoPen)
    p.setBrush(colour)
    if name == "play":
        p.drawPolygon(_poly((20, 12), (52, 32), (20, 52)))
    elif name == "pause":
        p.drawRoundedRect(QRectF(16, 12, 11, 40), 2, 2)
        p.drawRoundedRect(QRectF(37, 12, 11, 40), 2, 2)
    elif name == "stop":
        p.drawRoundedRect(QRectF(16, 16, 32, 32), 3, 3)
    elif name == "step-back":
        p.drawRect(QRectF(14, 14, 6, 36))
        p.drawPolygon(_poly((50, 14), (24, 32), (50, 50)))
    elif name == "step-forward":
        p.drawRect(QRectF(44, 14, 6, 36))
        p.drawPolygon(_poly((14, 14), (40, 32), (14, 50)))
    elif name == "to-start":
        p.drawRect(QRectF(10, 14, 6, 36))
        p.drawPolygon(_poly((36, 14), (18, 32), (36, 50)))
        p.drawPolygon(_poly((56, 14), (38, 32), (56, 50)))
    elif name == "to-end":
        p.drawRect(QRectF(48, 14, 6, 36))
        p.drawPolygon(_poly((8, 14), (26, 32), (8, 50)))
        p.drawPolygon(_poly((28, 14), (46, 32), (28, 50)))
    elif name == "loop":
        p.setBrush(Qt.NoBrush)
        p.setPen(pen)
        p.drawArc(QRectF(12, 16, 40, 32), 30 * 16, 300 * 16)
        p.setPen(Qt.NoPen)
        p.setBrush(colour)
        p.drawPolygon(_poly((44, 10), (56, 20), (42, 26)))
    elif name == "fit":
        p.setBrush(Qt.NoBrush)
        p.setPen(pen)
        for sx, sy in ((1, 1), (-1, 1), (1, -1), (-1, -1)):
            cx, cy = 32 - sx * 20, 32 - sy * 20
            p.drawLine(QPointF(cx, cy), QPointF(cx + sx * 10, cy))
            p.drawLine(QPointF(cx, cy), QPointF(cx, cy + sy * 10))
    elif name == "zoom-100":
        p.setBrush(Qt.NoBrush)
        p.setPen(pen)
        p.drawEllipse(QRectF(10, 10, 32, 32))
        p.drawLine(QPointF(38, 38), QPointF(54, 54))
        p.drawLine(QPointF(26, 18), QPointF(26, 34))
        p.drawLine(QPointF(18, 26), QPointF(34, 26))
    elif name == "compare":
        p.setBrush(Qt.NoBrush)
        p.setPen(pen)
        p.drawRoundedRect(QRectF(10, 12, 44, 40), 4, 4)
        p.setPen(Qt.NoPen)
        p.setBrush(colour)
        p.drawRect(QRectF(10, 12, 22, 40))
    elif name == "landmarks":
        for x, y in ((20, 24), (44, 24), (32, 34), (22, 44), (32, 48), (42, 44), (14, 34), (50, 34)):
            p.drawEllipse(QPointF(x, y), 4, 4)
    elif name == "keyframe":
        p.drawPolygon(_poly((32, 10), (54, 32), (32, 54), (10, 32)))
    elif name == "export":
        p.setBrush(Qt.NoBrush)
        p.setPen(pen)
        p.drawLine(QPointF(32, 10), QPointF(32, 40))
        p.drawPolyline(_poly((20, 22), (32, 10), (44, 22)))
        p.drawPolyline(_poly((12, 38), (12, 54), (52, 54), (52, 38)))
    elif name == "fit-all":
        p.setBrush(Qt.NoBrush)
        p.setPen(pen)
        p.drawLine(QPointF(8, 32), QPointF(56, 32))
        p.drawPolyline(_poly((16, 22), (8, 32), (16, 42)))
        p.drawPolyline(_poly((48, 22), (56, 32), (48, 42)))
    elif name == "volume":
        p.drawPolygon(_poly((10, 24), (22, 24), (34, 12), (34, 52), (22, 40), (10, 40)))
        p.setBrush(Qt.NoBrush)
        p.setPen(pen)
        p.drawArc(QRectF(28, 20, 20, 24), -60 * 16, 120 * 16)
        p.drawArc(QRectF(26, 12, 32, 40), -60 * 16, 120 * 16)
    elif name == "warning":
        p.drawPolygon(_poly((32, 6), (60, 56), (4, 56)))
        p.setBrush(QColor("#1a1a1a"))
        p.drawRoundedRect(QRectF(29, 22, 6, 20), 2, 2)
        p.drawEllipse(QPointF(32, 49), 3.5, 3.5)
    elif name == "close":
        p.setPen(pen)
        p.drawLine(QPointF(18, 18), QPointF(46, 46))
        p.drawLine(QPointF(46, 18), QPointF(18, 46))
    else:
        raise KeyError(f"no icon named {name!r}")


@lru_cache(maxsize=None)
def icon(name: str, colour: str = "#d8dade") -> QIcon:
    """A tool icon by name (see ``_draw_glyph``), in ``colour``, with a dimmed disabled state."""
    result = QIcon()
    for mode, alpha in ((QIcon.Normal, 255), (QIcon.Disabled, 90)):
        pixmap, painter = _canvas()
        c = QColor(colour)
        c.setAlpha(alpha)
        _draw_glyph(name, painter, c)
        painter.end()
        result.addPixmap(pixmap, mode)
    return result


def draw_face(p: QPainter, rect: QRectF, emotion: Emotion, colour: QColor | None = None) -> None:
    """A small cartoon face for ``emotion`` inside ``rect`` (brows, eyes, mouth)."""
    colour = QColor(colour or EMOTION_COLORS[emotion])
    s = min(rect.width(), rect.height())
    cx, cy = rect.center().x(), rect.center().y()
    r = s * 0.46
    p.save()
    p.setRenderHint(QPainter.Antialiasing)
    p.setPen(Qt.NoPen)
    p.setBrush(colour)
    p.drawEllipse(QPointF(cx, cy), r, r)
    ink = QColor("#17181b")
    line = QPen(ink, max(1.2, s * 0.07), Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin)
    eye_y, eye_dx = cy - r * 0.12, r * 0.38
    eye_r = r * (0.16 if emotion in (Emotion.SURPRISED, Emotion.FEARFUL) else 0.11)
    p.setBrush(ink)
    for sx in (-1, 1):
        if emotion is Emotion.HAPPY:
            p.setPen(line)
            p.setBrush(Qt.NoBrush)
            p.drawArc(QRectF(cx + sx * eye_dx - r * 0.14, eye_y - r * 0.08, r * 0.28, r * 0.24), 0, 180 * 16)
            p.setBrush(ink)
            p.setPen(Qt.NoPen)
        else:
            p.drawEllipse(QPointF(cx + sx * eye_dx, eye_y), eye_r, eye_r)
    # Brows: inner end raised (sad, fearful), lowered (angry), high (surprised).
    brow = {
        Emotion.SAD: (0.18, -0.05), Emotion.FEARFUL: (0.2, 0.0), Emotion.ANGRY: (-0.12, 0.1),
        Emotion.SURPRISED: (0.12, 0.12), Emotion.DISGUSTED: (-0.06, 0.04),
    }.get(emotion)
    p.setPen(line)
    p.setBrush(Qt.NoBrush)
    if brow is not None:
        inner, outer = brow
        base = eye_y - r * 0.32
        for sx in (-1, 1):
            p.drawLine(QPointF(cx + sx * r * 0.16, base - inner * r), QPointF(cx + sx * r * 0.58, base - outer * r))
    my, mw = cy + r * 0.42, r * 0.42
    path = QPainterPath()
    if emotion is Emotion.HAPPY:
        path.moveTo(cx - mw, my - r * 0.1)
        path.quadTo(cx, my + r * 0.34, cx + mw, my - r * 0.1)
    elif emotion is Emotion.SAD:
        path.moveTo(cx - mw * 0.8, my + r * 0.1)
        path.quadTo(cx, my - r * 0.2, cx + mw * 0.8, my + r * 0.1)
    elif emotion is Emotion.ANGRY:
        path.moveTo(cx - mw * 0.7, my + r * 0.04)
        path.lineTo(cx + mw * 0.7, my + r * 0.04)
    elif emotion in (Emotion.SURPRISED, Emotion.FEARFUL):
        p.setBrush(ink)
        p.setPen(Qt.NoPen)
        height = r * (0.26 if emotion is Emotion.SURPRISED else 0.16)
        p.drawEllipse(QPointF(cx, my), r * (0.17 if emotion is Emotion.SURPRISED else 0.3), height)
    elif emotion is Emotion.DISGUSTED:
        path.moveTo(cx - mw * 0.8, my + r * 0.06)
        path.lineTo(cx - mw * 0.3, my - r * 0.06)
        path.lineTo(cx + mw * 0.2, my + r * 0.06)
        path.lineTo(cx + mw * 0.8, my - r * 0.04)
    elif emotion is Emotion.CONTEMPTUOUS:
        path.moveTo(cx - mw * 0.7, my + r * 0.04)
        path.quadTo(cx + mw * 0.3, my + r * 0.06, cx + mw * 0.8, my - r * 0.16)
    else:
        path.moveTo(cx - mw * 0.6, my)
        path.lineTo(cx + mw * 0.6, my)
    if not path.isEmpty():
        p.setPen(line)
        p.setBrush(Qt.NoBrush)
        p.drawPath(path)
    p.restore()


@lru_cache(maxsize=None)
def emotion_icon(emotion: Emotion) -> QIcon:
    pixmap, painter = _canvas()
    draw_face(painter, QRectF(4, 4, _SIZE - 8, _SIZE - 8), emotion)
    painter.end()
    return QIcon(pixmap)


def app_icon() -> QIcon:
    """The window icon: a happy face in a rounded square with a waveform bar
    (the shipped SVG, which desktop files also use; drawn here if it is missing)."""
    from emospeaker_studio import paths

    svg = paths.resources_dir() / "icons" / "emospeaker-studio.svg"
    if svg.is_file():
        shipped = QIcon(str(svg))
        if not shipped.isNull():
            return shipped
    pixmap, painter = _canvas()
    painter.setPen(Qt.NoPen)
    painter.setBrush(QBrush(QColor("#23262d")))
    painter.drawRoundedRect(QRectF(2, 2, 60, 60), 14, 14)
    draw_face(painter, QRectF(10, 6, 44, 44), Emotion.HAPPY)
    painter.setBrush(QColor("#3fb7a3"))
    for i, h in enumerate((4, 8, 5, 9, 6, 3)):
        x = 12 + i * 7.5
        painter.drawRoundedRect(QRectF(x, 56 - h, 4, h), 1.5, 1.5)
    painter.end()
    return QIcon(pixmap)
