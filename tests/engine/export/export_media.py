"""What a written video contains, read back with the bundled ffmpeg (there is no ffprobe)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import imageio_ffmpeg
import numpy as np


@dataclass(frozen=True)
class MediaInfo:
    frames: int
    width: int
    height: int
    fps: float
    pix_fmt: str
    video_codec: str
    audio_codec: Optional[str]
    text: str  # ffmpeg -i's full report, for assertion messages


def media_info(path: Path) -> MediaInfo:
    report = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
                            capture_output=True, text=True).stderr
    video = re.search(r"Stream #\S+.*?: Video: (\w+)[^,]*, (\w+)[^,]*?(?:\([^)]*\))?, (\d+)x(\d+).*?, ([\d.]+) (?:fps|tbr)", report)
    assert video, report
    audio = re.search(r"Stream #\S+.*?: Audio: (\w+)", report)
    frames, _ = imageio_ffmpeg.count_frames_and_secs(str(path))
    return MediaInfo(frames=frames, width=int(video.group(3)), height=int(video.group(4)),
                     fps=float(video.group(5)), pix_fmt=video.group(2), video_codec=video.group(1),
                     audio_codec=audio.group(1) if audio else None, text=report)


def decode_frames(path: Path) -> np.ndarray:
    """All frames as uint8 (N, H, W, 3) RGB."""
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    w, h = meta["size"]
    frames = [np.frombuffer(buf, np.uint8).reshape(h, w, 3) for buf in reader]
    return np.stack(frames)
