"""Seeds as CPython's random.Random(seed) reads them, for the C++ shuffle."""

from __future__ import annotations

from hashlib import sha512
from typing import Any

__all__ = ["seed_int"]


def seed_int(seed: Any) -> int | None:
    """The int random.Random(seed) seeds from (None stays None: OS entropy).

    ints (bools included) are used as they are (the core takes their absolute value);
    str/bytes/bytearray go through SHA-512 as Random.seed(version=2) does; floats use
    hash() as an unsigned 64-bit value, as CPython's random_seed.
    """
    if seed is None or isinstance(seed, int):
        return seed
    if isinstance(seed, (str, bytes, bytearray)):
        data = seed.encode() if isinstance(seed, str) else bytes(seed)
        return int.from_bytes(data + sha512(data).digest(), "big")
    if isinstance(seed, float):
        return hash(seed) & 0xFFFFFFFFFFFFFFFF
    raise TypeError(
        "The only supported seed types are: None,\nint, float, str, bytes, and bytearray."
    )
