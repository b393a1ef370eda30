"""The project: portrait, audio, output settings, style settings and the emotion track.

Everything is immutable; change a project with :meth:`Project.with_` or,
undoably, with the edits in :mod:`emospeaker_studio.core.edits`. Paths in
memory are absolute strings (the project file stores them relative to itself).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field, fields, replace
from enum import Enum
from pathlib import PurePath
from typing import Optional, Union

from emospeaker_studio.core.errors import UserError
from emospeaker_studio.core.keyframes import EmotionTrack
from emospeaker_studio.core.numbers import is_finite_number, show_number


class ExportFormat(str, Enum):
    """Output file formats; the value is the file suffix without the dot."""

    MP4 = "mp4"  # H.264 + AAC
    WEBM = "webm"  # VP9 + Opus
    MOV = "mov"  # ProRes (+ alpha)
    PNG = "png"  # a folder of numbered PNG files, the voice beside them as audio.wav
    GIF = "gif"  # animated GIF, no audio

    @property
    def suffix(self) -> str:
        """The file suffix, e.g. ".mp4" (for PNG, the suffix of each frame file in the folder)."""
        return "." + self.value

    @property
    def is_sequence(self) -> bool:
        """True when the output is a folder of numbered image files rather than one file."""
        return self is ExportFormat.PNG

    @property
    def has_audio(self) -> bool:
        """True when the export carries the voice recording (a PNG sequence as audio.wav beside its frames)."""
        return self is not ExportFormat.GIF

    @property
    def supports_alpha(self) -> bool:
        """True when a transparent portrait stays transparent in this format."""
        return self in (ExportFormat.MOV, ExportFormat.PNG, ExportFormat.WEBM)

    @property
    def label(self) -> str:
        """What the format is, for a menu with room: container and codecs."""
        return _FORMAT_LABELS[self]

    @property
    def short_label(self) -> str:
        """The format's name for a narrow menu."""
        return "PNG sequence" if self is ExportFormat.PNG else self.name

    @staticmethod
    def parse(text: str) -> "ExportFormat":
        """Format from a name such as "mp4", ".MP4" or "png"; UserError listing the accepted names."""
        key = text.strip().lower().lstrip(".")
        for fmt in ExportFormat:
            if key == fmt.value:
                return fmt
        if key in _FORMAT_ALIASES:
            return ExportFormat(_FORMAT_ALIASES[key])
        names = ", ".join(f.value for f in ExportFormat)
        raise UserError(f"unknown output format {text.strip()!r}; use one of: {names}")

    @staticmethod
    def from_path(path: Union[str, "os.PathLike[str]"]) -> "ExportFormat":
        """The format a path asks for, from its suffix (".mp4", ".webm", ".mov", ".png", ".gif").

        A path ending in a path separator, or an existing folder, means a PNG
        sequence in that folder. UserError for an unknown or missing suffix.
        """
        text = os.fspath(path)
        suffix = PurePath(text).suffix.lower()
        is_video_name = suffix in (f.suffix for f in ExportFormat if not f.is_sequence)
        # A folder named like a video (clip.mp4/) is refused as an output, not filled with frames.
        if text.endswith(("/", os.sep)) or (os.path.isdir(text) and not is_video_name):
            return ExportFormat.PNG
        names = ", ".join(f.suffix for f in ExportFormat)
        if not suffix:
            raise UserError(
                f"cannot tell the output format of {text!r}; add a suffix ({names}) "
                "or end the path with / for a folder of PNG frames"
            )
        for fmt in ExportFormat:
            if suffix == fmt.suffix:
                return fmt
        raise UserError(f"unsupported output suffix {suffix!r} in {text!r}; use one of: {names}")


class _Choice(str, Enum):
    """A named choice whose value is its name in files and on the command line."""

    @classmethod
    def parse(cls, value: object, what: str):
        """``value`` (a member or its name) as a member; UserError otherwise."""
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            for member in cls:
                if member.value == value.strip().lower():
                    return member
        names = ", ".join(m.value for m in cls)
        raise UserError(f"{what} must be one of {names}, got {value!r}")


