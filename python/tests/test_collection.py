"""omearrow.open_collection over local files: the metadata table against what pyarrow
reads, filters (pyarrow expressions and masks), pixels of every image, tiles across
images, and bad sources (errors naming the file; on_error="skip" reports them)."""

from __future__ import annotations

import os
import pathlib
import pickle

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import omearrow
from collection_support import write_plate
from files_support import JUMP


@pytest.fixture(scope="module")
def plate(tmp_path_factory):
    # ≥ 200 files × 3 rows with plate/well/site columns.
    return write_plate(tmp_path_factory.mktemp("plate"), files=200, rows=3)


@pytest.fixture(scope="module")
def collection(plate):
    return omearrow.open_collection(plate.files[0].parent)


def test_metadata_equals_pyarrow(plate, collection):
    assert len(collection) == 600
    assert collection.errors == []
    table = collection.metadata
    assert table.num_rows == 600
    expected = pa.concat_tables(
        pq.read_table(path, columns=["Metadata_Plate", "Metadata_Well", "Metadata_Site"])
        for path in plate.files
    )
    for name in ("Metadata_Plate", "Metadata_Well", "Metadata_Site"):
        assert table.column(name).combine_chunks().equals(expected.column(name).combine_chunks())
        assert table.schema.field(name).type == expected.schema.field(name).type
    assert table.column("path").to_pylist() == [str(p) for p in plate.files for _ in range(3)]
    assert table.column("row").to_pylist() == [0, 1, 2] * 200
    assert set(table.column("column").to_pylist()) == {"ome_arrow"}
    assert table.column("id").to_pylist()[:4] == ["img-0-0", "img-0-1", "img-0-2", "img-1-0"]
    for axis, size in zip("tczyx", (1, 2, 1, 24, 20)):
        assert set(table.column(f"size_{axis}").to_pylist()) == {size}
    assert set(table.column("dtype").to_pylist()) == {"uint16"}
    assert set(table.column("encoding").to_pylist()) == {"byte-chunks", "list-chunks"}
    assert table.column("channel_names").to_pylist()[0] == ["C0", "C1"]
    assert collection.open_bytes_read > 0


def test_open_reads_metadata_not_pixels(tmp_path):
    plate = write_plate(tmp_path, files=4, rows=3, shape=(2, 256, 256))
    collection = omearrow.open_collection(tmp_path)
    total = sum(os.path.getsize(p) for p in plate.files)
    # Footers and metadata leaves only: a small part of files that are mostly pixels.
    assert 0 < collection.open_bytes_read < total / 10


def test_images_and_pixels(plate, collection):
    for i in (0, 1, 5, 299, 599, -1):
        image = collection[i]
        row = collection.metadata.slice(i % 600, 1).to_pylist()[0]
        assert image.path == row["path"]
        assert image.shape == (1, 2, 1, 24, 20)
        np.testing.assert_array_equal(
            image.tensor_view(t=0, z=0, layout="CYX").to_numpy(),
            plate.pixels[(row["path"], row["row"])],
        )
    with pytest.raises(IndexError):
        collection[600]
    with pytest.raises(TypeError):
        collection["a"]


def test_filter_by_expression_and_mask(plate, collection):
    selected = collection.filter(pc.field("Metadata_Well") == "B02")
    # Well B02 is row 1 of files 1, 9, 17, ... (every 8th file).
    assert len(selected) == 25
    assert selected.metadata.column("Metadata_Well").to_pylist() == ["B02"] * 25
    assert selected.metadata.column("row").to_pylist() == [1] * 25
    for image, path in zip(selected, selected.metadata.column("path").to_pylist()):
        np.testing.assert_array_equal(
            image.tensor_view(t=0, z=0, layout="CYX").to_numpy(), plate.pixels[(path, 1)]
        )
    combined = collection.filter(
        (pc.field("Metadata_Site") == 0) & pc.field("Metadata_Well").isin(["A01", "C01"])
    )
    assert len(combined) == 50
    mask = np.array(collection.metadata.column("Metadata_Site").to_pylist()) == 2
    assert len(collection.filter(mask)) == 200
    assert len(collection.filter(pa.array(mask))) == 200
    # Filters compose and take keeps the given order.
    twice = collection.filter(pc.field("Metadata_Site") == 2).filter(
        pc.field("Metadata_Well") == "H03"
    )
    assert len(twice) == 25
    taken = collection.take([5, 0, -1])
    assert taken.metadata.column("id").to_pylist() == [
        collection.metadata.column("id")[i].as_py() for i in (5, 0, 599)
    ]
    assert len(collection[10:20]) == 10
    with pytest.raises(ValueError, match="600"):
        collection.filter(np.ones(3, dtype=bool))
    with pytest.raises(TypeError):
        collection.filter("Metadata_Well == 'B02'")
    with pytest.raises(IndexError):
        collection.take([600])
    assert len(collection.filter(pc.field("Metadata_Well") == "Z99")) == 0


