"""omearrow.open on Parquet files (every encoding omearrow writes, multi-row files, the
JUMP sample), dataset directories, OME-TIFF and TIFF: metadata and views compared with
NumPy slicing of the full array (TIFFs: with what tifffile reads)."""

from __future__ import annotations

import pathlib
import pickle
import warnings

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import omearrow
from files_support import (
    JUMP,
    JUMP_COLUMN,
    SHARED_TIFFS,
    TESTDATA,
    TESTDATA_TIFFS,
    assert_views_match,
    full_array,
    sample_pixels,
    shared_file,
    tifffile_tczyx,
    unmodified,
)

SHAPE = (2, 3, 5, 37, 45)  # T, C, Z, Y, X; chunks of (2, 16, 16) are clipped at the edges
CHUNK = (2, 16, 16)

# (encoding, chunk_compression) pairs write_parquet supports.
WRITE_MODES = [
    ("bytes", "zstd"),
    ("bytes", "lz4"),
    ("bytes", None),
    ("bytes", "auto"),
    ("list", None),
]


@pytest.fixture(scope="module")
def pixels() -> np.ndarray:
    return sample_pixels(SHAPE, "uint16", seed=1)


@pytest.mark.parametrize("encoding,compression", WRITE_MODES)
def test_open_parquet_written_by_omearrow(tmp_path, pixels, encoding, compression):
    path = tmp_path / "image.ome.parquet"
    omearrow.write_parquet(pixels, path, encoding=encoding, chunk_shape=CHUNK,
                           chunk_compression=compression)
    image = omearrow.open(path)
    assert image.format == "parquet"
    assert image.path == str(path)
    assert image.column == "ome_arrow"
    assert image.chunk_grid is not None
    assert (image.chunk_grid["chunk_z"], image.chunk_grid["chunk_y"],
            image.chunk_grid["chunk_x"]) == CHUNK
    assert image.encoding == ("byte-chunks" if encoding == "bytes" else "list-chunks")
    assert_views_match(image, pixels, tiles=True)


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "uint32", "int32", "uint64",
                                   "int64", "float32", "float64"])
def test_open_parquet_every_dtype(tmp_path, dtype):
    pixels = sample_pixels((1, 2, 3, 19, 23), dtype, seed=2)
    path = tmp_path / f"{dtype}.ome.parquet"
    omearrow.write_parquet(pixels, path, chunk_shape=(2, 8, 8))
    image = omearrow.open(path)
    assert image.dtype == np.dtype(dtype)
    assert_views_match(image, pixels, tiles=True)


def test_open_parquet_list_encoding_uint8(tmp_path):
    pixels = sample_pixels((1, 2, 2, 20, 17), "uint8", seed=3)
    path = tmp_path / "u8.ome.parquet"
    omearrow.write_parquet(pixels, path, encoding="list", chunk_shape=(1, 8, 8))
    image = omearrow.open(path)
    assert image.dtype == np.uint8
    assert_views_match(image, pixels)


def test_multi_row_file(tmp_path):
    images = [sample_pixels((1, 1 + i, 2, 10 + i, 12), "uint16", seed=10 + i)
              for i in range(3)]
    path = tmp_path / "rows.parquet"
    omearrow.write_parquet(images, path, chunk_shape=(1, 8, 8))
    assert pq.ParquetFile(path).metadata.num_rows == 3
    for row, expected in enumerate(images):
        image = omearrow.open(path, row=row)
        np.testing.assert_array_equal(full_array(image), expected)
    with pytest.raises(IndexError, match="rows.parquet"):
        omearrow.open(path, row=3)


