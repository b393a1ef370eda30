"""The emotion lane: keyframes as diamonds over the interpolated emotion curves.

Drawing: for each emotion on the track, its amount over time (weight x
intensity, the core's ``emotion_at`` rule) is a translucent area in the
emotion's colour, so a cross-fade between two emotions shows as one area
falling while the other rises; the total is a bright line; keyframes are
diamonds coloured by emotion at their intensity.

Editing: click selects (Ctrl toggles; a click beside the keyframes deselects them,
with none selected it seeks), drag moves the selection in time
(snapping to frames, the playhead and other keyframes; Shift turns snapping
off) and in intensity; drag on empty space draws a rubber band; double-click
adds a keyframe; right-click opens the keyframe menu. A drag is one undo step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QMenu

from emospeaker_studio.app import keyframe_ops
from emospeaker_studio.app.document import DocumentController
from emospeaker_studio.app.icons import emotion_icon
from emospeaker_studio.app.selection import KeyframeSelection
from emospeaker_studio.app.theme import EMOTION_COLORS, Palette
from emospeaker_studio.app.timeline.diamonds import Diamond, KeyframeDiamonds
from emospeaker_studio.app.timeline.lanes import LaneViewBox
from emospeaker_studio.core.easing import PRESETS
from emospeaker_studio.core.edits import MoveKeyframes
from emospeaker_studio.core.emotions import Emotion
from emospeaker_studio.core.errors import UserError
from emospeaker_studio.core.keyframes import EmotionTrack
from emospeaker_studio.engine.animation.emotion_matrix import EMOTION_INDEX
from emospeaker_studio.engine.animation.emotion_timeline import EmotionTimeline, resample_emotion_times, sample_emotion_times

HIT_RADIUS_PX = 9.0
SNAP_RADIUS_PX = 7.0
PLAYHEAD_GRAB_PX = 5.0
Y_RANGE = (-0.08, 1.24)  # room above full intensity for the emotion names
CURVE_SAMPLES_PER_SECOND = 50


@dataclass
class _Drag:
    anchor_id: str
    origins: dict[str, tuple[float, float]]  # id -> (time, intensity) when the drag began
    start_time: float
    start_intensity: float
    drag_id: object
    last: Optional[tuple] = None


@dataclass(frozen=True)
class _SampledCurves:
    """The lane's curve samples: ``track``'s blend at ``times`` (seconds)."""

    track: EmotionTrack
    times: np.ndarray
    timeline: EmotionTimeline

    @staticmethod
    def of(previous: Optional["_SampledCurves"], track: EmotionTrack, times: np.ndarray) -> "_SampledCurves":
        """``track`` sampled at ``times`` with the engine's sampler (the render's blend), again only
        where ``previous`` does not hold the samples: sampling them all took most of an edit's redraw."""
        if previous is None or not np.array_equal(previous.times, times):
            return _SampledCurves(track, times, sample_emotion_times(track, times))
        return _SampledCurves(track, times, resample_emotion_times(track, times, before=previous.track,
                                                                   sampled=previous.timeline))


class EmotionViewBox(LaneViewBox):
    """Forwards mouse gestures to the lane's editor (which knows the document)."""

    def __init__(self) -> None:
        super().__init__(Y_RANGE)
        self.editor: Optional["EmotionLaneEditor"] = None

    def mouseClickEvent(self, ev):  # noqa: N802
        if self.editor is not None and self.editor.click(ev):
            ev.accept()
        else:
            super().mouseClickEvent(ev)

    def hoverEvent(self, ev):  # noqa: N802 - pyqtgraph's name
        # A move cursor over a keyframe tells the user it can be dragged.
        if self.editor is None or ev.isExit():
            self.setCursor(Qt.ArrowCursor)
            return
        over = self.editor.keyframe_at(ev.scenePos()) is not None
        self.setCursor(Qt.SizeAllCursor if over else Qt.ArrowCursor)

    def mouseDoubleClickEvent(self, ev):  # noqa: N802 - pyqtgraph delivers double clicks here too
        if self.editor is not None:
            self.editor.double_click(ev.scenePos())
            ev.accept()

    def mouseDragEvent(self, ev, axis=None):  # noqa: N802
        if self.editor is not None and ev.button() == Qt.LeftButton:
            ev.accept()
            self.editor.drag(ev)
        else:
            ev.ignore()