def test_tensor_views_and_tiles_cross_images(plate, collection):
    small = collection.take([0, 1, 2, 3])
    views = small.tensor_views(t=0, z=0, layout="CYX")
    assert [v.to_numpy().shape for v in views] == [(2, 24, 20)] * 4
    tiles = list(small.iter_tiles((16, 16), t=0, z=0, prefetch=3, with_index=True))
    # 2 × 2 tiles per image (edges clipped), 4 images.
    assert len(tiles) == 16
    for tile, (image, t, z, x, y, w, h) in tiles:
        row = small.metadata.slice(image, 1).to_pylist()[0]
        truth = plate.pixels[(row["path"], row["row"])]
        np.testing.assert_array_equal(tile, truth[:, y:y + h, x:x + w])
    shuffled = [task for _, task in small.iter_tiles((16, 16), shuffle=True, seed=3,
                                                     prefetch=2, with_index=True)]
    assert sorted(shuffled) == sorted(task for _, task in tiles)
    assert shuffled != [task for _, task in tiles]


def test_iter_dlpack_gives_dlpack_producers(plate, collection):
    torch = pytest.importorskip("torch")
    small = collection.take([4])
    tiles = [torch.from_dlpack(t) for t in small.iter_dlpack((24, 20), t=0, z=0, prefetch=1)]
    assert len(tiles) == 1
    row = small.metadata.to_pylist()[0]
    np.testing.assert_array_equal(tiles[0].numpy(), plate.pixels[(row["path"], row["row"])])


def test_tile_dataset_over_a_collection(plate, collection):
    torch = pytest.importorskip("torch")
    from omearrow.data import TileDataset

    small = collection.take(range(6))
    dataset = TileDataset(small, tile_size=(16, 16), t=0, z=0, shuffle=True, seed=1,
                          world_size=2, rank=0)
    other = TileDataset(small, tile_size=(16, 16), t=0, z=0, shuffle=True, seed=1,
                        world_size=2, rank=1)
    a = [tuple(t.shape) for t in dataset]
    b = [tuple(t.shape) for t in other]
    assert len(a) + len(b) == 6 * 4
    assert all(isinstance(t, torch.Tensor) for t in dataset)
    # Images pickle as their path/row/column (DataLoader workers).
    image = pickle.loads(pickle.dumps(small[1]))
    np.testing.assert_array_equal(
        image.tensor_view(t=0, z=0, layout="CYX").to_numpy(),
        small[1].tensor_view(t=0, z=0, layout="CYX").to_numpy(),
    )


