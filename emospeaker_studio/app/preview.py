"""The preview: the rendered frame (or the original photo, A/B), zoomable, with the face fit drawn over it."""

from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QFrame, QGraphicsPathItem, QGraphicsPixmapItem, QGraphicsScene, QGraphicsView

from emospeaker_studio.app.theme import Palette

# MediaPipe face-mesh contours drawn as polylines (indices into the 468/478 landmarks).
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109, 10)
LIPS_OUTER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146, 61)
LIPS_INNER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95, 78)
LEFT_EYE = (33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7, 33)
RIGHT_EYE = (263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249, 263)
LEFT_BROW = (70, 63, 105, 66, 107)
RIGHT_BROW = (300, 293, 334, 296, 336)
NOSE = (168, 6, 197, 195, 5, 4, 1, 19, 94, 2)
CONTOURS = (FACE_OVAL, LIPS_OUTER, LIPS_INNER, LEFT_EYE, RIGHT_EYE, LEFT_BROW, RIGHT_BROW, NOSE)
#: The points a user would correct: eye corners, mouth corners, chin, brows.
KEY_POINTS = (33, 133, 362, 263, 61, 291, 152, 70, 107, 336, 300, 1)
#: The part of a frame kept clear of players' buttons and captions (the broadcast "title safe" 90 %).
SAFE_AREA = 0.9