class Framing(_Choice):
    """How much of the portrait a frame of its own shape shows around the face."""

    FULL = "full"  # as much of the photo as the frame's shape allows
    HEAD_AND_SHOULDERS = "head-and-shoulders"
    CLOSE_UP = "close-up"

    @property
    def label(self) -> str:
        return {"full": "Full photo", "head-and-shoulders": "Head and shoulders", "close-up": "Close-up"}[self.value]


class Fill(_Choice):
    """What shows where the photo does not reach the frame's edges."""

    BLUR = "blur"  # the photo blurred and darkened
    MIRROR = "mirror"  # the photo's edge mirrored
    SOLID = "solid"  # black
    TRANSPARENT = "transparent"  # alpha 0 in WebM, MOV and PNG; the blur in the others

    @property
    def label(self) -> str:
        return {"blur": "Blurred photo", "mirror": "Mirrored edge", "solid": "Black",
                "transparent": "Transparent (WebM, MOV, PNG)"}[self.value]


_FORMAT_ALIASES = {
    "mpeg4": "mp4",
    "m4v": "mp4",
    "h264": "mp4",
    "vp9": "webm",
    "qt": "mov",
    "quicktime": "mov",
    "prores": "mov",
    "frames": "png",
    "png-sequence": "png",
}

_FORMAT_LABELS = {
    ExportFormat.MP4: "MP4 · H.264 + AAC",
    ExportFormat.WEBM: "WebM · VP9 + Opus",
    ExportFormat.MOV: "MOV · ProRes",
    ExportFormat.PNG: "PNG image sequence",
    ExportFormat.GIF: "Animated GIF",
}

#: Accepted ranges, for validation messages and for GUI spin boxes.
HEIGHT_RANGE = (16, 4320)
WIDTH_RANGE = (16, 7680)
FPS_RANGE = (1.0, 120.0)
#: Which face of a portrait (0 = the largest).
FACE_INDEX_RANGE = (0, 1000)

#: Common sizes for menus: label -> height in pixels.
SIZE_PRESETS: dict[str, int] = {"256p": 256, "512p": 512, "720p": 720, "1080p": 1080, "1440p": 1440, "2160p": 2160}
#: Common frame rates for menus.
FPS_PRESETS: tuple[float, ...] = (24.0, 25.0, 30.0, 50.0, 60.0)
#: Frames of the platforms' shapes, for menus (the shape first: it is what a narrow menu shows):
#: label -> (width, height) in pixels. The frame is
#: composed around the face (engine/framing.py), extending the photo where it does not cover it.
FRAME_PRESETS: dict[str, tuple[int, int]] = {
    "16:9 · 1920×1080 · YouTube": (1920, 1080),
    "16:9 · 1280×720 · YouTube": (1280, 720),
    "9:16 · 1080×1920 · Shorts, Reels, TikTok": (1080, 1920),
    "1:1 · 1080×1080 · square": (1080, 1080),
    "4:5 · 1080×1350 · Instagram feed": (1080, 1350),
}
_ASPECT_RE = re.compile(r"^\s*(\d{1,3})\s*[:x×/]\s*(\d{1,3})\s*$", re.IGNORECASE)


def parse_aspect(text: str) -> tuple[int, int]:
    """A frame shape such as "16:9", "9:16", "1:1" or "4:5" as (width, height) parts."""
    match = _ASPECT_RE.match(text)
    if match is None or int(match.group(1)) == 0 or int(match.group(2)) == 0:
        raise UserError(f"invalid aspect {text.strip()!r}; give width:height such as 16:9, 9:16, 1:1 or 4:5")
    return int(match.group(1)), int(match.group(2))


def frame_for_aspect(aspect: tuple[int, int], height: int) -> tuple[int, int]:
    """(width, height) of a frame of shape ``aspect`` that is ``height`` pixels high, both even."""
    width = even(height * aspect[0] / aspect[1])
    _check_int(f"the width of a {aspect[0]}:{aspect[1]} frame {height} px high", width, *WIDTH_RANGE, " pixels")
    return width, even(height)


