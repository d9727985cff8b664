"""Real prefetch: same items as synchronous iteration, errors, early exit, no leaked
threads, plane_loader sources."""

from __future__ import annotations

import gc
import os
import threading
import time

import numpy as np
import pytest

import omearrow
from omearrow import _core
from records import expected, make_record


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


def _wait_workers_gone(timeout=5.0):
    deadline = time.monotonic() + timeout
    while _core.live_prefetch_workers() and time.monotonic() < deadline:
        time.sleep(0.01)
    return _core.live_prefetch_workers()


def _arrays(iterator):
    return [np.from_dlpack(item) for item in iterator]


CASES = [
    ("iter_dlpack", dict(batch_size=1, mode="numpy")),
    ("iter_dlpack", dict(batch_size=2, mode="numpy")),
    ("iter_dlpack", dict(tile_size=(3, 4), mode="numpy")),
    ("iter_dlpack", dict(tile_size=(4, 5), mode="numpy", contiguous=False)),
    ("iter_tiles_3d", dict(tile_size=(2, 4, 6))),
]


@pytest.mark.parametrize("method,kwargs", CASES)
@pytest.mark.parametrize("prefetch", [1, 2, 5])
def test_prefetch_yields_the_same_items(any_record, method, kwargs, prefetch):
    record, _ = any_record
    view = omearrow.TensorView(record, roi=(1, 1, 11, 9))
    for seed in range(6):
        sync = _arrays(getattr(view, method)(shuffle=True, seed=seed, **kwargs))
        ahead = _arrays(getattr(view, method)(shuffle=True, seed=seed, prefetch=prefetch, **kwargs))
        assert len(sync) == len(ahead) > 0
        for a, b in zip(sync, ahead):
            assert a.shape == b.shape and a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)
    assert _wait_workers_gone() == 0


def test_prefetched_values_match_numpy(planes_record, pixels):
    view = omearrow.TensorView(planes_record, t=[2, 0, 1], z=[3, 1], roi=(2, 1, 9, 8))
    items = _arrays(view.iter_dlpack(batch_size=1, prefetch=3, mode="numpy"))
    for item, t in zip(items, [2, 0, 1]):
        np.testing.assert_array_equal(item, expected(pixels, [t], [3, 1], None, (2, 1, 9, 8)))
    lazy = omearrow.LazyTensorView(loader=lambda: planes_record, t=0, z=0)
    tiles = _arrays(lazy.iter_dlpack(tile_size=(4, 4), prefetch=2, mode="numpy"))
    assert len(tiles) == 3 * 4
    np.testing.assert_array_equal(tiles[0], pixels[0, :, 0, 0:4, 0:4])


class LoaderError(Exception):
    pass


def _loader(pixels, fail_t=None, calls=None, delay=0.0):
    def load(t, z, c):
        if calls is not None:
            calls.append((t, z, c))
        if delay:
            time.sleep(delay)
        if t == fail_t:
            raise LoaderError(f"cannot load t={t}")
        return pixels[t, c, z]

    return load


@pytest.mark.parametrize("prefetch", [0, 1, 3])
def test_worker_errors_surface_at_their_item_with_type_and_message(planes_record, pixels, prefetch):
    view = omearrow.TensorView(planes_record, plane_loader=_loader(pixels, fail_t=2), z=0, c=0)
    iterator = view.iter_dlpack(batch_size=1, prefetch=prefetch, mode="numpy")
    np.testing.assert_array_equal(np.from_dlpack(next(iterator)), pixels[0:1, 0, 0][:, None, None])
    next(iterator)
    with pytest.raises(LoaderError, match="cannot load t=2"):
        next(iterator)
    with pytest.raises(StopIteration):
        next(iterator)
    assert _wait_workers_gone() == 0


def test_core_errors_keep_their_type_with_prefetch(planes_record):
    view = omearrow.TensorView(planes_record, t=0, z=0)
    with pytest.raises(ValueError, match="mode='arrow' requires a single"):
        next(view.iter_dlpack(tile_size=(5, 5), prefetch=2))
    with pytest.raises(ValueError, match="Unsupported device 'tpu'."):
        next(view.iter_dlpack(prefetch=2, device="tpu", mode="numpy"))


