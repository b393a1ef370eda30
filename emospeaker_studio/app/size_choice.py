"""The output menus of the Inspector and the export dialog: the size (heights that follow the
photo's shape, the platforms' frames composed around the face, a custom W×H), and the framing
and fill of a frame of its own shape."""

from __future__ import annotations

from typing import Optional

from PySide6.QtWidgets import QComboBox

from emospeaker_studio.core.project import FRAME_PRESETS, OutputSettings, parse_size

CUSTOM = "custom"


def size_key(width: Optional[int], height: int) -> str:
    """The menu's data for a size: "512" (a height, the width follows the photo) or "1080x1920"."""
    return f"{width}x{height}" if width else str(height)


def keep_narrow(combo: QComboBox) -> None:
    """Long entries must not widen the panel that holds the menu (the Inspector was cut off on the right)."""
    combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(14)


def choice_combo(kind: type, current=None) -> QComboBox:
    """A narrow menu of ``kind``'s members (Framing, Fill) by label, showing ``current`` when given."""
    combo = QComboBox()
    keep_narrow(combo)
    for member in kind:  # data: the value (Qt turns str-based enums into plain str)
        combo.addItem(member.label, member.value)
    if current is not None:
        combo.setCurrentIndex(combo.findData(current.value))
    return combo


def enable_framing(combos, own_shape: bool) -> None:
    """The framing and fill menus apply only to a frame of its own shape; off, they say why."""
    tip = "" if own_shape else "For a frame of its own shape (16:9, 9:16 …): choose one under Size"
    for combo in combos:
        combo.setEnabled(own_shape)
        combo.setToolTip(tip)


def fill_size_combo(combo: QComboBox, heights: tuple[int, ...], output: OutputSettings, *, custom: bool = False) -> None:
    """Heights, then the platforms' frames, then (with ``custom``) an entry for any W×H; ``output``'s
    size selected, added as its own entry when it is none of these."""
    keep_narrow(combo)
    combo.clear()
    for height in heights:
        combo.addItem(f"{height} px high · the photo's shape", size_key(None, height))
    combo.insertSeparator(combo.count())
    for label, (width, height) in FRAME_PRESETS.items():
        combo.addItem(label, size_key(width, height))
    if custom:
        combo.addItem("Custom size (W×H)…", CUSTOM)
    select_size(combo, output)


def select_size(combo: QComboBox, output: OutputSettings) -> None:
    key = size_key(output.width, output.height)
    index = combo.findData(key)
    if index < 0:
        label = f"{output.width}×{output.height}" if output.width else f"{output.height} px high · the photo's shape"
        combo.insertItem(combo.count() - (1 if combo.findData(CUSTOM) >= 0 else 0), label, key)
        index = combo.findData(key)
    combo.setCurrentIndex(index)


def chosen_size(combo: QComboBox) -> tuple[Optional[int], int]:
    """(width or None, height) of the selected entry (not for the custom entry)."""
    return parse_size(str(combo.currentData()))