def _check_int(name: str, value: object, low: int, high: int, unit: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise UserError(f"{name} must be a whole number from {low} to {high}{unit}, got {value!r}")
    if not low <= value <= high:
        raise UserError(f"{name} must be from {low} to {high}{unit}, got {show_number(value)}")
    return value


def _check_float(name: str, value: object, low: float, high: float, unit: str = "") -> float:
    if not is_finite_number(value):
        raise UserError(f"{name} must be a number from {low:g} to {high:g}{unit}, got {value!r}")
    assert isinstance(value, (int, float))
    if not low <= value <= high:
        raise UserError(f"{name} must be from {low:g} to {high:g}{unit}, got {show_number(value)}")
    return float(value)


def even(value: float) -> int:
    """``value`` rounded to the nearest even integer, at least 2 (video codecs need even sizes)."""
    return max(2, 2 * int(math.floor(value / 2.0 + 0.5)))


@dataclass(frozen=True)
class OutputSettings:
    """Size, frame rate and format of the rendered video.

    ``height``: pixels (16..4320). ``width``: pixels (16..7680) or None to
    follow the portrait's aspect ratio. ``fps``: frames per second (1..120).
    ``framing`` and ``fill``: how a frame of its own shape (a width given) is
    composed around the face, and what shows where the photo does not reach.
    """

    height: int = 512
    width: Optional[int] = None
    fps: float = 25.0
    format: ExportFormat = ExportFormat.MP4
    framing: Framing = Framing.FULL
    fill: Fill = Fill.BLUR

    def __post_init__(self) -> None:
        object.__setattr__(self, "height", _check_int("output.height", self.height, *HEIGHT_RANGE, " pixels"))
        if self.width is not None:
            object.__setattr__(self, "width", _check_int("output.width", self.width, *WIDTH_RANGE, " pixels"))
        object.__setattr__(self, "fps", _check_float("output.fps", self.fps, *FPS_RANGE, " frames per second"))
        if not isinstance(self.format, ExportFormat):
            if not isinstance(self.format, str):
                raise UserError(f"output.format must be a format name, got {self.format!r}")
            object.__setattr__(self, "format", ExportFormat.parse(self.format))
        object.__setattr__(self, "framing", Framing.parse(self.framing, "output.framing"))
        object.__setattr__(self, "fill", Fill.parse(self.fill, "output.fill"))

    def resolve_size(self, src_w: int, src_h: int) -> tuple[int, int]:
        """The output (width, height) in pixels for a portrait of ``src_w`` x ``src_h``.

        Without a width, the width follows the portrait's aspect ratio. Both are
        rounded to even numbers (video codecs need even sizes).
        """
        if src_w <= 0 or src_h <= 0:
            raise UserError(f"the portrait has no pixels ({src_w}x{src_h}); choose another image")
        height = even(self.height)
        if self.width is not None:
            return even(self.width), height
        return even(self.height * src_w / src_h), height

    def with_(self, **changes: object) -> "OutputSettings":
        return replace(self, **changes)  # type: ignore[arg-type]


_SIZE_RE = re.compile(r"^\s*(?:(\d+)\s*[x×*]\s*(\d+)|(\d+)\s*p?)\s*$", re.IGNORECASE)


def parse_size(text: str) -> tuple[Optional[int], int]:
    """Parse a size: "512" or "1080p" (a height) or "1280x720" (width x height).

    Returns ``(width or None, height)`` in pixels, validated against the ranges.
    """
    match = _SIZE_RE.match(text)
    if match is None:
        raise UserError(
            f"invalid size {text.strip()!r}; give a height like 512 or 1080p, or WIDTHxHEIGHT like 1280x720"
        )
    if match.group(3) is not None:
        return None, _check_int("size height", int(match.group(3)), *HEIGHT_RANGE, " pixels")
    width = _check_int("size width", int(match.group(1)), *WIDTH_RANGE, " pixels")
    height = _check_int("size height", int(match.group(2)), *HEIGHT_RANGE, " pixels")
    return width, height


#: Ranges of the numeric style settings: field -> (min, max).
STYLE_RANGES: dict[str, tuple[float, float]] = {
    "head_motion": (0.0, 1.0),
    "blink_rate": (0.0, 4.0),
    "lipsync_strength": (0.0, 1.5),
    "expressiveness": (0.0, 1.5),
}
SEED_RANGE = (0, 2**32 - 1)


@dataclass(frozen=True)
class StyleSettings:
    """How the face moves.

    ``head_motion``: amount of speech-driven head motion, 0..1.
    ``still``: True keeps the head still (only the face moves).
    ``blink_rate``: times the natural blink rate, 0..4 (0 = never blink).
    ``lipsync_strength``: scale of mouth articulation, 0..1.5.
    ``expressiveness``: scale of emotion expressions, 0..1.5.
    ``seed``: random seed for blinks, gaze and sway, 0..2**32-1; same seed, same video.
    """

    head_motion: float = 0.5
    still: bool = False
    blink_rate: float = 1.0
    lipsync_strength: float = 1.0
    expressiveness: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        for name, (low, high) in STYLE_RANGES.items():
            object.__setattr__(self, name, _check_float(f"style.{name}", getattr(self, name), low, high))
        if not isinstance(self.still, bool):
            raise UserError(f"style.still must be true or false, got {self.still!r}")
        object.__setattr__(self, "seed", _check_int("style.seed", self.seed, *SEED_RANGE))

    def with_(self, **changes: object) -> "StyleSettings":
        return replace(self, **changes)  # type: ignore[arg-type]


STYLE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(StyleSettings))
OUTPUT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(OutputSettings))

