"""One deformation basis per control, described the way a face moves.

Each control names driver landmarks and their displacements in the face's
own frame (x towards the image's right eye, y towards the chin, in face
heights), landmarks held still, and a radius; the skin in between follows by
harmonic interpolation (face/harmonic.py). Measurements of this face (its
lip gap, lid openings, eye widths) size the drivers, which is what makes the
bases "fitted to the face".
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from emospeaker_studio.engine.face import landmarks as lm
from emospeaker_studio.engine.face.expression import JAW_OPEN_GAP
from emospeaker_studio.engine.face.harmonic import HarmonicInterpolator
from emospeaker_studio.engine.face.irises import IrisFollow


class BasisSpec:
    """Turns each control's description (face frame, face heights) into vertex displacements."""

    def __init__(self, local: np.ndarray, solver: HarmonicInterpolator, axes: np.ndarray, face_h: float, n_vertices: int) -> None:
        self.q = local  # (478, 2) landmarks in the face frame, face heights
        self.solver = solver
        self.axes = axes
        self.face_h = face_h
        self.n = n_vertices
        corners = self.q[[lm.MOUTH_CORNER_LEFT, lm.MOUTH_CORNER_RIGHT]]
        self.mouth_centre = corners.mean(axis=0)
        self.mouth_half_width = max(float(np.linalg.norm(corners[1] - corners[0])) / 2, 1e-3)
        # Each driver's distance to every landmark (face heights), worked out once per
        # driver as the controls ask which vertices lie near their drivers.
        self._distances = np.empty((len(self.q), len(self.q)))
        self._measured = np.zeros(len(self.q), dtype=bool)
        self._irises = IrisFollow(self.q)

    # --- helpers -------------------------------------------------------------
    def u(self, index: int) -> float:
        """Position along the mouth: -1 at the image-left corner, +1 at the right."""
        return float((self.q[index, 0] - self.mouth_centre[0]) / self.mouth_half_width)

    def side(self, index: int) -> float:
        return -1.0 if self.q[index, 0] < self.mouth_centre[0] else 1.0

    def to_image(self, moves: np.ndarray) -> np.ndarray:
        """Face-frame moves (k, 3: dx, dy, dz in face heights) → image pixels (k, 3)."""
        # Written out rather than ``moves[:, :2] @ axes``: BLAS may round that product
        # differently, and the bases would no longer be the ones fitted before.
        x = moves[:, 0] * self.axes[0, 0] + moves[:, 1] * self.axes[1, 0]
        y = moves[:, 0] * self.axes[0, 1] + moves[:, 1] * self.axes[1, 1]
        return np.column_stack([x * self.face_h, y * self.face_h, moves[:, 2] * self.face_h])

    def near(self, drivers, radius: float) -> np.ndarray:
        """Vertices within ``radius`` face heights of any driver landmark."""
        drivers = np.array(list(drivers), dtype=np.intp)
        new = np.unique(drivers[~self._measured[drivers]])
        if len(new):
            # Written out: the same numbers as np.linalg.norm, a fifth of its time.
            dx, dy = (self.q[new, None, k] - self.q[None, :, k] for k in range(2))
            self._distances[new] = np.sqrt(dx * dx + dy * dy)
            self._measured[new] = True
        free = np.zeros(self.n, dtype=bool)
        free[: len(self.q)] = (self._distances[drivers] < radius).any(axis=0)
        return free

    def solve(self, moves: dict[int, tuple], still=(), radius: float = 0.25, keep_closed: bool = False) -> np.ndarray:
        driven = list(moves)
        steps = np.array(list(moves.values()), dtype=np.float64).reshape(len(moves), 3)
        # The fixed vertices' displacements: the drivers' moves, zero for the still.
        fixed, held = np.zeros((self.n, 3)), np.zeros(self.n, dtype=bool)
        held[np.asarray(still, dtype=np.intp)] = True
        fixed[driven], held[driven] = self.to_image(steps), True
        movers = [i for i, moving in zip(driven, np.abs(steps).max(axis=1, initial=0.0) > 0) if moving]
        free = self.near(movers or driven, radius)
        result = self.solver.solve(fixed, held, free)
        if keep_closed:
            # Lips that touch in the photo stay touching: where the inner lips meet,
            # both move alike (their average), and the skin around follows again.
            gaps = self._lip_gap()
            for k, (up, lo) in enumerate(zip(lm.LIPS_UPPER_INNER, lm.LIPS_LOWER_INNER)):
                if up in _CORNERS or gaps[k] > 0.01:
                    continue
                if up in moves and lo in moves:
                    continue  # both explicitly driven: the action says how they part
                fixed[[up, lo]], held[[up, lo]] = (result[up] + result[lo]) / 2, True
            result = self.solver.solve(fixed, held, free)
        return self._irises_follow(result, set(moves))

    def _irises_follow(self, values: np.ndarray, driven: set[int]) -> np.ndarray:
        """Iris points (outside the graph) keep their place between the lids unless driven."""
        keep = [k for k, i in enumerate(self._irises.iris) if i not in driven]
        if keep:
            values[self._irises.iris[keep]] = self._irises.follow(values)[keep]
        return values

    def to_curve(self, ids, curve) -> list[float]:
        """Vertical distance (face frame) from each of ``ids`` to the contour ``curve`` at its x.

        Closing lips or lids moves each point straight onto a common seam curve;
        pairing points by index instead would cross neighbouring triangles, as
        the upper and lower contours' points do not sit at the same x.
        """
        xs, ys = self.q[list(curve), 0], self.q[list(curve), 1]
        order = np.argsort(xs)
        ids = list(ids)
        return (np.interp(self.q[ids, 0], xs[order], ys[order]) - self.q[ids, 1]).tolist()

    def eye_opening(self, upper, lower) -> list[float]:
        return [max(0.0, float(self.q[lo, 1] - self.q[up, 1])) for up, lo in zip(upper, lower)]

    # --- the controls ----------------------------------------------------------
    def build(self, name: str) -> np.ndarray:
        method: Callable[[], np.ndarray] = getattr(self, "_" + name.lower())
        return method()

    def _lips(self):
        upper = [i for i in lm.LIPS_UPPER_OUTER + lm.LIPS_UPPER_INNER if i not in _CORNERS]
        lower = [i for i in lm.LIPS_LOWER_OUTER + lm.LIPS_LOWER_INNER if i not in _CORNERS]
        return upper, lower

    def _lip_gap(self) -> list[float]:
        return [max(0.0, float(self.q[lo, 1] - self.q[up, 1])) for up, lo in zip(lm.LIPS_UPPER_INNER, lm.LIPS_LOWER_INNER)]

    def _upper_face(self, below: float) -> list[int]:
        return self._surface_where(self.q[: lm.MESH_VERTEX_COUNT, 1] < below)

    @staticmethod
    def _surface_where(condition: np.ndarray) -> list[int]:
        """The surface landmarks (0..467) where ``condition`` (one per landmark) holds, ascending."""
        return np.flatnonzero(condition[: lm.MESH_VERTEX_COUNT]).tolist()

    def _corner_move(self, dx_out: float, dy: float, sides=(-1.0, 1.0), dz: float = 0.0) -> dict:
        moves = {}
        for corner_ids, s in (((lm.MOUTH_CORNER_LEFT, lm.INNER_CORNER_LEFT), -1.0), ((lm.MOUTH_CORNER_RIGHT, lm.INNER_CORNER_RIGHT), 1.0)):
            for i in corner_ids:
                moves[i] = (s * dx_out, dy, dz) if s in sides else (0.0, 0.0, 0.0)
        return moves

    def _still_eyes_and_nose(self) -> list[int]:
        nose_top = self.q[lm.NOSE_TIP, 1]
        return self._upper_face(nose_top - 0.02) + [lm.NOSE_TIP, 2, 94, 19]

    def _mouth_action(self, corners: dict, lips: dict | None = None, radius: float = 0.28, keep_closed: bool = True) -> np.ndarray:
        moves = dict(corners)
        moves.update(lips or {})
        return self.solve(moves, still=self._still_eyes_and_nose() + [lm.CHIN], radius=radius, keep_closed=keep_closed)

    def _curved_lips(self, dx_out: float, dy: float, middle_dy: float, sides=(-1.0, 1.0), middle_dx: float = 0.0) -> dict:
        """Every lip point (both lips alike) moved by the middle's move plus the corners' move times u².

        A smile bends the whole lip line into a U, not only its ends: moving
        just the corners would leave the lip between them a straight slope,
        and relaxing a photographed smile would leave its U in place.
        """
        upper, lower = self._lips()
        lips = {}
        for i in upper + lower:
            u = float(np.clip(self.u(i), -1.0, 1.0))
            bend = u * u if np.sign(u) in sides or u == 0.0 else 0.0
            share = 1.0 if len(sides) == 2 else float(np.clip(0.5 + 0.5 * u, 0.0, 1.0))
            lips[i] = (middle_dx + dx_out * np.sign(u) * bend, middle_dy * share + dy * bend, 0.0)
        return lips

    def _au12(self):
        # The lips' middle rises a little with the corners, both lips together, so
        # lips that are closed in the photo stay closed.
        lips = self._curved_lips(0.035, -0.05, -0.006)
        return self._mouth_action(self._corner_move(0.035, -0.056), lips)

    def _au12r(self):
        # One corner pulled up and out; the lip line between it and the middle
        # rises towards it, so the mouth slants (the other corner stays put).
        lips = self._curved_lips(0.04, -0.06, -0.01, sides=(1.0,), middle_dx=0.006)
        corners = self._corner_move(0.04, -0.068, sides=(1.0,))
        return self._mouth_action(corners, lips)

    def _au14(self):
        return self._mouth_action(self._corner_move(-0.025, -0.006, dz=0.01), radius=0.22)

    def _au14r(self):
        lips = {i: (0.004, 0.0, 0.0) for i in (lm.UPPER_LIP_TOP, lm.LOWER_LIP_BOTTOM)}
        return self._mouth_action(self._corner_move(-0.025, -0.006, sides=(1.0,), dz=0.01), lips, radius=0.22)

    def _au15(self):
        # The lips' middles hold and both lips bend down alike, more and more
        # towards the corners: the corners come down without parting the lips or
        # crossing them, and the lip line between them turns down too.
        upper, lower = self._lips()
        lips = {}
        for i in upper + lower:
            u = float(np.clip(self.u(i), -1.0, 1.0))
            lips[i] = (0.01 * u * abs(u), 0.056 * abs(u) ** 1.5, 0.0)
        return self._mouth_action(self._corner_move(0.01, 0.056), lips, radius=0.25)

    def _au20(self):
        upper, lower = self._lips()
        lips = {i: (0.0, 0.004, 0.0) for i in lm.LIPS_UPPER_OUTER if i not in _CORNERS}
        lips.update({i: (0.0, -0.004, 0.0) for i in lm.LIPS_LOWER_OUTER if i not in _CORNERS})
        for mid in (lm.UPPER_INNER_MID, lm.LOWER_INNER_MID):
            lips[mid] = (0.0, 0.0, 0.0)
        return self._mouth_action(self._corner_move(0.05, 0.008), lips)

    def _au23(self):
        return self._thin_lips(0.5, corner_in=0.018, close=0.0)

    def _au24(self):
        return self._thin_lips(0.3, corner_in=0.01, close=1.0, extra=0.006)

    def _lip_press(self):
        return self._thin_lips(0.0, corner_in=0.0, close=1.0, extra=0.006)

    def _thin_lips(self, fraction: float, corner_in: float, close: float, extra: float = 0.0):
        """Outer lip edges move towards the seam; ``close`` of the photo's gap is closed.

        Parted lips close mostly by the jaw coming up (``_UPPER_LIP_SHARE`` of
        the gap is the upper lip coming down): the upper lip keeps its place
        against the lip corners, so a closed smile's corners are no higher
        above the seam than they were above the upper lip.
        """
        moves = self._corner_move(-corner_in, 0.0)
        down = self.to_curve(lm.LIPS_UPPER_INNER, lm.LIPS_LOWER_INNER)  # to the lower lip
        up = self.to_curve(lm.LIPS_LOWER_INNER, lm.LIPS_UPPER_INNER)  # (negative) to the upper lip
        for k, (uo, ui, lo, li) in enumerate(zip(lm.LIPS_UPPER_OUTER, lm.LIPS_UPPER_INNER, lm.LIPS_LOWER_OUTER, lm.LIPS_LOWER_INNER)):
            if ui in _CORNERS:
                continue
            upper_half = close * max(down[k], 0.0) * _UPPER_LIP_SHARE
            lower_half = close * max(-up[k], 0.0) * (1.0 - _UPPER_LIP_SHARE)
            upper_thick = self.q[ui, 1] - self.q[uo, 1]
            lower_thick = self.q[lo, 1] - self.q[li, 1]
            moves[ui] = (0.0, upper_half, 0.0)
            moves[li] = (0.0, -lower_half, 0.0)
            moves[uo] = (0.0, upper_half + fraction * upper_thick + extra, 0.0)
            moves[lo] = (0.0, -lower_half - fraction * lower_thick - extra, 0.0)
        return self.solve(moves, still=self._still_eyes_and_nose() + [lm.CHIN], radius=0.2)

    def _jaw_open(self):
        gaps = self._lip_gap()
        photo_gap = gaps[len(gaps) // 2]
        travel = max(JAW_OPEN_GAP - photo_gap, 0.15)
        moves = {}
        upper, lower = self._lips()
        for i in upper:
            moves[i] = (0.0, 0.0, 0.0)
        corner_u = max(abs(self.u(lm.INNER_CORNER_LEFT)), abs(self.u(lm.INNER_CORNER_RIGHT)), 0.5)
        for outer, inner in zip(lm.LIPS_LOWER_OUTER, lm.LIPS_LOWER_INNER):
            if inner in _CORNERS:
                continue
            # An open mouth is a rounded U: the lower lip drops most in the middle and
            # less and less towards the corners, which come down a little and in.
            # Both edges of the lip move alike, so the lip never turns inside out.
            u = self.u(inner)
            arc = max(0.0, 1.0 - min(abs(u) / corner_u, 1.0) ** 2)
            moves[outer] = moves[inner] = (-0.04 * u * travel, travel * (0.2 + 0.8 * arc), 0.0)
        for corner_ids, s in (((lm.MOUTH_CORNER_LEFT, lm.INNER_CORNER_LEFT), -1.0), ((lm.MOUTH_CORNER_RIGHT, lm.INNER_CORNER_RIGHT), 1.0)):
            for i in corner_ids:
                moves[i] = (-s * 0.05 * travel, 0.15 * travel, 0.0)
        # The jaw turns about the joint in front of the ear: the chin drops less than
        # the lower lip, the jaw's angle hardly at all.
        y_joint = 0.12
        y_chin = self.q[lm.CHIN, 1]
        for i in lm.FACE_OVAL:
            t = np.clip((self.q[i, 1] - y_joint) / max(y_chin - y_joint, 1e-3), 0.0, 1.0)
            moves[i] = (0.0, 0.8 * travel * t**1.5, 0.0)
        still = self._upper_face(self.q[lm.NOSE_TIP, 1] + 0.02)
        return self.solve(moves, still=still, radius=2.0)

    def _au16(self):
        moves = {}
        upper, lower = self._lips()
        for i in upper:
            moves[i] = (0.0, 0.0, 0.0)
        for i in lower:
            u = self.u(i)
            moves[i] = (0.0, 0.045 * (1.0 - 0.5 * u * u), -0.01)
        moves.update(self._corner_move(0.0, 0.006))
        return self.solve(moves, still=self._still_eyes_and_nose() + list(lm.FACE_OVAL), radius=0.2)

    def _au17(self):
        gaps = self._lip_gap()
        moves = self._corner_move(0.0, 0.012)
        for k, (uo, ui, lo, li) in enumerate(zip(lm.LIPS_UPPER_OUTER, lm.LIPS_UPPER_INNER, lm.LIPS_LOWER_OUTER, lm.LIPS_LOWER_INNER)):
            if ui in _CORNERS:
                continue
            u = self.u(li)
            push = 0.028 * (1.0 - 0.3 * u * u)
            lift_upper = max(0.0, push - gaps[k])  # closed lips push the upper lip too
            moves[li] = moves[lo] = (0.0, -push, 0.0)
            moves[ui] = moves[uo] = (0.0, -lift_upper, 0.0)
        lip_bottom = self.q[lm.LOWER_LIP_BOTTOM, 1]
        for i in self._surface_where((self.q[:, 1] > lip_bottom + 0.05) & (np.abs(self.q[:, 0] - self.mouth_centre[0]) < 0.1)):
            moves.setdefault(i, (0.0, -0.032, -0.01))
        return self.solve(moves, still=self._still_eyes_and_nose(), radius=0.25)

    def _au10(self):
        moves = self._corner_move(0.0, -0.012)
        upper, lower = self._lips()
        for i in upper:
            u = self.u(i)
            moves[i] = (0.0, -0.035 * (1.0 - 0.3 * u * u), -0.005)
        for i in lower:
            moves[i] = (0.0, 0.0, 0.0)
        for i in _NOSE_ALAE:
            moves[i] = (0.0, -0.01, 0.0)
        still = self._upper_face(self.q[lm.NOSE_TIP, 1] - 0.06)
        return self.solve(moves, still=still, radius=0.25)

    def _au09(self):
        moves = {i: (0.0, -0.025, 0.0) for i in _NOSE_ALAE}
        for i in _NOSE_BRIDGE:
            moves[i] = (0.0, -0.012, 0.0)
        for i in _BROW_INNER_LEFT + _BROW_INNER_RIGHT:
            moves[i] = ((0.01 if i in _BROW_INNER_LEFT else -0.01), 0.02, 0.0)
        upper, lower = self._lips()
        for i in upper:
            moves[i] = (0.0, -0.015, 0.0)
        for i in lm.EYE_LEFT_LOWER[1:-1] + lm.EYE_RIGHT_LOWER[1:-1]:
            moves[i] = (0.0, -0.006, 0.0)
        still = self._surface_where(self.q[:, 1] < -0.12)
        still += list(lm.EYE_LEFT_UPPER + lm.EYE_RIGHT_UPPER) + list(lower)
        return self.solve(moves, still=still, radius=0.22)

    def _brows(self, inner, middle, outer, inward=(0.0, 0.0, 0.0)) -> np.ndarray:
        moves = {}
        for group, dy, dx_in in ((_BROW_INNER, inner, inward[0]), (_BROW_MIDDLE, middle, inward[1]), (_BROW_OUTER, outer, inward[2])):
            for i in group:
                towards_midline = 1.0 if self.q[i, 0] < 0 else -1.0
                moves[i] = (towards_midline * dx_in, dy, 0.0)
        still = list(lm.EYE_LEFT_UPPER + lm.EYE_LEFT_LOWER + lm.EYE_RIGHT_UPPER + lm.EYE_RIGHT_LOWER)
        still += self._surface_where(self.q[:, 1] > 0.1)
        return self.solve(moves, still=still, radius=0.3)

    def _au01(self):
        return self._brows(-0.075, -0.033, -0.009)

    def _au02(self):
        return self._brows(-0.009, -0.045, -0.075)

    def _au04(self):
        # Corrugator and depressor pull the inner brows well down and together
        # (0.06 down and 0.05 inward, in face heights, at the inner end) and the
        # whole brow comes down with them, least at its tail: the brow line
        # slants down towards the nose over eyes that look deeper set.
        return self._brows(0.06, 0.05, 0.03, inward=(0.05, 0.028, 0.005))

    def _lids(self, upper_fraction: float, lower_fraction: float, radius: float, cheek: float = 0.0, confined: bool = False) -> np.ndarray:
        """Lids move by fractions of the opening; ``confined`` holds the brow bone and cheek rings still.

        Confined, only the lid skin between the margins and the third ring
        around the eye (the upper lid's crease, the lower lid's edge on the
        cheek) moves: rigid things resting there, like a glasses frame along
        the brow bone, stay straight while the lid slides down over the eye.
        """
        moves = {}
        for upper, lower in ((lm.EYE_LEFT_UPPER, lm.EYE_LEFT_LOWER), (lm.EYE_RIGHT_UPPER, lm.EYE_RIGHT_LOWER)):
            # Each lid point moves straight up or down by its share of the opening at its x,
            # so with fractions summing to 1 both lids land on the same seam.
            down = self.to_curve(upper, lower)
            up = self.to_curve(lower, upper)
            for k, (top, bottom) in enumerate(zip(upper, lower)):
                if k in (0, len(upper) - 1):
                    moves[top] = (0.0, 0.0, 0.0)
                    continue
                moves[top] = (0.0, upper_fraction * max(down[k], 0.0), 0.0)
                moves[bottom] = (0.0, lower_fraction * min(up[k], 0.0), 0.0)
        still = list(_BROW_INNER + _BROW_MIDDLE + _BROW_OUTER)
        if confined:
            still += list(_EYE_RIM)
        if cheek:
            eye_y = 0.0
            nose_y = self.q[lm.NOSE_TIP, 1]
            for i in self._surface_where((eye_y + 0.06 < self.q[:, 1]) & (self.q[:, 1] < nose_y) & (np.abs(self.q[:, 0]) > 0.12)):
                if i not in moves:
                    moves[i] = (0.0, -cheek, 0.0)
            still += self._surface_where(self.q[:, 1] > nose_y + 0.03)
        return self.solve(moves, still=still, radius=radius)

    def _au05(self):
        return self._lids(-0.6, 0.0, radius=0.1)

    def _au06(self):
        return self._lids(0.0, 0.25, radius=0.2, cheek=0.02)

    def _au07(self):
        # The lower lid straightens up over the iris and the upper lid comes down
        # a little: a narrowed, tense eye that still shows at 512 px (more upper
        # lid would hide the iris, which anger's glare keeps in view).
        return self._lids(0.08, 0.36, radius=0.1)

    def _blink(self):
        return self._lids(0.88, 0.12, radius=0.12, confined=True)

    def _lip_round(self):
        lips = {
            lm.UPPER_LIP_TOP: (0.0, -0.006, -0.03),
            lm.LOWER_LIP_BOTTOM: (0.0, 0.006, -0.03),
            lm.UPPER_INNER_MID: (0.0, -0.006, -0.03),
            lm.LOWER_INNER_MID: (0.0, 0.01, -0.03),
        }
        return self._mouth_action(self._corner_move(-0.05, 0.0, dz=-0.01), lips, radius=0.25, keep_closed=False)

    def _lip_spread(self):
        lips = {
            lm.UPPER_LIP_TOP: (0.0, 0.003, 0.0),
            lm.LOWER_LIP_BOTTOM: (0.0, -0.004, 0.0),
            lm.UPPER_INNER_MID: (0.0, -0.004, 0.0),
            lm.LOWER_INNER_MID: (0.0, 0.006, 0.0),
        }
        return self._mouth_action(self._corner_move(0.035, -0.008), lips, keep_closed=False)

    def _gaze(self, horizontal: bool) -> np.ndarray:
        moves = {}
        for upper, lower, centre, ring in (
            (lm.EYE_LEFT_UPPER, lm.EYE_LEFT_LOWER, lm.IRIS_LEFT_CENTER, lm.IRIS_LEFT_RING),
            (lm.EYE_RIGHT_UPPER, lm.EYE_RIGHT_LOWER, lm.IRIS_RIGHT_CENTER, lm.IRIS_RIGHT_RING),
        ):
            width = float(np.linalg.norm(self.q[upper[0]] - self.q[upper[-1]]))
            iris_radius = float(np.mean(np.linalg.norm(self.q[list(ring)] - self.q[centre], axis=1)))
            opening = max(self.eye_opening(upper, lower))
            if horizontal:
                shift = (0.75 * max(width / 2 - iris_radius, 0.15 * width), 0.0)
            else:
                shift = (0.0, 0.35 * opening)
            for i in (centre,) + tuple(ring):
                moves[i] = (shift[0], shift[1], 0.0)
            for k, up in enumerate(upper):
                lid = 0.0 if horizontal or k in (0, len(upper) - 1) else 0.4 * shift[1]
                moves[up] = (0.0, lid, 0.0)
            for lo in lower:
                moves[lo] = (0.0, 0.0, 0.0)
        return self.solve(moves, still=list(_BROW_INNER + _BROW_MIDDLE + _BROW_OUTER), radius=0.08)

    def _gaze_x(self):
        return self._gaze(True)

    def _gaze_y(self):
        return self._gaze(False)


# Of a parted photo's lip gap, the share the upper lip travels when the lips close.
_UPPER_LIP_SHARE = 0.3
_CORNERS = (lm.MOUTH_CORNER_LEFT, lm.MOUTH_CORNER_RIGHT, lm.INNER_CORNER_LEFT, lm.INNER_CORNER_RIGHT)
_NOSE_ALAE = (98, 327, 64, 294, 48, 278, 129, 358, 102, 331, 49, 279, 115, 344, 220, 440)
_NOSE_BRIDGE = (6, 197, 195, 5, 168, 122, 351, 196, 419, 188, 412, 174, 399, 3, 248)
_BROW_INNER_LEFT = (55, 107, 65, 66)
_BROW_INNER_RIGHT = (285, 336, 295, 296)
_BROW_INNER = _BROW_INNER_LEFT + _BROW_INNER_RIGHT
_BROW_MIDDLE = (52, 105, 282, 334)
_BROW_OUTER = (46, 70, 53, 63, 276, 300, 283, 293)
# The third ring of mesh points around each eye (counting the lid margin as the
# first): along the brow bone above, along the cheek below. The lid skin lies
# inside it.
_EYE_RIM = (
    113, 225, 224, 223, 222, 221, 189, 31, 228, 229, 230, 231, 232, 233,
    342, 445, 444, 443, 442, 441, 413, 261, 448, 449, 450, 451, 452, 453,
)