@pytest.mark.parametrize("encoding", ["bytes", "list"])
def test_written_files_keep_statistics_of_metadata_leaves_only(tmp_path, encoding):
    # Pixel leaves carry no min/max statistics (a pass over every pixel for nothing); the
    # metadata leaves keep theirs, so readers can prune row groups by id, name or plane.
    images = [sample_pixels((1, 2, 1, 9, 7), "uint16", seed=20 + i) for i in range(2)]
    path = tmp_path / f"stats-{encoding}.parquet"
    omearrow.write_parquet(images, path, encoding=encoding, chunk_shape=(1, 8, 8))
    metadata = pq.ParquetFile(path).metadata
    assert metadata.num_row_groups == 2
    with_stats, pixel_leaves = set(), set()
    for group in range(metadata.num_row_groups):
        for index in range(metadata.num_columns):
            column = metadata.row_group(group).column(index)
            parts = column.path_in_schema.split(".")
            if "pixels" in parts or parts[-1] == "pixel_bytes":
                pixel_leaves.add(column.path_in_schema)
                assert column.statistics is None or not column.statistics.has_min_max
            elif column.statistics is not None and column.statistics.has_min_max:
                with_stats.add(column.path_in_schema)
    assert pixel_leaves
    assert "ome_arrow.id" in with_stats
    assert "ome_arrow.pixels_meta.size_x" in with_stats


def test_metadata_properties(tmp_path, pixels):
    path = tmp_path / "meta.ome.parquet"
    record = omearrow.from_numpy(
        pixels, image_id="img-7", name="cells", channel_names=["DNA", "AGP", "RNA"],
        physical_size_x=0.5, physical_size_y=0.25, physical_size_z=2.0,
        chunk_shape=CHUNK)
    omearrow.write_parquet(record, path)
    image = omearrow.open(path)
    assert image.id == "img-7"
    assert image.name == "cells"
    assert image.image_type == "image"
    assert image.shape == SHAPE
    assert image.dtype == np.uint16
    assert image.dimension_order == "XYZCT"
    assert [c["name"] for c in image.channels] == ["DNA", "AGP", "RNA"]
    assert image.physical_size["x"] == 0.5
    assert image.physical_size["y"] == 0.25
    assert image.physical_size["z"] == 2.0
    assert image.physical_size["x_unit"] == "µm"
    assert image.metadata["pixels_meta"]["size_c"] == 3
    assert "OmeImage" in repr(image)


def test_pathlike_and_bytes_paths(tmp_path, pixels):
    path = tmp_path / "p.ome.parquet"
    omearrow.write_parquet(pixels, str(path))
    for p in (path, str(path), bytes(path)):
        np.testing.assert_array_equal(full_array(omearrow.open(p)), pixels)
    with pytest.raises(TypeError, match="path must be str or os.PathLike"):
        omearrow.open(12)


def test_open_reads_metadata_only_and_views_are_lazy(tmp_path, pixels):
    path = tmp_path / "lazy.ome.parquet"
    omearrow.write_parquet(pixels, path, chunk_shape=CHUNK)
    image = omearrow.open(path)
    view = image.tensor_view(t=0, z=1, roi=(3, 4, 10, 9))
    assert isinstance(view, omearrow.LazyTensorView)
    assert view.device == "cpu"
    assert not view._plan.is_collected
    assert view.shape == (3, 9, 10)
    np.testing.assert_array_equal(view.to_numpy(), pixels[0, :, 1, 4:13, 3:13])
    assert isinstance(view.collect(), omearrow.TensorView)
    # select() keeps the image; the plan reads only when asked.
    other = view.select(z=4)
    np.testing.assert_array_equal(other.to_numpy(), pixels[0, :, 4, 4:13, 3:13])


def test_tensor_view_accepts_an_opened_image(tmp_path, pixels):
    path = tmp_path / "tv.ome.parquet"
    omearrow.write_parquet(pixels, path)
    image = omearrow.open(path)
    view = omearrow.TensorView(image, t=1, c=2, layout="ZYX")
    np.testing.assert_array_equal(view.to_numpy(), pixels[1, 2])
    batches = list(image.tensor_view(t=slice(None), z=0, c=0, layout="TYX").iter_dlpack(
        batch_size=1, mode="numpy"))
    assert len(batches) == SHAPE[0]
    np.testing.assert_array_equal(np.from_dlpack(batches[1])[0], pixels[1, 0, 0])


