"""Raising the core's warnings with Python's warnings module."""

from __future__ import annotations

import warnings
from typing import Iterable

_CATEGORIES: dict[str, type[Warning]] = {
    "UserWarning": UserWarning,
    "RuntimeWarning": RuntimeWarning,
    "DeprecationWarning": DeprecationWarning,
}


def emit(pairs: Iterable[tuple[str, str]], stacklevel: int) -> None:
    """Warns each (category name, message) pair; `stacklevel` as seen by the caller."""
    for category, message in pairs:
        warnings.warn(message, _CATEGORIES[category], stacklevel=stacklevel + 1)
