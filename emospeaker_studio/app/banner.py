"""A non-modal message strip at the top of the window: errors from workers and edits."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from emospeaker_studio.app.icons import icon


class Banner(QFrame):
    """Shows one message at a time; info messages hide themselves after a while.

    An optional action button (e.g. "Open folder") runs a callback.
    """

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("Banner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.setSpacing(8)
        self._icon = QLabel()
        self._icon.setFixedSize(16, 16)
        self.text = QLabel()
        self.text.setObjectName("BannerText")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self._actions: list[QPushButton] = []
        self._callbacks: list = []  # what each shown action button runs
        self._close = QToolButton()
        self._close.setIcon(icon("close", "#c9ccd3"))
        self._close.setIconSize(QSize(10, 10))
        self._close.setToolTip("Dismiss")
        self._close.clicked.connect(self.hide)
        layout.addWidget(self._icon)
        layout.addWidget(self.text, 1)
        self._action_row = QHBoxLayout()
        layout.addLayout(self._action_row)
        layout.addWidget(self._close)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_message(self, message: str, level: str = "error", actions: tuple = (), timeout_ms: Optional[int] = None) -> None:
        """``level``: "error" or "info"; ``actions``: (label, callback) pairs shown as buttons."""
        if self.property("level") != level:
            # Re-polishing under the application's style sheet costs the GUI thread
            # tens of milliseconds (up to 140 measured): only when the colour changes.
            self.setProperty("level", level)
            self.style().unpolish(self)
            self.style().polish(self)
            colour = "#e5484d" if level == "error" else "#4f8dff"
            self._icon.setPixmap(icon("warning" if level == "error" else "keyframe", colour).pixmap(16, 16))
        self.text.setText(message)
        self._set_actions(actions)
        self.show()
        if timeout_ms is None:
            timeout_ms = 0 if level == "error" or actions else 6000
        if timeout_ms:
            self._timer.start(timeout_ms)
        else:
            self._timer.stop()

    def _set_actions(self, actions: tuple) -> None:
        """A button per (label, callback). Buttons are kept and relabelled, not made anew:
        a new widget is styled from the style sheet, which is slow."""
        while len(self._actions) < len(actions):
            index = len(self._actions)
            button = QPushButton()
            button.clicked.connect(lambda _=False, i=index: self._run_action(i))
            self._action_row.addWidget(button)
            self._actions.append(button)
        self._callbacks = [callback for _label, callback in actions]
        for button, (label, _callback) in zip(self._actions, actions):
            button.setText(label)
            button.show()
        for button in self._actions[len(actions):]:
            button.hide()

    def _run_action(self, index: int) -> None:
        callback = self._callbacks[index]
        self.hide()
        callback()

    @property
    def message(self) -> str:
        return self.text.text() if self.isVisible() else ""
