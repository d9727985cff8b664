"""Interop with the reference package, both directions, pixel-exact: files the reference
writes read in omearrow, and every file and record omearrow writes reads in the
reference (without its "schema differs" warning: omearrow writes the canonical schema)."""

from __future__ import annotations

import warnings

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import omearrow
from files_support import full_array, sample_pixels

ome_arrow = pytest.importorskip("ome_arrow")
from ome_arrow import OMEArrow, OMEArrowDataset, write_ome_arrow_dataset  # noqa: E402
from ome_arrow.export import to_numpy as ref_to_numpy  # noqa: E402
from ome_arrow.export import to_ome_parquet  # noqa: E402
from ome_arrow.ingest import from_numpy as ref_from_numpy  # noqa: E402
from ome_arrow.ingest import from_ome_parquet  # noqa: E402
from ome_arrow.meta import OME_ARROW_BYTE_STRUCT, OME_ARROW_STRUCT  # noqa: E402
from ome_arrow.tensor import TensorView as RefTensorView  # noqa: E402

# (shape, chunk (Z, Y, X)): edge chunks clipped in Y and X, and in Z for the first.
CASES = [
    ((1, 2, 3, 37, 45), (2, 16, 16)),
    ((2, 1, 1, 64, 50), (1, 32, 32)),
]
BYTE_DTYPES = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "float64"]
LIST_DTYPES = ["uint8", "uint16"]


def _reference_read(path, dtype) -> np.ndarray:
    """The reference's dense read of row 0, asserting it warned nothing about the
    schema."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scalar = from_ome_parquet(path, column_name="ome_arrow")
    messages = [str(w.message) for w in caught]
    assert not [m for m in messages if "schema differs" in m], messages
    assert not [m for m in messages if "Requested column" in m], messages
    return ref_to_numpy(scalar, dtype=np.dtype(dtype))


# --- the reference writes, omearrow reads --------------------------------------------


@pytest.mark.parametrize("shape,chunk", CASES)
@pytest.mark.parametrize("dtype", BYTE_DTYPES)
@pytest.mark.parametrize("compression", ["zstd", None])
def test_reference_byte_parquet_reads_in_omearrow(tmp_path, shape, chunk, dtype,
                                                   compression):
    pixels = sample_pixels(shape, dtype, seed=11)
    record = ref_from_numpy(pixels, dim_order="TCZYX", clamp_to_uint16=False,
                            chunk_shape=chunk, chunk_encoding="bytes",
                            chunk_compression=compression)
    path = tmp_path / "ref.ome.parquet"
    to_ome_parquet(record, str(path), column_name="ome_arrow", inline_chunk_encoding="bytes",
                   inline_chunk_compression=compression)
    image = omearrow.open(path)
    assert image.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(full_array(image), pixels)
    t, z = shape[0] - 1, shape[2] - 1
    np.testing.assert_array_equal(image.tensor_view(t=t, z=z).to_numpy(), pixels[t, :, z])


@pytest.mark.parametrize("shape,chunk", CASES)
@pytest.mark.parametrize("dtype", LIST_DTYPES)
def test_reference_list_parquet_reads_in_omearrow(tmp_path, shape, chunk, dtype):
    pixels = sample_pixels(shape, dtype, seed=12)
    record = ref_from_numpy(pixels, dim_order="TCZYX", clamp_to_uint16=False,
                            chunk_shape=chunk, chunk_encoding="list")
    path = tmp_path / "ref_list.ome.parquet"
    to_ome_parquet(record, str(path), column_name="ome_arrow", inline_chunk_encoding="list")
    image = omearrow.open(path)
    assert image.encoding == "list-chunks"
    np.testing.assert_array_equal(full_array(image).astype(dtype), pixels)
    np.testing.assert_array_equal(full_array(image), pixels.astype(image.dtype))


def test_reference_default_parquet_reads_in_omearrow(tmp_path):
    """The reference's defaults: list encoding, uint16 clamp, column "image"."""
    pixels = sample_pixels((1, 2, 2, 30, 40), "uint16", seed=13)
    path = tmp_path / "ref_default.ome.parquet"
    to_ome_parquet(ref_from_numpy(pixels), str(path))
    with pytest.warns(UserWarning, match="Auto-detected OME-Arrow column 'image'"):
        image = omearrow.open(path)
    np.testing.assert_array_equal(full_array(image), pixels)
    image = omearrow.open(path, column="image")
    np.testing.assert_array_equal(full_array(image), pixels)


