"""Easing curves: presets, custom beziers, the solver, validation."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emospeaker_studio.core.easing import (
    EASE_IN,
    EASE_IN_OUT,
    EASE_OUT,
    HOLD,
    LINEAR,
    PRESETS,
    Easing,
    EasingKind,
    parse_easing,
    solve_bezier,
)
from emospeaker_studio.core.errors import UserError

unit = st.floats(0.0, 1.0, allow_nan=False)
overshoot_y = st.floats(-2.0, 3.0, allow_nan=False)


def _bezier_point(s: float, p1: float, p2: float) -> float:
    return 3 * (1 - s) ** 2 * s * p1 + 3 * (1 - s) * s**2 * p2 + s**3


@pytest.mark.parametrize("easing", [LINEAR, EASE_IN, EASE_OUT, EASE_IN_OUT, *PRESETS.values()])
def test_every_curve_starts_at_0_and_ends_at_1(easing: Easing) -> None:
    assert easing.blend(0.0) == 0.0
    assert easing.blend(1.0) == 1.0


def test_hold_stays_at_0_until_the_end() -> None:
    assert HOLD.blend(0.0) == 0.0
    assert HOLD.blend(0.5) == 0.0
    assert HOLD.blend(0.999999) == 0.0
    assert HOLD.blend(1.0) == 1.0
    assert HOLD.is_hold and HOLD.curve is None


def test_linear_is_identity() -> None:
    for u in (0.0, 0.1, 0.25, 0.5, 0.9):
        assert LINEAR.blend(u) == pytest.approx(u)


def test_css_values_of_the_presets() -> None:
    assert EASE_IN.curve == (0.42, 0.0, 1.0, 1.0)
    assert EASE_OUT.curve == (0.0, 0.0, 0.58, 1.0)
    assert EASE_IN_OUT.curve == (0.42, 0.0, 0.58, 1.0)


def test_shapes_of_the_presets() -> None:
    assert EASE_IN.blend(0.5) < 0.5 < EASE_OUT.blend(0.5)
    assert EASE_IN_OUT.blend(0.5) == pytest.approx(0.5, abs=1e-9)
    assert EASE_IN_OUT.blend(0.25) < 0.25
    # symmetric curve: f(u) + f(1 - u) = 1
    for u in (0.1, 0.3, 0.45):
        assert EASE_IN_OUT.blend(u) + EASE_IN_OUT.blend(1 - u) == pytest.approx(1.0, abs=1e-8)
    # a known value of CSS ease-in at x=0.5 (y ~ 0.3154)
    assert EASE_IN.blend(0.5) == pytest.approx(0.3154, abs=1e-3)


def test_out_of_range_progress_is_clamped() -> None:
    assert EASE_IN.blend(-3.0) == 0.0
    assert EASE_IN.blend(7.0) == 1.0
    with pytest.raises(ValueError):
        LINEAR.blend(math.nan)


def test_overshoot_may_leave_0_1() -> None:
    overshoot = PRESETS["overshoot"]
    assert max(overshoot.blend(i / 100) for i in range(101)) > 1.0


@given(unit, overshoot_y, unit, overshoot_y, unit)
def test_solver_finds_the_x(x1: float, y1: float, x2: float, y2: float, u: float) -> None:
    """The returned y belongs to a curve parameter s whose x is u."""
    y = solve_bezier(u, (x1, y1, x2, y2))
    # find s by dense bisection independently and compare
    low, high = 0.0, 1.0
    for _ in range(200):
        mid = (low + high) / 2
        if _bezier_point(mid, x1, x2) < u:
            low = mid
        else:
            high = mid
    expected = _bezier_point((low + high) / 2, y1, y2)
    # where x(s) is flat, many s share one x; y must still be one of them
    if abs(_bezier_point(min(1, high + 1e-6), x1, x2) - _bezier_point(max(0, low - 1e-6), x1, x2)) > 1e-9:
        assert y == pytest.approx(expected, abs=1e-5)
    assert math.isfinite(y)


@given(unit, unit, unit, unit)
def test_monotone_curves_stay_monotone(x1: float, y1: float, x2: float, y2: float) -> None:
    easing = Easing.custom(x1, y1, x2, y2)
    values = [easing.blend(i / 64) for i in range(65)]
    assert all(b >= a - 1e-6 for a, b in zip(values, values[1:]))
    assert all(-1e-9 <= v <= 1 + 1e-9 for v in values)


@given(unit, overshoot_y, unit, overshoot_y, unit)
def test_custom_curves_are_continuous(x1: float, y1: float, x2: float, y2: float, u: float) -> None:
    easing = Easing.custom(x1, y1, x2, y2)
    du = 1e-10
    a, b = easing.blend(u), easing.blend(min(1.0, u + du))
    # y'(x) is unbounded where x'(s) vanishes (x = s**3 at the ends when x1 = x2 = 0,
    # so y grows like the cube root of u there); 1e-10 in u is at most ~0.005 in y.
    assert abs(b - a) < 0.05


def test_custom_needs_a_valid_bezier() -> None:
    with pytest.raises(UserError, match="x1 must be in 0..1"):
        Easing.custom(1.5, 0, 0.5, 1)
    with pytest.raises(UserError, match="x2"):
        Easing.custom(0.5, 0, -0.1, 1)
    with pytest.raises(UserError, match="four numbers"):
        Easing(EasingKind.CUSTOM, (0.1, 0.2))  # type: ignore[arg-type]
    with pytest.raises(UserError, match="needs its bezier"):
        Easing(EasingKind.CUSTOM)
    with pytest.raises(UserError, match="finite"):
        Easing.custom(0.1, math.inf, 0.5, 1)
    with pytest.raises(UserError, match="y1"):
        Easing.custom(0.1, 50, 0.5, 1)
    with pytest.raises(UserError, match="only a custom easing"):
        Easing(EasingKind.LINEAR, (0, 0, 1, 1))


def test_kind_from_its_name() -> None:
    assert Easing("ease-in") == EASE_IN  # type: ignore[arg-type]
    with pytest.raises(UserError, match="unknown easing"):
        Easing("wobbly")  # type: ignore[arg-type]


def test_easing_is_frozen_and_hashable() -> None:
    with pytest.raises(AttributeError):
        LINEAR.kind = EasingKind.HOLD  # type: ignore[misc]
    assert len({Easing.custom(0.1, 0.2, 0.3, 0.4), Easing.custom(0.1, 0.2, 0.3, 0.4)}) == 1


@pytest.mark.parametrize(
    "text, expected",
    [
        ("hold", HOLD),
        ("Linear", LINEAR),
        ("ease_in", EASE_IN),
        ("ease out", EASE_OUT),
        ("easeInOut", EASE_IN_OUT),
        ("step", HOLD),
        ("cubic-bezier(0.1, 0.7, 1.0, 0.1)", Easing.custom(0.1, 0.7, 1.0, 0.1)),
        ("bezier(0.1 0.7 1 0.1)", Easing.custom(0.1, 0.7, 1.0, 0.1)),
        ("overshoot", PRESETS["overshoot"]),
    ],
)
def test_parse_easing(text: str, expected: Easing) -> None:
    assert parse_easing(text) == expected


def test_parse_easing_errors_list_the_choices() -> None:
    with pytest.raises(UserError, match="use one of: hold, linear"):
        parse_easing("wobbly")
    with pytest.raises(UserError, match="four numbers"):
        parse_easing("cubic-bezier(0.1, 0.2)")


def test_names_and_labels() -> None:
    assert EASE_IN_OUT.name == "ease-in-out"
    assert Easing.custom(0.1, 0.7, 1.0, 0.1).name == "cubic-bezier(0.1, 0.7, 1, 0.1)"
    assert parse_easing(Easing.custom(0.1, 0.7, 1.0, 0.1).name) == Easing.custom(0.1, 0.7, 1.0, 0.1)
    assert EasingKind.EASE_IN_OUT.label == "Ease in-out"
    assert [k.label for k in EasingKind][0] == "Hold"
