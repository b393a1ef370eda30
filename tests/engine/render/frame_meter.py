"""Measuring rendered frames: the face mesh as the meter, and SSIM.

Everything here looks only at pixels the renderer produced, never at the
rig's own displacements, so a broken warp, a wrong sign or a missing mouth
shows up as a wrong measurement.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from emospeaker_studio.engine.controls import CONTROL_INDEX, CONTROL_NAMES


def astronaut_rgb() -> np.ndarray:
    from skimage import data

    return data.astronaut()


def hopper_rgb() -> np.ndarray:
    import matplotlib.cbook as cbook

    bgr = cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def write_png(path, image: np.ndarray):
    code = cv2.COLOR_RGBA2BGRA if image.shape[2] == 4 else cv2.COLOR_RGB2BGR
    assert cv2.imwrite(str(path), cv2.cvtColor(image, code))
    return path


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean structural similarity of two RGB uint8 images (Gaussian window, on luma)."""
    def luma(img):
        return img[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])

    x, y = luma(a), luma(b)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    blur = lambda img: cv2.GaussianBlur(img, (11, 11), 1.5)  # noqa: E731
    mx, my = blur(x), blur(y)
    sxx = blur(x * x) - mx * mx
    syy = blur(y * y) - my * my
    sxy = blur(x * y) - mx * my
    index = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
    return float(index.mean())


@lru_cache(maxsize=1)
def _mesh():
    import mediapipe as mp

    return mp.solutions.face_mesh.FaceMesh(static_image_mode=True, refine_landmarks=True, max_num_faces=1)


def landmarks(frame: np.ndarray) -> np.ndarray:
    """The face mesh's 478 landmarks on a rendered frame, in its pixels (x, y)."""
    height, width = frame.shape[:2]
    side = max(height, width)
    square = np.zeros((side, side, 3), np.uint8)
    square[:height, :width] = frame[..., :3]
    result = _mesh().process(square)
    assert result.multi_face_landmarks, "the face mesh found no face in the rendered frame"
    return np.array([(p.x * side, p.y * side) for p in result.multi_face_landmarks[0].landmark])


@dataclass(frozen=True)
class FaceMeasure:
    """Geometry of a face measured on a frame, in face heights where it is a length."""

    points: np.ndarray
    face_height: float

    @classmethod
    def of(cls, frame: np.ndarray) -> "FaceMeasure":
        p = landmarks(frame)
        return cls(points=p, face_height=float(np.linalg.norm(p[10] - p[152])))

    def y_of(self, *ids) -> float:
        return float(self.points[list(ids), 1].mean() / self.face_height)

    @property
    def corners_y(self) -> float:
        return self.y_of(61, 291)

    @property
    def mouth_width(self) -> float:
        return float(np.linalg.norm(self.points[61] - self.points[291]) / self.face_height)

    @property
    def lip_gap(self) -> float:
        return float(np.linalg.norm(self.points[13] - self.points[14]) / self.face_height)

    @property
    def brows_y(self) -> float:
        return self.y_of(70, 63, 105, 66, 107, 300, 293, 334, 296, 336)

    @property
    def inner_brow_distance(self) -> float:
        return float(np.linalg.norm(self.points[55] - self.points[285]) / self.face_height)

    def eye_opening(self) -> float:
        """Mean lid gap over eye width, both eyes (about 0.25 open, near 0 closed)."""
        total = 0.0
        for upper, lower, a, b in (((159, 158, 160), (145, 153, 144), 33, 133), ((386, 385, 387), (374, 380, 373), 263, 362)):
            gap = np.linalg.norm(self.points[list(upper)] - self.points[list(lower)], axis=1).mean()
            total += gap / np.linalg.norm(self.points[a] - self.points[b])
        return total / 2

    def iris_x(self) -> float:
        return float(self.points[[468, 473], 0].mean() / self.face_height)

    def inner_lip_polygon(self) -> np.ndarray:
        upper = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308]
        lower = [324, 318, 402, 317, 14, 87, 178, 88, 95]
        return self.points[upper + lower]


def pixels_inside(frame: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    mask = np.zeros(frame.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(polygon).astype(np.int32)], 1)
    mask = cv2.erode(mask, np.ones((3, 3), np.uint8))  # keep off the lip edge
    return frame[mask.astype(bool)][:, :3]


def coefficients(**values: float) -> np.ndarray:
    row = np.zeros(len(CONTROL_NAMES), np.float32)
    for name, value in values.items():
        row[CONTROL_INDEX[name]] = value
    return row


def frames(renderer, *rows: dict) -> np.ndarray:
    return renderer.render(np.stack([coefficients(**row) for row in rows]))


def rgb_frame(renderer, **values: float) -> np.ndarray:
    """One frame (H, W, 3) float64 of the face moved by ``values`` (control name -> coefficient)."""
    return renderer.render(coefficients(**values)[None])[0][..., :3].astype(np.float64)


def rgb_frame_without(renderer, layer: str, **values: float) -> np.ndarray:
    """:func:`rgb_frame` with the renderer's ``layer`` attribute (a drawing layer) left out."""
    kept = getattr(renderer, layer)
    setattr(renderer, layer, None)
    try:
        return rgb_frame(renderer, **values)
    finally:
        setattr(renderer, layer, kept)


def patch_shift(before: np.ndarray, after: np.ndarray, centre, radius: int) -> np.ndarray:
    """How far (x, y pixels) the image patch around ``centre`` moved between two frames."""
    gray_before = cv2.cvtColor(np.ascontiguousarray(before[..., :3]), cv2.COLOR_RGB2GRAY)
    gray_after = cv2.cvtColor(np.ascontiguousarray(after[..., :3]), cv2.COLOR_RGB2GRAY)
    x, y = int(round(centre[0])), int(round(centre[1]))
    template = gray_before[y - radius : y + radius, x - radius : x + radius]
    reach = 2 * radius
    search = gray_after[y - radius - reach : y + radius + reach, x - radius - reach : x + radius + reach]
    scores = cv2.matchTemplate(search, template, cv2.TM_CCOEFF_NORMED)
    _, _, _, best = cv2.minMaxLoc(scores)
    return np.array([best[0] - reach, best[1] - reach], dtype=float)
