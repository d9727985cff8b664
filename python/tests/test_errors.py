"""Every error and warning of the reference, with its exception type and message text."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pyarrow as pa
import pytest

import omearrow
from records import make_record, sample_pixels


def raises(exc, text):
    return pytest.raises(exc, match="^" + re.escape(text) + "$")


ERRORS = [
    ({"roi_nd": (0, 0, 2, 2), "roi": (0, 0, 1, 1)}, "Provide only one of roi_nd, roi3d, roi, or tile."),
    ({"roi_nd": (0, 0, 2, 2), "tile": (0, 0)}, "Provide only one of roi_nd, roi3d, roi, or tile."),
    ({"roi_nd": (0, 0, 0, 1, 2, 2), "roi_type": "2d_timelapse", "t": 0},
     "Provide either t or roi_nd time bounds, not both."),
    ({"roi_nd": (0, 0, 0, 1, 2, 2), "roi_type": "3d", "z": 0},
     "Provide either z or roi_nd depth bounds, not both."),
    ({"roi_type": "2d"}, "roi_type requires roi_nd."),
    ({"roi3d": (0, 0, 0, 1, 1, 1), "roi": (0, 0, 1, 1)}, "Provide only one of roi3d, roi, or tile."),
    ({"roi3d": (0, 0, 0, 1, 1, 1), "z": 0}, "Provide either z or roi3d, not both."),
    ({"roi3d": (0, 0, 0, 1, 1)}, "roi3d must be (x, y, z, w, h, d)"),
    ({"roi3d": (0, 0, 0, 1, 1, 0)}, "roi3d depth must be positive"),
    ({"roi3d": (0, 0, -1, 1, 1, 1)}, "roi3d z origin must be non-negative"),
    ({"roi3d": (0, 0, 3, 1, 1, 2)}, "roi3d depth is out of bounds"),
    ({"roi": (0, 0, 1, 1), "tile": (0, 0)}, "Provide either roi or tile, not both."),
    ({"roi": (0, 0, 0, 1)}, "roi width and height must be positive"),
    ({"roi": (-1, 0, 1, 1)}, "roi origin must be non-negative"),
    ({"roi": (10, 0, 4, 1)}, "roi is out of bounds"),
    ({"roi": (0, 8, 1, 3)}, "roi is out of bounds"),
    ({"roi_nd": (0, 0, 0, 1, 2, 2)},
     "roi_nd with 6 values is ambiguous; provide roi_type ('2d_timelapse' or '3d')."),
    ({"roi_nd": (0, 0, 1)}, "roi_nd must have length 4, 6, or 8."),
    ({"roi_nd": (0, 0, 1, 1), "roi_type": "5d"}, "Unsupported roi_type: '5d'."),
    ({"roi_nd": (0, 0, 1, 1, 1, 1), "roi_type": "2d"}, "roi_type='2d' requires 4 values."),
    ({"roi_nd": (0, 0, 1, 1), "roi_type": "3d"}, "roi_type='3d' requires 6 values."),
    ({"roi_nd": (0, 0, 1, 1), "roi_type": "2d_timelapse"}, "roi_type='2d_timelapse' requires 6 values."),
    ({"roi_nd": (0, 0, 1, 1), "roi_type": "4d"}, "roi_type='4d' requires 8 values."),
    ({"roi_nd": (0, 0, 0, 9, 2, 2), "roi_type": "2d_timelapse"}, "roi_nd time bounds are out of range."),
    ({"roi_nd": (2, 0, 0, 2, 2, 2), "roi_type": "3d"}, "roi_nd depth bounds are out of range."),
    ({"roi_nd": (0, 3, 0, 0, 1, 3, 2, 2)}, "roi_nd depth bounds are out of range."),
    ({"roi_nd": (2, 2, 1, 1)}, "roi_nd spatial bounds must satisfy max > min."),
    ({"t": 3}, "t index 3 out of range"),
    ({"t": -4}, "t index -4 out of range"),
    ({"z": [0, 7]}, "z index 7 out of range"),
    ({"c": [0, "a"]}, "c indices must be integers"),
    # NumPy integers and integer arrays select like ints and lists (issue 22; the
    # reference rejects them): test_fit_and_finish.py. Other types keep its messages.
    ({"c": [np.float64(0)]}, "c indices must be integers"),
    ({"t": np.float64(0)}, "Unsupported t index type"),
    ({"t": 1.0}, "Unsupported t index type"),
    ({"z": "0"}, "Unsupported z index type"),
    ({"z": np.array([0.0])}, "Unsupported z index type"),
    ({"tile": (0,)}, "tile must be (tile_y, tile_x)"),
    ({"tile": (-1, 0)}, "tile indices must be non-negative"),
    ({"tile": (0, 9)}, "tile indices out of bounds"),
    ({"layout": "   "}, "layout must be non-empty"),
    ({"layout": "CYQ"}, "layout must use only TZC + (Y/X or H/W) letters (for example CYX, YXC, TZCYX)."),
    ({"layout": "CYY"}, "layout cannot repeat dimensions"),
    ({"layout": "YXH"}, "layout cannot repeat dimensions"),
    ({"channel_policy": "last"}, "Unsupported channel_policy 'last'. Expected one of: error, first."),
    ({"chunk_policy": "never"}, "Unsupported chunk_policy 'never'. Expected one of: auto, combine, keep."),
]


@pytest.fixture(scope="module")
def record():
    return make_record(sample_pixels((2, 2, 3, 10, 13)), encoding="chunks", chunk_shape=(1, 4, 5))


@pytest.mark.parametrize("kwargs,message", ERRORS, ids=[m for _, m in ERRORS])
def test_selection_errors(record, kwargs, message):
    with raises(ValueError, message):
        omearrow.TensorView(record, **kwargs)


def test_tile_requires_chunk_grid():
    record = make_record(sample_pixels((1, 1, 1, 4, 4)), chunk_grid=False)
    with raises(ValueError, "tile selection requires chunk_grid metadata"):
        omearrow.TensorView(record, tile=(0, 0))


@pytest.mark.parametrize(
    "layout,dim", [("CHW", "T"), ("TCHW", "Z"), ("TZHW", "C"), ("TZCW", "H"), ("TZCH", "W")]
)
def test_layout_drops_non_singleton(record, layout, dim):
    view = omearrow.TensorView(record, layout=layout)
    with raises(ValueError, f"layout '{layout}' drops non-singleton dimension '{dim}'."):
        view.shape
    with raises(ValueError, f"layout '{layout}' drops non-singleton dimension '{dim}'."):
        view.to_numpy()


def test_empty_inputs():
    empty = make_record(sample_pixels((1, 1, 1, 2, 2)))[:0]
    with raises(ValueError, "Cannot create TensorView from an empty OME-Arrow array."):
        omearrow.TensorView(pa.chunked_array([], type=empty.type))


def test_export_errors(record):
    view = omearrow.TensorView(record)
    with raises(ValueError, "Unsupported device 'tpu'."):
        view.to_dlpack(device=" TPU ")
    with raises(ValueError, "Unsupported mode 'pandas'."):
        view.to_dlpack(mode="Pandas")
    with raises(ValueError, "mode='arrow' requires a single (t, z, c) selection."):
        view.to_dlpack()
    if omearrow._core.cuda_status() is not None:  # test_cuda.py pins the full text
        with pytest.raises(RuntimeError, match="^" + re.escape(
                "CUDA was requested but no CUDA runtime or device is available (") + r".+\)$"):
            view.to_dlpack(device="cuda", mode="numpy")
    one = omearrow.TensorView(record, t=0, z=0, c=0, roi=(0, 0, 5, 4))
    one.to_dlpack()  # matches the chunk exactly
    with raises(ValueError, "Chunk not found for the requested (t, z, c, roi)."):
        omearrow.TensorView(record, t=0, z=0, c=0, roi=(1, 0, 4, 4)).to_dlpack()
    with raises(ValueError, "mode='arrow' requires ROI to match chunk size."):
        omearrow.TensorView(record, t=0, z=0, c=0, roi=(0, 0, 4, 4)).to_dlpack()


def test_arrow_mode_errors_for_other_encodings():
    pixels = sample_pixels((1, 1, 2, 6, 6))
    planes = make_record(pixels)
    with raises(ValueError, "mode='arrow' requires a full-frame ROI; use mode='numpy' for crops."):
        omearrow.TensorView(planes, z=0, roi=(0, 0, 3, 3)).to_dlpack()
    blobs = make_record(pixels, encoding="bytes_zstd", chunk_shape=(1, 6, 6))
    with raises(ValueError, "mode='arrow' does not support byte-backed inline chunks; use mode='numpy'."):
        omearrow.TensorView(blobs, z=0).to_dlpack()
    slabs = make_record(pixels, encoding="chunks", chunk_shape=(2, 6, 6))
    with raises(ValueError, "mode='arrow' requires shape_z == 1 for chunked selections."):
        omearrow.TensorView(slabs, z=0).to_dlpack()


def test_iteration_errors(record):
    view = omearrow.TensorView(record)
    with raises(ValueError, "prefetch must be >= 0"):
        next(view.iter_dlpack(prefetch=-1))
    with raises(ValueError, "Provide only one of tile_size or tiles."):
        next(view.iter_dlpack(tile_size=(2, 2), tiles=(2, 2)))
    with raises(ValueError, "batch_size must be > 0"):
        next(view.iter_dlpack(batch_size=0))
    with raises(ValueError, "tiles must be positive"):
        next(view.iter_dlpack(tile_size=(0, 2)))
    with raises(ValueError, "too many values to unpack (expected 2)"):
        next(view.iter_dlpack(tile_size=(1, 2, 3)))
    with raises(ValueError, "iter_tiles_3d currently supports only mode='numpy'."):
        next(view.iter_tiles_3d(tile_size=(1, 2, 2), mode="arrow"))
    with raises(ValueError, "prefetch must be >= 0"):
        next(view.iter_tiles_3d(tile_size=(1, 2, 2), prefetch=-1))
    with raises(ValueError, "tile_size entries must be positive"):
        next(view.iter_tiles_3d(tile_size=(1, 0, 2)))
    with raises(ValueError, "not enough values to unpack (expected 3, got 2)"):
        next(view.iter_tiles_3d(tile_size=(1, 2)))
    # Generators: nothing is checked before the first next().
    view.iter_dlpack(prefetch=-1)
    # Each item fails as its to_dlpack() would.
    with raises(ValueError, "mode='arrow' requires a single (t, z, c) selection."):
        next(view.iter_dlpack(batch_size=1))


def test_dlpack_single_use(record):
    dl = omearrow.TensorView(record, t=0, z=0, c=0, roi=(0, 0, 5, 4)).to_dlpack()
    np.from_dlpack(dl)
    with raises(RuntimeError, "DLPack capsule has already been consumed and cannot be reused."):
        np.from_dlpack(dl)
    with raises(RuntimeError, "DLPack capsule has already been consumed and cannot be reused."):
        dl.__dlpack__()


def test_unsupported_dtypes(record):
    for bad in (np.complex64, np.float16, bool, ">u2"):
        with pytest.raises(TypeError):
            omearrow.TensorView(record, dtype=bad)
    with pytest.raises(TypeError):
        omearrow.TensorView(record, dtype="not a dtype")


def test_unknown_meta_type_warns_and_uses_uint16():
    record = make_record(sample_pixels((1, 1, 1, 3, 3)), meta_type="mystery")
    with pytest.warns(RuntimeWarning, match=re.escape("_dtype_from_meta: failed to convert dtype 'mystery'")) as rec:
        view = omearrow.TensorView(record)
    assert str(rec[0].message).endswith("falling back to uint16.")
    assert view.dtype == np.dtype("uint16")


def test_arrow_mode_warnings(record):
    kwargs = {"t": 0, "z": 0, "c": 0, "roi": (0, 0, 5, 4)}
    cases = [
        (record[0], "mode='arrow' received a StructScalar; converting via as_py(), so zero-copy is not guaranteed for this export."),
        (record[0].as_py(), "mode='arrow' received a dict; converting to Arrow buffers, so zero-copy is not guaranteed for this export."),
        (pa.chunked_array([record, record]), "mode='arrow' received a multi-chunk ChunkedArray; using first record without eager combine_chunks()."),
    ]
    for data, message in cases:
        view = omearrow.TensorView(data, **kwargs)
        with pytest.warns(UserWarning, match="^" + re.escape(message) + "$"):
            view.to_dlpack()
    for data in (record, pa.chunked_array([record])):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            omearrow.TensorView(data, **kwargs).to_dlpack()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        omearrow.TensorView(pa.chunked_array([record, record]), chunk_policy="combine", **kwargs).to_dlpack()


def test_tiles_alias_is_deprecated(record):
    view = omearrow.TensorView(record, t=0, z=0)
    with pytest.warns(DeprecationWarning, match=re.escape("iter_dlpack(tiles=...) is deprecated; use tile_size=... instead.")):
        items = list(view.iter_dlpack(tiles=(4, 5), mode="numpy"))
    assert len(items) == 9


def test_missing_frameworks(record, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.split(".")[0] in ("torch", "jax"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    view = omearrow.TensorView(record, t=0, z=0, c=0, roi=(0, 0, 5, 4))
    with raises(RuntimeError, "Torch is not installed."):
        view.to_torch()
    with raises(RuntimeError, "JAX is not installed."):
        view.to_jax()


def test_plane_loader_errors_propagate(record):
    class Boom(Exception):
        pass

    def loader(t, z, c):
        raise Boom(f"no plane {t},{z},{c}")

    view = omearrow.TensorView(record, plane_loader=loader, t=0, z=0, c=0)
    with pytest.raises(Boom, match="no plane 0,0,0"):
        view.to_numpy()
    short = omearrow.TensorView(record, plane_loader=lambda t, z, c: np.zeros(5), t=0, z=0, c=0)
    with pytest.raises(ValueError, match="plane_loader returned 5 values"):
        short.to_numpy()