#: A user correction of one face landmark: (landmark index, dx, dy) in portrait pixels.
LandmarkOffset = tuple[int, float, float]


def _check_landmark_offsets(offsets: object) -> tuple[LandmarkOffset, ...]:
    if not isinstance(offsets, (tuple, list)):
        raise UserError(f"landmark_offsets must be a list of (index, dx, dy), got {offsets!r}")
    result = []
    seen = set()
    for i, item in enumerate(offsets):
        if not isinstance(item, (tuple, list)) or len(item) != 3:
            raise UserError(f"landmark_offsets[{i}] must be (index, dx, dy), got {item!r}")
        index = _check_int(f"landmark_offsets[{i}] index", item[0], 0, 100_000)
        if index in seen:
            raise UserError(f"landmark_offsets[{i}]: landmark {index} is corrected twice; keep one correction")
        seen.add(index)
        dx = _check_float(f"landmark_offsets[{i}] dx", item[1], -1e5, 1e5, " pixels")
        dy = _check_float(f"landmark_offsets[{i}] dy", item[2], -1e5, 1e5, " pixels")
        result.append((index, dx, dy))
    return tuple(result)


def _check_path(name: str, value: object) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        raise UserError(f"{name} must be a file path or None, got {value!r}")
    return value


@dataclass(frozen=True)
class Project:
    """The document.

    ``portrait`` / ``audio``: absolute paths (strings) or None when not chosen yet.
    ``face_index``: which face of the portrait to animate (0 = largest).
    ``landmark_offsets``: user corrections of face landmarks, (index, dx, dy) in portrait pixels.
    """

    portrait: Optional[str] = None
    audio: Optional[str] = None
    output: OutputSettings = field(default_factory=OutputSettings)
    style: StyleSettings = field(default_factory=StyleSettings)
    emotions: EmotionTrack = field(default_factory=EmotionTrack)
    face_index: int = 0
    landmark_offsets: tuple[LandmarkOffset, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "portrait", _check_path("portrait", self.portrait))
        object.__setattr__(self, "audio", _check_path("audio", self.audio))
        if not isinstance(self.output, OutputSettings):
            raise UserError(f"output must be OutputSettings, got {self.output!r}")
        if not isinstance(self.style, StyleSettings):
            raise UserError(f"style must be StyleSettings, got {self.style!r}")
        if not isinstance(self.emotions, EmotionTrack):
            if isinstance(self.emotions, (tuple, list)):
                object.__setattr__(self, "emotions", EmotionTrack(tuple(self.emotions)))
            else:
                raise UserError(f"emotions must be an EmotionTrack, got {self.emotions!r}")
        object.__setattr__(self, "face_index", _check_int("face_index", self.face_index, *FACE_INDEX_RANGE))
        object.__setattr__(self, "landmark_offsets", _check_landmark_offsets(self.landmark_offsets))

    def with_(self, **changes: object) -> "Project":
        """A copy with some fields changed (validated), like ``dataclasses.replace``."""
        return replace(self, **changes)  # type: ignore[arg-type]