def test_plane_loader_with_prefetch_matches_numpy(planes_record, pixels):
    view = omearrow.TensorView(planes_record, plane_loader=_loader(pixels, delay=0.001))
    items = _arrays(view.iter_dlpack(batch_size=1, shuffle=True, seed=4, prefetch=3, mode="numpy"))
    order = _core.python_shuffle_order(3, 4)
    for item, t in zip(items, order):
        np.testing.assert_array_equal(item, expected(pixels, [t], None, None))


def test_at_most_prefetch_items_are_produced_ahead(planes_record, pixels):
    calls = []
    view = omearrow.TensorView(
        make_record(np.repeat(pixels, 4, axis=0)),  # 12 time points
        plane_loader=_loader(np.repeat(pixels, 4, axis=0), calls=calls), c=0, z=0)
    iterator = view.iter_dlpack(batch_size=1, prefetch=2, mode="numpy")
    next(iterator)
    time.sleep(0.3)  # the workers run ahead while we "train"
    assert 1 <= len(calls) <= 1 + 2
    next(iterator)
    time.sleep(0.3)
    assert len(calls) <= 2 + 2
    iterator.close()
    assert _wait_workers_gone() == 0


def test_early_exit_and_dropping_stop_the_workers(planes_record, pixels):
    view = omearrow.TensorView(planes_record)
    before = _threads()
    for _ in range(3):
        for i, _item in enumerate(view.iter_dlpack(tile_size=(1, 1), prefetch=4, mode="numpy")):
            if i == 2:
                break
    gc.collect()
    assert _wait_workers_gone() == 0
    assert _threads() <= before
    # Workers start once items prove expensive (here: loads of 5 ms each).
    slow = omearrow.TensorView(planes_record, plane_loader=_loader(pixels, delay=0.005))
    iterator = slow.iter_tiles_3d(tile_size=(1, 1, 1), prefetch=3)
    next(iterator)
    assert _core.live_prefetch_workers() > 0
    del iterator
    gc.collect()
    assert _wait_workers_gone() == 0
    assert _threads() <= before


def test_dropping_with_a_plane_loader_blocked_on_the_gil_does_not_deadlock(planes_record, pixels):
    view = omearrow.TensorView(planes_record, plane_loader=_loader(pixels, delay=0.01))
    for _ in range(5):
        iterator = view.iter_dlpack(batch_size=1, prefetch=3, mode="numpy")
        next(iterator)
        del iterator  # workers are inside the loader, waiting for the GIL we hold
    assert _wait_workers_gone() == 0


def test_other_python_threads_run_while_the_consumer_waits(planes_record, pixels):
    # The loader sleeps 50 ms per plane with the GIL released (time.sleep); a Python
    # thread counting meanwhile must make progress while the consumer blocks in next().
    view = omearrow.TensorView(planes_record, plane_loader=_loader(pixels, delay=0.05), z=0, c=0)
    counter = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            counter[0] += 1
            time.sleep(0.001)

    thread = threading.Thread(target=spin)
    thread.start()
    try:
        items = _arrays(view.iter_dlpack(batch_size=1, prefetch=2, mode="numpy"))
    finally:
        stop.set()
        thread.join()
    assert len(items) == 3 and counter[0] > 10


def test_concurrent_iterators_over_one_view(any_record):
    record, _ = any_record
    view = omearrow.TensorView(record)
    want = _arrays(view.iter_dlpack(tile_size=(3, 3), shuffle=True, seed=1, mode="numpy"))
    results = [None] * 4

    def run(k):
        results[k] = _arrays(view.iter_dlpack(tile_size=(3, 3), shuffle=True, seed=1,
                                              prefetch=1 + k, mode="numpy"))

    threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for got in results:
        assert len(got) == len(want)
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a, b)
