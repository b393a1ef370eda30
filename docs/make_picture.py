"""Render the README's picture with the command line: the demo portrait speaking
the demo voice in each of the eight emotions, one still per emotion.

Usage (from the repository root): ``python docs/make_picture.py [OUT.png]``
(default ``docs/emotions.jpg``). It runs ``emospeaker-studio analyze`` on the
voice and ``emospeaker-studio render`` into a temporary PNG sequence, and tiles
the heads of the chosen frames with their emotion's name. Each emotion's still
is a voiced frame with the mouth partly open (a talking face, neither a lip
closure nor the loudest vowel), from the middle of the time it is held.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
EMOTIONS = ("neutral", "happy", "sad", "angry", "surprised", "fearful", "disgusted", "contemptuous")
HOLD_S = 1.5  # each emotion is held this long; its still is taken from its middle
FPS = 25
RENDER_HEIGHT = 360
CROP = (slice(0, 246), slice(70, 290))  # rows, columns of the rendered frame: the head
OPENING_QUANTILE = 0.6  # of the speech's jaw opening within the middle of each hold
COLUMNS = 4
LABEL_HEIGHT = 26


def render_frames(folder: Path) -> Path:
    spec = ", ".join(f"{i * HOLD_S:g}={emotion}/hold" for i, emotion in enumerate(EMOTIONS))
    frames = folder / "frames"
    subprocess.run(
        [sys.executable, "-m", "emospeaker_studio", "render",
         "--portrait", str(ROOT / "resources" / "demo_portrait.jpg"),
         "--audio", str(ROOT / "resources" / "demo_voice.flac"),
         "--emotion", spec, "--size", str(RENDER_HEIGHT), "--fps", str(FPS), "-o", f"{frames}/", "-q"],
        check=True, cwd=ROOT,
    )
    return frames


def jaw_opening(folder: Path) -> np.ndarray:
    """The speech's jaw opening per frame (0 where unvoiced), from ``analyze``."""
    out = folder / "speech.json"
    subprocess.run(
        [sys.executable, "-m", "emospeaker_studio", "analyze", str(ROOT / "resources" / "demo_voice.flac"),
         "--fps", str(FPS), "-o", str(out)],
        check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
    )
    tracks = json.loads(out.read_text())["tracks"]
    return np.asarray(tracks["jaw_open"]) * (np.asarray(tracks["voiced"]) >= 0.5)


def still_index(jaw: np.ndarray, i: int) -> int:
    """The frame (0-based) shown for the i-th emotion: in the middle half of its hold, the
    voiced frame whose opening is nearest the OPENING_QUANTILE of that stretch's openings."""
    start, end = round((i + 0.25) * HOLD_S * FPS), round((i + 0.75) * HOLD_S * FPS)
    stretch = jaw[start:end]
    voiced = stretch[stretch > 0]
    if len(voiced) == 0:
        return (start + end) // 2
    wanted = np.quantile(voiced, OPENING_QUANTILE)
    return start + int(np.argmin(np.where(stretch > 0, np.abs(stretch - wanted), np.inf)))


def tile(frames: Path, jaw: np.ndarray) -> np.ndarray:
    tiles = []
    for i, emotion in enumerate(EMOTIONS):
        index = still_index(jaw, i) + 1  # the sequence counts from 1
        image = np.ascontiguousarray(cv2.imread(str(frames / f"frame_{index:06d}.png"), cv2.IMREAD_COLOR)[CROP])
        label = np.full((LABEL_HEIGHT, image.shape[1], 3), 255, np.uint8)
        (width, _), _ = cv2.getTextSize(emotion, cv2.FONT_HERSHEY_SIMPLEX, 0.55, 1)
        cv2.putText(label, emotion, ((image.shape[1] - width) // 2, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.55,
                    (40, 40, 40), 1, cv2.LINE_AA)
        tiles.append(np.vstack([image, label]))
    rows = [np.hstack(tiles[r : r + COLUMNS]) for r in range(0, len(tiles), COLUMNS)]
    return np.vstack(rows)


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "emotions.jpg"
    with tempfile.TemporaryDirectory() as folder:
        sheet = tile(render_frames(Path(folder)), jaw_opening(Path(folder)))
    cv2.imwrite(str(out), sheet, [cv2.IMWRITE_JPEG_QUALITY, 90, cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(f"wrote {out} ({sheet.shape[1]}x{sheet.shape[0]}, {out.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