@pytest.mark.parametrize("dtype", ["uint16", "int16", "float32"])
def test_reference_dataset_reads_in_omearrow(tmp_path, dtype):
    images = [sample_pixels((2, 3, 3, 25, 21), dtype, seed=14),
              sample_pixels((1, 1, 2, 9, 40), dtype, seed=15)]
    path = tmp_path / "refds"
    write_ome_arrow_dataset(images, path, chunk_shape=(1, 2, 2, 8, 16))
    ids = OMEArrowDataset(path).image_ids
    for row, pixels in enumerate(images):
        image = omearrow.open(path, row=row)
        assert image.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(full_array(image), pixels)
        np.testing.assert_array_equal(full_array(omearrow.open(path, image_id=ids[row])),
                                      pixels)


# --- omearrow writes, the reference reads --------------------------------------------

WRITE_MODES = [("bytes", "zstd"), ("bytes", "lz4"), ("bytes", "none"), ("bytes", None),
               ("list", None)]


@pytest.mark.parametrize("shape,chunk", CASES)
@pytest.mark.parametrize("dtype", BYTE_DTYPES)
@pytest.mark.parametrize("encoding,compression", WRITE_MODES)
def test_omearrow_parquet_reads_in_reference(tmp_path, shape, chunk, dtype, encoding,
                                             compression):
    if encoding == "list" and dtype not in LIST_DTYPES:
        pytest.skip("list encoding stores uint16 (uint8/uint16 images only)")
    pixels = sample_pixels(shape, dtype, seed=21)
    path = tmp_path / "ours.ome.parquet"
    omearrow.write_parquet(pixels, path, encoding=encoding, chunk_shape=chunk,
                           chunk_compression=compression)
    got = _reference_read(path, dtype)
    np.testing.assert_array_equal(got, pixels)
    # The file's column has exactly the reference's canonical type.
    column_type = pq.read_schema(path).field("ome_arrow").type
    assert column_type == (OME_ARROW_BYTE_STRUCT if encoding == "bytes" else OME_ARROW_STRUCT)


@pytest.mark.parametrize("encoding", ["bytes", "list"])
def test_omearrow_parquet_reads_in_reference_lazy_scan(tmp_path, encoding):
    pixels = sample_pixels((1, 2, 3, 40, 36), "uint16", seed=22)
    path = tmp_path / "scan.ome.parquet"
    omearrow.write_parquet(pixels, path, encoding=encoding, chunk_shape=(1, 16, 16))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        view = OMEArrow.scan(str(path)).tensor_view(t=0, z=1, roi=(3, 5, 20, 30))
        np.testing.assert_array_equal(view.to_numpy(), pixels[0, :, 1, 5:35, 3:23])
        eager = OMEArrow(str(path)).tensor_view(layout="TCZYX").to_numpy()
    np.testing.assert_array_equal(eager, pixels)


