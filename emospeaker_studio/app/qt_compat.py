"""Work around a reference-counting bug of PySide6 6.12 on Python 3.11.

Every call of a PySide6 method that returns ``void`` (``setValue``,
``QPainter.drawLine``, ``QUndoStack.push``...) releases one reference to
``None`` that it never took. From Python 3.12 on ``None`` is immortal and
nothing happens; on 3.11 its count falls with every call until the
interpreter aborts with "Fatal Python error: none_dealloc" after a few
thousand calls (a few seconds of painting). Measured here: 1000 calls of
``QSlider.setValue`` lower ``sys.getrefcount(None)`` by 1000.

Until the wheels are fixed (or the project moves to Python >= 3.12), the
singletons get a reference count so large that the leak can never reach
zero (2**40 calls). This changes nothing else: these objects are never
freed anyway.
"""

from __future__ import annotations

import ctypes
import sys

_HEADROOM = 1 << 40
_applied = False


def needs_refcount_guard() -> bool:
    """True on Python < 3.12 with a PySide6 6.12 release (6.11.3 measured clean: no leak)."""
    if sys.version_info >= (3, 12):
        return False
    import PySide6  # the package only, not a Qt module: cheap

    return PySide6.__version__.startswith("6.12")


def guard_singleton_refcounts() -> bool:
    """Raise the reference counts of None, True and False once; True when applied."""
    global _applied
    if _applied or not needs_refcount_guard():
        return _applied
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += _HEADROOM
    _applied = True
    return True
