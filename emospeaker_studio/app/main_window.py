"""The Studio's main window: preview, transport, inspector, timeline, menus.

The window wires the pieces together and owns the file workflow (new, open,
save, recover, import, export); it computes nothing itself. Dependencies are
passed in (settings, store paths, the render backend) so tests can build a
window with fakes.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Callable, Optional

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QImageReader, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDockWidget,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QUndoView,
    QVBoxLayout,
    QWidget,
)

from emospeaker_studio import paths
from emospeaker_studio.app import keyframe_ops
from emospeaker_studio.app.banner import Banner
from emospeaker_studio.app.dialogs import ABOUT_TEXT, ExportDialog, PreferencesDialog, ShortcutsDialog, suggested_export_path
from emospeaker_studio.app.document import PROJECT_SUFFIX, DocumentController
from emospeaker_studio.app.empty_state import EmptyState
from emospeaker_studio.app.guide import GettingStartedDialog
from emospeaker_studio.app.icons import app_icon, icon
from emospeaker_studio.app.inspector import Inspector
from emospeaker_studio.app.playback import PlaybackClock
from emospeaker_studio.app.preview import PreviewView
from emospeaker_studio.app.preview_controller import PreviewController
from emospeaker_studio.app.project_bar import ProjectBar
from emospeaker_studio.app.recovery import RecoveryStore
from emospeaker_studio.app.selection import KeyframeSelection
from emospeaker_studio.app.settings import AppSettings, save_settings
from emospeaker_studio.app.shortcuts import BY_NAME
from emospeaker_studio.app.theme import apply_theme, palette_for
from emospeaker_studio.app.timeline import TimelineWidget
from emospeaker_studio.app.timeline.timecode import format_duration, format_timecode
from emospeaker_studio.app.transport import TransportBar
from emospeaker_studio.app.workers import ExportJob, ExportRequest, RenderWorker
from emospeaker_studio.core.edits import SetAudio, SetFaceIndex, SetLandmarkOffsets, SetOutput, SetPortrait
from emospeaker_studio.core.errors import UserError
from emospeaker_studio.core.export_paths import check_export_paths
from emospeaker_studio.core.files import check_input_file
from emospeaker_studio.core.project import OUTPUT_FIELDS, Project
from emospeaker_studio.engine.face.limits import expression_limits

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"}
AUDIO_SUFFIXES = {".wav", ".flac", ".mp3", ".m4a", ".aac", ".ogg", ".opus", ".wma", ".aiff", ".aif"}
VIDEO_SUFFIXES = {".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v"}
IMAGE_FILTER = "Images (*.jpg *.jpeg *.png *.webp *.bmp *.tif *.tiff)"
AUDIO_FILTER = "Audio or video (*.wav *.flac *.mp3 *.m4a *.aac *.ogg *.opus *.mp4 *.mov *.mkv *.webm)"
PROJECT_FILTER = f"EmoSpeaker projects (*{PROJECT_SUFFIX})"


def shuttle_label(rate: float) -> str:
    """The status bar's word for a playback rate other than 1x forward ("" for 1x)."""
    if rate == 1.0:
        return ""
    speed = "" if abs(rate) == 1.0 else f"{abs(rate):g}× "
    return f"Playing {speed}{'backwards' if rate < 0 else 'forwards'}"


def classify_path(path: str) -> str:
    """"project", "image", "audio" (video files give their audio) or "unknown"."""
    suffix = Path(path).suffix.lower()
    if suffix == PROJECT_SUFFIX:
        return "project"
    if suffix in IMAGE_SUFFIXES:
        return "image"
    if suffix in AUDIO_SUFFIXES or suffix in VIDEO_SUFFIXES:
        return "audio"
    return "unknown"


#: The longest export status the status bar shows whole (its label keeps this width).
JOB_LABEL_WIDEST = "Export: Render 99999/99999 · 999.9 fps · ETA 00:00:00"