class PreviewView(QGraphicsView):
    """Shows a frame at fit-to-window or 100 % zoom, the original photo (A/B) and the fit overlay.

    Scene coordinates are the rendered frame's pixels; the photo and the
    landmarks (portrait pixels) are scaled into them.
    """

    zoomModeChanged = Signal(str)
    #: The user dragged key point ``index`` by (dx, dy) portrait pixels (emitted on release).
    landmarkMoved = Signal(int, float, float)
    #: Key point ``index`` is held (dx, dy) portrait pixels from where the drag started (every move).
    landmarkDragged = Signal(int, float, float)
    #: The held key point was let go (after ``landmarkMoved``, also when it did not move).
    landmarkDragFinished = Signal()

    def __init__(self, palette: Palette, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("PreviewArea")
        self._palette = palette
        self.setFrameShape(QFrame.NoFrame)
        self.setRenderHints(QPainter.Antialiasing | QPainter.SmoothPixmapTransform)
        self.setBackgroundBrush(QColor(palette.sunken))
        self.setTransformationAnchor(QGraphicsView.AnchorViewCenter)
        self.setResizeAnchor(QGraphicsView.AnchorViewCenter)
        self.setDragMode(QGraphicsView.ScrollHandDrag)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAsNeeded)
        self._scene = QGraphicsScene(self)
        self.setScene(self._scene)
        self._frame_item = QGraphicsPixmapItem()
        self._frame_item.setTransformationMode(Qt.SmoothTransformation)
        self._photo_item = QGraphicsPixmapItem()
        self._photo_item.setTransformationMode(Qt.SmoothTransformation)
        self._photo_item.setVisible(False)
        self._overlay = QGraphicsPathItem()
        self._overlay.setPen(QPen(QColor(80, 230, 200, 210), 0))
        self._overlay.setZValue(10)
        self._overlay.setVisible(False)
        self._keypoints = QGraphicsPathItem()
        self._keypoints.setPen(QPen(QColor("#ffffff"), 0))
        self._keypoints.setBrush(QColor(255, 91, 79))
        self._keypoints.setZValue(11)
        self._keypoints.setVisible(False)
        for item in (self._photo_item, self._frame_item, self._overlay, self._keypoints):
            self._scene.addItem(item)
        self._frame_size: Optional[tuple[int, int]] = None
        self._photo_size: Optional[tuple[int, int]] = None
        self._landmarks: Optional[np.ndarray] = None
        self._show_original = False
        self._show_overlay = False
        self._zoom_mode = "fit"
        self._message = ""
        self._drag_point: Optional[int] = None
        self._drag_start: Optional[QPointF] = None
        self._drag_delta = QPointF()
        self._shown_layers: tuple[bool, bool, bool] = (False, False, False)  # photo, frame, overlay
        self._safe_area = False

    # -- content --------------------------------------------------------------------
    def set_palette(self, palette: Palette) -> None:
        """Recolour the backdrop for a theme switch."""
        self._palette = palette
        self.setBackgroundBrush(QColor(palette.sunken))
        self.viewport().update()

    def set_frame(self, image: Optional[QImage]) -> None:
        if image is None or image.isNull():
            self._frame_item.setPixmap(QPixmap())
            self._frame_size = None
        else:
            self._frame_item.setPixmap(QPixmap.fromImage(image))
            size = (image.width(), image.height())
            if size != self._frame_size:
                self._frame_size = size
                self._layout_items()
        # A new frame of the same size repaints only the picture (setPixmap asks for
        # that); the whole canvas is repainted only when what is shown changes.
        self._update_visibility(repaint_all=False)

    def set_photo(self, image: Optional[QImage]) -> None:
        if image is None or image.isNull():
            self._photo_item.setPixmap(QPixmap())
            self._photo_size = None
        else:
            self._photo_item.setPixmap(QPixmap.fromImage(image))
            self._photo_size = (image.width(), image.height())
        self._layout_items()
        self._update_visibility()

    def set_landmarks(self, landmarks: Optional[np.ndarray]) -> None:
        """Face-fit landmarks, (N, 2 or 3) in portrait pixels, or None."""
        self._landmarks = None if landmarks is None else np.asarray(landmarks, float)[:, :2]
        self._layout_items()

    def set_message(self, text: str) -> None:
        """Text shown in the middle when there is nothing to show (e.g. "Import a portrait")."""
        self._message = text
        self.viewport().update()

    @property
    def photo_size(self) -> Optional[tuple[int, int]]:
        """(width, height) of the portrait as shown (EXIF orientation applied), None without one."""
        return self._photo_size

    @property
    def has_landmarks(self) -> bool:
        """Whether a face fit is there to draw."""
        return self._landmarks is not None

    @property
    def has_frame(self) -> bool:
        return self._frame_size is not None

    @property
    def frame_pixmap(self) -> QPixmap:
        return self._frame_item.pixmap()

    # -- toggles -----------------------------------------------------------------------
    def set_show_original(self, on: bool) -> None:
        self._show_original = on
        self._update_visibility()

    def set_show_overlay(self, on: bool) -> None:
        self._show_overlay = on
        self._update_visibility()

    def set_zoom_mode(self, mode: str) -> None:
        """"fit" (whole frame in the window) or "100" (one frame pixel per screen pixel)."""
        self._zoom_mode = mode
        self._apply_zoom()
        self.zoomModeChanged.emit(mode)

    @property
    def zoom_mode(self) -> str:
        return self._zoom_mode

    # -- layout -------------------------------------------------------------------------
    def _content_size(self) -> Optional[tuple[int, int]]:
        return self._frame_size or self._photo_size

    def _layout_items(self) -> None:
        size = self._content_size()
        if size is None:
            self._overlay.setPath(QPainterPath())
            self._keypoints.setPath(QPainterPath())
            return
        self._scene.setSceneRect(QRectF(0, 0, size[0], size[1]))
        scale = size[0] / self._photo_size[0] if self._photo_size else 1.0
        self._photo_item.setScale(scale)
        self._draw_landmarks(scale)
        self._apply_zoom()

    def _scale(self) -> float:
        size = self._content_size()
        return size[0] / self._photo_size[0] if size and self._photo_size else 1.0

    def _draw_landmarks(self, scale: float) -> None:
        lines, dots = QPainterPath(), QPainterPath()
        pts = self._landmarks
        if pts is not None and len(pts) >= 468:
            pts = pts * scale
            if self._drag_point is not None:
                pts = pts.copy()
                pts[self._drag_point] += (self._drag_delta.x(), self._drag_delta.y())
            for contour in CONTOURS:
                lines.moveTo(QPointF(*pts[contour[0]]))
                for index in contour[1:]:
                    lines.lineTo(QPointF(*pts[index]))
            radius = max(1.5, (self._content_size() or (512, 512))[1] / 220)
            for index in KEY_POINTS:
                dots.addEllipse(QPointF(*pts[index]), radius, radius)
            for x, y in pts[::3]:
                lines.addEllipse(QPointF(x, y), radius * 0.25, radius * 0.25)
        self._overlay.setPath(lines)
        self._keypoints.setPath(dots)

    def _update_visibility(self, *, repaint_all: bool = True) -> None:
        show_photo = self._show_original or self._frame_size is None
        has_points = self._landmarks is not None
        shown = (show_photo and self._photo_size is not None, not show_photo, self._show_overlay and has_points)
        self._photo_item.setVisible(shown[0])
        self._frame_item.setVisible(shown[1])
        self._overlay.setVisible(shown[2])
        self._keypoints.setVisible(shown[2])
        if repaint_all or shown != self._shown_layers:
            self._shown_layers = shown
            self.viewport().update()

    def _apply_zoom(self) -> None:
        size = self._content_size()
        if size is None:
            return
        if self._zoom_mode == "fit":
            margin = 24
            view = self.viewport().rect().adjusted(margin, margin, -margin, -margin)
            factor = min(view.width() / size[0], view.height() / size[1]) if view.width() > 0 and view.height() > 0 else 1.0
            self.resetTransform()
            self.scale(factor, factor)
        else:
            self.resetTransform()
        self.centerOn(size[0] / 2, size[1] / 2)

    # -- correcting the fit: drag a key point ------------------------------------------------
    def key_point_at(self, view_pos) -> Optional[int]:
        """The key point drawn within 10 screen pixels of ``view_pos``, or None."""
        if not (self._show_overlay and self._landmarks is not None and len(self._landmarks) >= 468):
            return None
        scale = self._scale()
        best, best_d = None, 10.0
        for index in KEY_POINTS:
            x, y = self._landmarks[index] * scale
            p = self.mapFromScene(QPointF(x, y))
            d = ((p.x() - view_pos.x()) ** 2 + (p.y() - view_pos.y()) ** 2) ** 0.5
            if d <= best_d:
                best, best_d = index, d
        return best

    def mousePressEvent(self, event) -> None:  # noqa: N802
        hit = self.key_point_at(event.position()) if event.button() == Qt.LeftButton else None
        if hit is None:
            super().mousePressEvent(event)
            return
        self._drag_point = hit
        self._drag_start = self.mapToScene(event.position().toPoint())
        self._drag_delta = QPointF()
        self.viewport().setCursor(Qt.ClosedHandCursor)  # the point is held: it follows the mouse until release
        event.accept()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._drag_point is None:
            self.viewport().setCursor(Qt.CrossCursor if self.key_point_at(event.position()) is not None else Qt.ArrowCursor)
            super().mouseMoveEvent(event)
            return
        self._drag_delta = self.mapToScene(event.position().toPoint()) - self._drag_start
        scale = self._scale()
        self._draw_landmarks(scale)
        self.landmarkDragged.emit(self._drag_point, self._drag_delta.x() / scale, self._drag_delta.y() / scale)
        event.accept()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if self._drag_point is None:
            super().mouseReleaseEvent(event)
            return
        index, delta = self._drag_point, self._drag_delta
        self._drag_point = None
        scale = self._scale()
        if delta.manhattanLength() > 0.5:
            # The overlay keeps the moved point until the new fit arrives.
            self._landmarks = self._landmarks.copy()
            self._landmarks[index] += (delta.x() / scale, delta.y() / scale)
            self.landmarkMoved.emit(index, delta.x() / scale, delta.y() / scale)
        self._draw_landmarks(scale)
        self.viewport().setCursor(Qt.CrossCursor)  # still over the point it dropped
        self.landmarkDragFinished.emit()
        event.accept()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self._zoom_mode == "fit":
            self._apply_zoom()

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        super().drawBackground(painter, rect)
        size = self._content_size()
        if size is not None:
            # A soft shadow under the picture so it sits on the canvas like a page. Each
            # layer is four bands around the picture, not a rectangle under it: those
            # blended three layers under every pixel of the picture on every frame.
            painter.save()
            painter.setRenderHint(QPainter.Antialiasing, False)
            dark = QColor(self._palette.sunken).lightness() < 128
            w, h = size
            for i, alpha in enumerate((40, 26, 14) if dark else (16, 10, 5)):
                grow = (i + 1) * 3 / max(self.transform().m11(), 1e-3)
                colour = QColor(0, 0, 0, alpha)
                below = grow * 1.6
                for band in (QRectF(-grow, -grow, w + 2 * grow, grow), QRectF(-grow, h, w + 2 * grow, below),
                             QRectF(-grow, 0, grow, h), QRectF(w, 0, grow, h)):
                    painter.fillRect(band, colour)
            painter.restore()

    def set_safe_area(self, on: bool) -> None:
        """Draw the safe area over frames of a platform's shape: what stays clear of players' buttons and captions."""
        if on != self._safe_area:
            self._safe_area = on
            self.viewport().update()

    def safe_area(self) -> Optional[QRectF]:
        """The safe area in scene (frame) pixels while it is drawn, else None."""
        if not self._safe_area or self._frame_size is None or self._show_original:
            return None
        w, h = self._frame_size
        margin = (1.0 - SAFE_AREA) / 2
        return QRectF(w * margin, h * margin, w * SAFE_AREA, h * SAFE_AREA)

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        safe = self.safe_area()
        if safe is not None:
            pen = QPen(QColor(255, 255, 255, 150), 0, Qt.DashLine)  # width 0: one screen pixel at any zoom
            painter.save()
            painter.setPen(pen)
            painter.setBrush(Qt.NoBrush)
            painter.drawRect(safe)
            painter.restore()
        if not self._message:
            return
        painter.save()
        painter.resetTransform()
        area = QRectF(self.viewport().rect())
        font = QFont(self.font())
        font.setPointSizeF(11)
        painter.setFont(font)
        text_rect = area.adjusted(40, 0, -40, 0)
        bounds = painter.boundingRect(text_rect, Qt.AlignCenter | Qt.TextWordWrap, self._message)
        box = bounds.adjusted(-18, -12, 18, 12)
        if self._content_size() is not None:
            box.moveBottom(area.bottom() - 20)
            bounds.moveCenter(box.center())
        painter.setPen(Qt.NoPen)
        painter.setBrush(QColor(0, 0, 0, 150) if self._content_size() else QColor(self._palette.panel))
        painter.drawRoundedRect(box, 8, 8)
        painter.setPen(QColor(self._palette.text_dim))
        painter.drawText(bounds, Qt.AlignCenter | Qt.TextWordWrap, self._message)
        painter.restore()
