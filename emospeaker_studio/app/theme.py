"""Colours, fonts and the style sheet of the Studio (dark by default).

The palette is one table per theme; the style sheet in ``resources/style``
uses ``@name`` placeholders filled from that table, so a colour is changed in
one place. Emotion colours are shared by the timeline, inspector and icons.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from emospeaker_studio import paths
from emospeaker_studio.core.emotions import Emotion

EMOTION_COLORS: dict[Emotion, str] = {
    Emotion.NEUTRAL: "#9aa4b1",
    Emotion.HAPPY: "#f2c14e",
    Emotion.SAD: "#4c8ee8",
    Emotion.ANGRY: "#e5484d",
    Emotion.SURPRISED: "#f0883e",
    Emotion.FEARFUL: "#9d74f0",
    Emotion.DISGUSTED: "#5cb86b",
    Emotion.CONTEMPTUOUS: "#d66fb3",
}


def emotion_color(emotion: Emotion) -> QColor:
    return QColor(EMOTION_COLORS[emotion])


@dataclass(frozen=True)
class Palette:
    window: str
    panel: str
    panel_alt: str
    sunken: str
    border: str
    text: str
    text_dim: str
    text_faint: str
    accent: str
    accent_text: str
    playhead: str
    lane: str
    lane_alt: str
    grid: str
    waveform: str
    warning: str
    error: str
    # Message banners: tinted backgrounds that keep @text readable.
    banner_info: str
    banner_error: str


DARK = Palette(
    window="#16171a",
    panel="#1f2024",
    panel_alt="#26282d",
    sunken="#121316",
    border="#2f3137",
    text="#dcdee3",
    text_dim="#9498a1",
    text_faint="#62666f",
    accent="#4f8dff",
    accent_text="#ffffff",
    playhead="#ff5b4f",
    lane="#1a1b1f",
    lane_alt="#1d1f23",
    grid="#2a2c32",
    waveform="#3fb7a3",
    warning="#e0a43a",
    error="#e5484d",
    banner_info="#1c2a40",
    banner_error="#3a2326",
)

LIGHT = Palette(
    window="#e9eaee",
    panel="#f4f5f7",
    panel_alt="#ffffff",
    sunken="#dfe1e6",
    border="#c9ccd3",
    text="#1e2026",
    text_dim="#555a64",
    text_faint="#8d929c",
    accent="#2f6fe4",
    accent_text="#ffffff",
    playhead="#e0412f",
    lane="#f7f8fa",
    lane_alt="#eef0f3",
    grid="#d9dce2",
    waveform="#1f9c88",
    warning="#b87a12",
    error="#c92a2f",
    banner_info="#dce7fb",
    banner_error="#f9e0e1",
)

THEMES = {"dark": DARK, "light": LIGHT}


def palette_for(theme: str) -> Palette:
    return THEMES.get(theme, DARK)


def style_sheet(palette: Palette) -> str:
    """The application style sheet with the palette's colours filled in."""
    template = (paths.resources_dir() / "style" / "studio.qss").read_text(encoding="utf-8")
    # Longest names first so "@panel_alt" is not eaten by "@panel".
    for name in sorted(Palette.__dataclass_fields__, key=len, reverse=True):
        template = template.replace("@" + name, getattr(palette, name))
    return template


def apply_theme(app: QApplication, theme: str) -> Palette:
    """Give ``app`` the Fusion style, the palette and the style sheet of ``theme``."""
    palette = palette_for(theme)
    app.setStyle("Fusion")
    qp = QPalette()
    roles = {
        QPalette.Window: palette.window,
        QPalette.WindowText: palette.text,
        QPalette.Base: palette.sunken,
        QPalette.AlternateBase: palette.panel_alt,
        QPalette.ToolTipBase: palette.panel_alt,
        QPalette.ToolTipText: palette.text,
        QPalette.Text: palette.text,
        QPalette.Button: palette.panel_alt,
        QPalette.ButtonText: palette.text,
        QPalette.BrightText: palette.playhead,
        QPalette.Highlight: palette.accent,
        QPalette.HighlightedText: palette.accent_text,
        QPalette.PlaceholderText: palette.text_faint,
        QPalette.Link: palette.accent,
    }
    for role, colour in roles.items():
        qp.setColor(role, QColor(colour))
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        qp.setColor(QPalette.Disabled, role, QColor(palette.text_faint))
    app.setPalette(qp)
    font = QFont(app.font())
    font.setPointSizeF(9.5)
    app.setFont(font)
    app.setStyleSheet(style_sheet(palette))
    return palette


def mono_font(point_size: float = 10.0) -> QFont:
    """A fixed-width font for timecodes (digits must not jitter while playing)."""
    font = QFont("DejaVu Sans Mono")
    font.setStyleHint(QFont.Monospace)
    font.setPointSizeF(point_size)
    return font
