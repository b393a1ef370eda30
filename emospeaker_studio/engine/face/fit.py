"""Face fit: MediaPipe's 478-point face mesh on the portrait, cached per image.

The mesh runs on a downscaled, square-padded copy (MediaPipe's landmark
projection assumes a square input) and the landmarks are mapped back to the
full-resolution portrait, depth included, in pixels. Every face found is
cached, largest first, so choosing another face never refits.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Mapping, Optional

import numpy as np

from emospeaker_studio import paths
from emospeaker_studio.core.errors import InputError, UserError
from emospeaker_studio.core.files import atomic_write_text
from emospeaker_studio.engine.face import landmarks as lm
from emospeaker_studio.engine.face.expression import estimate_photo_expression
from emospeaker_studio.engine.face.portrait import Portrait
from emospeaker_studio.engine.native_log import native_output_to_log

FIT_LONG_SIDE = 960  # the copy the mesh sees; MediaPipe works at 192-256 px inside anyway
MIN_FACE_PX = 96  # forehead-to-chin height in the portrait below which a face is too small
MAX_FACES = 6
CACHE_VERSION = 2  # 2: the photo's smile on the rig's scale (face/expression.py)
_CUT_OFF_TOLERANCE = 0.03  # fraction of face height a landmark may lie outside the photo


@dataclass(frozen=True, eq=False)
class FaceFit:
    """One face of a portrait: landmarks (478, 3) float32 in full-resolution pixels.

    ``landmarks[:, 2]`` is depth in the same pixel units, smaller = nearer the camera.
    ``face_box`` is (x, y, w, h) in pixels; ``face_count`` how many faces the photo
    has; ``face_index`` which one this is (0 = largest); ``photo_expression`` the
    photo's own expression as control values (see engine/controls.py).
    """

    landmarks: np.ndarray
    face_box: tuple[float, float, float, float]
    face_count: int
    face_index: int
    photo_expression: Mapping[str, float] = field(default_factory=dict)
    image_size: tuple[int, int] = (0, 0)  # (width, height) of the portrait

    @property
    def face_height(self) -> float:
        """Forehead-top to chin distance in pixels: the rig's unit of face size."""
        p = self.landmarks
        return float(np.linalg.norm(p[lm.FOREHEAD_TOP, :2] - p[lm.CHIN, :2]))

    def to_json_dict(self) -> dict:
        return {
            "version": CACHE_VERSION,
            "image_size": list(self.image_size),
            "face_count": self.face_count,
            "face_index": self.face_index,
            "face_box": [round(float(v), 2) for v in self.face_box],
            "photo_expression": {k: round(float(v), 4) for k, v in self.photo_expression.items()},
            "landmarks": [[round(float(v), 3) for v in row] for row in self.landmarks],
        }

    @classmethod
    def from_json_dict(cls, data: Mapping) -> "FaceFit":
        landmarks = np.asarray(data["landmarks"], dtype=np.float32)
        if landmarks.shape != (lm.LANDMARK_COUNT, 3):
            raise InputError(f"face fit has landmarks of shape {landmarks.shape}; expected (478, 3)")
        return cls(
            landmarks=landmarks,
            face_box=tuple(float(v) for v in data["face_box"]),
            face_count=int(data["face_count"]),
            face_index=int(data["face_index"]),
            photo_expression={str(k): float(v) for k, v in data.get("photo_expression", {}).items()},
            image_size=tuple(int(v) for v in data.get("image_size", (0, 0))),
        )


def fit_face(portrait: Portrait, *, face_index: Optional[int] = None, cache: bool = True) -> FaceFit:
    """Fit the face mesh to ``portrait``; the largest face unless ``face_index`` says otherwise.

    The landmarks are the ones the cache keeps (rounded to a thousandth of a
    pixel), whether or not they came from it: the face renders the same before
    and after its fit is cached. (A key-point drag in the face editor re-fits the
    rig from the fit it has; the release prepares again from the cache.)
    """
    faces = _load_cached_faces(portrait) if cache else None
    if faces is None:
        faces = [np.asarray(_stored(face), dtype=np.float32) for face in detect_faces(portrait.rgb)]
        if cache:
            _store_cached_faces(portrait, faces)
    return _choose_face(portrait, faces, face_index)