def test_scene_argument(tmp_path, pixels):
    path = tmp_path / "scene.ome.parquet"
    omearrow.write_parquet(pixels, path)
    image = omearrow.open(path)
    assert image.tensor_view(scene=0, t=0, z=0).shape == (3, 37, 45)
    with pytest.raises(ValueError, match="Only scene=0 is supported"):
        image.tensor_view(scene=1)


def test_opened_image_pickles(tmp_path, pixels):
    path = tmp_path / "pickle.ome.parquet"
    omearrow.write_parquet(pixels, path)
    image = pickle.loads(pickle.dumps(omearrow.open(path)))
    assert image.path == str(path)
    np.testing.assert_array_equal(full_array(image), pixels)


def test_views_of_one_image_from_threads(tmp_path, pixels):
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "threads.ome.parquet"
    omearrow.write_parquet(pixels, path, chunk_shape=(1, 8, 8))
    image = omearrow.open(path)

    def plane(i):
        t, z = divmod(i, SHAPE[2])
        return image.tensor_view(t=t, z=z).to_numpy()

    with ThreadPoolExecutor(4) as pool:
        planes = list(pool.map(plane, range(SHAPE[0] * SHAPE[2])))
    for i, got in enumerate(planes):
        t, z = divmod(i, SHAPE[2])
        np.testing.assert_array_equal(got, pixels[t, :, z])


# --- the JUMP sample: loosely typed records in several columns ----------------------


def _jump_expected(column: str, row: int) -> np.ndarray:
    table = pq.read_table(JUMP, columns=[column])
    record = table[column].chunk(0).slice(row, 1)
    return omearrow.TensorView(record, layout="TCZYX").to_numpy()


@pytest.mark.parametrize("row", [0, 1, 2])
def test_jump_file_by_column(row):
    with unmodified(JUMP):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            image = omearrow.open(JUMP, column=JUMP_COLUMN, row=row)
        assert image.column == JUMP_COLUMN
        assert image.dtype == np.uint16
        expected = _jump_expected(JUMP_COLUMN, row)
        assert image.shape == expected.shape
        assert_views_match(image, expected)


def test_jump_file_matches_the_reference_reader():
    from ome_arrow.export import to_numpy
    from ome_arrow.ingest import from_ome_parquet

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scalar = from_ome_parquet(JUMP, column_name=JUMP_COLUMN, row_index=1)
    expected = to_numpy(scalar, dtype=np.uint16)
    image = omearrow.open(JUMP, column=JUMP_COLUMN, row=1)
    np.testing.assert_array_equal(full_array(image), expected)


def test_jump_file_column_autodetection_warns_as_the_reference():
    from ome_arrow.ingest import from_ome_parquet

    with pytest.warns(UserWarning) as ours:
        image = omearrow.open(JUMP)
    with pytest.warns(UserWarning) as theirs:
        from_ome_parquet(JUMP)
    ours_text = [str(w.message) for w in ours if "Requested column" in str(w.message)]
    theirs_text = [str(w.message) for w in theirs if "Requested column" in str(w.message)]
    assert ours_text == theirs_text
    assert ours_text == [
        "Requested column 'ome_arrow' was not usable or not found. "
        f"Auto-detected OME-Arrow column '{image.column}'."
    ]
    # The warning points at the caller.
    assert ours[0].filename == __file__
    np.testing.assert_array_equal(full_array(image), _jump_expected(image.column, 0))


def test_jump_every_struct_column():
    schema = pq.ParquetFile(JUMP).schema_arrow
    columns = [f.name for f in schema if pa.types.is_struct(f.type)]
    assert JUMP_COLUMN in columns
    for column in columns:
        for row in range(3):
            image = omearrow.open(JUMP, column=column, row=row)
            if column.endswith("_COMP"):
                # RGB composites stored as size_c=1 planes of 3*Y*X values: the reference
                # refuses them too (to_numpy(strict=True) checks plane lengths).
                with pytest.raises(ValueError, match="BR00117006.*pixels length"):
                    full_array(image)
                continue
            np.testing.assert_array_equal(full_array(image), _jump_expected(column, row))


