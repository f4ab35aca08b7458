"""Work around a PySide6 refcount bug that would crash the editor after a few thousand paints.

With PySide6 6.12 on Python < 3.12, QPainter's overloaded void methods (``drawLine``,
``fillRect``, ...) return ``None`` without taking a reference, so every call drops one
reference to ``None``; after some thousands of calls CPython aborts with "deallocating None".
Python 3.12 made ``None`` immortal, which is exactly the remedy: on older Pythons we give
``None`` a reference count no program can exhaust.  ``None`` is never freed anyway, so this
changes nothing else.  (Verified by ``tests/gui/test_paint_stability.py``.)
"""

from __future__ import annotations

import ctypes
import sys

_PINNED = 1 << 48  # references added to None; ~2.8e14 paint calls before any concern


def pin_none() -> bool:
    """Make ``None`` effectively immortal on CPython < 3.12; returns True when applied."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    if getattr(sys, "_mulse_none_pinned", False):
        return True
    refcnt = ctypes.c_ssize_t.from_address(id(None))  # ob_refcnt is the first field
    if abs(refcnt.value - (sys.getrefcount(None) - 1)) > 8:
        return False  # an unusual object layout (e.g. a trace-refs debug build): leave it alone
    refcnt.value += _PINNED
    sys._mulse_none_pinned = True
    return True
