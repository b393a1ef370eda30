"""Easing of a keyframe segment: how the blend moves from one keyframe to the next.

An :class:`Easing` maps segment progress ``u`` (0..1, the fraction of the
time between two keyframes that has passed) to a blend factor (0 at the start
keyframe, 1 at the end keyframe). The curves are CSS-style cubic beziers
through (0, 0) and (1, 1) with control points (x1, y1) and (x2, y2); HOLD keeps
the start keyframe until the next one and then jumps.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Optional

from emospeaker_studio.core.errors import UserError
from emospeaker_studio.core.numbers import is_finite_number

Bezier = tuple[float, float, float, float]

#: How far the y of a custom curve may overshoot 0..1 (an "overshoot" preset
#: goes to about 1.1); beyond this a curve is a typo, not a style.
BEZIER_Y_LIMIT = (-2.0, 3.0)


class EasingKind(str, Enum):
    """The kinds of segment easing; the values are the names used in files and specs."""

    HOLD = "hold"
    LINEAR = "linear"
    EASE_IN = "ease-in"
    EASE_OUT = "ease-out"
    EASE_IN_OUT = "ease-in-out"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        """Human-readable name for menus, e.g. "Ease in-out"."""
        return _KIND_LABELS[self]


_KIND_LABELS = {
    EasingKind.HOLD: "Hold",
    EasingKind.LINEAR: "Linear",
    EasingKind.EASE_IN: "Ease in",
    EasingKind.EASE_OUT: "Ease out",
    EasingKind.EASE_IN_OUT: "Ease in-out",
    EasingKind.CUSTOM: "Custom",
}

#: The CSS cubic-bezier values of the named kinds (CSS Easing Functions Level 1).
KIND_BEZIERS: dict[EasingKind, Bezier] = {
    EasingKind.LINEAR: (0.0, 0.0, 1.0, 1.0),
    EasingKind.EASE_IN: (0.42, 0.0, 1.0, 1.0),
    EasingKind.EASE_OUT: (0.0, 0.0, 0.58, 1.0),
    EasingKind.EASE_IN_OUT: (0.42, 0.0, 0.58, 1.0),
}


def _check_bezier(bezier: object) -> Bezier:
    """Validate a (x1, y1, x2, y2) tuple; raise UserError saying which value is wrong."""
    if not isinstance(bezier, (tuple, list)) or len(bezier) != 4:
        raise UserError(
            f"a custom easing needs four numbers (x1, y1, x2, y2), got {bezier!r}; "
            "e.g. (0.25, 0.1, 0.25, 1.0)"
        )
    values = []
    for name, value in zip(("x1", "y1", "x2", "y2"), bezier):
        if not is_finite_number(value) or abs(value) > 1e6:
            raise UserError(f"easing bezier {name} must be a finite number, got {value!r}")
        values.append(float(value))
    x1, y1, x2, y2 = values
    for name, x in (("x1", x1), ("x2", x2)):
        if not 0.0 <= x <= 1.0:
            raise UserError(f"easing bezier {name} must be in 0..1 (time cannot go backwards), got {x:g}")
    low, high = BEZIER_Y_LIMIT
    for name, y in (("y1", y1), ("y2", y2)):
        if not low <= y <= high:
            raise UserError(f"easing bezier {name} must be in {low:g}..{high:g}, got {y:g}")
    return (x1, y1, x2, y2)


def _bezier_coord(s: float, p1: float, p2: float) -> float:
    """One coordinate of the cubic bezier (0, p1, p2, 1) at curve parameter s."""
    # B(s) = 3(1-s)^2 s p1 + 3(1-s) s^2 p2 + s^3, written in Horner form.
    c = 3.0 * p1
    b = 3.0 * (p2 - p1) - c
    a = 1.0 - c - b
    return ((a * s + b) * s + c) * s


def _bezier_slope(s: float, p1: float, p2: float) -> float:
    c = 3.0 * p1
    b = 3.0 * (p2 - p1) - c
    a = 1.0 - c - b
    return (3.0 * a * s + 2.0 * b) * s + c


def solve_bezier(u: float, bezier: Bezier, *, tolerance: float = 1e-9) -> float:
    """Return y of the cubic bezier ``(0,0) (x1,y1) (x2,y2) (1,1)`` at x = ``u`` (u in 0..1).

    Newton's method from u, falling back to bisection (x(s) is monotone because
    x1 and x2 lie in 0..1, so bisection always converges).
    """
    x1, y1, x2, y2 = bezier
    if u <= 0.0:
        return 0.0
    if u >= 1.0:
        return 1.0
    s = u
    for _ in range(8):
        error = _bezier_coord(s, x1, x2) - u
        if abs(error) < tolerance:
            return _bezier_coord(s, y1, y2)
        slope = _bezier_slope(s, x1, x2)
        if abs(slope) < 1e-7:
            break
        s -= error / slope
        if not 0.0 <= s <= 1.0:
            break
    low, high = 0.0, 1.0
    s = u
    for _ in range(100):
        x = _bezier_coord(s, x1, x2)
        if abs(x - u) < tolerance:
            break
        if x < u:
            low = s
        else:
            high = s
        s = 0.5 * (low + high)
    return _bezier_coord(s, y1, y2)


@dataclass(frozen=True)
class Easing:
    """The easing of the segment that starts at a keyframe.

    ``kind``: one of :class:`EasingKind`. ``bezier``: for CUSTOM only, the CSS
    cubic-bezier control points ``(x1, y1, x2, y2)``; x1 and x2 in 0..1, the y
    values may overshoot 0..1 (within :data:`BEZIER_Y_LIMIT`).
    """

    kind: EasingKind = EasingKind.LINEAR
    bezier: Optional[Bezier] = None

    def __post_init__(self) -> None:
        kind = self.kind
        if not isinstance(kind, EasingKind):
            try:
                kind = EasingKind(kind)
            except ValueError:
                names = ", ".join(k.value for k in EasingKind)
                raise UserError(f"unknown easing {kind!r}; use one of: {names}") from None
            object.__setattr__(self, "kind", kind)
        if kind is EasingKind.CUSTOM:
            if self.bezier is None:
                raise UserError("a custom easing needs its bezier (x1, y1, x2, y2); e.g. (0.25, 0.1, 0.25, 1.0)")
            object.__setattr__(self, "bezier", _check_bezier(self.bezier))
        elif self.bezier is not None:
            raise UserError(f"only a custom easing takes a bezier; {kind.value} has a fixed curve")

    @staticmethod
    def custom(x1: float, y1: float, x2: float, y2: float) -> "Easing":
        """A custom curve, like CSS ``cubic-bezier(x1, y1, x2, y2)``."""
        return Easing(EasingKind.CUSTOM, (x1, y1, x2, y2))

    @property
    def curve(self) -> Optional[Bezier]:
        """The cubic-bezier control points of this easing; None for HOLD."""
        if self.kind is EasingKind.CUSTOM:
            return self.bezier
        return KIND_BEZIERS.get(self.kind)

    @property
    def is_hold(self) -> bool:
        return self.kind is EasingKind.HOLD

    @property
    def name(self) -> str:
        """Spec name: the kind's value, or ``cubic-bezier(x1, y1, x2, y2)`` for CUSTOM."""
        if self.kind is EasingKind.CUSTOM:
            assert self.bezier is not None
            return "cubic-bezier(" + ", ".join(_short(v) for v in self.bezier) + ")"
        return self.kind.value

    def blend(self, u: float) -> float:
        """Blend factor at segment progress ``u`` (0..1; values outside are clamped).

        Returns 0 at u=0 and 1 at u=1. HOLD returns 0 for every u < 1. A custom
        curve may return values outside 0..1 (overshoot).
        """
        if u != u:  # NaN
            raise ValueError("segment progress u is NaN")
        u = min(1.0, max(0.0, float(u)))
        kind = self.kind
        if kind is EasingKind.HOLD:
            return 1.0 if u >= 1.0 else 0.0
        if kind is EasingKind.LINEAR:
            return u
        curve = self.curve
        assert curve is not None
        return solve_bezier(u, curve)