class MainWindow(QMainWindow):
    """Signals: ``exportFinished(str path or "")`` after an export ends (empty when cancelled/failed)."""

    exportFinished = Signal(str)

    def __init__(
        self,
        settings: AppSettings,
        *,
        save_settings_fn: Callable[[AppSettings], None] = save_settings,
        recovery: Optional[RecoveryStore] = None,
        worker: Optional[RenderWorker] = None,
        export_render: Optional[Callable] = None,
        ask: Optional[Callable[[str, str], QMessageBox.StandardButton]] = None,
        audio_playback: bool = True,
    ) -> None:
        super().__init__()
        self.settings = settings
        self._save_settings = save_settings_fn
        self.recovery = recovery or RecoveryStore()
        self._export_render = export_render
        self._ask = ask or self._ask_with_message_box
        self._export_job: Optional[ExportJob] = None
        self.palette_ = palette_for(settings.theme)
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self.setObjectName("StudioMainWindow")

        self.document = DocumentController(parent=self)
        self.selection = KeyframeSelection(self)
        self.clipboard = keyframe_ops.KeyframeClipboard()
        self.clock = PlaybackClock(self, audio=audio_playback)
        self._loop_range = (0.0, 0.0)
        self._shown_time_frame = -1
        self._playback_audio = None  # the voice decoded for playback (engine PlaybackAudio), by path
        # The voice's waveform, by path: the worker sends it once per file, and the same
        # voice imported again (after File > New, or an undo) must show it again.
        self._waveform_peaks = None
        self._fit = None  # the portrait's face fit (engine FaceFit) last reported
        self._shuttle_message = ""
        self._portrait_notes: tuple[str, ...] = ()  # what the portrait shows weakly, once said

        self._build_central()
        # Built before the panels: Qt calls a signal's slots in the order they
        # were connected, so after an edit the preview's render request leaves
        # first and the worker renders while the timeline and inspector redraw.
        self.worker = worker or RenderWorker(parent=self)
        self.preview_controller = PreviewController(
            self.document, self.preview, self.worker, device=settings.device, preview_height=settings.preview_height, parent=self
        )
        self.inspector = Inspector(self.document, self.selection)
        self.timeline = TimelineWidget(self.document, self.selection, self.clipboard, self.palette_, lambda: self.inspector.new_emotion)
        self._build_docks()
        self._build_status_bar()
        self._build_actions()
        self._build_menus()
        self._connect()

        self._autosave_timer = QTimer(self)
        self._autosave_timer.setInterval(max(5, settings.autosave_interval_s) * 1000)
        self._autosave_timer.timeout.connect(self.autosave)
        self._autosave_timer.start()
        self._restore_layout()
        self._update_title()
        self.preview_controller.refresh()
        self._show_next_step(self.document.project)
        self._on_time(0.0)

    # -- construction -----------------------------------------------------------------
    def _build_central(self) -> None:
        central = QWidget()
        central.setObjectName("Panel")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.project_bar = ProjectBar(self.document, self.palette_)
        layout.addWidget(self.project_bar)
        self.banner = Banner()
        self.preview = PreviewView(self.palette_)
        self.preview.setMinimumSize(320, 240)
        # The banner lies over the top of the preview, in the same cell: in a row of its
        # own, every message shrank the picture and it grew back when the message went.
        stage = QGridLayout()
        stage.setContentsMargins(0, 0, 0, 0)
        stage.addWidget(self.preview, 0, 0)
        self.empty_state = EmptyState()
        # A transparent holder: its margin lifts the one-line card off the preview's bottom edge.
        self._empty_holder = QWidget()
        holder = QVBoxLayout(self._empty_holder)
        holder.addWidget(self.empty_state)
        stage.addWidget(self._empty_holder, 0, 0, Qt.AlignCenter)
        stage.addWidget(self.banner, 0, 0, Qt.AlignTop)
        self._stage = stage
        layout.addLayout(stage, 1)
        self.face_row = QWidget()
        face_layout = QHBoxLayout(self.face_row)
        face_layout.setContentsMargins(14, 4, 14, 4)
        face_label = QLabel("Several faces in the photo — animate:")
        face_label.setObjectName("Hint")
        self.face_combo = QComboBox()
        face_layout.addStretch(1)
        face_layout.addWidget(face_label)
        face_layout.addWidget(self.face_combo)
        self.face_row.hide()
        layout.addWidget(self.face_row)
        self.transport = TransportBar(self.palette_)
        layout.addWidget(self.transport)
        self.setCentralWidget(central)

    def _dock(self, title: str, name: str, widget: QWidget, area) -> QDockWidget:
        """A movable, closable dock holding ``widget`` (``name`` keys its saved place)."""
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        self.inspector.setMinimumWidth(300)
        self.inspector_dock = self._dock("INSPECTOR", "InspectorDock", self.inspector, Qt.RightDockWidgetArea)
        self.timeline_dock = self._dock("TIMELINE", "TimelineDock", self.timeline, Qt.BottomDockWidgetArea)
        self.setCorner(Qt.BottomRightCorner, Qt.RightDockWidgetArea)
        # The undo history as a list: click a step to go back to it.
        self.history_view = QUndoView(self.document.undo_stack)
        self.history_view.setEmptyLabel("Opened")
        self.history_dock = self._dock("HISTORY", "HistoryDock", self.history_view, Qt.RightDockWidgetArea)
        self.setTabPosition(Qt.RightDockWidgetArea, QTabWidget.North)
        self.tabifyDockWidget(self.inspector_dock, self.history_dock)
        self.inspector_dock.raise_()
        for dock in (self.inspector_dock, self.history_dock):
            dock.setTitleBarWidget(QWidget())  # their tabs already name them
        self._default_dock_sizes = True

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if self._default_dock_sizes:
            # Dock sizes only stick once the window has its real size.
            self._default_dock_sizes = False
            self.resizeDocks([self.timeline_dock], [max(340, self.height() * 40 // 100)], Qt.Vertical)
            self.resizeDocks([self.inspector_dock], [350], Qt.Horizontal)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        self.status_info = QLabel("")
        self.job_label = QLabel("")
        # A fixed size: a status-bar label that may change size makes the main window lay
        # out and repaint its whole centre (~16 ms of GUI thread), and the export's
        # progress changes this text several times a second.
        self.job_label.setFixedSize(self.job_label.fontMetrics().horizontalAdvance(JOB_LABEL_WIDEST) + 8,
                                    self.job_label.sizeHint().height())
        self.job_label.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.job_progress = QProgressBar()
        self.job_progress.setFixedWidth(180)
        self.job_progress.setTextVisible(False)
        self.job_cancel = QPushButton("Cancel")
        self.job_cancel.setFixedHeight(22)
        self.job_cancel.clicked.connect(self.cancel_export)
        for w in (self.job_label, self.job_progress, self.job_cancel):
            w.hide()
            bar.addPermanentWidget(w)
            # Styled now, not when the first export shows them (a GUI-thread stall then).
            w.ensurePolished()
        bar.addPermanentWidget(self.status_info)

    def _action(self, name: str, text: str, slot: Callable, *, icon_name: Optional[str] = None, checkable: bool = False) -> QAction:
        action = QAction(text, self)
        shortcut = BY_NAME.get(name)
        if shortcut is not None:
            action.setShortcuts([QKeySequence(k) for k in shortcut.keys])
        if icon_name:
            action.setIcon(icon(icon_name, self.palette_.text))
            self._action_icons[name] = icon_name
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work with the menu closed and any panel focused
        self.actions_[name] = action
        return action

    def _build_actions(self) -> None:
        self.actions_: dict[str, QAction] = {}
        self._action_icons: dict[str, str] = {}  # action name -> icon name, redrawn on a theme switch
        a = self._action
        a("new", "&New Project", self.new_project)
        a("open", "&Open…", lambda: self.open_dialog())
        a("save", "&Save", lambda: self.save())
        a("save_as", "Save &As…", lambda: self.save_as())
        a("import_portrait", "Import &Portrait…", self.import_portrait_dialog)
        a("import_audio", "Import &Audio…", self.import_audio_dialog)
        a("export", "&Export Video…", self.export_dialog, icon_name="export")
        a("quit", "&Quit", self.close).setShortcut(QKeySequence.Quit)
        undo = self.document.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcuts([QKeySequence(k) for k in BY_NAME["undo"].keys])
        redo = self.document.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence(k) for k in BY_NAME["redo"].keys])
        for name, action in (("undo", undo), ("redo", redo)):
            self.addAction(action)
            self.actions_[name] = action
        a("copy", "&Copy Keyframes", lambda: keyframe_ops.copy_keyframes(self.document, self.selection, self.clipboard))
        a("paste", "&Paste Keyframes", lambda: keyframe_ops.paste_keyframes(self.document, self.selection, self.clipboard, self._snapped_playhead()))
        a("duplicate", "&Duplicate Keyframes", lambda: keyframe_ops.duplicate_keyframes(self.document, self.selection, self._fps()))
        a("delete", "De&lete Keyframes", lambda: keyframe_ops.delete_keyframes(self.document, self.selection))
        a("select_all", "Select &All Keyframes", lambda: self.selection.set(self.document.project.emotions.ids))
        a("deselect", "Dese&lect Keyframes", self.selection.clear)
        a("hold", "&Hold Emotion Until Next Keyframe", lambda: keyframe_ops.toggle_hold(self.document, self.selection.ids))
        a("add_keyframe", "Add &Keyframe at Playhead", self.add_keyframe_at_playhead, icon_name="keyframe")
        a("play", "&Play / Pause", self.clock.toggle, icon_name="play")
        a("shuttle_back", "Play Backwards", self._shuttle_back)
        a("shuttle_stop", "Pause", self.clock.pause)
        a("shuttle_forward", "Play Forward", self._shuttle_forward)
        a("prev_frame", "Previous Frame", lambda: self.step_frames(-1))
        a("next_frame", "Next Frame", lambda: self.step_frames(1))
        a("back_second", "Back One Second", lambda: self.seek(self.clock.position - 1.0))
        a("forward_second", "Forward One Second", lambda: self.seek(self.clock.position + 1.0))
        a("go_start", "Go to Start", lambda: self.seek(0.0))
        a("go_end", "Go to End", lambda: self.seek(self._duration()))
        a("loop_in", "Set Loop Start", lambda: self._set_loop_edge(start=self.clock.position))
        a("loop_out", "Set Loop End", lambda: self._set_loop_edge(end=self.clock.position))
        a("fit_timeline", "Fit Timeline", self.timeline.fit_all, icon_name="fit-all")
        a("toggle_original", "Show Original Photo (A/B)", self.transport.original.toggle, checkable=False)
        a("toggle_overlay", "Show Face Fit", self.transport.overlay.toggle)
        a("zoom_fit", "Preview: Zoom to Fit", lambda: self._set_zoom("fit"))
        a("zoom_100", "Preview: 100 %", lambda: self._set_zoom("100"))
        a("preferences", "&Preferences…", self.preferences_dialog)
        a("guide", "&Getting Started", lambda: GettingStartedDialog(self).exec())
        a("shortcuts", "&Keyboard Shortcuts", lambda: ShortcutsDialog(self).exec())
        a("about", "&About EmoSpeaker Studio", lambda: QMessageBox.about(self, "About EmoSpeaker Studio", ABOUT_TEXT))

    def _build_menus(self) -> None:
        bar = self.menuBar()
        acts = self.actions_
        file_menu = bar.addMenu("&File")
        for name in ("new", "open"):
            file_menu.addAction(acts[name])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        for name in ("save", "save_as"):
            file_menu.addAction(acts[name])
        file_menu.addSeparator()
        for name in ("import_portrait", "import_audio"):
            file_menu.addAction(acts[name])
        file_menu.addSeparator()
        file_menu.addAction(acts["export"])
        file_menu.addSeparator()
        file_menu.addAction(acts["quit"])
        edit = bar.addMenu("&Edit")
        for name in ("undo", "redo", None, "copy", "paste", "duplicate", "delete", None, "select_all", "deselect", None,
                     "add_keyframe", "hold", None, "preferences"):
            edit.addSeparator() if name is None else edit.addAction(acts[name])
        playback = bar.addMenu("&Playback")
        for name in ("play", "shuttle_back", "shuttle_forward", None, "prev_frame", "next_frame", "back_second", "forward_second",
                     "go_start", "go_end", None, "loop_in", "loop_out"):
            playback.addSeparator() if name is None else playback.addAction(acts[name])
        view = bar.addMenu("&View")
        for name in ("zoom_fit", "zoom_100", "toggle_original", "toggle_overlay", None, "fit_timeline"):
            view.addSeparator() if name is None else view.addAction(acts[name])
        view.addSeparator()
        view.addAction(self.inspector_dock.toggleViewAction())
        view.addAction(self.timeline_dock.toggleViewAction())
        view.addAction(self.history_dock.toggleViewAction())
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(acts["guide"])
        help_menu.addAction(acts["shortcuts"])
        help_menu.addAction(acts["about"])

    def _connect(self) -> None:
        doc = self.document
        doc.pathChanged.connect(lambda _: self._update_title())
        doc.dirtyChanged.connect(lambda _: self._update_title())
        doc.editFailed.connect(lambda message: self.show_error(message))
        doc.projectChanged.connect(self._on_project_changed)
        self.clock.positionChanged.connect(self._on_time)
        self.clock.playingChanged.connect(self._on_playing)
        self.clock.rateChanged.connect(lambda _rate: self._show_shuttle_state())
        self.clock.soundUnavailable.connect(
            lambda reason: self.statusBar().showMessage(f"Playing without sound: {reason}", 6000))
        self.worker.audioReady.connect(self._on_playback_audio)
        t = self.transport
        t.playToggled.connect(self.clock.toggle)
        t.stepRequested.connect(self.step_frames)
        t.jumpRequested.connect(lambda where: self.seek(0.0 if where == "start" else self._duration()))
        t.loopToggled.connect(self._on_loop_toggled)
        t.zoomModeRequested.connect(self._set_zoom)
        t.originalToggled.connect(self.preview.set_show_original)
        t.overlayToggled.connect(self._on_overlay_toggled)
        self.preview.landmarkMoved.connect(self.correct_landmark)
        # While a key point is held the face re-fits live; the document changes once, on release.
        self.preview.landmarkDragged.connect(
            lambda index, dx, dy: self.preview_controller.preview_landmark_offsets(self._landmark_offsets_with(index, dx, dy)))
        self.preview.landmarkDragFinished.connect(self.preview_controller.end_landmark_preview)
        self.timeline.seekRequested.connect(self._on_timeline_seek)
        self.timeline.editor.pastEndChanged.connect(self._tell_keyframes_past_end)
        self.timeline.loopChanged.connect(self._on_loop_region)
        pc = self.preview_controller
        pc.info.connect(self._on_preview_info)
        pc.failed.connect(self.show_error)
        pc.status.connect(self.status_info.setText)
        pc.waveform.connect(self._on_waveform)
        pc.portraitFitted.connect(self._show_fit)
        self.inspector.notice.connect(lambda text: self.statusBar().showMessage(text, 6000))
        empty = self.empty_state
        empty.importPortrait.connect(self.import_portrait_dialog)
        empty.importAudio.connect(self.import_audio_dialog)
        empty.openDemo.connect(lambda: self.maybe_save() and self.open_demo())
        empty.showGuide.connect(self.actions_["guide"].trigger)
        self.project_bar.importPortrait.connect(self.import_portrait_dialog)
        self.project_bar.importAudio.connect(self.import_audio_dialog)
        self.project_bar.exportRequested.connect(self.export_dialog)
        self.face_combo.activated.connect(lambda i: self.document.push(SetFaceIndex(int(self.face_combo.itemData(i)))))

    # -- title, messages -------------------------------------------------------------------
    def _update_title(self) -> None:
        star = "*" if self.document.is_dirty else ""
        self.setWindowTitle(f"{self.document.display_name}{star} — EmoSpeaker Studio")

    def show_error(self, message: str) -> None:
        self.banner.show_message(message, "error")

    def show_info(self, message: str, actions: tuple = ()) -> None:
        self.banner.show_message(message, "info", actions)

    @staticmethod
    def _ask_with_message_box(title: str, text: str) -> QMessageBox.StandardButton:
        return QMessageBox.question(
            None, title, text, QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save
        )

    # -- time --------------------------------------------------------------------------------
    def _fps(self) -> float:
        return self.document.project.output.fps

    def _duration(self) -> float:
        info = self.preview_controller.info_
        if info is not None:
            return max((info.frame_count - 1) / info.fps, 0.0)
        return self.timeline.duration

    def _snapped_playhead(self) -> float:
        return keyframe_ops.snap_to_frame(self.clock.position, self._fps())

    def seek(self, seconds: float) -> None:
        self.clock.seek(min(max(0.0, seconds), self._duration()))

    def step_frames(self, frames: int) -> None:
        self.clock.pause()
        index = self.preview_controller.frame_index(self.clock.position) + frames
        self.seek(max(0, index) / self._fps() + 1e-6)

    def _shuttle_forward(self) -> None:
        """L plays forwards; pressed again while playing forwards, at double speed."""
        rate = 2.0 if self.clock.playing and self.clock.rate >= 1.0 else 1.0
        self.clock.play(rate)

    def _shuttle_back(self) -> None:
        """J plays backwards, with the voice reversed; pressed again, at double speed."""
        rate = -2.0 if self.clock.playing and self.clock.rate <= -1.0 else -1.0
        self.clock.play(rate)

    def _on_timeline_seek(self, seconds: float, scrubbing: bool) -> None:
        if self.clock.playing and scrubbing:
            self.clock.pause()
        self.seek(seconds)

    def _on_time(self, seconds: float) -> None:
        self.preview_controller.show_time(seconds)
        frame = self.preview_controller.frame_index(seconds)
        if self.clock.playing and frame == self._shown_time_frame:
            return  # the clock ticks faster than frames change: redraw the playhead once per frame
        self._shown_time_frame = frame
        self.timeline.set_playhead(seconds)
        self.transport.set_time(seconds, self._duration(), self._fps())

    def _show_shuttle_state(self) -> None:
        """While the shuttle plays at another speed or backwards, the status bar says so."""
        label = shuttle_label(self.clock.rate) if self.clock.playing else ""
        bar = self.statusBar()
        if label:
            bar.showMessage(label)
        elif self._shuttle_message and bar.currentMessage() == self._shuttle_message:
            bar.clearMessage()
        self._shuttle_message = label

    def _on_playing(self, playing: bool) -> None:
        self._show_shuttle_state()
        self.transport.set_playing(playing)
        self.preview_controller.set_playing(playing)
        self.actions_["play"].setIcon(icon("pause" if playing else "play", self.palette_.text))
        if not playing:
            self._shown_time_frame = -1  # show exactly where it stopped
            self._on_time(self.clock.position)

    def _set_zoom(self, mode: str) -> None:
        self.preview.set_zoom_mode(mode)
        self.transport.set_zoom_mode(mode)

    def _on_loop_toggled(self, on: bool) -> None:
        start, end = self._loop_range
        if end - start < 0.1:
            start, end = 0.0, self._duration()
            self._loop_range = (start, end)
        self.timeline.set_loop(on, start, end)
        self.clock.set_loop((start, end) if on else None)

    def _on_loop_region(self, start: float, end: float) -> None:
        self._loop_range = (start, end)
        if self.transport.loop.isChecked():
            self.clock.set_loop((start, end))

    def _set_loop_edge(self, start: Optional[float] = None, end: Optional[float] = None) -> None:
        s, e = self._loop_range if self._loop_range[1] > self._loop_range[0] else (0.0, self._duration())
        s = s if start is None else start
        e = e if end is None else end
        if e <= s:
            e = min(self._duration(), s + 1.0) if end is None else e
            s = max(0.0, e - 1.0) if start is None else s
        self._loop_range = (s, e)
        if not self.transport.loop.isChecked():
            self.transport.loop.setChecked(True)
        else:
            self._on_loop_toggled(True)

    # -- project events ----------------------------------------------------------------------
    def _on_project_changed(self, old: Project, new: Project) -> None:
        if (bool(old.portrait), bool(old.audio)) != (bool(new.portrait), bool(new.audio)):
            self._show_next_step(new)
        if old.audio != new.audio:
            # The new voice plays once it is decoded (audioReady); until then, none.
            known = self._playback_audio
            self.clock.set_audio(known if known is not None and known.path == new.audio else None)
            self.timeline.set_speech(None)  # the old voice's visemes; the new ones come with its analysis
            peaks = self._waveform_peaks
            if peaks is not None and peaks.path == new.audio:
                self.timeline.set_waveform(peaks)
            else:
                self.timeline.set_waveform(None)
                self.timeline.set_audio_duration(0.0)
            self.clock.set_duration(self._duration())
        if old.portrait != new.portrait:
            self._load_photo(new.portrait)
        if old.output.fps != new.output.fps:
            self.transport.set_time(self.clock.position, self._duration(), new.output.fps)
        # A frame of a platform's shape is composed around the face: show what stays clear of its player.
        self.preview.set_safe_area(new.output.width is not None)

    def _show_next_step(self, project: Project) -> None:
        """The empty state asks for the missing file: a card in the middle while nothing is there,
        one line at the bottom once the photo shows."""
        self.empty_state.set_state(bool(project.portrait), bool(project.audio))
        self._empty_holder.setVisible(self.empty_state.isVisibleTo(self._empty_holder))
        compact = self.empty_state.compact
        self._empty_holder.layout().setContentsMargins(0, 0, 0, 18 if compact else 0)
        self._stage.setAlignment(self._empty_holder, Qt.AlignBottom | Qt.AlignHCenter if compact else Qt.AlignCenter)

    def _load_photo(self, path: Optional[str]) -> None:
        if not path:
            self.preview.set_photo(None)
            return
        reader = QImageReader(path)
        reader.setAutoTransform(True)  # honour EXIF orientation like the engine does
        image = reader.read()
        self.preview.set_photo(image if not image.isNull() else None)

    def _on_playback_audio(self, audio) -> None:
        self._playback_audio = audio
        if audio.path == self.document.project.audio:
            self.clock.set_audio(audio)

    def _on_waveform(self, peaks) -> None:
        self._waveform_peaks = peaks
        if peaks.path != self.document.project.audio:
            return  # a voice already replaced (or removed) while it was decoded
        self.timeline.set_waveform(peaks)
        self.clock.set_duration(max(self._duration(), peaks.duration_s))

    def _on_preview_info(self, info) -> None:
        self.timeline.set_speech(info.speech)
        self.timeline.set_audio_duration(info.frame_count / info.fps)
        self.clock.set_duration(self._duration())
        self._show_fit(info.fit)
        self.transport.info.setText(f"{info.size[0]}×{info.size[1]} · {info.fps:g} fps")
        self._on_time(self.clock.position)

    def _show_fit(self, fit) -> None:
        """The face fit: its overlay, the choice of face, and what the portrait will show weakly."""
        self._fit = fit
        self.preview.set_landmarks(getattr(fit, "landmarks", None))
        count = int(getattr(fit, "face_count", 1) or 1)
        if self.face_combo.count() != count:  # refilled only when it changes: every re-fit reports it
            self.face_combo.clear()
            for i in range(count):
                self.face_combo.addItem(f"Face {i + 1}" + (" (largest)" if i == 0 else ""), i)
        self.face_combo.setCurrentIndex(min(self.document.project.face_index, count - 1))
        self.face_row.setVisible(count > 1)
        self._tell_portrait_limits(fit)

    def _tell_portrait_limits(self, fit) -> None:
        """Say once, as soon as the face is fitted, what this portrait will show weakly (closed eyes, ...)."""
        landmarks = getattr(fit, "landmarks", None)
        notes = () if landmarks is None else expression_limits(landmarks, fit.face_height)
        if notes == self._portrait_notes:
            return  # every re-fit reports the face again; a notice already given stays given
        self._portrait_notes = notes
        if notes:
            text = "; ".join(notes)
            self.show_info(f"{text[0].upper()}{text[1:]}.")

    def _tell_keyframes_past_end(self, count: int, end: float) -> None:
        if count:
            which = "1 keyframe is" if count == 1 else f"{count} keyframes are"
            self.show_info(f"{which} after the end of the voice ({format_timecode(end, self._fps())}): kept, shown grey, "
                           "but nothing plays there; drag them before the end or delete them")

    def _on_overlay_toggled(self, on: bool) -> None:
        self.preview.set_show_overlay(on)
        if on:
            if not self.preview.has_landmarks:
                self.show_info("The face fit appears once the portrait is analysed.")
            else:
                self.statusBar().showMessage("Face fit: drag a red point (eye and mouth corners, brows, chin, nose tip) to correct it", 8000)

    def correct_landmark(self, index: int, dx: float, dy: float) -> None:
        """Add a user correction of landmark ``index`` by (dx, dy) portrait pixels (one undo step)."""
        self.document.push(SetLandmarkOffsets(self._landmark_offsets_with(index, dx, dy)))

    def _landmark_offsets_with(self, index: int, dx: float, dy: float) -> tuple:
        """The document's landmark corrections plus (dx, dy) portrait pixels on point ``index``."""
        offsets = {i: (x, y) for i, x, y in self.document.project.landmark_offsets}
        old_x, old_y = offsets.get(index, (0.0, 0.0))
        offsets[index] = (round(old_x + dx, 2), round(old_y + dy, 2))
        return tuple((i, x, y) for i, (x, y) in sorted(offsets.items()))

    # -- keyframes ----------------------------------------------------------------------------
    def add_keyframe_at_playhead(self) -> None:
        track = self.document.project.emotions
        from emospeaker_studio.core.keyframes import emotion_at

        blend = emotion_at(track, self.clock.position)
        intensity = blend.dominant.intensity if track else 0.8
        keyframe_ops.add_keyframe(self.document, self.selection, self._snapped_playhead(), self.inspector.new_emotion, intensity)

    # -- files ---------------------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """Ask to save unsaved changes; False when the user cancels."""
        if not self.document.is_dirty:
            return True
        answer = self._ask("Unsaved changes", f"Save the changes to {self.document.display_name} before closing it?")
        if answer == QMessageBox.Save:
            return self.save()
        return answer == QMessageBox.Discard

    def new_project(self) -> None:
        if self.maybe_save():
            self.clock.pause()
            self.document.reset(Project())
            self.selection.clear()
            self.seek(0.0)
            self.timeline.fit_all()

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        path, _ = QFileDialog.getOpenFileName(self, "Open project", self._default_folder(), PROJECT_FILTER)
        if path:
            self.open_path(path, ask=False)

    def open_path(self, path: str, *, ask: bool = True) -> bool:
        """Open a project, or import a portrait/audio file, by its kind."""
        kind = classify_path(path)
        if kind == "image":
            return self.import_portrait(path)
        if kind == "audio":
            return self.import_audio(path)
        if kind != "project":
            self.show_error(f"{Path(path).name} is not a project, image or audio file; open a {PROJECT_SUFFIX} file or drop a photo or a recording")
            return False
        if ask and not self.maybe_save():
            return False
        try:
            self.clock.pause()
            self.document.open(path)
        except UserError as exc:
            self.show_error(str(exc))
            return False
        self.selection.clear()
        self._remember_recent(path)
        self.seek(0.0)
        self.timeline.fit_all()
        self.statusBar().showMessage(f"Opened {path}", 4000)
        return True

    def open_demo(self) -> bool:
        demo = paths.demo_project_path()
        if demo.is_file() and self.open_path(str(demo), ask=False):
            # The demo is a template: saving it asks where, instead of overwriting the bundled file.
            self.document.reset(self.document.project, untitled_name="Demo")
            self.show_info("This is the demo project: press Space to play, double-click the emotion lane to add a keyframe.")
            return True
        return False

    def save(self) -> bool:
        if not self.document.path:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        suggested = self.document.path or str(Path(self._default_folder()) / f"Untitled{PROJECT_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self, "Save project", suggested, PROJECT_FILTER)
        return bool(path) and self._save_to(path)

    def _save_to(self, path: str) -> bool:
        try:
            written = self.document.save(path)
        except UserError as exc:
            self.show_error(str(exc))
            return False
        self._remember_recent(written)
        self.recovery.clear()
        self.statusBar().showMessage(f"Saved {written}", 4000)
        return True

    def import_portrait_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import portrait", self._default_folder(), IMAGE_FILTER)
        if path:
            self.import_portrait(path)

    def import_audio_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import voice recording", self._default_folder(), AUDIO_FILTER)
        if path:
            self.import_audio(path)

    def import_portrait(self, path: str) -> bool:
        # The engine's checks, before the path enters the document: a regular file
        # (a FIFO would stall the preview), its size, then the header's pixel count.
        from emospeaker_studio.engine.face.portrait import MAX_PORTRAIT_BYTES, MAX_PORTRAIT_PIXELS

        try:
            check_input_file(path, "portrait", max_bytes=MAX_PORTRAIT_BYTES, choose="a JPEG, PNG, WebP, TIFF or BMP photo")
        except UserError as exc:
            self.show_error(str(exc))
            return False
        size = QImageReader(path).size()
        if size.isEmpty():
            self.show_error(f"{Path(path).name} is not an image the Studio can read; use a JPEG, PNG, WebP, TIFF or BMP photo")
            return False
        if size.width() * size.height() > MAX_PORTRAIT_PIXELS:
            self.show_error(f"portrait {Path(path).name} is {size.width()}x{size.height()} pixels, over the limit of "
                            f"{MAX_PORTRAIT_PIXELS // 1_000_000} megapixels; scale it down first")
            return False
        return self.document.push(SetPortrait(os.path.abspath(path)))

    def import_audio(self, path: str) -> bool:
        try:
            check_input_file(path, "audio file", choose="an audio or video file")
        except UserError as exc:
            self.show_error(str(exc))
            return False
        return self.document.push(SetAudio(os.path.abspath(path)))

    def _default_folder(self) -> str:
        if self.document.path:
            return str(Path(self.document.path).parent)
        return str(Path.home())

    def _remember_recent(self, path: str) -> None:
        if Path(path).resolve() == paths.demo_project_path().resolve():
            return
        self.settings = self.settings.with_recent(path)
        self._persist_settings()

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = [p for p in self.settings.recent_files if os.path.exists(p)]
        for path in files:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _=False, p=path: self.open_path(p))
        if not files:
            self.recent_menu.addAction("No recent projects").setEnabled(False)

    def _persist_settings(self) -> None:
        try:
            self._save_settings(self.settings)
        except (UserError, OSError) as exc:
            self.show_error(f"could not save the preferences: {exc}")

    # -- autosave and recovery -------------------------------------------------------------
    def autosave(self) -> None:
        if not self.document.is_dirty:
            return
        try:
            self.recovery.save(self.document.project, self.document.path)
        except (UserError, OSError) as exc:
            self.statusBar().showMessage(f"Autosave failed: {exc}", 6000)

    def offer_recovery(self) -> bool:
        """If the last session left unsaved work, offer it in the banner. True when there is one."""
        pending = self.recovery.pending()
        if pending is None:
            return False
        name = Path(pending.original_path).name if pending.original_path else "an untitled project"
        others = len(self.recovery.leftovers()) - 1
        more = f" ({others} older unsaved project{'s' if others > 1 else ''} also left in {self.recovery.folder})" if others > 0 else ""
        self.banner.show_message(
            f"The Studio closed without saving changes to {name}. Recover them?{more}",
            "info",
            actions=(("Recover", lambda: self.recover(pending)), ("Discard", lambda: self.recovery.discard(pending))),
        )
        return True

    def recover(self, pending) -> None:
        try:
            project = self.recovery.load(pending)
        except UserError as exc:
            self.show_error(f"the recovery file cannot be read: {exc}")
            return
        self.recovery.adopt(pending)
        self.document.reset(project, pending.original_path or None, dirty=True)
        self.selection.clear()
        self.seek(0.0)

    # -- export ---------------------------------------------------------------------------------
    def export_dialog(self) -> None:
        project = self.document.project
        if not project.portrait or not project.audio:
            self.show_error("import a portrait and a voice recording before exporting (File ▸ Import Portrait / Import Audio)")
            return
        if self._export_job is not None:
            self.show_error("an export is already running; wait for it or cancel it")
            return
        fit = self._fit
        dialog = ExportDialog(project, suggested_export_path(project, self.document.path), self,
                              photo_size=self.preview.photo_size, face_box=getattr(fit, "face_box", None))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        output = dialog.result_output()
        if output != project.output:
            changes = {k: getattr(output, k) for k in OUTPUT_FIELDS if getattr(output, k) != getattr(project.output, k)}
            self.document.push(SetOutput(**changes))
        try:  # the engine checks again; this answers at once, before an export process starts
            check_export_paths(self.document.project, dialog.result_path(), output.format)
        except UserError as exc:
            self.show_error(str(exc))
            return
        self.start_export(dialog.result_path())

    def start_export(self, out_path: str) -> ExportJob:
        """Export the current document (a snapshot) to ``out_path`` on a background thread."""
        project = self.document.project
        request = ExportRequest(project, out_path, project.output.format, self.settings.device)
        job = ExportJob(request, render=self._export_render, parent=self)
        job.progress.connect(self._on_export_progress)
        job.succeeded.connect(self._on_export_succeeded)
        job.failed.connect(self._on_export_failed)
        job.cancelled.connect(self._on_export_cancelled)
        job.finished.connect(lambda: self._on_export_thread_finished(job))
        self._export_job = job
        self._set_job_text(f"Exporting {Path(out_path).name}…")
        self.job_progress.setRange(0, 0)
        for w in (self.job_label, self.job_progress, self.job_cancel):
            w.show()
        self.actions_["export"].setEnabled(False)
        job.start()
        return job

    def cancel_export(self) -> None:
        if self._export_job is not None:
            self._export_job.cancel()
            self._set_job_text("Cancelling…")

    def _on_export_progress(self, progress) -> None:
        if progress.total > 0:
            self.job_progress.setRange(0, progress.total)
            self.job_progress.setValue(progress.done)
        parts = [f"{progress.stage.split(':')[0].capitalize()} {progress.done}/{progress.total}"]
        if progress.fps:
            parts.append(f"{progress.fps:.1f} fps")
        if progress.eta_s is not None:
            parts.append(f"ETA {format_duration(progress.eta_s)}")
        self._set_job_text("Export: " + " · ".join(parts))

    def _set_job_text(self, text: str) -> None:
        """The export's status in its fixed-width label, elided in the middle when longer."""
        label = self.job_label
        label.setText(label.fontMetrics().elidedText(text, Qt.ElideMiddle, label.width() - 8))
        label.setToolTip(text)

    def _hide_export_progress(self) -> None:
        for w in (self.job_label, self.job_progress, self.job_cancel):
            w.hide()

    def _on_export_succeeded(self, path: str) -> None:
        # The export's last word: its progress and Cancel go now, not when its
        # process has finished exiting (up to a second later).
        self._hide_export_progress()
        folder = str(Path(path).parent)
        self.show_info(
            f"Exported {path}",
            actions=(("Open", lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(path))),
                     ("Show in Folder", lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(folder)))),
        )
        self.exportFinished.emit(path)

    def _on_export_failed(self, message: str) -> None:
        self._hide_export_progress()
        self.show_error(message)
        self.exportFinished.emit("")

    def _on_export_cancelled(self) -> None:
        self._hide_export_progress()
        self.statusBar().showMessage("Export cancelled; nothing was written", 5000)
        self.exportFinished.emit("")

    def _on_export_thread_finished(self, job: ExportJob) -> None:
        # The job's thread ends a little after its last signal: a newer export may already run.
        if job is self._export_job:
            self._export_job = None
            self._hide_export_progress()
            self.actions_["export"].setEnabled(True)
        job.deleteLater()

    # -- preferences ----------------------------------------------------------------------------
    def preferences_dialog(self) -> None:
        dialog = PreferencesDialog(self.settings, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.apply_settings(dialog.result_settings())

    def apply_settings(self, settings: AppSettings) -> None:
        theme_changed = settings.theme != self.settings.theme
        self.settings = settings
        self._persist_settings()
        self.preview_controller.set_options(settings.device, settings.preview_height)
        if theme_changed:
            app = QApplication.instance()
            if app is not None:
                apply_theme(app, settings.theme)
            self.palette_ = palette_for(settings.theme)
            self.timeline.set_palette(self.palette_)
            self.preview.set_palette(self.palette_)
            self.transport.set_palette(self.palette_)
            for name, icon_name in self._action_icons.items():
                if name == "play":  # follows the playing state
                    icon_name = "pause" if self.clock.playing else "play"
                self.actions_[name].setIcon(icon(icon_name, self.palette_.text))

    # -- drag and drop -------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802
        urls = event.mimeData().urls()
        if urls and all(u.isLocalFile() for u in urls):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        for url in event.mimeData().urls():
            self.open_path(url.toLocalFile())
        event.acceptProposedAction()

    # -- layout and closing ----------------------------------------------------------------------
    def _restore_layout(self) -> None:
        store = QSettings()
        geometry = store.value("main_window/geometry")
        state = store.value("main_window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1480, 920)
        if isinstance(state, QByteArray) and self.restoreState(state):
            self._default_dock_sizes = False

    def closeEvent(self, event) -> None:  # noqa: N802
        if not self.maybe_save():
            event.ignore()
            return
        self._stop_exports()
        self.shutdown()
        store = QSettings()
        store.setValue("main_window/geometry", self.saveGeometry())
        store.setValue("main_window/state", self.saveState())
        if not self.settings.opened_before:
            self.settings.opened_before = True
        self._persist_settings()
        event.accept()

    def shutdown(self) -> None:
        """Stop every thread and timer; the window can be discarded afterwards."""
        self._autosave_timer.stop()
        self.clock.shutdown()
        self.worker.stop()
        self._stop_exports()
        self.recovery.clear()

    def _stop_exports(self) -> None:
        """Cancel the export and wait for every export thread, also one still finishing an earlier export."""
        for job in self.findChildren(ExportJob):
            if job.isRunning():
                job.cancel()
                job.wait(15000)
