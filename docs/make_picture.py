"""Render the README's picture with the command line: the demo portrait speaking
the demo voice in each of the eight emotions, one still per emotion.

Usage (from the repository root): ``python docs/make_picture.py [OUT.png]``
(default ``docs/emotions.png``). It runs ``emospeaker-studio render`` into a
temporary PNG sequence and tiles the heads of the chosen frames with their emotion's name.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
EMOTIONS = ("neutral", "happy", "sad", "angry", "surprised", "fearful", "disgusted", "contemptuous")
HOLD_S = 1.5  # each emotion is held this long; its still is taken in the middle
FPS = 25
RENDER_HEIGHT = 264
CROP = (slice(0, 180), slice(51, 213))  # rows, columns of the rendered frame: the head
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


def tile(frames: Path) -> np.ndarray:
    tiles = []
    for i, emotion in enumerate(EMOTIONS):
        index = round((i + 0.5) * HOLD_S * FPS) + 1  # the sequence counts from 1
        image = np.ascontiguousarray(cv2.imread(str(frames / f"frame_{index:06d}.png"), cv2.IMREAD_COLOR)[CROP])
        label = np.full((LABEL_HEIGHT, image.shape[1], 3), 255, np.uint8)
        (width, _), _ = cv2.getTextSize(emotion, cv2.FONT_HERSHEY_SIMPLEX, 0.55, 1)
        cv2.putText(label, emotion, ((image.shape[1] - width) // 2, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.55,
                    (40, 40, 40), 1, cv2.LINE_AA)
        tiles.append(np.vstack([image, label]))
    rows = [np.hstack(tiles[r : r + COLUMNS]) for r in range(0, len(tiles), COLUMNS)]
    return np.vstack(rows)


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "emotions.png"
    with tempfile.TemporaryDirectory() as folder:
        sheet = tile(render_frames(Path(folder)))
    cv2.imwrite(str(out), sheet, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(f"wrote {out} ({sheet.shape[1]}x{sheet.shape[0]}, {out.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
