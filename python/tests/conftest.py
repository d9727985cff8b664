"""Shared fixtures: OME-Arrow records built with pyarrow, and the pixels they hold."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))

from records import ENCODINGS, make_record, sample_pixels  # noqa: E402

SHAPE = (3, 2, 4, 10, 13)  # T, C, Z, Y, X — odd sizes so edge chunks/tiles are clipped


@pytest.fixture(scope="session")
def pixels() -> np.ndarray:
    return sample_pixels(SHAPE, np.uint16)


@pytest.fixture(scope="session")
def planes_record(pixels):
    return make_record(pixels, encoding="planes")


@pytest.fixture(scope="session", params=ENCODINGS + ("loose_planes", "loose_chunks"))
def any_record(request, pixels):
    """(record, pixels) for every encoding, including loosely typed records."""
    name = request.param
    if name.startswith("loose_"):
        return (make_record(pixels, encoding=name[6:], loose=True, chunk_shape=(3, 4, 5),
                            chunk_grid=True), pixels)
    return make_record(pixels, encoding=name, chunk_shape=(3, 4, 5), chunk_grid=True), pixels


@pytest.fixture(scope="session")
def chunked_record(pixels):
    """List chunks of 1×5×5 (edge chunks clipped), for mode='arrow' on chunks."""
    return make_record(pixels, encoding="chunks", chunk_shape=(1, 5, 5))
