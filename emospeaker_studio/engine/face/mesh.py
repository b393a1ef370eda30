"""The triangle mesh the renderer warps: face surface, its holes, and an anchor band.

MediaPipe's tessellation covers the skin but leaves three holes (the mouth
opening and the two eye openings). The holes are filled here so that the
pixels inside them (teeth, sclera, iris) move with the lips and lids, and a
band of triangles joins the face outline to a ring of anchors around the head
and the crop's border. Anchors never move, so the background never moves.
"""

from __future__ import annotations

import itertools
from collections import Counter
from functools import lru_cache

import numpy as np

from emospeaker_studio.engine.face import landmarks as lm


def _mediapipe_connections():
    """MediaPipe's face-mesh connection tables, without importing MediaPipe itself.

    The tables are a plain data module; importing it through the package would
    load the whole MediaPipe runtime (over a second), which a renderer working
    from a cached fit does not otherwise need.
    """
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        from mediapipe.python.solutions import face_mesh_connections

        return face_mesh_connections
    path = Path(list(spec.submodule_search_locations)[0]) / "python" / "solutions" / "face_mesh_connections.py"
    module_spec = importlib.util.spec_from_file_location("_emospeaker_face_mesh_connections", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


@lru_cache(maxsize=1)
def surface_triangles() -> np.ndarray:
    """MediaPipe's face surface as triangles (T, 3) over landmarks 0..467."""
    FACEMESH_TESSELATION = _mediapipe_connections().FACEMESH_TESSELATION

    neighbours: dict[int, set[int]] = {}
    for a, b in FACEMESH_TESSELATION:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    candidates = set()
    for a, b in FACEMESH_TESSELATION:
        for c in neighbours[a] & neighbours[b]:
            candidates.add(tuple(sorted((a, b, c))))
    # The connections list edges, not faces; a triangle of edges around a vertex of
    # degree three is not a face. Such a triangle's edges are all shared three times.
    edge_use = Counter(e for t in candidates for e in itertools.combinations(t, 2))
    faces = [t for t in candidates if not all(edge_use[e] > 2 for e in itertools.combinations(t, 2))]
    return np.array(sorted(faces), dtype=np.int32)


def strip_triangles(upper: tuple[int, ...], lower: tuple[int, ...]) -> list[tuple[int, int, int]]:
    """Triangles joining two contours that share their end points (lips, lids)."""
    triangles = []
    for i in range(len(upper) - 1):
        u0, u1, l0, l1 = upper[i], upper[i + 1], lower[i], lower[i + 1]
        if i == 0:
            triangles.append((u0, u1, l1))
        elif i == len(upper) - 2:
            triangles.append((u0, u1, l0))
        else:
            triangles += [(u0, u1, l1), (u0, l1, l0)]
    return triangles


def eye_triangles(points2d: np.ndarray, upper, lower, iris: tuple[int, ...]) -> np.ndarray:
    """The eye opening, triangulated through the iris points that lie inside it.

    With the iris centre and its visible edge points as vertices, a gaze shift
    moves the iris as a whole and stretches only the white around it.
    """
    from matplotlib.path import Path
    from scipy.spatial import Delaunay

    import cv2

    ring = list(upper) + list(reversed(lower[1:-1]))
    opening = Path(points2d[ring])
    contour = points2d[ring].astype(np.float32).reshape(-1, 1, 2)
    # Iris points hidden under a lid, or touching it, would fold the triangulation.
    inside = [i for i in iris if cv2.pointPolygonTest(contour, tuple(map(float, points2d[i])), True) > 1.0]
    if not inside:
        return _as_triangles(strip_triangles(upper, lower))
    ids = np.array(ring + inside)
    corners = ids[Delaunay(points2d[ids]).simplices]
    return _as_triangles(corners[opening.contains_points(points2d[corners].mean(axis=1))])


def band_triangles(points2d: np.ndarray, oval: list[int], anchors: list[int]) -> np.ndarray:
    """Triangles between the face outline and the anchors (outside the outline)."""
    from matplotlib.path import Path
    from scipy.spatial import Delaunay

    ids = np.array(oval + anchors)
    corners = ids[Delaunay(points2d[ids]).simplices]
    # Triangles of outline points only that lie inside the face: the surface already covers them.
    on_outline = np.isin(corners, oval).all(axis=1)
    inside = Path(points2d[oval]).contains_points(points2d[corners].mean(axis=1))
    return _as_triangles(corners[~(on_outline & inside)])


# The landmarks whose positions all_triangles reads (besides the anchors'): the
# eye openings with their irises, and the face outline.
TRIANGULATED_LANDMARKS = tuple(sorted(set(
    lm.EYE_LEFT_UPPER + lm.EYE_LEFT_LOWER + lm.EYE_RIGHT_UPPER + lm.EYE_RIGHT_LOWER
    + (lm.IRIS_LEFT_CENTER,) + lm.IRIS_LEFT_RING + (lm.IRIS_RIGHT_CENTER,) + lm.IRIS_RIGHT_RING + lm.FACE_OVAL
)))


def all_triangles(points2d: np.ndarray, anchors: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(triangles (T, 3), is_hole (T,)): surface + mouth/eye holes + anchor band."""
    surface = surface_triangles()
    holes = np.concatenate([
        _as_triangles(strip_triangles(lm.LIPS_UPPER_INNER, lm.LIPS_LOWER_INNER)),
        eye_triangles(points2d, lm.EYE_LEFT_UPPER, lm.EYE_LEFT_LOWER, (lm.IRIS_LEFT_CENTER,) + lm.IRIS_LEFT_RING),
        eye_triangles(points2d, lm.EYE_RIGHT_UPPER, lm.EYE_RIGHT_LOWER, (lm.IRIS_RIGHT_CENTER,) + lm.IRIS_RIGHT_RING),
    ])
    band = band_triangles(points2d, list(lm.FACE_OVAL), anchors)
    triangles = np.concatenate([surface, holes, band])
    is_hole = np.zeros(len(triangles), dtype=bool)
    is_hole[len(surface) : len(surface) + len(holes)] = True
    return triangles, is_hole


def _as_triangles(triangles) -> np.ndarray:
    """Triangles (a list of index triples or an array) as an int32 (T, 3) array."""
    return np.asarray(triangles, dtype=np.int32).reshape(-1, 3)
