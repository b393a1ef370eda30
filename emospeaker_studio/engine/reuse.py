"""Results taken over from an earlier build, where the inputs they were made from are equal.

The face editor re-fits the face on every step of a key-point drag: a new rig
and renderer are built for the moved landmarks. Much of what they prepare
depends on a few landmarks only (the closed-lid layer on the eyes', the head
turn's falloff on the outline's, the anchors on the face's extent) or on none
(the photo at output size). Each such part is made through :meth:`Parts.get`
with the exact values it is computed from; when the build being replaced made
it from equal values, its result is taken over. The new build is therefore the
same as one made from scratch, only sooner.
"""

from __future__ import annotations

from typing import Callable, TypeVar

import numpy as np

T = TypeVar("T")


class Parts:
    """The parts one build made, with their inputs; ``previous``: the parts of the build it replaces."""

    def __init__(self, previous: Parts | None = None) -> None:
        self._earlier = {} if previous is None else previous._made
        self._made: dict[str, tuple[tuple, object]] = {}
        self.reused: set[str] = set()  # names taken over from ``previous``

    def get(self, name: str, inputs: tuple, make: Callable[[], T]) -> T:
        """The part ``name``: the earlier one if it was made from ``inputs`` too, else ``make()``.

        ``inputs`` must hold everything ``make`` reads (numbers, strings, arrays,
        tuples of them); they are compared exactly.
        """
        earlier = self._earlier.get(name)
        if earlier is not None and _equal(earlier[0], inputs):
            value = earlier[1]
            self.reused.add(name)
        else:
            value = make()
        self._made[name] = (inputs, value)
        return value

    def forget_earlier(self) -> None:
        """Let the replaced build's parts go (called once this build is complete)."""
        self._earlier = {}


def _equal(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
                and a.shape == b.shape and bool(np.array_equal(a, b)))
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b
