"""The strip above the preview: project name, its portrait and voice, and the Export button."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from emospeaker_studio.app.document import DocumentController
from emospeaker_studio.app.icons import icon
from emospeaker_studio.app.theme import Palette


class ProjectBar(QFrame):
    """Signals: ``importPortrait()``, ``importAudio()``, ``exportRequested()``."""

    importPortrait = Signal()
    importAudio = Signal()
    exportRequested = Signal()

    def __init__(self, document: DocumentController, palette: Palette, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("ProjectBar")
        self.document = document
        self._palette = palette
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 6, 10, 6)
        layout.setSpacing(8)
        self.name = QLabel()
        self.name.setObjectName("ProjectName")
        layout.addWidget(self.name)
        self.state = QLabel()
        self.state.setObjectName("Hint")
        layout.addWidget(self.state)
        layout.addSpacing(14)
        self.portrait_chip = self._chip("Portrait", self.importPortrait.emit)
        self.audio_chip = self._chip("Voice", self.importAudio.emit)
        layout.addWidget(self.portrait_chip)
        layout.addWidget(self.audio_chip)
        layout.addStretch(1)
        self.export_button = QPushButton("  Export")
        self.export_button.setObjectName("Primary")
        self.export_button.setIcon(icon("export", palette.accent_text))
        self.export_button.setIconSize(QSize(13, 13))
        self.export_button.setToolTip("Export a video (Ctrl+E)")
        self.export_button.clicked.connect(self.exportRequested)
        layout.addWidget(self.export_button)
        document.projectChanged.connect(lambda old, new: self.refresh())
        document.pathChanged.connect(lambda _: self.refresh())
        document.dirtyChanged.connect(lambda _: self.refresh())
        self.refresh()

    def _chip(self, what: str, slot) -> QToolButton:
        chip = QToolButton()
        chip.setObjectName("FileChip")
        chip.setToolButtonStyle(Qt.ToolButtonTextOnly)
        chip.setCursor(Qt.PointingHandCursor)
        chip.clicked.connect(slot)
        chip.setProperty("what", what)
        return chip

    def refresh(self) -> None:
        doc = self.document
        self.name.setText(doc.display_name)
        self.state.setText("●  unsaved changes" if doc.is_dirty else "")
        project = doc.project
        for chip, path, kind in ((self.portrait_chip, project.portrait, "Portrait"), (self.audio_chip, project.audio, "Voice")):
            if path:
                chip.setText(f"{kind}:  {Path(path).name}")
                chip.setToolTip(f"{path}\nClick to choose another file")
                chip.setProperty("missing", False)
            else:
                chip.setText(f"+ Add {kind.lower()}")
                chip.setToolTip(f"Import a {kind.lower()} file")
                chip.setProperty("missing", True)
            chip.style().unpolish(chip)
            chip.style().polish(chip)