def test_jump_all_null_column_is_refused():
    with pytest.raises(ValueError, match="BR00117006"):
        omearrow.open(JUMP, column="Image_FileName_OrigAGP_OMEArrow_LABL")


# --- dataset directories -------------------------------------------------------------


def _formula(shape, dtype):
    t, c, z, y, x = np.indices(shape)
    _, sc, sz, _, sx = shape
    return (((t * sc + c) * sz + z) * 1000 + y * sx + x).astype(dtype)


def test_open_reference_written_dataset():
    path = TESTDATA / "reference-dataset"
    with unmodified(path):
        image = omearrow.open(path)
        assert image.format == "dataset"
        assert image.column is None
        assert_views_match(image, _formula((1, 2, 3, 20, 24), np.uint16))


def test_open_reference_written_grouped_dataset():
    path = TESTDATA / "reference-dataset-grouped"
    from ome_arrow import OMEArrowDataset

    dataset = OMEArrowDataset(path)
    ids = dataset.image_ids
    first = omearrow.open(path)
    second = omearrow.open(path, row=1)
    by_id = omearrow.open(path, image_id=ids[1])
    np.testing.assert_array_equal(full_array(first), _formula((2, 3, 2, 10, 9), np.uint16))
    np.testing.assert_array_equal(full_array(second), _formula((1, 1, 3, 7, 5), np.float32))
    np.testing.assert_array_equal(full_array(by_id), dataset.read_image(ids[1]))
    assert second.dtype == np.float32


@pytest.mark.parametrize("dtype", ["uint16", "int8", "float64"])
def test_open_dataset_written_by_omearrow(tmp_path, dtype):
    pixels = sample_pixels((2, 2, 3, 21, 18), dtype, seed=4)
    path = tmp_path / "ds"
    omearrow.write_dataset(pixels, path, chunk_shape=(1, 1, 2, 8, 8))
    image = omearrow.open(path)
    assert image.format == "dataset"
    assert_views_match(image, pixels)


def test_write_dataset_lists_get_the_reference_default_ids(tmp_path):
    """Arrays get image-NNNNN by list position (as the reference names them); records
    and opened images keep their own ids; every image reads back exactly."""
    from ome_arrow import OMEArrowDataset, write_ome_arrow_dataset

    a = sample_pixels((1, 1, 2, 9, 7), "uint16", seed=50)
    b = sample_pixels((1, 2, 1, 5, 6), "float32", seed=51)
    c = sample_pixels((2, 1, 1, 4, 4), "uint16", seed=52)
    record = omearrow.from_numpy(c, image_id="rec")[0]  # a pa.StructScalar
    omearrow.write_parquet(omearrow.from_numpy(a, image_id="opened"), tmp_path / "a.parquet")
    opened = omearrow.open(tmp_path / "a.parquet")

    # Arrays only: the same ids as the reference writes.
    ours, theirs = tmp_path / "arrays", tmp_path / "arrays_ref"
    omearrow.write_dataset([a, b], ours)
    write_ome_arrow_dataset([a, b], theirs)
    assert OMEArrowDataset(ours).image_ids == ["image-00000", "image-00001"]
    assert OMEArrowDataset(ours).image_ids == OMEArrowDataset(theirs).image_ids
    omearrow.write_dataset(a, tmp_path / "single")
    assert OMEArrowDataset(tmp_path / "single").image_ids == ["image-00000"]

    # Arrays, records and images mixed (the reference takes arrays and records).
    omearrow.write_dataset([a, record, b], ours, overwrite=True)
    write_ome_arrow_dataset([a, record, b], theirs)
    assert OMEArrowDataset(ours).image_ids == ["image-00000", "rec", "image-00002"]
    assert OMEArrowDataset(ours).image_ids == OMEArrowDataset(theirs).image_ids
    mixed = tmp_path / "mixed"
    omearrow.write_dataset([opened, b, record, a], mixed, image_id=[None, None, None, "x"])
    dataset = OMEArrowDataset(mixed)
    assert dataset.image_ids == ["opened", "image-00001", "rec", "x"]
    for image_id, pixels in zip(dataset.image_ids, [a, b, c, a]):
        np.testing.assert_array_equal(dataset.read_image(image_id), pixels)
        np.testing.assert_array_equal(
            full_array(omearrow.open(mixed, image_id=image_id)), pixels
        )
    # Defaults can still collide with given ids, as in the reference.
    with pytest.raises(ValueError, match="Duplicate image_id.*'image-00001'"):
        omearrow.write_dataset([a, b], tmp_path / "dup", image_id=["image-00001", None])


