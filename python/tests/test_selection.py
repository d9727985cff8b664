"""Selections, layouts and dtypes compared with NumPy doing the same on the same pixels."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

import omearrow
from records import expected, make_record, sample_pixels

SELECTIONS = [
    {},
    {"t": 1},
    {"t": -1, "z": 2},
    {"t": slice(0, 3, 2)},
    {"t": slice(None, None, -1), "z": [3, 0, 3]},
    {"c": [1, 0], "z": (2, 1)},
    {"t": [0], "z": [1], "c": 1},
    {"t": True},
    {"z": range(1, 3)},
    {"roi": (2, 3, 7, 5)},
    {"roi": (12, 9, 1, 1), "t": 0, "z": 0},
    {"roi3d": (1, 2, 1, 4, 5, 2)},
    {"roi_nd": (1, 2, 8, 11)},
    {"roi_nd": (0, 1, 2, 2, 8, 11), "roi_type": "2d_timelapse"},
    {"roi_nd": (1, 1, 2, 3, 8, 11), "roi_type": "3d"},
    {"roi_nd": (1, 0, 1, 2, 3, 2, 8, 11)},
    {"tile": (1, 2)},
    {"tile": (2, 0), "t": 2},
]


def _reference_selection(sel, pixels):
    """The (t, z, c, roi) the reference resolves `sel` to, in NumPy terms."""
    size_t, size_c, size_z, size_y, size_x = pixels.shape
    t, z, c, roi = sel.get("t"), sel.get("z"), sel.get("c"), sel.get("roi")
    if t is True:
        t = 1
    if isinstance(z, range):
        z = list(z)
    if "roi3d" in sel:
        x, y, z0, w, h, d = sel["roi3d"]
        roi, z = (x, y, w, h), slice(z0, z0 + d)
    if "roi_nd" in sel:
        v = sel["roi_nd"]
        kind = sel.get("roi_type") or {4: "2d", 8: "4d"}[len(v)]
        if kind == "2d":
            ymin, xmin, ymax, xmax = v
        elif kind == "2d_timelapse":
            tmin, ymin, xmin, tmax, ymax, xmax = v
            t = slice(tmin, tmax)
        elif kind == "3d":
            zmin, ymin, xmin, zmax, ymax, xmax = v
            z = slice(zmin, zmax)
        else:
            tmin, zmin, ymin, xmin, tmax, zmax, ymax, xmax = v
            t, z = slice(tmin, tmax), slice(zmin, zmax)
        roi = (xmin, ymin, xmax - xmin, ymax - ymin)
    if "tile" in sel:
        ty, tx = sel["tile"]
        x, y = tx * 5, ty * 4  # chunk_shape (3, 4, 5)
        roi = (x, y, min(5, size_x - x), min(4, size_y - y))
    return t, z, c, roi


def _apply_layout(arr, layout):
    """The reference's _apply_layout on a (T, Z, C, H, W) array, in NumPy."""
    layout = layout.upper().replace("Y", "H").replace("X", "W")
    current = list("TZCHW")
    for dim in "TZCHW":
        if dim not in layout:
            axis = current.index(dim)
            assert arr.shape[axis] == 1
            arr = np.squeeze(arr, axis=axis)
            current.pop(axis)
    return np.transpose(arr, [current.index(d) for d in layout])


@pytest.mark.parametrize("sel", SELECTIONS, ids=repr)
def test_selection_matches_numpy(any_record, sel):
    record, pixels = any_record
    view = omearrow.TensorView(record, **sel)
    t, z, c, roi = _reference_selection(sel, pixels)
    want = expected(pixels, t, z, c, roi)
    layout = "CHW" if want.shape[0] == 1 and want.shape[1] == 1 else "TZCHW"
    want = _apply_layout(want, layout)
    got = view.to_numpy()
    assert view.layout == layout
    assert got.dtype == np.uint16 and view.dtype == np.dtype("uint16")
    assert got.shape == want.shape == view.shape
    np.testing.assert_array_equal(got, want)
    assert got.strides == view.strides


@pytest.mark.parametrize(
    "layout", ["TZCYX", "CZYXT", "YXTZC", "XYZTC", "tzchw", " ZCYXT ", "HWZCT"]
)
def test_layouts_transpose_like_numpy(any_record, layout):
    record, pixels = any_record
    view = omearrow.TensorView(record, roi=(1, 2, 9, 6), layout=layout)
    want = _apply_layout(expected(pixels, None, None, None, (1, 2, 9, 6)), layout.strip())
    got = view.to_numpy()
    np.testing.assert_array_equal(got, want)
    assert got.strides == view.strides
    contiguous = view.to_numpy(contiguous=True)
    assert contiguous.flags.c_contiguous
    np.testing.assert_array_equal(contiguous, want)