#: The colour of a keyframe after the end of the voice: it is kept, but nothing plays there.
PAST_END_COLOUR = "#6b6f78"


class EmotionLaneEditor(QObject):
    """Draws the track and turns mouse gestures into core edits on ``document``.

    ``pastEndChanged(count, end s)``: how many keyframes lie after the end of the voice changed.
    """

    seekRequested = Signal(float, bool)
    scrubFinished = Signal()
    pastEndChanged = Signal(int, float)

    def __init__(
        self,
        view: EmotionViewBox,
        document: DocumentController,
        selection: KeyframeSelection,
        clipboard: keyframe_ops.KeyframeClipboard,
        palette: Palette,
        *,
        fps: Callable[[], float],
        playhead: Callable[[], float],
        new_emotion: Callable[[], Emotion],
    ) -> None:
        super().__init__(view)
        self.view = view
        self.document = document
        self.selection = selection
        self.clipboard = clipboard
        self._fps = fps
        self._playhead = playhead
        self._new_emotion = new_emotion
        self._palette = palette
        self._drag: Optional[_Drag] = None
        self._band_origin: Optional[QPointF] = None
        self._scrubbing = False
        self._duration = 1.0
        self._audio_end = 0.0  # seconds; 0 while there is no voice (then no keyframe is past its end)
        self._past_end = 0
        view.editor = self

        # Baseline grid at 0 and 1 intensity so the scale reads without an axis.
        self._grid_lines: list[tuple[pg.InfiniteLine, float, int]] = []  # (line, level, alpha)
        for level, alpha in ((0.0, 255), (0.5, 50), (1.0, 90)):
            line = pg.InfiniteLine(pos=level, angle=0)
            line.setZValue(-10)
            view.addItem(line, ignoreBounds=True)
            self._grid_lines.append((line, level, alpha))
        self._areas: dict[Emotion, pg.PlotCurveItem] = {}
        for emotion in Emotion:
            colour = QColor(EMOTION_COLORS[emotion])
            fill = QColor(colour)
            fill.setAlpha(58)
            # No outline: an outline would also run along the zero line where the emotion is absent.
            area = pg.PlotCurveItem(pen=pg.mkPen(None), brush=fill, fillLevel=0.0)
            area.setZValue(-5)
            area.setCacheMode(QGraphicsItem.DeviceCoordinateCache)  # the playhead moves over it 25x a second
            area.setVisible(False)
            view.addItem(area)
            self._areas[emotion] = area
        self._total = pg.PlotCurveItem()
        self._total.setZValue(-2)
        self._total.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        view.addItem(self._total)
        self._stems = pg.PlotCurveItem(connect="pairs", pen=pg.mkPen(QColor(255, 255, 255, 40), width=1))
        self._stems.setZValue(-3)
        self._stems.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        view.addItem(self._stems)
        self._diamonds = KeyframeDiamonds()  # clicks go through to the lane, which does the hit-testing
        self._diamonds.setZValue(10)
        view.addItem(self._diamonds, ignoreBounds=True)
        self._band = QGraphicsRectItem()
        self._band.setZValue(50)
        self._band.setVisible(False)
        view.addItem(self._band, ignoreBounds=True)

        self._sampled: Optional[_SampledCurves] = None
        self._labels: list[pg.TextItem] = []
        self._label_looks: dict[int, tuple] = {}  # label index -> (text, emotion, selected) it shows
        view.sigXRangeChanged.connect(lambda *_: self._place_labels())
        document.projectChanged.connect(self._on_project_changed)
        selection.changed.connect(self.refresh_keyframes)
        self._apply_palette()
        self.refresh()

    def set_palette(self, palette: Palette) -> None:
        """Recolour for a theme switch: grid, total curve, rubber band and keyframe outlines."""
        self._palette = palette
        self._apply_palette()
        self.refresh_keyframes()

    def _apply_palette(self) -> None:
        palette = self._palette
        for line, level, alpha in self._grid_lines:
            colour = QColor(palette.grid)
            colour.setAlpha(alpha)
            line.setPen(pg.mkPen(colour, width=1, style=Qt.DashLine if level == 0.5 else Qt.SolidLine))
        self._total.setPen(pg.mkPen(QColor(palette.text), width=1.6))
        accent = QColor(palette.accent)
        self._band.setPen(QPen(accent, 0))
        fill = QColor(accent)
        fill.setAlpha(40)
        self._band.setBrush(fill)

    # -- drawing -------------------------------------------------------------------
    def set_duration(self, seconds: float) -> None:
        self._duration = max(1.0, seconds)
        self.refresh_curves()

    def set_audio_end(self, seconds: float) -> None:
        """The voice's length: keyframes after it are drawn grey (0: no voice)."""
        if seconds != self._audio_end:
            self._audio_end = seconds
            self.refresh_keyframes()

    def is_past_end(self, time: float) -> bool:
        # Within half a frame of the end still plays (the last frame starts before the end).
        return self._audio_end > 0 and time > self._audio_end + 0.5 / self._fps()

    def _on_project_changed(self, old, new) -> None:
        if old.emotions != new.emotions:
            self.selection.prune(new.emotions)
            self.refresh()

    def refresh(self) -> None:
        self.refresh_curves()
        self.refresh_keyframes()

    def refresh_curves(self) -> None:
        track = self.document.project.emotions
        end = max(self._duration, (track.keyframes[-1].time + 1.0) if track else 0.0)
        times = np.linspace(0.0, end, max(2, int(end * CURVE_SAMPLES_PER_SECOND) + 1))
        self._sampled = _SampledCurves.of(self._sampled, track, times)
        amounts = self._sampled.timeline.amounts()
        present = {kf.emotion for kf in track}
        for emotion, area in self._areas.items():
            if emotion in present:
                self._set_curve(area, times, amounts[:, EMOTION_INDEX[emotion]])
                area.setVisible(True)
            else:
                area.setVisible(False)
        self._set_curve(self._total, times, amounts.sum(axis=1))

    @property
    def diamonds(self) -> tuple[Diamond, ...]:
        """The keyframe markers as drawn, in track order."""
        return self._diamonds.diamonds

    @property
    def area_items(self) -> dict[Emotion, pg.PlotCurveItem]:
        """Each emotion's area (hidden when the emotion is not on the track)."""
        return dict(self._areas)

    @property
    def total_item(self) -> pg.PlotCurveItem:
        """The curve of all emotions' amounts summed."""
        return self._total

    def _set_curve(self, item: pg.PlotCurveItem, x: np.ndarray, y: np.ndarray) -> None:
        """New data for a curve only when it changed: an edit usually changes one or two
        emotions' areas, and redrawing an area's fill is most of the lane's paint time."""
        old_x, old_y = item.getData()
        if old_x is not None and np.array_equal(old_x, x) and np.array_equal(old_y, y):
            return
        item.setData(x, y)

    def refresh_keyframes(self) -> None:
        track = self.document.project.emotions
        diamonds = []
        stems_x, stems_y = [], []
        past_end = 0
        for kf in track:
            selected = kf.id in self.selection
            outline = "#ffffff" if selected else self._palette.window
            late = self.is_past_end(kf.time)
            past_end += late
            colour = PAST_END_COLOUR if late else EMOTION_COLORS[kf.emotion]
            diamonds.append(Diamond(kf.time, kf.intensity, colour, outline, selected))
            stems_x += [kf.time, kf.time]
            stems_y += [0.0, kf.intensity]
        self._diamonds.set_diamonds(tuple(diamonds))
        self._stems.setData(np.array(stems_x, float), np.array(stems_y, float))
        self._place_labels()
        if past_end != self._past_end:
            self._past_end = past_end
            self.pastEndChanged.emit(past_end, self._audio_end)

    def _place_labels(self) -> None:
        """Name each keyframe's emotion above its diamond where there is room for the text."""
        track = self.document.project.emotions
        while len(self._labels) < len(track):
            label = pg.TextItem(anchor=(0.5, 1.0))
            label.setZValue(20)
            self.view.addItem(label, ignoreBounds=True)
            self._labels.append(label)
        px_per_s = max(1e-9, self.view.pixels_per_second())
        (x0, _x1), _ = self.view.viewRange()
        width_px = self.view.width()
        last_x = -1e9
        for i, label in enumerate(self._labels):
            if i >= len(track):
                label.setVisible(False)
                continue
            kf = track[i]
            x = kf.time * px_per_s
            selected = kf.id in self.selection
            room = x - last_x > 64 or selected
            label.setVisible(room)
            if not room:
                continue
            last_x = x
            text = kf.emotion.label + (f"  {kf.intensity * 100:.0f}%" if selected else "")
            colour = PAST_END_COLOUR if self.is_past_end(kf.time) else EMOTION_COLORS[kf.emotion]
            look = (text, colour, selected)
            if self._label_looks.get(i) != look:
                # Laying out a label's text is the slow part of a redraw: only when it changed.
                self._label_looks[i] = look
                label.setText(text, color=QColor(colour).lighter(120 if selected else 100))
            label.setPos(kf.time, kf.intensity + 0.04)
            anchor = self._label_anchor(label, (kf.time - x0) * px_per_s, width_px)
            if tuple(label.anchor) != anchor:
                label.setAnchor(anchor)

    @staticmethod
    def _label_anchor(label: pg.TextItem, x_px: float, width_px: float) -> tuple[float, float]:
        """Centred over the diamond, unless that would cut the text off at either edge of the lane."""
        half = label.boundingRect().width() / 2
        if x_px < half:
            return (0.0, 1.0)
        if x_px > width_px - half:
            return (1.0, 1.0)
        return (0.5, 1.0)

    @property
    def labels(self) -> tuple[pg.TextItem, ...]:
        """The emotion names drawn over the keyframes (hidden ones where there is no room)."""
        return tuple(self._labels)

    # -- geometry --------------------------------------------------------------------
    def scene_pos_of(self, time: float, intensity: float) -> QPointF:
        return self.view.mapViewToScene(QPointF(time, intensity))

    def keyframe_at(self, scene_pos: QPointF) -> Optional[str]:
        """The id of the keyframe drawn under ``scene_pos`` (the nearest within a few px)."""
        best, best_d = None, HIT_RADIUS_PX
        for kf in self.document.project.emotions:
            p = self.scene_pos_of(kf.time, kf.intensity)
            d = ((p.x() - scene_pos.x()) ** 2 + (p.y() - scene_pos.y()) ** 2) ** 0.5
            if d <= best_d:
                best, best_d = kf.id, d
        return best

    def _time_intensity(self, scene_pos: QPointF) -> tuple[float, float]:
        p = self.view.mapSceneToView(scene_pos)
        return max(0.0, float(p.x())), min(1.0, max(0.0, float(p.y())))

    # -- gestures ---------------------------------------------------------------------
    def click(self, ev) -> bool:
        pos = ev.scenePos()
        hit = self.keyframe_at(pos)
        if ev.button() == Qt.RightButton:
            self._context_menu(hit, pos, ev.screenPos())
            return True
        if ev.button() != Qt.LeftButton:
            return False
        if ev.double():
            self.double_click(pos)
            return True
        if hit is not None:
            if ev.modifiers() & (Qt.ControlModifier | Qt.MetaModifier):
                self.selection.toggle(hit)
            else:
                self.selection.set([hit], hit)
            return True
        if not ev.modifiers() & Qt.ControlModifier and len(self.selection):
            # A click beside the keyframes deselects them and leaves the playhead where it is;
            # with nothing selected, a click seeks (as on the ruler).
            self.selection.clear()
            return True
        self.seekRequested.emit(self._time_intensity(pos)[0], False)
        return True

    def double_click(self, scene_pos: QPointF) -> None:
        if self.keyframe_at(scene_pos) is not None:
            return
        time, intensity = self._time_intensity(scene_pos)
        time = keyframe_ops.snap_to_frame(time, self._fps())
        keyframe_ops.add_keyframe(self.document, self.selection, time, self._new_emotion(), round(intensity, 3))

    def drag(self, ev) -> None:
        if ev.isStart():
            start = ev.buttonDownScenePos()
            hit = self.keyframe_at(start)
            if hit is not None:
                self._start_keyframe_drag(hit, start)
            elif abs(self.scene_pos_of(self._playhead(), 0).x() - start.x()) <= PLAYHEAD_GRAB_PX:
                self._scrubbing = True
            else:
                self._band_origin = start
        if self._drag is not None:
            self._move_keyframes(ev.scenePos(), snap=not (ev.modifiers() & Qt.ShiftModifier))
            if ev.isFinish():
                self._drag = None
                self.document.end_gesture()
        elif self._scrubbing:
            self.seekRequested.emit(self._time_intensity(ev.scenePos())[0], not ev.isFinish())
            if ev.isFinish():
                self._scrubbing = False
                self.scrubFinished.emit()
        elif self._band_origin is not None:
            self._update_band(ev.scenePos(), ev.isFinish(), additive=bool(ev.modifiers() & Qt.ControlModifier))

    def _start_keyframe_drag(self, hit: str, start: QPointF) -> None:
        if hit not in self.selection:
            self.selection.set([hit], hit)
        track = self.document.project.emotions
        origins = {kf.id: (kf.time, kf.intensity) for kf in track if kf.id in self.selection}
        time, intensity = self._time_intensity(start)
        self._drag = _Drag(hit, origins, time, intensity, object())
        self.document.begin_gesture()

    def _move_keyframes(self, scene_pos: QPointF, snap: bool) -> None:
        drag = self._drag
        assert drag is not None
        time, intensity = self._time_intensity(scene_pos)
        anchor_time, anchor_intensity = drag.origins[drag.anchor_id]
        new_anchor = max(0.0, anchor_time + time - drag.start_time)
        if snap:
            new_anchor = self._snapped(new_anchor, exclude=set(drag.origins))
        dt = new_anchor - anchor_time
        di = intensity - drag.start_intensity
        # Keep the whole selection inside 0 s and 0..1 by limiting the shift.
        dt = max(dt, -min(t for t, _ in drag.origins.values()))
        moved = {kid: (round(t + dt, 6), round(min(1.0, max(0.0, i + di)), 3)) for kid, (t, i) in drag.origins.items()}
        key = tuple(sorted(moved.items()))
        if key == drag.last:
            return
        track = self.document.project.emotions
        try:
            # Checked here first so a drag onto another keyframe just stops, without an error banner.
            EmotionTrack(tuple(kf.with_(time=moved[kf.id][0], intensity=moved[kf.id][1]) if kf.id in moved else kf for kf in track))
        except UserError:
            return  # would land on another keyframe: stay where it was until the pointer moves on
        edit = MoveKeyframes(moved, drag_id=drag.drag_id)
        drag.last = key
        self.document.push(edit)

    def _snapped(self, time: float, exclude: set[str]) -> float:
        """Snap to the playhead or another keyframe's neighbouring frame within a few px, else to a frame."""
        fps = self._fps()
        px_per_s = max(1e-9, self.view.pixels_per_second())
        candidates = [self._playhead()]
        frame = 1.0 / fps
        for kf in self.document.project.emotions:
            if kf.id not in exclude:
                candidates += [kf.time - frame, kf.time + frame]  # beside it: two keyframes cannot share a time
        best = min(candidates, key=lambda c: abs(c - time)) if candidates else None
        if best is not None and abs(best - time) * px_per_s <= SNAP_RADIUS_PX and best >= 0:
            return keyframe_ops.snap_to_frame(best, fps)
        return keyframe_ops.snap_to_frame(time, fps)

    def _update_band(self, scene_pos: QPointF, finished: bool, additive: bool) -> None:
        assert self._band_origin is not None
        a = self.view.mapSceneToView(self._band_origin)
        b = self.view.mapSceneToView(scene_pos)
        rect = QRectF(a, b).normalized()
        self._band.setRect(rect)
        self._band.setVisible(not finished)
        inside = [kf.id for kf in self.document.project.emotions if rect.contains(QPointF(kf.time, kf.intensity))]
        if additive:
            inside = list(self.selection.ids) + [i for i in inside if i not in self.selection]
        self.selection.set(inside)
        if finished:
            self._band_origin = None

    # -- context menu --------------------------------------------------------------------
    def _context_menu(self, hit: Optional[str], scene_pos: QPointF, screen_pos) -> None:
        if hit is not None and hit not in self.selection:
            self.selection.set([hit], hit)
        menu = self.build_menu(hit is not None, scene_pos)
        menu.exec(screen_pos.toPoint() if hasattr(screen_pos, "toPoint") else screen_pos)

    def build_menu(self, on_keyframe: bool, scene_pos: QPointF) -> QMenu:
        menu = QMenu()
        doc, sel = self.document, self.selection
        time, intensity = self._time_intensity(scene_pos)
        if on_keyframe:
            emotions = menu.addMenu("Emotion")
            for emotion in Emotion:
                action = QAction(emotion_icon(emotion), emotion.label, emotions)
                action.triggered.connect(lambda _=False, e=emotion: keyframe_ops.set_emotion(doc, sel.ids, e))
                emotions.addAction(action)
            held = all(doc.project.emotions.get(i).easing.is_hold for i in sel.ids if i in doc.project.emotions)
            hold = menu.addAction("Hold Until Next Keyframe")
            hold.setCheckable(True)
            hold.setChecked(held)
            hold.triggered.connect(lambda: keyframe_ops.toggle_hold(doc, sel.ids))
            easings = menu.addMenu("Easing")
            for name, easing in PRESETS.items():
                action = easings.addAction(name.replace("-", " ").capitalize())
                action.triggered.connect(lambda _=False, e=easing: keyframe_ops.set_easing(doc, sel.ids, e))
            menu.addSeparator()
            menu.addAction("Copy").triggered.connect(lambda: keyframe_ops.copy_keyframes(doc, sel, self.clipboard))
            menu.addAction("Duplicate").triggered.connect(lambda: keyframe_ops.duplicate_keyframes(doc, sel, self._fps()))
            menu.addAction("Delete").triggered.connect(lambda: keyframe_ops.delete_keyframes(doc, sel))
        else:
            snapped = keyframe_ops.snap_to_frame(time, self._fps())
            menu.addAction("Add Keyframe Here").triggered.connect(
                lambda: keyframe_ops.add_keyframe(doc, sel, snapped, self._new_emotion(), round(intensity, 3))
            )
            paste = menu.addAction("Paste Here")
            paste.setEnabled(bool(self.clipboard))
            paste.triggered.connect(lambda: keyframe_ops.paste_keyframes(doc, sel, self.clipboard, snapped))
        return menu