def test_omearrow_multi_row_parquet_reads_in_reference(tmp_path):
    images = [sample_pixels((1, 2, 1, 12 + i, 9), "uint16", seed=30 + i) for i in range(3)]
    path = tmp_path / "rows.ome.parquet"
    omearrow.write_parquet(images, path)
    for row, pixels in enumerate(images):
        scalar = from_ome_parquet(path, column_name="ome_arrow", row_index=row)
        np.testing.assert_array_equal(ref_to_numpy(scalar, dtype=np.uint16), pixels)


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "int32", "float32", "float64"])
def test_omearrow_dataset_reads_in_reference(tmp_path, dtype):
    pixels = sample_pixels((2, 2, 3, 33, 27), dtype, seed=23)
    path = tmp_path / "ours_ds"
    omearrow.write_dataset(pixels, path, chunk_shape=(1, 1, 2, 16, 16))
    dataset = OMEArrowDataset(path)
    got = dataset.read_image()
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, pixels)
    # The reference's OMEArrow(dir) path too (it re-encodes the image as list<uint16>,
    # so only for dtypes that fit).
    if dtype in LIST_DTYPES:
        view = OMEArrow(str(path)).tensor_view(layout="TCZYX")
        np.testing.assert_array_equal(view.to_numpy(), pixels)


def test_omearrow_multi_image_dataset_reads_in_reference(tmp_path):
    images = [sample_pixels((1, 2, 2, 20, 18), "uint16", seed=40),
              sample_pixels((2, 1, 1, 7, 30), "uint16", seed=41)]
    path = tmp_path / "multi_ds"
    omearrow.write_dataset(images, path, image_id=["a", "b"], chunk_rows_per_row_group=3)
    dataset = OMEArrowDataset(path)
    assert dataset.image_ids == ["a", "b"]
    for image_id, pixels in zip("ab", images):
        np.testing.assert_array_equal(dataset.read_image(image_id), pixels)


def test_dataset_refuses_non_empty_directory_without_overwrite(tmp_path):
    pixels = sample_pixels((1, 1, 1, 8, 8), "uint16")
    path = tmp_path / "again"
    omearrow.write_dataset(pixels, path)
    with pytest.raises((ValueError, OSError, RuntimeError), match="again"):
        omearrow.write_dataset(pixels, path)
    omearrow.write_dataset(pixels + 1, path, overwrite=True)
    np.testing.assert_array_equal(OMEArrowDataset(path).read_image(), pixels + 1)


# --- records: from_numpy ------------------------------------------------------------


@pytest.mark.parametrize("dtype", BYTE_DTYPES)
@pytest.mark.parametrize("encoding,compression", [("bytes", "zstd"), ("bytes", "lz4"),
                                                  ("bytes", None), ("list", None)])
def test_from_numpy_record_reads_in_both(dtype, encoding, compression):
    if encoding == "list" and dtype not in LIST_DTYPES:
        pytest.skip("list encoding stores uint16 (uint8/uint16 images only)")
    pixels = sample_pixels((2, 2, 3, 21, 26), dtype, seed=24)
    record = omearrow.from_numpy(pixels, chunk_shape=(2, 8, 8), chunk_encoding=encoding,
                                 chunk_compression=compression)
    assert isinstance(record, pa.StructArray)
    assert len(record) == 1
    assert record.type == (OME_ARROW_BYTE_STRUCT if encoding == "bytes" else OME_ARROW_STRUCT)
    np.testing.assert_array_equal(
        omearrow.TensorView(record, layout="TCZYX").to_numpy(), pixels)
    np.testing.assert_array_equal(RefTensorView(record, layout="TCZYX").to_numpy(), pixels)
    np.testing.assert_array_equal(ref_to_numpy(record[0], dtype=np.dtype(dtype)), pixels)


def test_from_numpy_matches_reference_metadata():
    pixels = sample_pixels((1, 2, 1, 10, 12), "uint16", seed=25)
    ours = omearrow.from_numpy(pixels, image_id="x", name="n", channel_names=["a", "b"],
                               physical_size_x=0.3, chunk_encoding="list")[0].as_py()
    theirs = ref_from_numpy(pixels, image_id="x", name="n", channel_names=["a", "b"],
                            physical_size_x=0.3, image_type="image").as_py()
    for key in ("type", "id", "name", "image_type", "chunk_grid"):
        assert ours[key] == theirs[key], key
    for key, value in theirs["pixels_meta"].items():
        if key == "physical_size_x":
            assert ours["pixels_meta"][key] == pytest.approx(value)
        else:
            assert ours["pixels_meta"][key] == value, key


