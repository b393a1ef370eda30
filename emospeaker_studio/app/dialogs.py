"""Dialogs: export settings, preferences, the shortcut list and About."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from emospeaker_studio import __version__
from emospeaker_studio.app.settings import DEVICES, PREVIEW_HEIGHTS, THEMES, AppSettings
from emospeaker_studio.app.shortcuts import SHORTCUTS
from emospeaker_studio.app.size_choice import CUSTOM, choice_combo, chosen_size, enable_framing, fill_size_combo
from emospeaker_studio.core.errors import UserError
from emospeaker_studio.core.project import ExportFormat, Fill, Framing, OutputSettings, Project, even, parse_size

EXPORT_HEIGHTS = (256, 360, 480, 512, 720, 1080, 1440, 2160)
EXPORT_FPS = (24.0, 25.0, 30.0, 50.0, 60.0)
def _preset_combo(presets, current, label, current_label=None) -> QComboBox:
    """A combo box of ``presets`` showing ``current``, added as an extra item when it is not a preset."""
    combo = QComboBox()
    for value in presets:
        combo.addItem(label(value), value)
    index = combo.findData(current)
    if index < 0:
        combo.addItem((current_label or label)(current), current)
        index = combo.count() - 1
    combo.setCurrentIndex(index)
    return combo

def suggested_export_path(project: Project, project_path: str) -> str:
    """Where the export dialog proposes to write: beside the saved project, named after it;
    for an unsaved project beside its voice (else its portrait), named after the voice and
    never over an existing file; the Videos folder when that folder cannot be written."""
    suffix = project.output.format.suffix if project.output.format is not ExportFormat.PNG else ""
    if project_path:
        return str(Path(project_path).with_suffix("")) + suffix
    source = Path(project.audio or project.portrait or "emospeaker")
    folder = source.parent if source.parent.is_dir() and os.access(source.parent, os.W_OK) else _videos_folder()
    stem = f"{source.stem} talking"
    candidate = folder / (stem + suffix)
    number = 2
    while candidate.exists():
        candidate = folder / f"{stem} {number}{suffix}"
        number += 1
    return str(candidate)


def _videos_folder() -> Path:
    from PySide6.QtCore import QStandardPaths

    movies = QStandardPaths.writableLocation(QStandardPaths.MoviesLocation)
    return Path(movies) if movies and Path(movies).is_dir() else Path.home()


class ExportDialog(QDialog):
    """Choose the file, format, size, framing and frame rate; ``result_output()`` / ``result_path()`` after accept."""

    def __init__(self, project: Project, suggested_path: str, parent: Optional[QWidget] = None, *,
                 photo_size: Optional[tuple[int, int]] = None, face_box: Optional[tuple] = None) -> None:
        """``photo_size`` (w, h) and ``face_box`` (x, y, w, h, photo pixels), when known, let the
        dialog say when a size enlarges the photo beyond its own resolution."""
        super().__init__(parent)
        self.setWindowTitle("Export Video")
        self._photo_size, self._face_box = photo_size, face_box
        self.setMinimumWidth(520)
        self._project = project
        out = project.output
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(14)
        title = QLabel("Export")
        title.setStyleSheet("font-size: 14pt; font-weight: 600;")
        layout.addWidget(title)
        form = QFormLayout()
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(10)
        self.format_combo = QComboBox()
        # Item data holds the format's value: Qt turns a str-based enum into a plain str.
        for fmt in ExportFormat:
            self.format_combo.addItem(fmt.label, fmt.value)
        self.format_combo.setCurrentIndex(self.format_combo.findData(out.format.value))
        self.format_combo.currentIndexChanged.connect(self._on_format)
        form.addRow("Format", self.format_combo)
        self.size_combo = QComboBox()
        fill_size_combo(self.size_combo, EXPORT_HEIGHTS, out, custom=True)
        self.size_combo.currentIndexChanged.connect(self._on_size)
        self.custom_size = QLineEdit(f"{out.width or 1920}x{out.height}")
        self.custom_size.setPlaceholderText("width×height, e.g. 1080x1920")
        self.custom_size.textChanged.connect(self._on_size)
        size_row = QHBoxLayout()
        size_row.addWidget(self.size_combo, 1)
        size_row.addWidget(self.custom_size)
        form.addRow("Size", size_row)
        # One line: the frame needs more pixels than the photo has (engine/framing.py says how many).
        self.size_note = QLabel("")
        self.size_note.setStyleSheet("color: #f0b429;")
        self.size_note.setWordWrap(True)
        form.addRow("", self.size_note)
        # How a frame of its own shape is composed (the Inspector's menus, for this export).
        self.framing_combo = choice_combo(Framing, out.framing)
        self.framing_combo.currentIndexChanged.connect(self._on_size)
        form.addRow("Framing", self.framing_combo)
        self.fill_combo = choice_combo(Fill, out.fill)
        form.addRow("Past the photo", self.fill_combo)
        self.fps_combo = _preset_combo(EXPORT_FPS, out.fps, lambda f: f"{f:g} fps")
        form.addRow("Frame rate", self.fps_combo)
        path_row = QHBoxLayout()
        self.path_edit = QLineEdit(suggested_path)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        form.addRow("File", path_row)
        layout.addLayout(form)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #e5484d;")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.Cancel)
        export = buttons.addButton("Export", QDialogButtonBox.AcceptRole)
        export.setObjectName("Primary")
        export.setDefault(True)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._on_size()

    def chosen_size(self) -> tuple[Optional[int], int]:
        """(width or None, height); UserError for a custom size that is not one."""
        if self.size_combo.currentData() == CUSTOM:
            width, height = parse_size(self.custom_size.text())
            if width is None:
                raise UserError("give the custom size as width×height, e.g. 1080x1920")
            return width, height
        return chosen_size(self.size_combo)

    def _on_size(self) -> None:
        self.custom_size.setVisible(self.size_combo.currentData() == CUSTOM)
        try:
            width, height = self.chosen_size()
        except UserError as exc:
            self._say_about_size(str(exc).capitalize())
            return
        enable_framing((self.framing_combo, self.fill_combo), own_shape=width is not None)
        notes = [self._enlargement(width, height)]
        if height % 2 or (width or 0) % 2:
            notes.append(f"It will be {even(width) if width else 'W'}×{even(height)}: video encoders need even sizes.")
        self._say_about_size(" ".join(n for n in notes if n))

    def _say_about_size(self, text: str) -> None:
        """The line under Size, or no line (and no gap) when there is nothing to say."""
        self.size_note.setText(text)
        self.size_note.setVisible(bool(text))

    def _enlargement(self, width: Optional[int], height: int) -> str:
        if self._photo_size is None or self._face_box is None:
            return ""
        from emospeaker_studio.engine.framing import enlargement_note, frame_region

        photo_w, photo_h = self._photo_size
        if width is None:
            width, height, region_height = round(photo_w * height / photo_h), height, photo_h
        else:
            region_height = frame_region(self._photo_size, self._face_box, (width, height), self.framing())[3]
        note = enlargement_note((width, height), region_height, photo_h)
        return f"{note[0].upper()}{note[1:]}." if note else ""

    def format(self) -> ExportFormat:
        return ExportFormat(self.format_combo.currentData())

    def framing(self) -> Framing:
        return Framing(self.framing_combo.currentData())

    def _on_format(self) -> None:
        path = Path(self.path_edit.text().strip() or "export")
        fmt = self.format()
        stem = path.with_suffix("") if path.suffix else path
        self.path_edit.setText(str(stem) + (fmt.suffix if fmt is not ExportFormat.PNG else ""))

    def _browse(self) -> None:
        fmt = self.format()
        if fmt is ExportFormat.PNG:
            path = QFileDialog.getExistingDirectory(self, "Folder for the PNG frames", os.path.dirname(self.path_edit.text()))
        else:
            path, _ = QFileDialog.getSaveFileName(self, "Export video", self.path_edit.text(), f"{fmt.name} (*{fmt.suffix})")
        if path:
            self.path_edit.setText(path)

    def _accept(self) -> None:
        path = self.path_edit.text().strip()
        if not path:
            self.error.setText("Choose where to write the video.")
            return
        folder = Path(path).expanduser().resolve().parent
        if not folder.is_dir():
            self.error.setText(f"The folder {folder} does not exist; choose another.")
            return
        try:
            self.chosen_size()
        except UserError as exc:
            self.error.setText(str(exc).capitalize())
            return
        self.accept()

    def result_path(self) -> str:
        return str(Path(self.path_edit.text().strip()).expanduser())

    def result_output(self) -> OutputSettings:
        width, height = self.chosen_size()
        return self._project.output.with_(height=height, width=width, fps=float(self.fps_combo.currentData()),
                                          format=self.format(), framing=self.framing(),
                                          fill=Fill(self.fill_combo.currentData()))


class PreferencesDialog(QDialog):
    def __init__(self, settings: AppSettings, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.setMinimumWidth(420)
        self._settings = settings
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(14)
        form = QFormLayout()
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(10)
        self.device = QComboBox()
        for d, label in zip(DEVICES, ("Automatic (GPU when present)", "CPU", "CUDA GPU")):
            self.device.addItem(label, d)
        self.device.setCurrentIndex(max(0, self.device.findData(settings.device)))
        form.addRow("Render device", self.device)
        self.preview = _preset_combo(PREVIEW_HEIGHTS, settings.preview_height, lambda h: f"{h} px")
        form.addRow("Preview resolution", self.preview)
        self.theme = QComboBox()
        for t in THEMES:
            self.theme.addItem(t.capitalize(), t)
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.theme)))
        form.addRow("Theme", self.theme)
        layout.addLayout(form)
        hint = QLabel("The preview renders at a lower resolution so playback stays smooth; export always uses the project's size.")
        hint.setObjectName("Hint")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def result_settings(self) -> AppSettings:
        s = self._settings
        return AppSettings(self.device.currentData(), int(self.preview.currentData()), self.theme.currentData(),
                           list(s.recent_files), s.opened_before, s.autosave_interval_s)


class ShortcutsDialog(QDialog):
    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        table = QTableWidget(len(SHORTCUTS), 3)
        table.setHorizontalHeaderLabels(["Group", "Keys", "Action"])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.NoEditTriggers)
        table.setSelectionMode(QTableWidget.NoSelection)
        table.setShowGrid(False)
        for row, shortcut in enumerate(SHORTCUTS):
            keys = "  ·  ".join(QKeySequence(k).toString(QKeySequence.NativeText) for k in shortcut.keys)
            for col, text in enumerate((shortcut.group, keys, shortcut.text)):
                item = QTableWidgetItem(text)
                if col == 1:
                    item.setTextAlignment(Qt.AlignCenter)
                table.setItem(row, col, item)
        # Every column as wide as its longest text, and the dialog as wide as the table:
        # a stretched last column in a fixed-size dialog cut the longer descriptions off.
        table.resizeColumnsToContents()
        for col in range(table.columnCount()):
            table.setColumnWidth(col, table.columnWidth(col) + 12)
        table.horizontalHeader().setStretchLastSection(True)
        self.table = table
        layout.addWidget(table)
        margins = layout.contentsMargins()
        wanted = (sum(table.columnWidth(c) for c in range(table.columnCount())) + 2 * table.frameWidth()
                  + table.verticalScrollBar().sizeHint().width() + margins.left() + margins.right())
        self.resize(max(520, wanted), 620)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


ABOUT_TEXT = (
    f"<h3>EmoSpeaker Studio {__version__}</h3>"
    "<p>One portrait photo and one voice recording become a talking portrait whose lips follow the speech "
    "and whose emotion, type and fine-grained intensity, is keyframed on a timeline.</p>"
    "<p>The method follows <i>EmoSpeaker: One-shot Fine-grained Emotion-Controlled Talking Face Generation</i> "
    "(Feng et al., arXiv 2402.01422). Everything runs offline.</p>"
)