def _short(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


HOLD = Easing(EasingKind.HOLD)
LINEAR = Easing(EasingKind.LINEAR)
EASE_IN = Easing(EasingKind.EASE_IN)
EASE_OUT = Easing(EasingKind.EASE_OUT)
EASE_IN_OUT = Easing(EasingKind.EASE_IN_OUT)

#: Named presets for menus and the emotion spec (Glaxnimate-style); the first
#: five are the kinds, the rest are custom curves with a name.
PRESETS: dict[str, Easing] = {
    "hold": HOLD,
    "linear": LINEAR,
    "ease-in": EASE_IN,
    "ease-out": EASE_OUT,
    "ease-in-out": EASE_IN_OUT,
    "ease": Easing.custom(0.25, 0.1, 0.25, 1.0),
    "fast": Easing.custom(0.2, 0.0, 0.0, 1.0),
    "slow": Easing.custom(0.8, 0.0, 1.0, 1.0),
    "overshoot": Easing.custom(0.34, 1.56, 0.64, 1.0),
    "anticipate": Easing.custom(0.36, 0.0, 0.66, -0.56),
}

_ALIASES = {
    "step": "hold",
    "constant": "hold",
    "lin": "linear",
    "in": "ease-in",
    "out": "ease-out",
    "in-out": "ease-in-out",
    "inout": "ease-in-out",
    "easein": "ease-in",
    "easeout": "ease-out",
    "easeinout": "ease-in-out",
}


def parse_easing(text: str) -> Easing:
    """Easing from a name: a preset (``hold``, ``ease-in-out``, ``overshoot``...),
    ``_``/space spellings of them, or ``cubic-bezier(x1, y1, x2, y2)``.

    Raises :class:`UserError` naming the accepted forms.
    """
    key = text.strip().lower()
    if key.startswith(("cubic-bezier(", "bezier(")) and key.endswith(")"):
        inner = key[key.index("(") + 1 : -1]
        parts = [p for p in inner.replace(",", " ").split() if p]
        try:
            numbers = [float(p) for p in parts]
        except ValueError:
            numbers = []
        if len(numbers) != 4:
            raise UserError(
                f"invalid easing {text.strip()!r}; write cubic-bezier(x1, y1, x2, y2) with four numbers"
            )
        return Easing.custom(*numbers)
    key = key.replace("_", "-").replace(" ", "-")
    key = _ALIASES.get(key, key)
    if key in PRESETS:
        return PRESETS[key]
    names = ", ".join(PRESETS)
    raise UserError(f"unknown easing {text.strip()!r}; use one of: {names}, or cubic-bezier(x1, y1, x2, y2)")
