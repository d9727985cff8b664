"""iter_dlpack and iter_tiles_3d: order, item shapes and values, shuffling."""

from __future__ import annotations

import random

import numpy as np
import pytest

import omearrow
from records import expected


def _items(iterator):
    return [np.from_dlpack(item) for item in iterator]


def test_batches_over_t(planes_record, pixels):
    view = omearrow.TensorView(planes_record, t=[2, 0, 1], roi=(1, 1, 5, 5))
    items = _items(view.iter_dlpack(batch_size=2, mode="numpy"))
    assert [a.shape for a in items] == [(2, 4, 2, 5, 5), (1, 4, 2, 5, 5)]
    np.testing.assert_array_equal(items[0], expected(pixels, [2, 0], None, None, (1, 1, 5, 5)))
    np.testing.assert_array_equal(items[1], expected(pixels, [1], None, None, (1, 1, 5, 5)))
    (whole,) = _items(view.iter_dlpack(mode="numpy"))
    np.testing.assert_array_equal(whole, view.to_numpy())


def test_batches_shuffle_like_random_shuffle(planes_record, pixels):
    view = omearrow.TensorView(planes_record, z=0, c=0, layout="TYX")
    order = [0, 1, 2]
    random.Random(7).shuffle(order)
    items = _items(view.iter_dlpack(batch_size=1, shuffle=True, seed=7, mode="numpy"))
    for item, t in zip(items, order):
        np.testing.assert_array_equal(item, pixels[t, 0, 0][None])
    again = _items(view.iter_dlpack(batch_size=1, shuffle=True, seed=7, mode="numpy"))
    assert all(np.array_equal(a, b) for a, b in zip(items, again))


def test_arrow_mode_batches_of_one_plane_are_zero_copy(planes_record, pixels):
    view = omearrow.TensorView(planes_record, z=1, c=1)
    items = _items(view.iter_dlpack(batch_size=1))
    assert [a.shape for a in items] == [(130,)] * 3
    for t, item in enumerate(items):
        np.testing.assert_array_equal(item, pixels[t, 1, 1].ravel())
        assert not item.flags.writeable


def _tiles(x0, y0, w0, h0, th, tw):
    return [
        (x, y, min(tw, x0 + w0 - x), min(th, y0 + h0 - y))
        for y in range(y0, y0 + h0, th)
        for x in range(x0, x0 + w0, tw)
    ]


@pytest.mark.parametrize("shuffle,seed", [(False, None), (True, 0), (True, 123)])
def test_2d_tiles_order_and_clipping(any_record, shuffle, seed):
    record, pixels = any_record
    view = omearrow.TensorView(record, t=1, z=2, roi=(1, 2, 11, 8))
    tiles = _tiles(1, 2, 11, 8, 3, 4)
    if shuffle:
        random.Random(seed).shuffle(tiles)
    items = _items(view.iter_dlpack(tile_size=(3, 4), shuffle=shuffle, seed=seed, mode="numpy"))
    assert len(items) == len(tiles) == 9
    for item, (x, y, w, h) in zip(items, tiles):
        assert item.shape == (2, h, w)  # the parent's layout, CHW
        np.testing.assert_array_equal(item, pixels[1, :, 2, y : y + h, x : x + w])


@pytest.mark.parametrize("shuffle,seed", [(False, None), (True, 5)])
def test_3d_tiles_order(any_record, shuffle, seed):
    record, pixels = any_record
    view = omearrow.TensorView(record, t=[0, 2], c=[1], roi=(0, 0, 13, 10))
    tasks = []
    z_batches = [[0, 1, 2], [3]]
    for t in [0, 2]:
        for zb in z_batches:
            for x, y, w, h in _tiles(0, 0, 13, 10, 6, 8):
                tasks.append((t, zb, x, y, w, h))
    if shuffle:
        random.Random(seed).shuffle(tasks)
    items = _items(view.iter_tiles_3d(tile_size=(3, 6, 8), shuffle=shuffle, seed=seed))
    assert len(items) == len(tasks) == 16
    for item, (t, zb, x, y, w, h) in zip(items, tasks):
        want = expected(pixels, [t], zb, [1], (x, y, w, h))  # TZCHW
        np.testing.assert_array_equal(item, want)


def test_items_follow_parent_layout_and_dtype(planes_record, pixels):
    view = omearrow.TensorView(planes_record, t=0, z=0, layout="YXC", dtype="float32")
    items = _items(view.iter_dlpack(tile_size=(5, 13), mode="numpy"))
    assert [a.shape for a in items] == [(5, 13, 2), (5, 13, 2)]
    assert items[0].dtype == np.float32
    np.testing.assert_array_equal(items[1], pixels[0, :, 0, 5:10].transpose(1, 2, 0).astype(np.float32))


def test_items_are_single_use_objects(planes_record):
    view = omearrow.TensorView(planes_record, t=0, z=0, c=0)
    (item,) = list(view.iter_dlpack())
    assert item.__dlpack_device__() == (1, 0)
    np.from_dlpack(item)
    with pytest.raises(RuntimeError):
        np.from_dlpack(item)


def test_prefetch_is_accepted(planes_record):
    view = omearrow.TensorView(planes_record, t=0, z=0, c=0)
    assert len(list(view.iter_dlpack(prefetch=4, tile_size=(5, 5), mode="numpy"))) == 6
    assert len(list(view.iter_tiles_3d(tile_size=(1, 5, 5), prefetch=2))) == 6
