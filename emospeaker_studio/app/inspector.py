"""The inspector: the selected keyframe, then the style and output of the project.

It reads the document and the selection, and writes only through core edits
pushed on the document; a slider drag is one undo step.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from emospeaker_studio.app import keyframe_ops
from emospeaker_studio.app.controls import EasingPreview, FineSlider
from emospeaker_studio.app.document import DocumentController
from emospeaker_studio.app.icons import emotion_icon
from emospeaker_studio.app.selection import KeyframeSelection
from emospeaker_studio.app.size_choice import choice_combo, chosen_size, enable_framing, fill_size_combo, select_size
from emospeaker_studio.app.theme import EMOTION_COLORS
from emospeaker_studio.app.timeline.timecode import format_seconds
from emospeaker_studio.core.easing import PRESETS, Easing
from emospeaker_studio.core.edits import MacroEdit, MoveKeyframe, SetKeyframeIntensity, SetOutput, SetStyle
from emospeaker_studio.core.emotions import Emotion
from emospeaker_studio.core.project import ExportFormat, Fill, Framing

OUTPUT_HEIGHTS = (256, 360, 480, 512, 720, 1080)
OUTPUT_FPS = (24.0, 25.0, 30.0, 50.0, 60.0)


def _section(title: str) -> QLabel:
    label = QLabel(title.upper())
    label.setObjectName("SectionTitle")
    return label


def _separator() -> QFrame:
    line = QFrame()
    line.setFixedHeight(1)
    line.setStyleSheet("background: palette(mid);")
    return line


def easing_preset_name(easing: Easing) -> Optional[str]:
    for name, preset in PRESETS.items():
        if preset == easing:
            return name
    return None


class Inspector(QScrollArea):
    """Signals: ``newEmotionChanged(Emotion)`` when the emotion for new keyframes changes;
    ``notice(str)`` says what a click changed in the document (for the status bar)."""

    newEmotionChanged = Signal(object)
    notice = Signal(str)

    def __init__(self, document: DocumentController, selection: KeyframeSelection, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("Inspector")
        self.document = document
        self.selection = selection
        self._new_emotion = Emotion.HAPPY
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        body = QWidget()
        body.setObjectName("Inspector")
        self.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(16, 12, 16, 16)
        layout.setSpacing(10)

        # -- keyframe ------------------------------------------------------------
        layout.addWidget(_section("Keyframe"))
        self.keyframe_title = QLabel()
        self.keyframe_title.setObjectName("Hint")
        self.keyframe_title.setWordWrap(True)
        layout.addWidget(self.keyframe_title)
        grid = QGridLayout()
        grid.setSpacing(6)
        self.emotion_buttons: dict[Emotion, QToolButton] = {}
        self._emotion_group = QButtonGroup(self)
        self._emotion_group.setExclusive(True)
        for i, emotion in enumerate(Emotion):
            button = QToolButton()
            button.setCheckable(True)
            button.setIcon(emotion_icon(emotion))
            button.setIconSize(QSize(26, 26))
            button.setText(emotion.label if emotion is not Emotion.CONTEMPTUOUS else "Contempt")
            button.setToolTip(emotion.label)
            button.setToolButtonStyle(Qt.ToolButtonTextUnderIcon)
            button.setObjectName("Chip")
            button.setMinimumWidth(62)
            button.setStyleSheet("font-size: 7.5pt;")
            button.clicked.connect(lambda _=False, e=emotion: self._on_emotion_clicked(e))
            self._emotion_group.addButton(button)
            grid.addWidget(button, i // 4, i % 4)
            self.emotion_buttons[emotion] = button
        layout.addLayout(grid)

        # The selected keyframe's values; hidden while nothing is selected (no fake zeros on show).
        self.keyframe_details = QWidget()
        details = QVBoxLayout(self.keyframe_details)
        details.setContentsMargins(0, 0, 0, 0)
        details.setSpacing(10)
        layout.addWidget(self.keyframe_details)
        self.intensity = FineSlider("Intensity", 0.0, 1.0, steps=1000, fmt=lambda v: f"{v * 100:.1f} %")
        self.intensity.edited.connect(self._on_intensity)
        self.intensity.pressed.connect(self.document.begin_gesture)
        self.intensity.released.connect(self.document.end_gesture)
        details.addWidget(self.intensity)

        row = QFormLayout()
        row.setHorizontalSpacing(12)
        row.setVerticalSpacing(8)
        row.setLabelAlignment(Qt.AlignLeft | Qt.AlignVCenter)
        self.time_spin = QDoubleSpinBox()
        self.time_spin.setDecimals(3)
        self.time_spin.setRange(0.0, 36000.0)
        self.time_spin.setSingleStep(0.04)
        self.time_spin.setSuffix(" s")
        self.time_spin.setKeyboardTracking(False)
        self.time_spin.valueChanged.connect(self._on_time)
        row.addRow(self._field("Time"), self.time_spin)
        self.easing_combo = QComboBox()
        for name in PRESETS:
            self.easing_combo.addItem(name.replace("-", " ").capitalize(), name)
        self.easing_combo.activated.connect(self._on_easing)
        row.addRow(self._field("Easing"), self.easing_combo)
        details.addLayout(row)
        self.easing_preview = EasingPreview()
        details.addWidget(self.easing_preview)

        layout.addSpacing(4)
        layout.addWidget(_separator())

        # -- style -----------------------------------------------------------------
        layout.addWidget(_section("Style"))
        self.style_sliders = {
            "head_motion": FineSlider("Head motion", 0.0, 1.0, fmt=lambda v: f"{v * 100:.0f} %"),
            "lipsync_strength": FineSlider("Lip-sync strength", 0.0, 1.5, fmt=lambda v: f"{v * 100:.0f} %"),
            "expressiveness": FineSlider("Expressiveness", 0.0, 1.5, fmt=lambda v: f"{v * 100:.0f} %"),
            "blink_rate": FineSlider("Blink rate", 0.0, 4.0, steps=400, fmt=lambda v: f"{v:.2f}×"),
        }
        for name, slider in self.style_sliders.items():
            slider.edited.connect(lambda value, n=name: self._push_style(n, round(value, 3)))
            slider.pressed.connect(self.document.begin_gesture)
            slider.released.connect(self.document.end_gesture)
            layout.addWidget(slider)
        style_form = QFormLayout()
        style_form.setHorizontalSpacing(12)
        self.still_check = QCheckBox("Keep the head still")
        self.still_check.toggled.connect(lambda on: self._push_style("still", bool(on)))
        style_form.addRow(self._field("Still"), self.still_check)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setKeyboardTracking(False)
        self.seed_spin.valueChanged.connect(lambda v: self._push_style("seed", int(v)))
        style_form.addRow(self._field("Seed"), self.seed_spin)
        layout.addLayout(style_form)

        layout.addSpacing(4)
        layout.addWidget(_separator())

        # -- output -----------------------------------------------------------------
        layout.addWidget(_section("Output"))
        out_form = QFormLayout()
        out_form.setHorizontalSpacing(12)
        out_form.setVerticalSpacing(8)
        self.size_combo = QComboBox()
        fill_size_combo(self.size_combo, OUTPUT_HEIGHTS, document.project.output)
        self.size_combo.activated.connect(lambda _i: self._push_size())
        out_form.addRow(self._field("Size"), self.size_combo)
        # For a frame of its own shape: how close around the face, and what shows past the photo.
        self.framing_combo = self._output_choice(Framing, "framing")
        out_form.addRow(self._field("Framing"), self.framing_combo)
        self.fill_combo = self._output_choice(Fill, "fill")
        out_form.addRow(self._field("Past the photo"), self.fill_combo)
        self.fps_combo = QComboBox()
        for f in OUTPUT_FPS:
            self.fps_combo.addItem(f"{f:g} fps", f)
        self.fps_combo.activated.connect(lambda i: self._push_output(fps=float(self.fps_combo.itemData(i))))
        out_form.addRow(self._field("Frame rate"), self.fps_combo)
        self.format_combo = QComboBox()
        for fmt in ExportFormat:  # data: the value (Qt turns str-based enums into plain str)
            self.format_combo.addItem(fmt.short_label, fmt.value)
        self.format_combo.activated.connect(lambda i: self._push_output(format=ExportFormat(self.format_combo.itemData(i))))
        out_form.addRow(self._field("Format"), self.format_combo)
        layout.addLayout(out_form)
        layout.addStretch(1)

        document.projectChanged.connect(lambda old, new: self.refresh())
        selection.changed.connect(self.refresh)
        self.refresh()

    def _output_choice(self, kind: type, field: str) -> QComboBox:
        """A menu of ``kind``'s members (named choices of the output) that sets ``field`` of the output."""
        combo = choice_combo(kind)
        combo.activated.connect(lambda i: self._push_output(**{field: kind(combo.itemData(i))}))
        return combo

    @staticmethod
    def _field(text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("FieldLabel")
        return label

    # -- model -> widgets ---------------------------------------------------------------
    @property
    def new_emotion(self) -> Emotion:
        """The emotion new keyframes get: the last one picked or selected."""
        return self._new_emotion

    def refresh(self) -> None:
        project = self.document.project
        current = self.selection.current
        keyframe = project.emotions.find(current) if current else None
        count = len(self.selection)
        self.keyframe_details.setVisible(keyframe is not None)
        if keyframe is None:
            self.keyframe_title.setText("No keyframe selected: the emotion picked here is for new keyframes. "
                                        "Double-click the emotion lane (or press Ins) to add one.")
            emotion = self._new_emotion
            self.easing_preview.set_easing(None)
        else:
            more = f"  ·  {count} selected" if count > 1 else ""
            what = "these keyframes" if count > 1 else "this keyframe"
            self.keyframe_title.setText(f"Selected at {format_seconds(keyframe.time)}{more}. "
                                        f"An emotion picked here changes {what} (Esc deselects).")
            emotion = keyframe.emotion
            self._new_emotion = emotion
            self.intensity.set_value(keyframe.intensity)
            self.time_spin.blockSignals(True)
            self.time_spin.setValue(keyframe.time)
            self.time_spin.blockSignals(False)
            name = easing_preset_name(keyframe.easing)
            index = self.easing_combo.findData(name) if name else -1
            if index < 0:
                if self.easing_combo.findData("custom") < 0:
                    self.easing_combo.addItem("Custom curve", "custom")
                index = self.easing_combo.findData("custom")
            self.easing_combo.setCurrentIndex(index)
            self.easing_preview.set_easing(keyframe.easing, QColor(EMOTION_COLORS[emotion]))
        self.emotion_buttons[emotion].setChecked(True)
        style = project.style
        for name, slider in self.style_sliders.items():
            if not slider.slider.isSliderDown():
                slider.set_value(getattr(style, name))
        for widget, value in ((self.still_check, style.still), (self.seed_spin, style.seed)):
            widget.blockSignals(True)
            widget.setChecked(value) if isinstance(widget, QCheckBox) else widget.setValue(value)
            widget.blockSignals(False)
        out = project.output
        select_size(self.size_combo, out)
        for combo, value in ((self.framing_combo, out.framing.value), (self.fill_combo, out.fill.value)):
            combo.setCurrentIndex(combo.findData(value))
        enable_framing((self.framing_combo, self.fill_combo), own_shape=out.width is not None)
        self._select_data(self.fps_combo, out.fps, f"{out.fps:g} fps")
        self._select_data(self.format_combo, out.format.value, out.format.name)

    @staticmethod
    def _select_data(combo: QComboBox, value, text: str) -> None:
        index = combo.findData(value)
        if index < 0:
            combo.addItem(text, value)
            index = combo.count() - 1
        combo.setCurrentIndex(index)

    # -- widgets -> edits -------------------------------------------------------------------
    def _selected_ids(self) -> tuple[str, ...]:
        track = self.document.project.emotions
        return tuple(i for i in self.selection.ids if i in track)

    def _on_emotion_clicked(self, emotion: Emotion) -> None:
        self._new_emotion = emotion
        self.newEmotionChanged.emit(emotion)
        ids = self._selected_ids()
        if ids and keyframe_ops.set_emotion(self.document, ids, emotion):
            # Said out loud: a click meant to choose the next keyframe's emotion changes the selected one.
            what = f"{len(ids)} keyframes" if len(ids) > 1 else \
                f"the keyframe at {format_seconds(self.document.project.emotions.get(ids[0]).time)}"
            self.notice.emit(f"Changed {what} to {emotion.label} (Ctrl+Z undoes; Esc deselects)")

    def _on_intensity(self, value: float) -> None:
        ids = self._selected_ids()
        if not ids:
            return
        value = round(value, 3)
        edits = [SetKeyframeIntensity(i, value, drag_id="inspector") for i in ids]
        self.document.push(edits[0] if len(edits) == 1 else MacroEdit(edits, "Change Keyframe Intensities"))

    def _on_time(self, value: float) -> None:
        current = self.selection.current
        if current and current in self.document.project.emotions:
            if abs(self.document.project.emotions.get(current).time - value) > 1e-9:
                if not self.document.push(MoveKeyframe(current, time=value)):
                    self.refresh()

    def _on_easing(self, index: int) -> None:
        name = self.easing_combo.itemData(index)
        if name in PRESETS:
            keyframe_ops.set_easing(self.document, self._selected_ids(), PRESETS[name])

    def _push_style(self, field: str, value) -> None:
        if getattr(self.document.project.style, field) != value:
            self.document.push(SetStyle(field, value))

    def _push_size(self) -> None:
        width, height = chosen_size(self.size_combo)
        self._push_output(width=width, height=height)

    def _push_output(self, **changes) -> None:
        out = self.document.project.output
        if any(getattr(out, k) != v for k, v in changes.items()):
            self.document.push(SetOutput(**changes))
