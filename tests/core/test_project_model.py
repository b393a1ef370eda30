"""Project, OutputSettings, StyleSettings, ExportFormat, parse_size."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emospeaker_studio.core.errors import UserError
from emospeaker_studio.core.keyframes import EmotionTrack, Keyframe
from emospeaker_studio.core.project import (
    STYLE_RANGES,
    ExportFormat,
    OutputSettings,
    Project,
    StyleSettings,
    even,
    parse_size,
)


def test_defaults_match_the_architecture() -> None:
    project = Project()
    assert project.portrait is None and project.audio is None
    assert project.output == OutputSettings(height=512, width=None, fps=25.0, format=ExportFormat.MP4)
    assert project.style == StyleSettings(
        head_motion=0.5, still=False, blink_rate=1.0, lipsync_strength=1.0, expressiveness=1.0, seed=0
    )
    assert project.emotions == EmotionTrack()
    assert project.face_index == 0 and project.landmark_offsets == ()


def test_project_is_frozen_and_with_replaces() -> None:
    project = Project()
    with pytest.raises(dataclasses.FrozenInstanceError):
        project.audio = "/x.wav"  # type: ignore[misc]
    changed = project.with_(audio="/tmp/voice.wav", face_index=2)
    assert changed.audio == "/tmp/voice.wav" and changed.face_index == 2
    assert project.audio is None
    assert changed.with_(audio=None, face_index=0) == project


def test_project_validation() -> None:
    with pytest.raises(UserError, match="face_index"):
        Project(face_index=-1)
    with pytest.raises(UserError, match="portrait must be a file path"):
        Project(portrait="")
    with pytest.raises(UserError, match=r"landmark_offsets\[0\]"):
        Project(landmark_offsets=((1, 2.0),))  # type: ignore[arg-type]
    with pytest.raises(UserError, match="corrected twice"):
        Project(landmark_offsets=((1, 0.0, 0.0), (1, 1.0, 1.0)))
    with pytest.raises(UserError, match="OutputSettings"):
        Project(output={"height": 3})  # type: ignore[arg-type]
    project = Project(emotions=[Keyframe("a", 0.0, "happy")])  # type: ignore[arg-type]
    assert isinstance(project.emotions, EmotionTrack)
    assert Project(landmark_offsets=[[3, 1, 2]]).landmark_offsets == ((3, 1.0, 2.0),)  # type: ignore[list-item]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"height": 8}, r"output\.height must be from 16 to 4320 pixels, got 8"),
        ({"height": 512.5}, r"output\.height must be a whole number"),
        ({"width": 100000}, r"output\.width must be from 16 to 7680"),
        ({"fps": 0}, r"output\.fps must be from 1 to 120 frames per second"),
        ({"fps": "fast"}, r"output\.fps must be a number"),
        ({"format": "avi"}, r"unknown output format 'avi'; use one of: mp4, webm, mov, png, gif"),
    ],
)
def test_output_validation_names_field_and_range(kwargs: dict, message: str) -> None:
    with pytest.raises(UserError, match=message):
        OutputSettings(**kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"head_motion": 1.5}, r"style\.head_motion must be from 0 to 1, got 1\.5"),
        ({"lipsync_strength": 2.0}, r"style\.lipsync_strength must be from 0 to 1\.5"),
        ({"expressiveness": -1}, r"style\.expressiveness must be from 0 to 1\.5"),
        ({"blink_rate": 9}, r"style\.blink_rate must be from 0 to 4"),
        ({"still": "yes"}, r"style\.still must be true or false"),
        ({"seed": -1}, r"style\.seed must be from 0 to"),
        ({"seed": 1.5}, r"style\.seed must be a whole number"),
        ({"head_motion": True}, r"style\.head_motion must be a number"),
    ],
)
def test_style_validation_names_field_and_range(kwargs: dict, message: str) -> None:
    with pytest.raises(UserError, match=message):
        StyleSettings(**kwargs)


def test_style_ranges_are_accepted_at_the_edges() -> None:
    for name, (low, high) in STYLE_RANGES.items():
        assert getattr(StyleSettings(**{name: low}), name) == low
        assert getattr(StyleSettings(**{name: high}), name) == high
    assert StyleSettings(head_motion=1).head_motion == 1.0  # ints become floats


def test_format_suffixes_and_traits() -> None:
    assert [f.suffix for f in ExportFormat] == [".mp4", ".webm", ".mov", ".png", ".gif"]
    assert ExportFormat.PNG.is_sequence and not ExportFormat.MP4.is_sequence
    assert ExportFormat.MP4.has_audio and not ExportFormat.GIF.has_audio
    assert ExportFormat.PNG.has_audio  # audio.wav beside the frames
    assert ExportFormat.MOV.supports_alpha and not ExportFormat.MP4.supports_alpha
    assert all(f.label for f in ExportFormat)
    assert OutputSettings(format="webm").format is ExportFormat.WEBM  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "path, fmt",
    [
        ("out.mp4", ExportFormat.MP4),
        ("dir/Out.MP4", ExportFormat.MP4),
        ("a.webm", ExportFormat.WEBM),
        ("a.mov", ExportFormat.MOV),
        ("a.gif", ExportFormat.GIF),
        ("frames.png", ExportFormat.PNG),
        ("frames/", ExportFormat.PNG),
    ],
)
def test_format_from_path(path: str, fmt: ExportFormat) -> None:
    assert ExportFormat.from_path(path) is fmt


def test_format_from_existing_folder(tmp_path) -> None:
    assert ExportFormat.from_path(tmp_path) is ExportFormat.PNG


def test_format_from_bad_path() -> None:
    with pytest.raises(UserError, match=r"unsupported output suffix '\.avi'.*\.mp4, \.webm"):
        ExportFormat.from_path("clip.avi")
    with pytest.raises(UserError, match="cannot tell the output format"):
        ExportFormat.from_path("clip")


def test_format_parse() -> None:
    assert ExportFormat.parse(".MOV") is ExportFormat.MOV
    assert ExportFormat.parse("quicktime") is ExportFormat.MOV
    with pytest.raises(UserError, match="unknown output format"):
        ExportFormat.parse("jpeg")


def test_resolve_size() -> None:
    assert OutputSettings(height=512).resolve_size(1024, 1024) == (512, 512)
    assert OutputSettings(height=720).resolve_size(1920, 1080) == (1280, 720)
    # odd sizes become even
    assert OutputSettings(height=513).resolve_size(1000, 1000) == (514, 514)
    assert OutputSettings(height=512).resolve_size(333, 500) == (340, 512)  # 340.99 -> 340
    assert OutputSettings(height=100, width=101).resolve_size(10, 10) == (102, 100)
    with pytest.raises(UserError, match="no pixels"):
        OutputSettings().resolve_size(0, 10)


@given(st.integers(16, 4320), st.integers(1, 20000), st.integers(1, 20000))
def test_resolved_sizes_are_even_and_keep_aspect(height: int, w: int, h: int) -> None:
    out_w, out_h = OutputSettings(height=height).resolve_size(w, h)
    assert out_w % 2 == 0 and out_h % 2 == 0 and out_w >= 2
    assert abs(out_h - height) <= 1
    assert abs(out_w - height * w / h) <= 1.0 + 1e-9 or out_w == 2  # never below 2 pixels


def test_even() -> None:
    assert [even(x) for x in (0, 1, 2, 3, 4.9, 5, 7)] == [2, 2, 2, 4, 4, 6, 8]


@pytest.mark.parametrize(
    "text, size",
    [("512", (None, 512)), ("1080p", (None, 1080)), (" 720P ", (None, 720)), ("1280x720", (1280, 720)), ("640X480", (640, 480))],
)
def test_parse_size(text: str, size: tuple) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "big", "1280x", "x720", "-512", "12.5"])
def test_parse_size_errors(text: str) -> None:
    with pytest.raises(UserError, match="give a height like 512 or 1080p, or WIDTHxHEIGHT like 1280x720"):
        parse_size(text)


def test_parse_size_range() -> None:
    with pytest.raises(UserError, match="from 16 to 4320"):
        parse_size("8")
    with pytest.raises(UserError, match="width must be from 16 to 7680"):
        parse_size("99999x720")
