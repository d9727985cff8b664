"""The C++ shuffle reproduces random.Random(seed).shuffle exactly."""

from __future__ import annotations

import random

import numpy as np
import pytest

import omearrow
from omearrow import _core
from omearrow._seed import seed_int

SEEDS = [0, 1, 2, 7, 42, 2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**32 + 5, 2**63 - 1, 2**64,
         2**64 + 1, 2**100, 2**100 + 12345, 3**80, -1, -42, -(2**32 + 5), -(2**100), True]


def _python_order(n, seed):
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return order


@pytest.mark.parametrize("seed", SEEDS)
def test_orders_match_cpython_for_all_lengths(seed):
    for n in range(0, 301):
        assert _core.python_shuffle_order(n, seed) == _python_order(n, seed), (seed, n)


def test_many_random_seeds_and_large_lengths():
    rng = random.Random(0)
    for _ in range(200):
        seed = rng.getrandbits(rng.choice([8, 31, 32, 33, 64, 65, 127, 200])) * rng.choice([1, -1])
        n = rng.randrange(0, 5000)
        assert _core.python_shuffle_order(n, seed) == _python_order(n, seed), (seed, n)


@pytest.mark.parametrize("seed", ["abc", "", b"bytes", bytearray(b"xy"), 1.5, -2.25, 0.0, 1e300])
def test_non_int_seeds_as_cpython(seed):
    for n in (0, 1, 17, 100):
        assert _core.python_shuffle_order(n, seed_int(seed)) == _python_order(n, seed)


def test_unsupported_seed_type():
    with pytest.raises(TypeError, match="The only supported seed types are"):
        seed_int(object())


def test_none_seed_is_random_each_time():
    orders = {tuple(_core.python_shuffle_order(50, None)) for _ in range(5)}
    assert len(orders) > 1
    assert all(sorted(o) == list(range(50)) for o in orders)


@pytest.mark.parametrize("seed", [0, 3, 2**40 + 1, -9, "s", 2.5])
def test_iterators_visit_in_the_reference_order(planes_record, pixels, seed):
    view = omearrow.TensorView(planes_record, t=1, z=2, roi=(0, 1, 13, 9))
    tiles = [(x, y, min(3, 13 - x), min(2, 10 - y)) for y in range(1, 10, 2) for x in range(0, 13, 3)]
    random.Random(seed).shuffle(tiles)
    items = [np.from_dlpack(i) for i in view.iter_dlpack(tile_size=(2, 3), shuffle=True, seed=seed, mode="numpy")]
    assert len(items) == len(tiles)
    for item, (x, y, w, h) in zip(items, tiles):
        np.testing.assert_array_equal(item, pixels[1, :, 2, y : y + h, x : x + w])
