"""Property-based checks (hypothesis): random selections and layouts agree with NumPy."""

from __future__ import annotations

import gc

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import omearrow
from omearrow import _inputs
from records import expected, make_record, sample_pixels

PIXELS = sample_pixels((3, 2, 4, 9, 11), np.int16, seed=5)
RECORDS = [make_record(PIXELS, encoding=e, chunk_shape=(3, 4, 5)) for e in ("planes", "chunks", "bytes_lz4")]


def index_strategy(size):
    return st.one_of(
        st.none(),
        st.integers(-size, size - 1),
        st.builds(slice, st.none() | st.integers(-size - 1, size + 1),
                  st.none() | st.integers(-size - 1, size + 1),
                  st.none() | st.sampled_from([-2, -1, 1, 2, 3])),
        st.lists(st.integers(-size, size - 1), min_size=1, max_size=5),
    )


@settings(max_examples=150, deadline=None)
@given(
    record=st.sampled_from(RECORDS),
    t=index_strategy(3),
    z=index_strategy(4),
    c=index_strategy(2),
    x=st.integers(0, 10),
    y=st.integers(0, 8),
    data=st.data(),
    layout=st.permutations("TZCYX").map("".join),
)
def test_random_views_match_numpy(record, t, z, c, x, y, data, layout):
    w = data.draw(st.integers(1, 11 - x))
    h = data.draw(st.integers(1, 9 - y))
    want = expected(PIXELS, t, z, c, (x, y, w, h))
    if 0 in want.shape:
        return  # empty slices: nothing to compare
    view = omearrow.TensorView(record, t=t, z=z, c=c, roi=(x, y, w, h), layout=layout)
    order = ["TZCYX".index(d) for d in layout]
    got = view.to_numpy()
    np.testing.assert_array_equal(got, want.transpose(order))
    assert got.strides == view.strides


def test_image_cache_follows_array_lifetime():
    record = make_record(sample_pixels((1, 1, 1, 4, 4)))
    key = (id(record), "auto")
    view = omearrow.TensorView(record)
    assert key in _inputs._cache
    assert omearrow.TensorView(record)._view is not view._view
    del record
    gc.collect()
    # The view keeps its record (what it pickles as): the entry lives as long as the view.
    assert key in _inputs._cache
    assert view.to_numpy().shape == (1, 4, 4)
    del view
    gc.collect()
    assert key not in _inputs._cache