def _choose_face(portrait: Portrait, faces: list[np.ndarray], face_index: Optional[int]) -> FaceFit:
    name = portrait.name
    if not faces:
        raise InputError(
            f"no face found in {name}; use a photo where one face is clearly visible, "
            f"front-facing, at least {MIN_FACE_PX} px tall"
        )
    index = 0 if face_index is None else int(face_index)
    if not 0 <= index < len(faces):
        raise InputError(
            f"{name} has {len(faces)} face{'s' if len(faces) != 1 else ''}; "
            f"choose a face index from 0 to {len(faces) - 1}"
        )
    points = faces[index]
    height = _face_height(points)
    if height < MIN_FACE_PX:
        raise InputError(
            f"the face in {name} is only {height:.0f} px tall; use a photo where the face is "
            f"at least {MIN_FACE_PX} px from forehead to chin"
        )
    _check_inside(points, portrait, height)
    x0, y0 = points[:, :2].min(axis=0)
    x1, y1 = points[:, :2].max(axis=0)
    return FaceFit(
        landmarks=points.astype(np.float32),
        face_box=(float(x0), float(y0), float(x1 - x0), float(y1 - y0)),
        face_count=len(faces),
        face_index=index,
        photo_expression=estimate_photo_expression(points),
        image_size=(portrait.width, portrait.height),
    )


def _check_inside(points: np.ndarray, portrait: Portrait, height: float) -> None:
    margin = _CUT_OFF_TOLERANCE * height
    oval = points[list(lm.FACE_OVAL), :2]
    outside = (
        (oval[:, 0] < -margin)
        | (oval[:, 1] < -margin)
        | (oval[:, 0] > portrait.width - 1 + margin)
        | (oval[:, 1] > portrait.height - 1 + margin)
    )
    if outside.any():
        raise InputError(
            f"the face in {portrait.name} is cut off by the photo's edge; "
            "use a photo that shows the whole face with some space around it"
        )


_mesh_lock = threading.Lock()
_mesh = None


def _face_mesh():
    global _mesh
    if _mesh is None:
        import mediapipe as mp

        _mesh = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=True,
            refine_landmarks=True,
            max_num_faces=MAX_FACES,
            min_detection_confidence=0.5,
        )
    return _mesh


def detect_faces(rgb: np.ndarray) -> list[np.ndarray]:
    """Every face's landmarks (478, 3) in ``rgb``'s pixels, largest face first.

    MediaPipe's detector sees a 128 px copy of its input, so faces smaller than
    about a fifth of the photo go unseen; overlapping tiles of the photo are
    searched too and duplicates merged, which finds the faces of a group photo.
    """
    height, width = rgb.shape[:2]
    found: list[tuple[np.ndarray, float]] = []  # landmarks, face height / searched side
    with native_output_to_log("face mesh"):  # MediaPipe's own warnings go to the log file
        for x0, y0, side in _search_windows(width, height):
            for points in _mesh_in_window(rgb, x0, y0, side):
                face_height = _face_height(points)
                same = [i for i, (other, _) in enumerate(found) if _same_face(points, other)]
                if same:
                    i = same[0]
                    if face_height / side > found[i][1]:
                        found[i] = (points, face_height / side)
                else:
                    found.append((points, face_height / side))
    faces = [points for points, _ in found]
    faces.sort(key=lambda p: -float(np.ptp(p[:, 0]) * np.ptp(p[:, 1])))
    return faces


def _search_windows(width: int, height: int) -> list[tuple[int, int, int]]:
    """The whole photo, then square tiles half the long side plus overlap."""
    windows = [(0, 0, max(width, height))]
    side = int(min(max(width, height) * 0.6, max(min(width, height), 1)))
    if side < 2 * MIN_FACE_PX:
        return windows
    for y0 in _tile_starts(height, side):
        for x0 in _tile_starts(width, side):
            windows.append((x0, y0, side))
    return windows


