"""Releasing the extension's objects at interpreter exit.

Python tears modules down in an order of its own: objects that other modules still hold
when ``omearrow._core`` goes (a dataset kept by a DataLoader worker's process object, a
view in a module global, objects in reference cycles that are never collected) would be
reported by nanobind as "leaked instances". An ``atexit`` handler (atexit runs before
any module is torn down) drops the core objects of every live view, lazy plan and image,
so none is left; the Python objects stay, unusable, for whatever still refers to them.
"""

from __future__ import annotations

import atexit
import weakref
from typing import Any

__all__ = ["track"]

_live: "weakref.WeakSet[Any]" = weakref.WeakSet()


def track(obj: Any) -> None:
    """Registers `obj` (a view, plan or image) for ``_release`` at exit."""
    _live.add(obj)


def _release() -> None:
    for obj in list(_live):
        release = getattr(obj, "_release_core", None)
        if release is not None:
            release()
    _live.clear()


atexit.register(_release)
