"""Extreme integers in every selection argument (review findings, issue 21): slices with
huge steps and bounds, indices near ±2**63 and beyond, duplicate-heavy lists whose view
outgrows 64-bit sizes. Every case either equals NumPy/Python semantics exactly or raises
a clear Python exception; none may crash (each risky case also runs in a child process)."""

from __future__ import annotations

import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import omearrow
from records import make_record

BIG = [0, 1, 2, 3, -1, -2, -3, 2**31, 2**62, 2**63 - 1, 2**63, 2**64, 2**100,
       -(2**63), -(2**63) - 1, -(2**100)]
extreme_ints = st.one_of(st.sampled_from(BIG), st.integers(-6, 6),
                         st.integers(-(2**70), 2**70))
optional_ints = st.one_of(st.none(), extreme_ints)
nonzero_steps = optional_ints.filter(lambda v: v != 0)

PIXELS = np.arange(3 * 2 * 4 * 5 * 6, dtype=np.uint16).reshape(3, 2, 4, 5, 6)  # T C Z Y X
RECORD = make_record(PIXELS)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=optional_ints, stop=optional_ints, step=nonzero_steps,
       axis=st.sampled_from(["t", "z", "c"]))
def test_slices_match_python_slice_indices(start, stop, step, axis):
    size = {"t": 3, "z": 4, "c": 2}[axis]
    want = list(range(*slice(start, stop, step).indices(size)))
    view = omearrow.TensorView(RECORD, **{axis: slice(start, stop, step)}, layout="TZCYX")
    got = view.to_numpy()
    full = PIXELS.transpose(0, 2, 1, 3, 4)  # TZCYX
    index = {"t": 0, "z": 1, "c": 2}[axis]
    np.testing.assert_array_equal(got, np.take(full, want, axis=index))


@settings(max_examples=300, deadline=None)
@given(items=st.lists(extreme_ints, min_size=1, max_size=4),
       axis=st.sampled_from(["t", "z", "c"]))
def test_index_lists_with_extreme_items_are_exact_or_index_errors(items, axis):
    size = {"t": 3, "z": 4, "c": 2}[axis]
    if all(-size <= i < size for i in items):  # an empty selection gives an empty array
        view = omearrow.TensorView(RECORD, **{axis: items}, layout="TZCYX")
        full = PIXELS.transpose(0, 2, 1, 3, 4)
        index = {"t": 0, "z": 1, "c": 2}[axis]
        np.testing.assert_array_equal(view.to_numpy(),
                                      np.take(full, [i % size for i in items], axis=index))
    else:
        with pytest.raises(ValueError, match="out of range"):
            omearrow.TensorView(RECORD, **{axis: items})


@settings(max_examples=200, deadline=None)
@given(x=extreme_ints, y=extreme_ints, w=extreme_ints, h=extreme_ints)
def test_roi_with_extreme_values_is_exact_or_value_error(x, y, w, h):
    inside = 0 <= x and 0 <= y and 0 < w and 0 < h and x + w <= 6 and y + h <= 5
    if inside:
        got = omearrow.TensorView(RECORD, roi=(x, y, w, h), layout="TZCYX").to_numpy()
        np.testing.assert_array_equal(got, PIXELS.transpose(0, 2, 1, 3, 4)[..., y:y + h, x:x + w])
    else:
        with pytest.raises(ValueError):
            omearrow.TensorView(RECORD, roi=(x, y, w, h))


@settings(max_examples=100, deadline=None)
@given(tile_h=st.sampled_from([1, 2, 5, 2**62, 2**63 - 1, 2**64]),
       tile_w=st.sampled_from([1, 4, 6, 2**63 - 1, 2**100]))
def test_tile_iteration_with_huge_tiles_covers_the_plane_once(tile_h, tile_w):
    view = omearrow.TensorView(RECORD, t=0, z=0, c=0)
    tiles = [np.from_dlpack(t) for t in view.iter_dlpack(tile_size=(tile_h, tile_w), mode="numpy")]
    rows = -(-5 // min(tile_h, 5))
    cols = -(-6 // min(tile_w, 6))
    assert len(tiles) == rows * cols
    assert sum(t.size for t in tiles) == 5 * 6


def _huge_record(size_t: int = 1) -> pa.StructArray:
    """A 2**29 × 2**30 uint16 record with no stored planes (they read as zeros), typed
    with the canonical list struct."""
    canonical = omearrow.from_numpy(np.zeros((1, 1, 1, 1, 1), np.uint16)).type
    meta = {"size_x": 2**30, "size_y": 2**29, "size_z": 1, "size_c": 1, "size_t": size_t,
            "type": "uint16", "dimension_order": "XYZCT", "channels": []}
    record = {"type": "ome.arrow", "version": "0.0.1", "id": "huge", "name": "huge",
              "pixels_meta": meta, "planes": [], "chunks": []}
    return pa.array([record], type=canonical)


def test_duplicate_heavy_view_beyond_int64_is_a_clear_error():
    """The reproduction from the review: 32 × 2**29 × 2**30 uint16 wraps int64 bytes."""
    view = omearrow.TensorView(_huge_record(), t=[0] * 32, layout="TCZYX")
    with pytest.raises(RuntimeError, match="does not fit in 64-bit sizes"):
        view.to_numpy()
    with pytest.raises(RuntimeError, match="does not fit in 64-bit sizes"):
        _ = view.shape


def test_overflow_cases_do_not_crash_the_interpreter():
    """The same reproductions in a child process: a crash fails here, not the suite."""
    code = textwrap.dedent(
        """
        import sys
        sys.path.insert(0, %r)
        import omearrow
        from test_extremes import _huge_record
        rec = _huge_record(size_t=2)
        for kwargs in ({"t": [0] * 32, "layout": "TCZYX"}, {"t": [1, 0] * 40},
                       {"t": slice(1, None, 2**63)}, {"t": slice(None, None, -(2**63))},
                       {"t": slice(-(2**100), 2**100, 2**64)}):
            try:
                omearrow.TensorView(rec, **kwargs).to_numpy()
            except (ValueError, RuntimeError, MemoryError) as exc:
                print(type(exc).__name__)
        print("survived")
        """
    ) % str(pathlib.Path(__file__).parent)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("survived")


def test_huge_step_slice_takes_one_index():
    """slice(1, None, 2**63) on T=3 is [1] in Python; it was (3, ...) before the fix."""
    view = omearrow.TensorView(RECORD, t=slice(1, None, 2**63), layout="TZCYX")
    assert view.shape[0] == 1
    np.testing.assert_array_equal(view.to_numpy()[0], PIXELS[1].transpose(1, 0, 2, 3))
    back = omearrow.TensorView(RECORD, t=slice(None, None, -(2**63)), layout="TZCYX")
    np.testing.assert_array_equal(back.to_numpy()[0], PIXELS[2].transpose(1, 0, 2, 3))


def test_plane_loader_returning_non_numbers_is_a_type_error():
    """Any failure inside a plane_loader becomes a Python exception, never a crash."""
    meta_only = omearrow.from_numpy(np.zeros((1, 1, 1, 2, 2), np.uint16))

    def bad_loader(t, z, c):
        return np.array([[object(), object()], [object(), object()]], dtype=object)

    with pytest.raises((TypeError, ValueError)):
        omearrow.TensorView(meta_only, plane_loader=bad_loader, t=0, z=0, c=0).to_numpy()