@pytest.mark.parametrize("dim_order,shape", [("YX", (20, 30)), ("ZYX", (3, 20, 30)),
                                             ("CYX", (2, 20, 30)), ("YXC", (20, 30, 3)),
                                             ("TZYX", (2, 3, 9, 11))])
def test_from_numpy_dim_orders(dim_order, shape):
    pixels = sample_pixels(shape, "uint16", seed=26)
    record = omearrow.from_numpy(pixels, dim_order=dim_order)
    expected = ref_to_numpy(ref_from_numpy(pixels, dim_order=dim_order,
                                           clamp_to_uint16=False), dtype=np.uint16)
    np.testing.assert_array_equal(
        omearrow.TensorView(record, layout="TCZYX").to_numpy(), expected)


def test_from_numpy_strided_and_non_native_arrays():
    base = sample_pixels((2, 3, 4, 40, 50), "uint16", seed=27)
    views = [
        base[:, ::2, 1:, 5:30:3, ::-2],          # steps and a negative stride
        np.asfortranarray(base),                 # Fortran order
        base.astype(">u2"),                      # big-endian
        np.broadcast_to(base[:1], (3,) + base.shape[1:]),  # zero stride
    ]
    for arr in views:
        record = omearrow.from_numpy(arr, chunk_shape=(1, 16, 16))
        np.testing.assert_array_equal(
            omearrow.TensorView(record, layout="TCZYX").to_numpy(), arr)


def test_from_numpy_keeps_the_array_alive_while_writing(tmp_path):
    import gc

    path = tmp_path / "alive.parquet"
    omearrow.write_parquet(sample_pixels((1, 1, 2, 300, 300), "float32", seed=28) * 2, path)
    gc.collect()
    np.testing.assert_array_equal(
        full_array(omearrow.open(path)),
        sample_pixels((1, 1, 2, 300, 300), "float32", seed=28) * 2)


def test_from_numpy_errors():
    with pytest.raises(TypeError, match="dtype"):
        omearrow.from_numpy(np.zeros((4, 4), dtype=bool), dim_order="YX")
    with pytest.raises(ValueError, match="dim_order"):
        omearrow.from_numpy(np.zeros((4, 4), dtype=np.uint16), dim_order="ZX")
    with pytest.raises(ValueError):
        omearrow.from_numpy(np.zeros((4, 4), dtype=np.uint16), dim_order="TCZYX")
    with pytest.raises(ValueError, match="list"):
        omearrow.from_numpy(np.zeros((4, 4), dtype=np.float32), dim_order="YX",
                            chunk_encoding="list")
    with pytest.raises(ValueError):
        omearrow.from_numpy(np.zeros((4, 4), dtype=np.uint16), dim_order="YX",
                            chunk_encoding="planes")


def test_write_parquet_from_views_and_records(tmp_path):
    pixels = sample_pixels((2, 2, 3, 20, 24), "uint16", seed=29)
    record = omearrow.from_numpy(pixels)
    # A record (anything TensorView accepts) is written whole.
    omearrow.write_parquet(record, tmp_path / "record.parquet", encoding="list")
    np.testing.assert_array_equal(_reference_read(tmp_path / "record.parquet", "uint16"),
                                  pixels)
    # A view writes its selection.
    view = omearrow.TensorView(record, t=1, c=[1], roi=(2, 3, 10, 8))
    omearrow.write_parquet(view, tmp_path / "view.parquet")
    np.testing.assert_array_equal(_reference_read(tmp_path / "view.parquet", "uint16"),
                                  pixels[1:2, 1:2, :, 3:11, 2:12])
    lazy = omearrow.open(tmp_path / "record.parquet").tensor_view(z=slice(1, 3), dtype="float32")
    omearrow.write_parquet(lazy, tmp_path / "lazy.parquet")
    np.testing.assert_array_equal(_reference_read(tmp_path / "lazy.parquet", "float32"),
                                  pixels[:, :, 1:3].astype(np.float32))
