"""Anti-aliased polygon masks over the crop, drawn only in a window around the polygons.

The lid and mouth layers mark the photo's openings with polygons drawn at four
times the crop's resolution and averaged down. Drawn over the whole crop, the
4x canvas (a few MB) and its averaging cost milliseconds on every renderer
build, and the face editor builds one per step of a key-point drag; outside
the polygons the mask is zero anyway. Each pixel is the mean of its own 4x4
block, so a window aligned to crop pixels gives the same numbers there.
"""

from __future__ import annotations

import numpy as np

SUPERSAMPLE = 4


def polygon_window(points: np.ndarray, pad: int, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) crop pixels holding ``points`` (n, 2) with ``pad`` pixels to spare,
    within a crop of ``size`` (w, h)."""
    (x0, y0), (x1, y1) = np.floor(points.min(axis=0)) - pad, np.ceil(points.max(axis=0)) + pad + 1
    width, height = size
    x0, y0 = int(np.clip(x0, 0, width - 1)), int(np.clip(y0, 0, height - 1))
    return x0, y0, int(np.clip(x1, x0 + 1, width)), int(np.clip(y1, y0 + 1, height))


def soft_polygons(polygons: list[np.ndarray], window: tuple[int, int, int, int]) -> np.ndarray:
    """Coverage (0..255, uint8) of each pixel of ``window`` by the ``polygons`` (each (k, 2),
    crop pixels): anti-aliased at 4x and averaged down. Polygons must lie inside the
    window, a pixel from its edges."""
    import cv2

    x0, y0, x1, y1 = window
    canvas = np.zeros(((y1 - y0) * SUPERSAMPLE, (x1 - x0) * SUPERSAMPLE), np.uint8)
    origin = np.array([x0, y0]) * SUPERSAMPLE
    for polygon in polygons:
        cv2.fillPoly(canvas, [np.round(polygon * SUPERSAMPLE).astype(np.int32) - origin], 255, lineType=cv2.LINE_AA)
    return cv2.resize(canvas, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)