def test_sources_glob_list_and_uri(plate, tmp_path):
    directory = plate.files[0].parent
    globbed = omearrow.open_collection(str(directory / "plate_000*.parquet"))
    assert len(globbed) == 30
    listed = omearrow.open_collection([plate.files[3], plate.files[0], plate.files[3]])
    assert listed.metadata.column("path").to_pylist() == [str(plate.files[3])] * 3 + [
        str(plate.files[0])
    ] * 3
    uri = omearrow.open_collection("file://" + str(plate.files[2]))
    assert len(uri) == 3
    image = omearrow.open("file://" + str(plate.files[2]), row=1)
    assert image.shape == (1, 2, 1, 24, 20)
    with pytest.raises(OSError, match="nothing-here"):
        omearrow.open_collection(str(tmp_path / "nothing-here"))
    with pytest.raises(OSError, match=r"\*\.none"):
        omearrow.open_collection(str(directory / "*.none"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(OSError, match="empty"):
        omearrow.open_collection(tmp_path / "empty")
    with pytest.raises(ValueError, match="on_error"):
        omearrow.open_collection(directory, on_error="ignore")
    with pytest.raises(TypeError):
        omearrow.open_collection(3)


def _tree_state(directory: pathlib.Path) -> dict[str, tuple[int, int]]:
    return {
        str(p): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_bad_sources(tmp_path):
    plate = write_plate(tmp_path / "bad", files=4, rows=2)
    directory = tmp_path / "bad"
    pq.write_table(pa.table({"x": [1, 2, 3]}), directory / "plain.parquet")
    data = plate.files[1].read_bytes()
    (directory / "truncated.parquet").write_bytes(data[: len(data) // 2])
    # Mixed schemas: an OME file without the Metadata_* columns.
    record = omearrow.from_numpy(np.zeros((4, 4), np.uint8), dim_order="YX")
    pq.write_table(pa.table({"ome_arrow": record}), directory / "z_other.parquet")
    # A non-Parquet file with a .parquet name.
    (directory / "text.parquet").write_text("not parquet")
    before = _tree_state(directory)

    with pytest.raises(ValueError, match="plain.parquet.*not an OME-Arrow Parquet file"):
        omearrow.open_collection(directory)
    skipped = omearrow.open_collection(directory, on_error="skip")
    assert len(skipped) == 8
    paths = [path for path, _ in skipped.errors]
    assert paths == [str(directory / n) for n in
                     ("plain.parquet", "text.parquet", "truncated.parquet", "z_other.parquet")]
    for path, message in skipped.errors:
        assert path in message
    assert "Metadata_Plate" in skipped.errors[3][1]
    # Every row of every good file is there.
    assert skipped.metadata.column("row").to_pylist() == [0, 1] * 4
    with pytest.raises(OSError, match="truncated.parquet"):
        omearrow.open_collection(directory / "truncated.parquet")
    with pytest.raises(ValueError, match="z_other.parquet"):
        omearrow.open_collection([plate.files[0], directory / "z_other.parquet"])
    with pytest.raises(ValueError, match="no column 'nope'"):
        omearrow.open_collection(plate.files[0], column="nope")
    # Every file failing under "skip": an empty collection that says why.
    empty = omearrow.open_collection(directory / "plain.parquet", on_error="skip")
    assert len(empty) == 0 and empty.metadata.num_rows == 0
    assert empty.metadata.column_names[:3] == ["path", "row", "column"]
    assert [path for path, _ in empty.errors] == [str(directory / "plain.parquet")]
    assert _tree_state(directory) == before  # nothing written


def test_jump_file_every_record_column():
    if not JUMP.exists():
        pytest.skip(f"{JUMP} is not present")
    schema = pq.read_schema(JUMP)
    record_columns = [
        f.name for f in schema
        if pa.types.is_struct(f.type) and f.type.get_field_index("pixels_meta") >= 0
    ]
    try:
        collection = omearrow.open_collection(JUMP)
    except ValueError as exc:
        # A null record must be an error naming the file, row and column.
        assert str(JUMP) in str(exc) and "row" in str(exc)
        pytest.skip(f"JUMP file holds null records: {exc}")
    rows = pq.read_metadata(JUMP).num_rows
    assert len(collection) == rows * len(record_columns)
    table = collection.metadata
    assert table.column("column").to_pylist() == record_columns * rows
    expected = pq.read_table(JUMP, columns=["Metadata_ImageNumber"]).column(0).to_pylist()
    assert table.column("Metadata_ImageNumber").to_pylist() == [
        v for v in expected for _ in record_columns
    ]
    one = collection.filter(pc.field("column") == "Image_FileName_OrigDNA_OMEArrow_ORIG")
    assert len(one) == rows
    direct = omearrow.open(JUMP, column="Image_FileName_OrigDNA_OMEArrow_ORIG", row=1)
    np.testing.assert_array_equal(
        one[1].tensor_view(t=0, z=0).to_numpy(), direct.tensor_view(t=0, z=0).to_numpy()
    )
