"""The pieces a face re-fit leans on: each gives the numbers of the slow, whole-crop way it
replaced, and what a renderer takes over from the one it replaces is what it would have made."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from frame_meter import frames

from emospeaker_studio.engine.face import landmarks as lm
from emospeaker_studio.engine.face.mesh import TRIANGULATED_LANDMARKS, all_triangles
from emospeaker_studio.engine.face.rig import build_rig
from emospeaker_studio.engine.render.eyes import EYE_LAYER_POINTS, make_eye_layer
from emospeaker_studio.engine.render.masks import SUPERSAMPLE, polygon_window, soft_polygons
from emospeaker_studio.engine.render.mouth import MOUTH_LAYER_POINTS, make_mouth_layer
from emospeaker_studio.engine.render.raster import barycentric_on_grid
from emospeaker_studio.engine.render.renderer import Renderer


def _grid(step: int, shape: tuple[int, int]) -> np.ndarray:
    rows, cols = np.meshgrid(np.arange(shape[0]) * step, np.arange(shape[1]) * step, indexing="ij")
    return np.column_stack([cols.ravel(), rows.ravel()]).astype(np.float64)


@pytest.mark.parametrize("seed", range(6))
def test_every_grid_point_in_a_mesh_is_its_triangles_weighted_corners(seed):
    from scipy.spatial import Delaunay

    rng = np.random.default_rng(seed)
    step, shape = int(rng.integers(1, 4)), (int(rng.integers(5, 40)), int(rng.integers(5, 40)))
    # Corners on grid points too: points on edges and vertices must be found.
    points = np.concatenate([rng.uniform(-3, 3 + step * max(shape), (30, 2)),
                             rng.integers(0, max(shape), (10, 2)) * float(step)])
    triangles = Delaunay(points).simplices
    ids, weights = barycentric_on_grid(points, triangles, step, shape)
    samples = _grid(step, shape)
    covered = weights.any(axis=1)
    inside = Delaunay(points).find_simplex(samples) >= 0
    assert np.array_equal(covered[inside], np.ones(inside.sum(), bool))
    assert np.all(weights[covered] >= -1e-6)
    np.testing.assert_allclose(weights[covered].sum(axis=1), 1.0, atol=1e-5)
    rebuilt = (points[ids[covered]] * weights[covered, :, None]).sum(axis=1)
    np.testing.assert_allclose(rebuilt, samples[covered], atol=1e-3)
    assert not weights[~covered].any() and not ids[~covered].any()


def test_where_triangles_overlap_the_nearer_one_wins():
    points = np.array([[0, 0], [8, 0], [0, 8], [0, 0], [8, 0], [8, 8]], np.float64)
    triangles = np.array([[0, 1, 2], [3, 4, 5]])
    overlap = 1 * 9 + 3  # grid point (3, 1): inside both triangles
    for near, far in ((0, 1), (1, 0)):
        depth = np.zeros(6)
        depth[triangles[far]] = 5.0
        ids, _ = barycentric_on_grid(points, triangles, 1, (9, 9), depth=depth)
        assert set(ids[overlap]) == set(triangles[near])


def test_a_mask_drawn_in_a_window_is_the_mask_drawn_over_the_whole_crop():
    rng = np.random.default_rng(3)
    size = (97, 61)
    polygons = [rng.uniform(10, 50, (7, 2)) + [20 * k, 0] for k in range(2)]
    whole = np.zeros((size[1] * SUPERSAMPLE, size[0] * SUPERSAMPLE), np.uint8)
    for polygon in polygons:
        cv2.fillPoly(whole, [np.round(polygon * SUPERSAMPLE).astype(np.int32)], 255, lineType=cv2.LINE_AA)
    whole = cv2.resize(whole, size, interpolation=cv2.INTER_AREA)
    x0, y0, x1, y1 = window = polygon_window(np.concatenate(polygons), 2, size)
    assert whole[y0:y1, x0:x1].sum() == whole.sum() > 0  # the window holds all of it
    np.testing.assert_array_equal(soft_polygons(polygons, window), whole[y0:y1, x0:x1])


@pytest.fixture(scope="module")
def crop_and_vertices(astronaut_renderer):
    crop = astronaut_renderer._texture[0].permute(1, 2, 0).numpy().astype(np.uint8)
    return crop, astronaut_renderer._rest.numpy().astype(np.float64), astronaut_renderer._face_height


def _only(vertices: np.ndarray, points) -> np.ndarray:
    """The vertices with every one but ``points`` unknown (NaN)."""
    kept = np.full_like(vertices, np.nan)
    kept[list(points)] = vertices[list(points)]
    return kept


def test_the_lid_layer_reads_only_its_listed_landmarks(crop_and_vertices):
    # The renderer keeps a lid layer while these points stay put: it must not read others.
    crop, vertices, face_height = crop_and_vertices
    full, listed = (make_eye_layer(crop, v, face_height, "cpu") for v in (vertices, _only(vertices, EYE_LAYER_POINTS)))
    assert full.closed.equal(listed.closed)
    for name in ("boxes", "rest_opening", "lashes", "brow_gap", "nose_rise", "cheek_rise"):
        assert getattr(full, name) == getattr(listed, name), name


def test_the_mouth_layer_reads_only_its_listed_landmarks(crop_and_vertices, astronaut_renderer):
    crop, vertices, face_height = crop_and_vertices
    texture = astronaut_renderer._texture
    upper, lower = list(lm.LIPS_UPPER_INNER), list(lm.LIPS_LOWER_INNER)
    full, listed = (make_mouth_layer(crop, v, upper, lower, face_height, texture)
                    for v in (vertices, _only(vertices, MOUTH_LAYER_POINTS)))
    assert full.look == listed.look
    assert full.opening_mask.equal(listed.opening_mask) and full.rest_upper.equal(listed.rest_upper)


def test_the_triangulation_reads_only_its_listed_landmarks(astronaut_renderer):
    vertices = astronaut_renderer.rig.vertices.astype(np.float64)[:, :2]
    anchors = list(range(lm.LANDMARK_COUNT, len(vertices)))
    listed = _only(vertices, list(TRIANGULATED_LANDMARKS) + anchors)
    for full, partial in zip(all_triangles(vertices, anchors), all_triangles(listed, anchors)):
        np.testing.assert_array_equal(full, partial)


def _moved(fit, point: int, dx: float, dy: float):
    from dataclasses import replace

    landmarks = fit.landmarks.copy()
    landmarks[point, :2] += (dx, dy)
    return replace(fit, landmarks=landmarks)


@pytest.mark.parametrize("point", [lm.MOUTH_CORNER_RIGHT, 263, lm.CHIN, 300])
def test_a_rig_built_from_the_previous_one_is_the_rig_built_afresh(astronaut, point):
    fit = astronaut[1]
    rig = build_rig(fit)
    for step in (1, 2):
        moved = _moved(fit, point, 2.0 * step, -1.5 * step)
        rig = build_rig(moved, previous=rig)
        fresh = build_rig(moved)
        for name in ("vertices", "triangles", "triangle_is_hole", "bases", "pivot", "face_axes"):
            np.testing.assert_array_equal(getattr(rig, name), getattr(fresh, name), err_msg=name)
        assert (rig.crop, rig.face_height) == (fresh.crop, fresh.face_height)


def test_a_renderer_built_from_another_photos_renderer_is_the_renderer_built_afresh(astronaut_renderer, hopper):
    portrait, fit = hopper
    again = Renderer(portrait, fit, height=512, device="cpu", previous=astronaut_renderer)
    assert again.reused == frozenset()
    fresh = Renderer(portrait, fit, height=512, device="cpu")
    rows = [{}, dict(jaw_open=0.8, AU12=0.6, blink=1.0), dict(head_yaw=15.0, gaze_x=0.5)]
    np.testing.assert_array_equal(frames(again, *rows), frames(fresh, *rows))
