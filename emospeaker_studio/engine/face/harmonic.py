"""Harmonic interpolation of displacements over the face mesh's graph.

Given some vertices' displacements (and some held still), the rest move as the
minimum-stretch surface through them: each free vertex ends at the weighted
mean of its neighbours (weights 1/edge length), a sparse linear system.

A rig solves about thirty such systems, and the face editor rebuilds the rig
for every step of a key-point drag, so solving is kept cheap:

* each system's matrix is cut out of the Laplacian's arrays directly (scipy's
  fancy indexing cost as much as the solves) and factorised once for its
  three columns; systems on the same free vertices share the factors;
* an interpolator made with ``previous=`` (the rig before a key-point move)
  takes over the earlier one's factors and solutions wherever the move left
  the equations as they were: a key point changes the Laplacian only in its
  own row and its neighbours'.

Reused or not, the numbers are the same: the same equations, solved by the
same factors (SuperLU, one column at a time as ``spsolve`` did), give the same
bits.
"""

from __future__ import annotations

import numpy as np


class HarmonicInterpolator:
    """Harmonic interpolation of displacements over the mesh graph (holes excluded).

    ``previous``: the interpolator of an earlier rig of the same face, whose
    factors and solutions this one reuses where its equations are unchanged.
    """

    def __init__(self, points2d: np.ndarray, triangles: np.ndarray, anchors: list[int],
                 previous: HarmonicInterpolator | None = None) -> None:
        from scipy import sparse

        n = len(points2d)
        # Unique undirected edges in (low, high) order, sorted: one integer per edge
        # sorts like np.unique(axis=0) on the pairs, without its slow row view.
        pairs = np.sort(np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [2, 0]]]), axis=1).astype(np.int64)
        codes = np.unique(pairs[:, 0] * n + pairs[:, 1])
        edges = np.column_stack([codes // n, codes % n])
        lengths = np.linalg.norm(points2d[edges[:, 0]] - points2d[edges[:, 1]], axis=1)
        weights = 1.0 / np.maximum(lengths, 1e-3)
        w = sparse.coo_matrix((np.r_[weights, weights], (np.r_[edges[:, 0], edges[:, 1]], np.r_[edges[:, 1], edges[:, 0]])), shape=(n, n)).tocsr()
        self.laplacian = (sparse.diags(np.asarray(w.sum(axis=1)).ravel()) - w).tocsr()
        self.laplacian.sort_indices()
        self.in_graph = np.zeros(n, dtype=bool)
        self.in_graph[np.unique(edges)] = True
        self.anchors = np.array(anchors, dtype=int)
        self.points2d = points2d
        # Keyed by the fixed-vertex mask (factors) and mask + fixed values (solutions).
        self._factors: dict[bytes, object] = {}
        self._solutions: dict[bytes, np.ndarray] = {}
        self._earlier_factors: dict[bytes, object] = {}
        self._earlier_solutions: dict[bytes, np.ndarray] = {}
        self._changed_rows = np.ones(n, dtype=bool)
        self.reused = 0  # solves that took factors or a solution from ``previous``
        if previous is not None and len(previous.points2d) == n:
            self._earlier_factors, self._earlier_solutions = previous._factors, previous._solutions
            self._changed_rows = _changed_rows(previous.laplacian, self.laplacian)

    def forget_earlier(self) -> None:
        """Let the previous interpolator's factors and solutions go (once the rig is built)."""
        self._earlier_factors, self._earlier_solutions = {}, {}

    def solve(self, fixed: np.ndarray, held: np.ndarray, free: np.ndarray) -> np.ndarray:
        """Displacements (n, 3): ``held`` vertices (mask) as given in ``fixed`` (n, 3),
        ``free`` ones (mask) harmonic, the rest zero. Anchors are never free."""
        values = np.where(held[:, None], fixed, 0.0)
        is_fixed = held | ~(free & self.in_graph)
        is_fixed[self.anchors] = True
        free_ids = np.flatnonzero(~is_fixed)
        if not len(free_ids):
            return values
        # The system is the free rows of the Laplacian; its right-hand side also
        # depends on the fixed values.
        system = is_fixed.tobytes()
        problem = system + values[is_fixed].tobytes()
        unchanged = not self._changed_rows[free_ids].any()
        solution = self._solutions.get(problem)
        if solution is None and unchanged:
            solution = self._earlier_solutions.get(problem)
            self.reused += solution is not None
        if solution is None:
            factors = self._factors.get(system)
            if factors is None and unchanged:
                factors = self._earlier_factors.get(system)
                self.reused += factors is not None
            rows = _FreeRows(self.laplacian, free_ids, ~is_fixed)
            if factors is None:
                factors = rows.factorise()
            rhs = rows.right_hand_side(values)
            solution = np.column_stack([factors.solve(rhs[:, k]) for k in range(3)])
            self._factors[system] = factors
        self._solutions[problem] = solution
        values[free_ids] = solution
        return values


class _FreeRows:
    """The free vertices' rows of the Laplacian, split by whether each entry's column is free."""

    def __init__(self, laplacian, free_ids: np.ndarray, is_free: np.ndarray) -> None:
        starts, counts = laplacian.indptr[free_ids], np.diff(laplacian.indptr)[free_ids]
        first = np.cumsum(counts) - counts
        entries = np.repeat(starts - first, counts) + np.arange(counts.sum())
        self.columns, self.data = laplacian.indices[entries], laplacian.data[entries]
        self.rows = np.repeat(np.arange(len(free_ids)), counts)
        self.inner = is_free[self.columns]
        self.is_free = is_free
        self.size = len(free_ids)

    def factorise(self):
        """SuperLU factors of the free-free block.

        The Laplacian is exactly symmetric (each edge weight is stored once for both
        directions), so the block's CSR arrays, cut from the rows in column order,
        are its CSC arrays too.
        """
        from scipy import sparse
        from scipy.sparse.linalg import splu

        position = np.cumsum(self.is_free) - 1  # a free vertex's index among the free
        indptr = np.r_[0, np.cumsum(np.bincount(self.rows[self.inner], minlength=self.size))]
        block = sparse.csc_array((self.data[self.inner], position[self.columns[self.inner]], indptr), shape=(self.size,) * 2)
        return splu(block)

    def right_hand_side(self, values: np.ndarray) -> np.ndarray:
        """-(free-fixed block) @ fixed values, (k, 3), summed in each row's column order as
        the sparse product was."""
        outer = ~self.inner
        products = -self.data[outer][:, None] * values[self.columns[outer]]
        return np.column_stack([np.bincount(self.rows[outer], weights=products[:, k], minlength=self.size) for k in range(3)])


def _changed_rows(before, after) -> np.ndarray:
    """(n,) True for each row where two CSR Laplacians differ (all rows if their patterns do)."""
    n = after.shape[0]
    if not (np.array_equal(before.indptr, after.indptr) and np.array_equal(before.indices, after.indices)):
        return np.ones(n, dtype=bool)
    differs = before.data != after.data
    rows = np.repeat(np.arange(n), np.diff(after.indptr))
    return np.bincount(rows[differs], minlength=n) > 0
