"""Number checks shared by the validators (safe for huge ints from hand-edited JSON)."""

from __future__ import annotations

import math


def is_finite_number(value: object) -> bool:
    """True for an int or a finite float; False for bool, NaN, infinities and non-numbers.

    Never raises: ``math.isfinite(10**400)`` would raise OverflowError, so ints are
    accepted as they are (range checks compare them exactly).
    """
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value)


def show_number(value: float) -> str:
    """A number for a message: ``%g`` style, and never an error for a huge int."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) if abs(value) < 10**15 else ("a huge number" if value > 0 else "a huge negative number")
    return f"{value:g}"
