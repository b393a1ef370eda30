"""The style sheet is filled from the palette of each theme."""

from __future__ import annotations

import re

import pytest

from emospeaker_studio.app.theme import THEMES, style_sheet


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_every_palette_name_in_the_style_sheet_is_filled(theme: str) -> None:
    rules = re.sub(r"/\*.*?\*/", "", style_sheet(THEMES[theme]), flags=re.S)
    assert not re.findall(r"@[a-z_]+", rules)


def test_banners_follow_the_theme() -> None:
    # A banner hard-coded dark left dark text unreadable on the light theme.
    def banner_background(theme: str) -> str:
        sheet = style_sheet(THEMES[theme])
        return re.search(r'#Banner\[level="info"\] \{ background: (#[0-9a-f]{6})', sheet).group(1)

    def luminance(hex_colour: str) -> float:
        r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    assert luminance(banner_background("dark")) < 80
    assert luminance(banner_background("light")) > 180
