"""Differential test: omearrow against the installed reference ome_arrow.tensor."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import omearrow
from ome_arrow.tensor import TensorView as RefTensorView  # the reference, must be installed
from records import make_record, sample_pixels

RECORDS = {
    "planes_u16": dict(dtype=np.uint16, encoding="planes"),
    "planes_f32": dict(dtype=np.float32, encoding="planes"),
    "planes_u8_zct": dict(dtype=np.uint8, encoding="planes", planes_order="zct"),
    "chunks_u16": dict(dtype=np.uint16, encoding="chunks"),
    "chunks_i16": dict(dtype=np.int16, encoding="chunks"),
    "chunks_f64": dict(dtype=np.float64, encoding="chunks"),
    "bytes_zstd_u16": dict(dtype=np.uint16, encoding="bytes_zstd"),
    "bytes_lz4_u32": dict(dtype=np.uint32, encoding="bytes_lz4"),
}

VIEWS = [
    {},
    {"t": 1, "z": 2},
    {"t": [2], "c": 1, "layout": "ZYX"},
    {"layout": "CZYXT"},
    {"t": 0, "z": 0, "layout": "YXC"},
    {"roi": (1, 2, 7, 5), "layout": "TCZYX"},
    {"roi3d": (2, 1, 1, 8, 6, 2)},
    {"roi_nd": (1, 2, 8, 11)},
    {"roi_nd": (0, 1, 2, 2, 8, 11), "roi_type": "2d_timelapse"},
    {"roi_nd": (1, 1, 2, 3, 8, 11), "roi_type": "3d"},
    {"roi_nd": (1, 0, 1, 2, 3, 2, 8, 11)},
    {"tile": (1, 1), "t": slice(None, None, -1)},
    {"tile": (2, 2), "c": [1, 1, 0]},
    {"t": 2, "z": 3, "layout": "YX", "channel_policy": "first"},
    {"dtype": np.float32, "t": 1},
    {"z": -1, "layout": "hwct"},
]


def _record(name):
    spec = dict(RECORDS[name])
    pixels = sample_pixels((3, 2, 4, 10, 13), spec.pop("dtype"), seed=3)
    return make_record(pixels, chunk_shape=(2, 4, 5), chunk_grid=True, **spec)


@pytest.fixture(scope="module", params=list(RECORDS))
def record(request):
    return _record(request.param)


def _same(ours, ref):
    assert ours.dtype == ref.dtype
    assert ours.shape == ref.shape
    np.testing.assert_array_equal(ours, ref)


@pytest.mark.parametrize("kwargs", VIEWS, ids=repr)
def test_views_match_reference(record, kwargs):
    ours = omearrow.TensorView(record, **kwargs)
    ref = RefTensorView(record, **kwargs)
    assert ours.shape == ref.shape
    assert ours.strides == ref.strides
    assert ours.layout == ref.layout
    assert ours.dtype == ref.dtype
    a, r = ours.to_numpy(), ref.to_numpy()
    _same(a, r)
    assert a.strides == r.strides
    _same(ours.to_numpy(contiguous=True), ref.to_numpy(contiguous=True))
    _same(np.from_dlpack(ours.to_dlpack(mode="numpy")), np.from_dlpack(ref.to_dlpack(mode="numpy")))


ITERATIONS = [
    ("iter_dlpack", {"batch_size": 1, "mode": "numpy"}),
    ("iter_dlpack", {"batch_size": 2, "shuffle": True, "seed": 11, "mode": "numpy"}),
    ("iter_dlpack", {"tile_size": (3, 4), "mode": "numpy"}),
    ("iter_dlpack", {"tile_size": (4, 6), "shuffle": True, "seed": 2, "mode": "numpy"}),
    ("iter_dlpack", {"tile_size": (7, 7), "shuffle": True, "seed": None, "mode": "numpy", "contiguous": False}),
    ("iter_tiles_3d", {"tile_size": (3, 4, 6)}),
    ("iter_tiles_3d", {"tile_size": (2, 5, 5), "shuffle": True, "seed": 99}),
]


@pytest.mark.parametrize("method,kwargs", ITERATIONS, ids=repr)
@pytest.mark.parametrize("name", ["planes_u16", "chunks_i16", "bytes_zstd_u16"])
def test_iteration_matches_reference(name, method, kwargs):
    record = _record(name)
    view_kwargs = {"roi": (1, 1, 11, 9), "c": [1, 0]}
    ours = getattr(omearrow.TensorView(record, **view_kwargs), method)(**kwargs)
    ref = getattr(RefTensorView(record, **view_kwargs), method)(**kwargs)
    if kwargs.get("shuffle") and kwargs.get("seed") is None:
        return  # unseeded: only checks that it runs
    ours, ref = list(ours), list(ref)
    assert len(ours) == len(ref)
    for a, r in zip(ours, ref):
        _same(np.from_dlpack(a), np.from_dlpack(r))


def test_arrow_mode_matches_reference():
    record = _record("planes_u16")
    for kwargs in ({"t": 1, "z": 2, "c": 0}, {"t": -1, "z": 0, "c": 1}):
        ours = np.from_dlpack(omearrow.TensorView(record, **kwargs).to_dlpack())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # numpy on legacy capsules
            ref = np.from_dlpack(RefTensorView(record, **kwargs).to_dlpack())
        _same(ours, ref)
    chunks = _record("chunks_u16")  # 2x4x5 slabs: the reference refuses them all
    for kwargs in ({"t": 2, "z": 1, "c": 1, "tile": (1, 2)}, {"t": 0, "z": 0, "c": 0, "tile": (0, 0)}):
        assert _export_outcome(omearrow.TensorView, chunks, kwargs) == _export_outcome(
            RefTensorView, chunks, kwargs
        )


def _export_outcome(cls, record, kwargs):
    try:
        cls(record, **kwargs).to_dlpack()
        return None
    except Exception as exc:  # noqa: BLE001
        return type(exc), str(exc)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"roi": (0, 0, 0, 1)},
        {"roi_nd": (0, 0, 1)},
        {"t": 9},
        {"c": ["x"]},
        {"t": np.float64(0)},
        {"layout": "CHW"},
        {"layout": "QQ"},
        {"roi3d": (0, 0, 3, 1, 1, 2)},
        {"roi_nd": (0, 0, 1, 1), "roi_type": "bad"},
        {"chunk_policy": "nope"},
        {"channel_policy": "nope"},
    ],
    ids=repr,
)
def test_errors_match_reference(kwargs):
    record = _record("planes_u16")

    def outcome(cls):
        try:
            view = cls(record, **kwargs)
            view.shape
            return None
        except Exception as exc:  # noqa: BLE001
            return type(exc), str(exc)

    assert outcome(omearrow.TensorView) == outcome(RefTensorView)
    assert outcome(omearrow.TensorView) is not None


def test_numpy_integers_are_accepted_where_the_reference_rejects_them():
    # A deliberate extension (issue 22): t=np.int64(0) selects like t=0.
    record = _record("planes_u16")
    with pytest.raises(ValueError, match="Unsupported t index type"):
        RefTensorView(record, t=np.int64(0)).shape
    np.testing.assert_array_equal(
        omearrow.TensorView(record, t=np.int64(0)).to_numpy(),
        RefTensorView(record, t=0).to_numpy(),
    )
