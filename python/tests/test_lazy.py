"""LazyTensorView: deferred collect, memoization, select semantics, threads."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import omearrow
from records import expected


def test_collect_is_lazy_and_memoized(planes_record, pixels):
    calls = []

    def loader():
        calls.append(1)
        return planes_record

    lazy = omearrow.LazyTensorView(loader=loader, t=1, layout="YXZC")
    assert lazy.device == "cpu" and lazy.layout == "YXZC"
    assert calls == []
    view = lazy.collect()
    assert isinstance(view, omearrow.TensorView)
    assert lazy.collect() is view and calls == [1]
    assert lazy.layout == "YXZC"  # as given, not normalized
    assert view.layout == "HWZC"
    assert lazy.shape == (10, 13, 4, 2) and lazy.dtype == np.uint16
    assert lazy.strides == view.strides
    np.testing.assert_array_equal(lazy.to_numpy(), expected(pixels, 1, None, None)[0].transpose(2, 3, 0, 1))


def test_default_layout_collects(planes_record):
    calls = []
    lazy = omearrow.LazyTensorView(loader=lambda: calls.append(1) or planes_record, t=0, z=0)
    assert lazy.layout == "CHW" and calls == [1]


def test_select_keeps_unset_and_resets_none(planes_record, pixels):
    lazy = omearrow.LazyTensorView(loader=lambda: planes_record, t=1, z=2, roi=(0, 0, 4, 4))
    child = lazy.select(c=0)
    assert child.shape == (1, 4, 4)
    np.testing.assert_array_equal(child.to_numpy(), pixels[1, 0, 2, :4, :4][None])
    reset = child.select(t=None, roi=None)
    assert reset.shape == (3, 1, 1, 10, 13)
    assert lazy.with_layout("TZCYX").shape == (1, 1, 2, 4, 4)
    assert lazy.shape == (2, 4, 4)


def test_resolver_gets_kwargs(planes_record):
    seen = []

    def resolver(kwargs):
        seen.append(kwargs)
        return omearrow.TensorView(planes_record, **kwargs)

    t_sel = slice(0, 2)
    lazy = omearrow.LazyTensorView(loader=lambda: 1 / 0, resolver=resolver, t=t_sel, dtype="float32")
    assert lazy.shape == (2, 4, 2, 10, 13)
    assert seen[0]["t"] is t_sel and seen[0]["dtype"] == "float32"
    assert set(seen[0]) == {"t", "z", "c", "roi", "roi3d", "roi_nd", "roi_type", "tile",
                            "layout", "dtype", "chunk_policy", "channel_policy"}
    with pytest.raises(TypeError):
        omearrow.LazyTensorView(loader=lambda: None, resolver=lambda kw: 42).collect()


def test_errors_are_not_memoized(planes_record):
    attempts = []

    def loader():
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("flaky")
        return planes_record

    lazy = omearrow.LazyTensorView(loader=loader)
    with pytest.raises(OSError, match="flaky"):
        lazy.collect()
    assert lazy.collect().shape == (3, 4, 2, 10, 13)


def test_collect_is_thread_safe(planes_record):
    calls = []

    def loader():
        calls.append(1)
        time.sleep(0.05)
        return planes_record

    lazy = omearrow.LazyTensorView(loader=loader)
    results = []
    threads = [threading.Thread(target=lambda: results.append(lazy.collect())) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(calls) == 1
    assert all(r is results[0] for r in results)


def test_lazy_exports_and_iterators(planes_record, pixels):
    lazy = omearrow.LazyTensorView(loader=lambda: planes_record, t=0, z=0, c=1)
    np.testing.assert_array_equal(np.from_dlpack(lazy.to_dlpack()), pixels[0, 1, 0].ravel())
    assert tuple(lazy.to_torch(mode="numpy").shape) == (1, 10, 13)
    assert lazy.to_jax(mode="numpy").shape == (1, 10, 13)
    assert len(list(lazy.iter_dlpack(tile_size=(5, 7), mode="numpy"))) == 4
    assert len(list(lazy.iter_tiles_3d(tile_size=(1, 5, 7)))) == 4


def test_plane_loader_from_worker_threads(pixels):
    """A large selection materializes on several C++ threads; each loader call takes
    the GIL, and the calling thread has released it (no deadlock)."""
    from records import make_record, sample_pixels

    big = sample_pixels((4, 2, 8, 128, 160))
    record = make_record(sample_pixels((4, 2, 8, 1, 1)))
    record = make_record(big)
    seen = set()

    def loader(t, z, c):
        seen.add(threading.get_ident())
        return big[t, c, z].astype(np.float64)  # converted to the view dtype

    view = omearrow.TensorView(record, plane_loader=loader)
    np.testing.assert_array_equal(view.to_numpy(), expected(big, None, None, None))
    assert len(seen) >= 1
