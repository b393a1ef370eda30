"""The transport bar under the preview: timecode, play controls, loop, zoom and view toggles."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from emospeaker_studio.app.icons import icon
from emospeaker_studio.app.theme import Palette, mono_font
from emospeaker_studio.app.timeline.timecode import format_timecode


class TransportBar(QFrame):
    """Buttons only emit; the main window wires them to the playback clock and the preview."""

    playToggled = Signal()
    stepRequested = Signal(int)  # -1 / +1 frame
    jumpRequested = Signal(str)  # "start" / "end"
    loopToggled = Signal(bool)
    zoomModeRequested = Signal(str)  # "fit" / "100"
    originalToggled = Signal(bool)
    overlayToggled = Signal(bool)

    def __init__(self, palette: Palette, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("Transport")
        self._palette = palette
        self._icons: list[tuple[QToolButton, str]] = []
        self._playing = False  # (button, icon name), recoloured with the theme
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 6, 14, 6)
        layout.setSpacing(6)

        self.timecode = QLabel("00:00.00")
        self.timecode.setToolTip("Playhead: minutes:seconds.hundredths")
        self.timecode.setObjectName("Timecode")
        self.timecode.setFont(mono_font(12))
        self.total = QLabel("/ 00:00.00")
        self.total.setToolTip("Length of the voice")
        self.total.setObjectName("TimecodeTotal")
        self.total.setFont(mono_font(10))
        layout.addWidget(self.timecode)
        layout.addWidget(self.total)
        layout.addStretch(1)

        self.to_start = self._button("to-start", "Go to start (Home)", lambda: self.jumpRequested.emit("start"))
        self.step_back = self._button("step-back", "Previous frame (Left)", lambda: self.stepRequested.emit(-1))
        self.play = self._button("play", "Play / pause (Space)", self.playToggled.emit, size=34)
        self.play.setObjectName("PlayButton")
        self.play.setIconSize(QSize(16, 16))
        self.step_forward = self._button("step-forward", "Next frame (Right)", lambda: self.stepRequested.emit(1))
        self.to_end = self._button("to-end", "Go to end (End)", lambda: self.jumpRequested.emit("end"))
        for b in (self.to_start, self.step_back, self.play, self.step_forward, self.to_end):
            layout.addWidget(b)
        layout.addSpacing(10)
        self.loop = self._button("loop", "Loop the range marked on the ruler (I / O set it)", None, checkable=True)
        self.loop.toggled.connect(self.loopToggled)
        layout.addWidget(self.loop)
        layout.addStretch(1)

        self.original = self._button("compare", "Show the original photo (A/B)  ·  hold \\ ", None, checkable=True)
        self.original.toggled.connect(self.originalToggled)
        self.overlay = self._button("landmarks", "Show the face fit", None, checkable=True)
        self.overlay.toggled.connect(self.overlayToggled)
        sep = QFrame()
        sep.setFixedSize(1, 20)
        sep.setStyleSheet(f"background: {palette.border};")
        self._separator = sep
        self.fit = self._button("fit", "Zoom to fit", lambda: self.zoomModeRequested.emit("fit"), checkable=True)
        self.actual = self._button("zoom-100", "Zoom 100 %", lambda: self.zoomModeRequested.emit("100"), checkable=True)
        self.fit.setChecked(True)
        for b in (self.original, self.overlay, sep, self.fit, self.actual):
            layout.addWidget(b)
        self.info = QLabel("")
        self.info.setObjectName("Hint")
        self.info.setMinimumWidth(120)
        self.info.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        layout.addWidget(self.info)

    def _button(self, name: str, tip: str, slot, *, checkable: bool = False, size: int = 28) -> QToolButton:
        button = QToolButton()
        button.setIcon(icon(name, self._palette.text))
        if name != "play":  # the play button's icon follows the playing state
            self._icons.append((button, name))
        button.setIconSize(QSize(15, 15))
        button.setFixedSize(size, size)
        button.setToolTip(tip)
        button.setCheckable(checkable)
        button.setFocusPolicy(Qt.NoFocus)  # Space and arrows belong to the window's shortcuts
        if slot is not None:
            button.clicked.connect(slot)
        return button

    def set_zoom_mode(self, mode: str) -> None:
        self.fit.setChecked(mode == "fit")
        self.actual.setChecked(mode == "100")

    def set_playing(self, playing: bool) -> None:
        self._playing = playing
        self.play.setIcon(icon("pause" if playing else "play", self._palette.text))

    def set_palette(self, palette: Palette) -> None:
        """Redraw the icons in the new theme's text colour."""
        self._palette = palette
        for button, name in self._icons:
            button.setIcon(icon(name, palette.text))
        self._separator.setStyleSheet(f"background: {palette.border};")
        self.set_playing(self._playing)

    def set_time(self, seconds: float, duration: float, fps: float) -> None:
        _set_label_text(self.timecode, format_timecode(seconds, fps))
        _set_label_text(self.total, "/ " + format_timecode(duration, fps))


def _set_label_text(label: QLabel, text: str) -> None:
    """Show ``text`` in a timecode label at a fixed size, set anew only when the text's length changes.

    A label whose size may change asks its window to lay out again on every
    new text: 25 layouts of the whole window a second while playing. The
    timecode font is monospaced, so the same length is the same width.
    """
    if len(text) != len(label.text()) or label.minimumWidth() != label.maximumWidth():
        label.setText(text)
        label.setFixedSize(label.sizeHint())
    else:
        label.setText(text)