def _tile_starts(length: int, side: int) -> list[int]:
    if length <= side:
        return [0]
    count = int(np.ceil((length - side) / (0.7 * side))) + 1
    return [round(i * (length - side) / (count - 1)) for i in range(count)]


def _mesh_in_window(rgb: np.ndarray, x0: int, y0: int, side: int) -> list[np.ndarray]:
    import cv2

    window = rgb[y0 : y0 + side, x0 : x0 + side]
    scale = min(1.0, FIT_LONG_SIDE / side)
    if scale < 1.0:
        size = (max(1, round(window.shape[1] * scale)), max(1, round(window.shape[0] * scale)))
        window = cv2.resize(window, size, interpolation=cv2.INTER_AREA)
    padded_side = max(1, round(side * scale))
    square = np.zeros((padded_side, padded_side, 3), dtype=np.uint8)
    square[: window.shape[0], : window.shape[1]] = window[:padded_side, :padded_side]
    with _mesh_lock:
        result = _face_mesh().process(square)
    is_whole_photo = x0 == 0 and y0 == 0 and side >= max(rgb.shape[:2])
    faces = []
    for face in result.multi_face_landmarks or ():
        normalised = np.array([(p.x, p.y, p.z) for p in face.landmark], dtype=np.float64)
        # x, y are fractions of the square's side and z uses the same scale as x.
        points = normalised * padded_side / scale
        if not is_whole_photo and not _inside_tile(points, rgb.shape, x0, y0, side):
            continue  # a face cut by a tile's inner edge is found whole by another window
        points[:, 0] += x0
        points[:, 1] += y0
        faces.append(points.astype(np.float32))
    return faces


def _inside_tile(points: np.ndarray, shape, x0: int, y0: int, side: int) -> bool:
    margin = 0.05 * _face_height(points)
    x_min, y_min = points[:, :2].min(axis=0)
    x_max, y_max = points[:, :2].max(axis=0)
    height, width = shape[:2]
    return (
        (x0 == 0 or x_min > margin)
        and (y0 == 0 or y_min > margin)
        and (x0 + side >= width or x_max < side - margin)
        and (y0 + side >= height or y_max < side - margin)
    )


def _face_height(points: np.ndarray) -> float:
    return float(np.linalg.norm(points[lm.FOREHEAD_TOP, :2] - points[lm.CHIN, :2]))


def _same_face(a: np.ndarray, b: np.ndarray) -> bool:
    return float(np.linalg.norm(a[lm.NOSE_TIP, :2] - b[lm.NOSE_TIP, :2])) < 0.3 * max(_face_height(a), _face_height(b))


def _cache_path(portrait: Portrait):
    return paths.user_cache_dir() / "fits" / f"{portrait.sha256}.json"


def _stored(face: np.ndarray) -> list[list[float]]:
    """A face's landmarks as the cache stores them: lists of numbers rounded to 0.001 px."""
    return [[round(float(v), 3) for v in row] for row in face]


def _load_cached_faces(portrait: Portrait) -> Optional[list[np.ndarray]]:
    path = _cache_path(portrait)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != CACHE_VERSION:
            return None
        faces = [np.asarray(face, dtype=np.float32) for face in data["faces"]]
        if any(face.shape != (lm.LANDMARK_COUNT, 3) for face in faces):
            return None
        return faces
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a missing or damaged cache entry is simply refitted


def _store_cached_faces(portrait: Portrait, faces: list[np.ndarray]) -> None:
    path = _cache_path(portrait)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "version": CACHE_VERSION,
            "sha256": portrait.sha256,
            "faces": [_stored(face) for face in faces],
        }
        atomic_write_text(path, json.dumps(payload, separators=(",", ":")))
    except (OSError, UserError):  # a cache that cannot be written only costs a refit
        pass
