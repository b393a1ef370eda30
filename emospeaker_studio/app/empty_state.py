"""What to do next, over the preview, while the portrait or the voice is missing.

With nothing imported it is a card in the middle of the preview with the
three steps; once the photo is there it shrinks to one line at the bottom
(the photo shows above it) that asks for the voice. It only reports intents;
the main window imports and opens.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

PORTRAIT_STEP = "1   A portrait photo: one face, looking at the camera, eyes open."
VOICE_STEP = "2   A voice recording in any language (or a video, for its sound)."
# Once one file is there, the one line that asks for the other.
PORTRAIT_NEXT = "Next: a portrait photo, one face looking at the camera."
VOICE_NEXT = "Next: the voice recording, in any language (a video gives its sound)."


class EmptyState(QFrame):
    """Signals: ``importPortrait()``, ``importAudio()``, ``openDemo()``, ``showGuide()``."""

    importPortrait = Signal()
    importAudio = Signal()
    openDemo = Signal()
    showGuide = Signal()

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("EmptyState")
        self.setMaximumWidth(560)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(26, 22, 26, 20)
        layout.setSpacing(12)
        self.title = QLabel("Make a portrait talk")
        self.title.setObjectName("EmptyTitle")
        layout.addWidget(self.title)
        self.portrait_step, self.portrait_button = self._step(layout, PORTRAIT_STEP, "Choose a Photo…", self.importPortrait)
        self.voice_step, self.voice_button = self._step(layout, VOICE_STEP, "Choose a Recording…", self.importAudio)
        self.emotion_step = QLabel("3   Then double-click the EMOTION lane to add keyframes, press Space to play, "
                                   "and Export (Ctrl+E). You can also drop files on the window.")
        self.emotion_step.setObjectName("Hint")
        self.emotion_step.setWordWrap(True)
        layout.addWidget(self.emotion_step)
        links = QHBoxLayout()
        links.setSpacing(8)
        self.demo_button = QPushButton("Open the Demo Project")
        self.demo_button.clicked.connect(self.openDemo)
        self.guide_button = QPushButton("Getting Started…")
        self.guide_button.clicked.connect(self.showGuide)
        links.addWidget(self.demo_button)
        links.addWidget(self.guide_button)
        links.addStretch(1)
        self.links = QWidget()
        self.links.setLayout(links)
        links.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.links)
        self.set_state(False, False)

    @staticmethod
    def _step(layout: QVBoxLayout, text: str, button_text: str, signal) -> tuple[QLabel, QPushButton]:
        row = QHBoxLayout()
        row.setSpacing(12)
        label = QLabel(text)
        label.setWordWrap(True)
        button = QPushButton(button_text)
        button.setObjectName("Primary")
        button.clicked.connect(signal)
        row.addWidget(label, 1)
        row.addWidget(button)
        layout.addLayout(row)
        return label, button

    @property
    def compact(self) -> bool:
        """One file is there: only the step for the missing one shows (the photo shows above it)."""
        return self.title.isHidden()

    def set_state(self, has_portrait: bool, has_audio: bool) -> None:
        """Hidden once both files are there; with one of them, only the other's step."""
        self.setVisible(not (has_portrait and has_audio))
        compact = has_portrait or has_audio
        for widget in (self.title, self.emotion_step, self.links):
            widget.setVisible(not compact)
        for label, button, missing, full_text, next_text in (
            (self.portrait_step, self.portrait_button, not has_portrait, PORTRAIT_STEP, PORTRAIT_NEXT),
            (self.voice_step, self.voice_button, not has_audio, VOICE_STEP, VOICE_NEXT),
        ):
            label.setVisible(missing)
            button.setVisible(missing)
            label.setText(next_text if compact else full_text)
