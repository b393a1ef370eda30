"""The face rig: mesh, anchors, and one deformation basis per control.

A basis is a displacement (in portrait pixels, with depth) for every mesh
vertex at coefficient 1; a frame's displacement is the coefficient-weighted
sum, so it is linear and batches into one matrix product.

Each basis is specified the way a face moves: a few driver vertices get
explicit displacements in the face's own frame (x towards the image's right
eye, y towards the chin, in face heights), some vertices are held still, and
the skin in between follows smoothly. "Smoothly" is a harmonic interpolation
over the mesh graph (the minimum-stretch surface through the constraints),
limited to a radius around the drivers so an action stays local. The mesh
holes are not part of that graph, so the upper and lower lip (and lids) move
independently, as they do.

Fitted to the face: ``lip_press`` closes exactly the gap measured in this
photo, ``jaw_open`` at 1 leaves 0.35 face heights between the lips whatever
the photo's gap, ``blink`` brings this photo's upper lids down onto its lower
lids, and gaze moves the irises by this eye's free width.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from emospeaker_studio.engine.controls import EYES, FACE_CONTROLS
from emospeaker_studio.engine.face import landmarks as lm
from emospeaker_studio.engine.face.bases import BasisSpec
from emospeaker_studio.engine.face.expression import face_frame
from emospeaker_studio.engine.face.fit import FaceFit
from emospeaker_studio.engine.face.harmonic import HarmonicInterpolator
from emospeaker_studio.engine.face.mesh import TRIANGULATED_LANDMARKS, all_triangles
from emospeaker_studio.engine.reuse import Parts

LINEAR_CONTROLS: tuple[str, ...] = FACE_CONTROLS + tuple(n for n in EYES if n in ("blink", "gaze_x", "gaze_y"))
RING_SCALE = (1.0, 0.9)  # anchor ring semi-axes in face widths / face heights (about 2x the face)
RING_POINTS = 40
BORDER_POINTS = 6  # anchors per crop edge


@dataclass(frozen=True, eq=False)
class FaceRig:
    """Everything constant about one face: rest mesh, anchors, bases, head pivot.

    Coordinates are full-resolution portrait pixels (x right, y down, z away from
    the camera). ``vertices[:478]`` are the landmarks, the rest are anchors.
    """

    vertices: np.ndarray  # (V, 3) float32
    triangles: np.ndarray  # (T, 3) int32
    triangle_is_hole: np.ndarray  # (T,) bool: mouth and eye openings
    bases: np.ndarray  # (len(LINEAR_CONTROLS), V, 3) float32
    pose_weight: np.ndarray  # (V,) 1 on the face, 0 on anchors
    pivot: np.ndarray  # (3,) head rotation centre (the neck)
    crop: tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive) in portrait pixels
    face_height: float
    face_axes: np.ndarray  # (2, 2) rows: face x and y axes in image coordinates
    # The harmonic systems solved for the bases and the anchors and triangles with what
    # they were made from, for the next rig of this face to reuse (see build_rig).
    interpolator: HarmonicInterpolator | None = field(default=None, repr=False)
    parts: Parts | None = field(default=None, repr=False)

    @property
    def landmark_count(self) -> int:
        return lm.LANDMARK_COUNT

    def basis(self, name: str) -> np.ndarray:
        return self.bases[LINEAR_CONTROLS.index(name)]


def build_rig(fit: FaceFit, image_size: tuple[int, int] | None = None, previous: FaceRig | None = None) -> FaceRig:
    """Fit the rig to ``fit``; ``image_size`` (w, h) bounds the crop (defaults to the fit's).

    ``previous``: a rig of the same face before some landmarks moved (a key-point
    drag in the face editor). The anchors, the triangles and the harmonic solutions
    the move left unchanged are taken from it; the rig is the same as one built
    without it.
    """
    width, height = image_size or fit.image_size
    parts = Parts(None if previous is None else previous.parts)
    points = fit.landmarks.astype(np.float64)
    origin, axes, face_h = face_frame(points)
    along_axes = points[:, :2] @ axes.T
    extent, oval = np.stack([along_axes.min(axis=0), along_axes.max(axis=0)]), points[list(lm.FACE_OVAL), :2]
    crop, anchors2d = parts.get("anchors", (extent, oval, axes, face_h, width, height),
                                lambda: _crop_and_anchors(extent, oval, axes, face_h, width, height))
    vertices = np.concatenate([points, np.column_stack([anchors2d, np.full(len(anchors2d), points[:, 2].mean())])])
    anchor_ids = list(range(lm.LANDMARK_COUNT, len(vertices)))
    triangulated = vertices[list(TRIANGULATED_LANDMARKS) + anchor_ids, :2]
    triangles, is_hole = parts.get("triangles", (triangulated,), lambda: all_triangles(vertices[:, :2], anchor_ids))
    solver = HarmonicInterpolator(vertices[:, :2], triangles[~is_hole], anchor_ids,
                                  previous=None if previous is None else previous.interpolator)
    local = (points[:, :2] - origin) @ axes.T / face_h
    spec = BasisSpec(local, solver, axes, face_h, len(vertices))
    bases = np.stack([spec.build(name) for name in LINEAR_CONTROLS]).astype(np.float32)
    solver.forget_earlier()
    parts.forget_earlier()
    pose_weight = np.zeros(len(vertices), dtype=np.float32)
    pose_weight[: lm.LANDMARK_COUNT] = 1.0
    chin = points[lm.CHIN]
    pivot = np.array([chin[0], chin[1] + 0.25 * face_h, points[:, 2].mean() + 0.45 * face_h])
    return FaceRig(
        vertices=vertices.astype(np.float32),
        triangles=triangles,
        triangle_is_hole=is_hole,
        bases=bases,
        pose_weight=pose_weight,
        pivot=pivot.astype(np.float32),
        crop=crop,
        face_height=float(face_h),
        face_axes=axes.astype(np.float32),
        interpolator=solver,
        parts=parts,
    )


def _crop_and_anchors(extent, oval, axes, face_h, width, height):
    """A ring about twice the face around it, clipped to the photo, plus the crop border.

    ``extent``: the landmarks' lowest and highest coordinates (2, 2) along the face's
    axes; ``oval``: the face outline (FACE_OVAL, image pixels).
    """
    centre_local = (extent[0] + extent[1]) / 2
    face_w = float(extent[1, 0] - extent[0, 0])
    centre = centre_local @ axes  # back to image coordinates
    centre = centre + axes[1] * (-0.05 * face_h)  # hair above weighs more than neck below
    angles = np.linspace(0, 2 * np.pi, RING_POINTS, endpoint=False)
    ring_local = np.column_stack([np.cos(angles) * RING_SCALE[0] * face_w, np.sin(angles) * RING_SCALE[1] * face_h])
    ring = centre + ring_local @ axes
    x0 = int(max(0, np.floor(ring[:, 0].min())))
    y0 = int(max(0, np.floor(ring[:, 1].min())))
    x1 = int(min(width, np.ceil(ring[:, 0].max()) + 1))
    y1 = int(min(height, np.ceil(ring[:, 1].max()) + 1))
    ring[:, 0] = np.clip(ring[:, 0], x0, x1 - 1)
    ring[:, 1] = np.clip(ring[:, 1], y0, y1 - 1)
    t = np.linspace(0, 1, BORDER_POINTS + 1)[:-1]
    xs, ys = x0 + t * (x1 - 1 - x0), y0 + t * (y1 - 1 - y0)
    border = np.concatenate([
        np.column_stack([xs, np.full_like(xs, y0)]),
        np.column_stack([np.full_like(ys, x1 - 1), ys]),
        np.column_stack([xs[::-1] + (x1 - 1 - x0) / BORDER_POINTS, np.full_like(xs, y1 - 1)]),
        np.column_stack([np.full_like(ys, x0), ys[::-1] + (y1 - 1 - y0) / BORDER_POINTS]),
    ])
    corners = np.array([[x0, y0], [x1 - 1, y0], [x1 - 1, y1 - 1], [x0, y1 - 1]], float)
    candidates = np.concatenate([border, ring])
    # A tight photo puts the border next to the face: keep room to move.
    clear_of_face = np.linalg.norm(candidates[:, None, :] - oval[None, :, :], axis=2).min(axis=1) >= 0.08 * face_h
    anchors = np.concatenate([corners, candidates])  # the crop's corners always hold, so the mesh covers the whole crop
    count = len(corners)
    spacing = 0.04 * face_h
    for p, clear in zip(candidates, clear_of_face):
        if clear and np.min(np.linalg.norm(anchors[:count] - p, axis=1)) >= spacing:
            anchors[count] = p
            count += 1
    return (x0, y0, x1, y1), anchors[:count]
