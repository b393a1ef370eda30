"""Test portraits made on the fly from public-domain sample photos (nothing stored)."""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np


def astronaut_rgb() -> np.ndarray:
    from skimage import data

    return data.astronaut()


def hopper_rgb() -> np.ndarray:
    import matplotlib.cbook as cbook

    bgr = cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def write_png(path: Path, rgb_or_rgba: np.ndarray) -> Path:
    image = rgb_or_rgba
    if image.ndim == 3:
        code = cv2.COLOR_RGBA2BGRA if image.shape[2] == 4 else cv2.COLOR_RGB2BGR
        image = cv2.cvtColor(image, code)
    assert cv2.imwrite(str(path), image)
    return path


def jpeg_with_orientation(rgb: np.ndarray, orientation: int) -> bytes:
    """A JPEG of ``rgb`` as stored pixels, tagged with an EXIF orientation."""
    ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    tiff = b"MM\x00*" + struct.pack(">I", 8) + struct.pack(">H", 1)
    tiff += struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack(">I", 0)
    payload = b"Exif\x00\x00" + tiff
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    data = encoded.tobytes()
    return data[:2] + app1 + data[2:]


def side_by_side(*images: np.ndarray, height: int) -> np.ndarray:
    scaled = [cv2.resize(img, (round(img.shape[1] * height / img.shape[0]), height), interpolation=cv2.INTER_AREA) for img in images]
    return np.concatenate(scaled, axis=1)
