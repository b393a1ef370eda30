"""Iris points follow the lids: the last step of every basis.

The irises lie in the eye openings, which the harmonic interpolation's graph
leaves out (so that the lids move independently), so each basis places them
afterwards between the lids' displacements. Everything but those
displacements is fixed per face and worked out once per rig; each control
then costs a few array operations.
"""

from __future__ import annotations

import numpy as np

from emospeaker_studio.engine.face import landmarks as lm

# Per eye: upper lid, lower lid (corner to corner), iris centre and ring.
_EYES = (
    (lm.EYE_LEFT_UPPER, lm.EYE_LEFT_LOWER, (lm.IRIS_LEFT_CENTER,) + lm.IRIS_LEFT_RING),
    (lm.EYE_RIGHT_UPPER, lm.EYE_RIGHT_LOWER, (lm.IRIS_RIGHT_CENTER,) + lm.IRIS_RIGHT_RING),
)


class IrisFollow:
    """The iris points and where each sits between its eye's lids at rest (face frame).

    An iris point follows the lids above and below it: its displacement is the
    lids' displacements there (interpolated along x), mixed by how far down the
    opening it sits. Everything but the lids' displacements is fixed per face,
    so it is worked out once here rather than for every control.
    """

    def __init__(self, q: np.ndarray) -> None:
        self.iris = np.array([i for _, _, iris in _EYES for i in iris])  # landmark ids
        x = q[self.iris, 0]
        eyes = [np.full(len(iris), k) for k, (_, _, iris) in enumerate(_EYES)]
        self.along_upper = _Interpolation(x, [upper for upper, _, _ in _EYES], np.concatenate(eyes), q)
        self.along_lower = _Interpolation(x, [lower for _, lower, _ in _EYES], np.concatenate(eyes), q)
        up_y, lo_y = self.along_upper(q[:, 1:]), self.along_lower(q[:, 1:])
        self.share = np.clip((q[self.iris, 1:] - up_y) / np.maximum(lo_y - up_y, 1e-4), 0.0, 1.0)

    def follow(self, values: np.ndarray) -> np.ndarray:
        """Displacements (iris points, 3) that follow the lids' ``values`` (vertices, 3)."""
        return (1 - self.share) * self.along_upper(values) + self.share * self.along_lower(values)


class _Interpolation:
    """``np.interp(x, xp, fp)`` for fixed points ``x``, each along its own fixed contour,
    for any values on the contours' vertices, all points and columns at once.

    ``contours``: landmark ids of each contour; ``which[i]``: the contour of point i;
    ``q``: landmark positions (the contours' x are q[ids, 0], sorted). The same
    numbers as np.interp (its search, end values and formula, for finite values),
    without a call per point and column (dozens per control).
    """

    def __init__(self, x: np.ndarray, contours, which: np.ndarray, q: np.ndarray) -> None:
        self.low, self.high, self.knot = (np.zeros(len(x), dtype=np.intp) for _ in range(3))
        self.offset, self.width, self.copied = np.zeros(len(x)), np.ones(len(x)), np.zeros(len(x), dtype=bool)
        for k, contour in enumerate(contours):
            ids = np.array(contour)[np.argsort(q[list(contour), 0])]
            xp, point = q[ids, 0], which == k
            last = len(xp) - 1
            below = np.searchsorted(xp, x[point], side="right") - 1  # xp[below] <= x < xp[below + 1]
            low = np.clip(below, 0, last - 1)
            # Outside the knots, at the last one, or exactly on one: np.interp copies that value.
            copied = (x[point] < xp[0]) | (x[point] >= xp[last]) | (xp[low] == x[point])
            self.low[point], self.high[point] = ids[low], ids[low + 1]
            self.knot[point] = ids[np.where(x[point] < xp[0], 0, np.clip(below, 0, last))]
            self.offset[point], self.copied[point] = x[point] - xp[low], copied
            self.width[point] = np.where(copied, 1.0, xp[low + 1] - xp[low])
        self.offset, self.width = self.offset[:, None], self.width[:, None]

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """Each point's value (points, columns) from ``values`` (vertices, columns)."""
        low = values[self.low]
        result = (values[self.high] - low) / self.width * self.offset + low
        result[self.copied] = values[self.knot[self.copied]]
        return result