@pytest.mark.parametrize("layout", ["YX", "HW", "XY", "CYX", "YXC", "ZYX"])
def test_layouts_dropping_singletons(planes_record, pixels, layout):
    sel = {"t": 1, "z": 2, "c": 0} if "C" not in layout else {"t": 1, "z": 2}
    view = omearrow.TensorView(planes_record, layout=layout, **sel)
    want = _apply_layout(expected(pixels, sel["t"], sel["z"], sel.get("c")), layout)
    np.testing.assert_array_equal(view.to_numpy(), want)
    assert view.layout == layout.replace("Y", "H").replace("X", "W")


def test_channel_policy_first_keeps_first_channel(planes_record, pixels):
    view = omearrow.TensorView(planes_record, t=0, z=0, c=[1, 0], layout="YX",
                               channel_policy="first")
    np.testing.assert_array_equal(view.to_numpy(), pixels[0, 1, 0])
    assert view.shape == (10, 13)
    # The reference's strides still count both selected channels.
    assert view.strides == (26, 2)


@pytest.mark.parametrize(
    "dtype", [np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32, np.float32, np.float64]
)
@pytest.mark.parametrize("encoding", ["planes", "chunks", "bytes_zstd"])
def test_pixel_dtypes(dtype, encoding):
    pixels = sample_pixels((2, 2, 2, 6, 7), dtype)
    record = make_record(pixels, encoding=encoding, chunk_shape=(2, 4, 4))
    view = omearrow.TensorView(record, t=1, roi=(1, 1, 5, 4))
    assert view.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(view.to_numpy(), expected(pixels, 1, None, None, (1, 1, 5, 4)))


@pytest.mark.parametrize("out", ["float32", np.float64, np.dtype("int32"), "u1", float])
def test_dtype_override_casts_like_numpy(planes_record, pixels, out):
    view = omearrow.TensorView(planes_record, t=0, dtype=out)
    want = expected(pixels, 0, None, None).astype(np.dtype(out))
    assert view.dtype == np.dtype(out)
    np.testing.assert_array_equal(view.to_numpy(), want)


def test_meta_type_drives_default_dtype():
    pixels = sample_pixels((1, 1, 1, 4, 4), np.uint16)
    record = make_record(pixels, meta_type="float32")
    view = omearrow.TensorView(record)
    assert view.dtype == np.dtype("float32")
    np.testing.assert_array_equal(view.to_numpy(), pixels[0, :, 0].astype(np.float32))


def test_input_kinds_agree(planes_record, pixels):
    want = expected(pixels, 2, None, [1], (0, 1, 4, 4))
    inputs = [
        planes_record,
        planes_record[0],
        planes_record[0].as_py(),
        pa.chunked_array([planes_record]),
        pa.chunked_array([planes_record, planes_record]),
        pa.chunked_array([planes_record[:0], planes_record]),
    ]
    for data in inputs:
        for policy in ("auto", "combine", "keep"):
            view = omearrow.TensorView(data, t=2, c=[1], roi=(0, 1, 4, 4), chunk_policy=policy)
            np.testing.assert_array_equal(view.to_numpy().reshape(want.shape), want)


def test_multi_row_struct_array_uses_first_row(pixels):
    other = sample_pixels(pixels.shape, np.uint16, seed=9)
    rows = pa.concat_arrays([make_record(other), make_record(pixels)])
    np.testing.assert_array_equal(
        omearrow.TensorView(rows).to_numpy(), expected(other, None, None, None)
    )
    np.testing.assert_array_equal(
        omearrow.TensorView(rows.slice(1)).to_numpy(), expected(pixels, None, None, None)
    )


def test_to_numpy_is_cached_and_views_are_values(planes_record):
    view = omearrow.TensorView(planes_record, layout="CZYXT")
    a = view.to_numpy()
    assert view.to_numpy() is a
    assert not a.flags.c_contiguous
    b = view.to_numpy(contiguous=True)
    assert b.flags.c_contiguous and b is not a
    other = view.with_layout("TZCYX")
    assert other.layout == "TZCHW" and view.layout == "CZHWT"
    np.testing.assert_array_equal(other.to_numpy(), np.transpose(a, (4, 1, 0, 2, 3)))


def test_properties_do_not_touch_pixels(pixels):
    calls = []

    def loader(t, z, c):
        calls.append((t, z, c))
        return pixels[t, c, z]

    record = make_record(pixels)
    view = omearrow.TensorView(record, plane_loader=loader, t=[2, 0], layout="ZTCYX")
    assert view.shape == (4, 2, 2, 10, 13)
    assert view.strides == (520, 2080, 260, 26, 2)
    assert view.device == "cpu"
    assert calls == []