def test_open_dataset_from_an_opened_file(tmp_path, pixels):
    src = tmp_path / "src.ome.parquet"
    omearrow.write_parquet(pixels, src, chunk_shape=CHUNK)
    out = tmp_path / "converted"
    omearrow.write_dataset(omearrow.open(src), out)
    np.testing.assert_array_equal(full_array(omearrow.open(out)), pixels)


# --- TIFF and OME-TIFF ---------------------------------------------------------------


def _check_tiff(path: pathlib.Path) -> None:
    with unmodified(path):
        expected = tifffile_tczyx(path)
        image = omearrow.open(path)
        assert image.format == "tiff"
        assert image.dtype == expected.dtype
        assert image.shape == expected.shape
        assert image.encoding == "tiff"
        assert_views_match(image, expected)


@pytest.mark.parametrize("name", TESTDATA_TIFFS)
def test_open_tiff_testdata(name):
    _check_tiff(TESTDATA / name)


@pytest.mark.parametrize("name", SHARED_TIFFS)
def test_open_tiff_shared(name):
    _check_tiff(shared_file(name))


def test_ome_tiff_metadata():
    image = omearrow.open(TESTDATA / "multi-channel.ome.tiff")
    assert image.shape[1] == 3
    assert len(image.channels) == 3
    assert image.dimension_order is not None
    assert image.id == "multi-channel.ome"


def test_tiff_written_by_tifffile(tmp_path):
    import tifffile

    pixels = sample_pixels((2, 3, 4, 33, 29), "uint16", seed=5)
    path = tmp_path / "written.ome.tif"
    tifffile.imwrite(path, pixels, metadata={"axes": "TCZYX"}, ome=True, tile=(16, 16),
                     compression="zlib")
    image = omearrow.open(path)
    assert_views_match(image, pixels)


def test_tiff_to_parquet_roundtrip(tmp_path):
    src = TESTDATA / "z-series.ome.tiff"
    out = tmp_path / "z.ome.parquet"
    omearrow.write_parquet(omearrow.open(src), out, chunk_shape=(1, 64, 64))
    np.testing.assert_array_equal(full_array(omearrow.open(out)), tifffile_tczyx(src))


# --- TileDataset over paths ----------------------------------------------------------


def test_tile_dataset_accepts_paths(tmp_path, pixels):
    torch = pytest.importorskip("torch")
    from omearrow.data import TileDataset

    path = tmp_path / "tiles.ome.parquet"
    omearrow.write_parquet(pixels, path, chunk_shape=CHUNK)
    tiff = TESTDATA / "single-channel.ome.tiff"
    dataset = TileDataset([path, str(tiff)], tile_size=(16, 16), t=0, z=0, c=0,
                          layout="CHW", with_index=True)
    tiles = list(dataset)
    assert len(tiles) == dataset.num_tiles
    tiff_pixels = tifffile_tczyx(tiff)
    for tile, (index, t, z, x, y, w, h) in tiles:
        source = pixels if index == 0 else tiff_pixels
        expected = source[t, 0:1, z, y:y + h, x:x + w]
        np.testing.assert_array_equal(tile.numpy(), expected)
        assert isinstance(tile, torch.Tensor)
    # Pickling (DataLoader workers with spawn) reopens the paths.
    again = pickle.loads(pickle.dumps(dataset))
    assert again.num_tiles == dataset.num_tiles
