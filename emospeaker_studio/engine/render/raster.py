"""Which mesh triangle covers each sample point, and its barycentric weights."""

from __future__ import annotations

import numpy as np


def barycentric_lookup(points: np.ndarray, triangles: np.ndarray, samples: np.ndarray, depth: np.ndarray | None = None):
    """For sample points (P, 2): vertex ids (P, 3) and weights (P, 3) of the covering triangle.

    Where triangles overlap (a turned head folds the projected mesh) the nearer
    one wins; samples no triangle covers get zero weights (they never move).
    """
    ids = np.zeros((len(samples), 3), dtype=np.int64)
    weights = np.zeros((len(samples), 3), dtype=np.float32)
    order = np.arange(len(triangles))
    if depth is not None:
        order = np.argsort(-depth[triangles].mean(axis=1))  # far first, near ones overwrite
    xs, ys = samples[:, 0], samples[:, 1]
    # Samples form a regular grid; sort by row to find each triangle's rows quickly.
    row_order = np.argsort(ys, kind="stable")
    sorted_y = ys[row_order]
    for t in order:
        tri = points[triangles[t]]
        (x0, y0), (x1, y1), (x2, y2) = tri
        det = (y1 - y2) * (x0 - x2) + (x2 - x1) * (y0 - y2)
        if abs(det) < 1e-9:
            continue
        lo, hi = np.searchsorted(sorted_y, [tri[:, 1].min() - 1e-6, tri[:, 1].max() + 1e-6], side="left")
        candidates = row_order[lo:hi]
        cx = xs[candidates]
        near = (cx >= tri[:, 0].min() - 1e-6) & (cx <= tri[:, 0].max() + 1e-6)
        candidates = candidates[near]
        if len(candidates) == 0:
            continue
        px, py = xs[candidates], ys[candidates]
        a = ((y1 - y2) * (px - x2) + (x2 - x1) * (py - y2)) / det
        b = ((y2 - y0) * (px - x2) + (x0 - x2) * (py - y2)) / det
        c = 1.0 - a - b
        inside = (a >= -1e-6) & (b >= -1e-6) & (c >= -1e-6)
        hit = candidates[inside]
        ids[hit] = triangles[t]
        weights[hit] = np.column_stack([a[inside], b[inside], c[inside]])
    return ids, weights
