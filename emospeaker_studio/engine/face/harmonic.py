"""Harmonic interpolation of displacements over the face mesh's graph.

Given some vertices' displacements (and some held still), the rest move as the
minimum-stretch surface through them: each free vertex ends at the weighted
mean of its neighbours (weights 1/edge length), a sparse linear system.
"""

from __future__ import annotations

import numpy as np


class HarmonicInterpolator:
    """Harmonic interpolation of displacements over the mesh graph (holes excluded)."""

    def __init__(self, points2d: np.ndarray, triangles: np.ndarray, anchors: list[int]) -> None:
        from scipy import sparse

        edges = np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [2, 0]]])
        edges = np.unique(np.sort(edges, axis=1), axis=0)
        lengths = np.linalg.norm(points2d[edges[:, 0]] - points2d[edges[:, 1]], axis=1)
        weights = 1.0 / np.maximum(lengths, 1e-3)
        n = len(points2d)
        w = sparse.coo_matrix((np.r_[weights, weights], (np.r_[edges[:, 0], edges[:, 1]], np.r_[edges[:, 1], edges[:, 0]])), shape=(n, n)).tocsr()
        self.laplacian = (sparse.diags(np.asarray(w.sum(axis=1)).ravel()) - w).tocsr()
        self.in_graph = np.zeros(n, dtype=bool)
        self.in_graph[np.unique(edges)] = True
        self.anchors = np.array(anchors, dtype=int)
        self.points2d = points2d

    def solve(self, fixed: dict[int, np.ndarray], free: np.ndarray) -> np.ndarray:
        """Displacements (n, 3): ``fixed`` as given, ``free`` vertices harmonic, the rest zero."""
        from scipy.sparse.linalg import spsolve

        n = len(self.points2d)
        values = np.zeros((n, 3))
        is_fixed = np.ones(n, dtype=bool)
        is_fixed[free & self.in_graph] = False
        is_fixed[self.anchors] = True
        for index, value in fixed.items():
            values[index] = value
            is_fixed[index] = True
        free_ids = np.flatnonzero(~is_fixed)
        fixed_ids = np.flatnonzero(is_fixed)
        if len(free_ids):
            lap = self.laplacian
            a = lap[free_ids][:, free_ids].tocsc()
            b = -lap[free_ids][:, fixed_ids] @ values[fixed_ids]
            values[free_ids] = np.column_stack([spsolve(a, b[:, k]) for k in range(3)])
        return values
