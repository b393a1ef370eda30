"""Remake resources/demo_portrait.jpg from scikit-image's public-domain astronaut photo.

The photo (NASA portrait of Eileen Collins, public domain) is 512x512 with the
face in its upper third. The demo crops a square around head and shoulders
and upscales it to 768x768, so the face is large enough to fit well and the
video has a sensible size. Run: ``python resources/make_demo_portrait.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data

OUT = Path(__file__).resolve().parent / "demo_portrait.jpg"
CROP = (65, 0, 385, 320)  # left, top, right, bottom in the 512x512 original
SIZE = 768
JPEG_QUALITY = 92


def main() -> None:
    photo = Image.fromarray(np.asarray(data.astronaut()))
    portrait = photo.crop(CROP).resize((SIZE, SIZE), Image.LANCZOS)
    portrait.save(OUT, quality=JPEG_QUALITY, optimize=True)
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
