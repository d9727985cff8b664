"""Planes/list-chunk Parquet rows read page by page (issue 12): pixel-exact against the
source array for files pyarrow writes with every page-shaping option."""
import itertools

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import omearrow
from ome_arrow.ingest import from_numpy

ARR = np.random.default_rng(1).integers(0, 4000, size=(2, 2, 3, 40, 33), dtype=np.uint16)
CASES = list(itertools.product(["1.0", "2.0"], [True, False], [True, False], [64, 1 << 20],
                               ["snappy", "zstd", "gzip", "none"], [1, 3]))


@pytest.mark.parametrize("version,dictionary,page_index,page_size,codec,row_group", CASES)
def test_every_row_reads_exactly(tmp_path, version, dictionary, page_index, page_size,
                                 codec, row_group):
    rec = from_numpy(ARR, dim_order="TCZYX")
    table = pa.table({"image": pa.array([rec.as_py()] * 3, type=rec.type)})
    path = str(tmp_path / "m.parquet")
    pq.write_table(table, path, data_page_version=version, use_dictionary=dictionary,
                   write_page_index=page_index, data_page_size=page_size,
                   compression=codec, row_group_size=row_group)
    for row in range(3):
        image = omearrow.open(path, column="image", row=row)
        assert np.array_equal(image.tensor_view(layout="TCZYX").to_numpy(), ARR)
        crop = image.tensor_view(t=1, c=1, z=2, roi=(3, 5, 20, 17)).to_numpy()
        assert np.array_equal(np.squeeze(crop), ARR[1, 1, 2, 5:22, 3:23])


@pytest.mark.parametrize("page_size", [64, 1 << 20])
def test_lists_longer_or_shorter_than_the_metadata_are_an_error(tmp_path, page_size):
    # Plane 1 one value short and plane 2 one value long: the leaf holds exactly the
    # values the metadata implies, so only the levels of the decoded pages can tell.
    arr = ARR[:1, :1]
    record = from_numpy(arr, dim_order="TCZYX").as_py()
    record["chunks"] = None
    planes = sorted(record["planes"], key=lambda p: p["z"])
    moved = planes[1]["pixels"].pop()
    planes[2]["pixels"].append(moved)
    rec_type = from_numpy(arr, dim_order="TCZYX").type
    path = str(tmp_path / "lying.parquet")
    pq.write_table(pa.table({"image": pa.array([record], type=rec_type)}), path,
                   data_page_size=page_size)
    image = omearrow.open(path, column="image")
    with pytest.raises(ValueError, match="length"):
        image.tensor_view(layout="TCZYX").to_numpy()
    # Once the row is known to be malformed it is read whole, which names the bad list.
    with pytest.raises(ValueError, match=r"planes\[1\]\.pixels length 1319"):
        image.tensor_view(t=0, c=0, z=0).to_numpy()


SINGLE_ROW_CASES = list(itertools.product(["1.0", "2.0"], [True, False],
                                          ["zstd", "gzip", "snappy", "none"]))


@pytest.mark.parametrize("version,dictionary,codec", SINGLE_ROW_CASES)
def test_single_row_file_planes_in_any_order(tmp_path, version, dictionary, codec):
    # Arrow's writer puts a whole row's pixels in one page: planes are decoded from it
    # incrementally (and its body decompressed only as far as needed, for zstd, gzip and
    # none); reading the last plane first, then earlier ones, must give the same pixels.
    rec = from_numpy(ARR, dim_order="TCZYX")
    path = str(tmp_path / "one.parquet")
    pq.write_table(pa.table({"image": pa.array([rec.as_py()], type=rec.type)}), path,
                   data_page_version=version, use_dictionary=dictionary, compression=codec)
    image = omearrow.open(path, column="image")
    order = [(1, 1, 2), (0, 0, 0), (1, 0, 1), (0, 1, 2), (0, 0, 1)]
    for t, c, z in order:
        got = image.tensor_view(t=t, c=c, z=z, layout="YX").to_numpy()
        assert np.array_equal(got, ARR[t, c, z]), (t, c, z)
    assert np.array_equal(image.tensor_view(layout="TCZYX").to_numpy(), ARR)


DEEP_CASES = list(itertools.product(["1.0", "2.0"], [True, False], ["zstd", "none"]))


@pytest.mark.parametrize("version,dictionary,codec", DEEP_CASES)
def test_deep_planes_first_then_the_skipped_ones(tmp_path, version, dictionary, codec):
    # Planes of 100x130 values (dictionary-index runs of at most 504 values, so every seek
    # lands inside a run) in one page: a deep plane is decoded without the values before
    # it, then the skipped planes, crops of them and the whole image, in a shuffled order.
    arr = np.random.default_rng(7).integers(0, 3000, size=(1, 2, 6, 100, 130),
                                            dtype=np.uint16)
    arr[0, 1, 3] = 5  # one constant plane: a single long RLE run among bit-packed ones
    rec = from_numpy(arr, dim_order="TCZYX")
    path = str(tmp_path / "deep.parquet")
    pq.write_table(pa.table({"image": pa.array([rec.as_py()], type=rec.type)}), path,
                   data_page_version=version, use_dictionary=dictionary, compression=codec)
    image = omearrow.open(path, column="image")
    order = [(1, 5), (1, 3), (0, 2), (1, 4), (0, 0), (1, 0), (0, 5), (0, 1)]
    for c, z in order:
        got = image.tensor_view(c=c, z=z, layout="YX").to_numpy()
        assert np.array_equal(got, arr[0, c, z]), (c, z)
    crop = image.tensor_view(c=1, z=2, roi=(37, 11, 90, 20), layout="YX").to_numpy()
    assert np.array_equal(crop, arr[0, 1, 2, 11:31, 37:127])
    assert np.array_equal(image.tensor_view(layout="TCZYX").to_numpy(), arr)


def _read_bytes():
    with open("/proc/self/io") as io:
        for line in io:
            if line.startswith("rchar:"):
                return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


def test_first_plane_of_a_large_page_reads_a_fraction_of_it(tmp_path):
    # One 16-plane page of ~1.7 MB (zstd): the first plane reads about its own share of
    # the compressed body (plus one 256 KiB read block), not the whole page.
    arr = np.random.default_rng(3).integers(0, 4000, size=(1, 1, 16, 256, 256),
                                            dtype=np.uint16)
    rec = from_numpy(arr, dim_order="TCZYX")
    path = str(tmp_path / "big.parquet")
    pq.write_table(pa.table({"image": pa.array([rec.as_py()], type=rec.type)}), path,
                   compression="zstd", use_dictionary=True)
    metadata = pq.ParquetFile(path).metadata.row_group(0)
    payload = max(metadata.column(i).total_compressed_size
                  for i in range(metadata.num_columns))
    image = omearrow.open(path, column="image")
    before = _read_bytes()
    first = image.tensor_view(z=0, layout="YX").to_numpy()
    first_bytes = _read_bytes() - before
    assert np.array_equal(first, arr[0, 0, 0])
    assert first_bytes < payload / 3, (first_bytes, payload)
    before = _read_bytes()
    last = image.tensor_view(z=15, layout="YX").to_numpy()
    rest_bytes = _read_bytes() - before
    assert np.array_equal(last, arr[0, 0, 15])
    # The rest of the page is read once, continuing where the first plane stopped.
    assert first_bytes + rest_bytes < payload * 1.05 + 4096, (first_bytes, rest_bytes, payload)


def test_corrupt_compressed_page_is_an_error_naming_the_file(tmp_path):
    # zstd frames carry no checksum (as parquet writes them), so damage inside a block may
    # decode to other values for every reader; a damaged frame header is always caught.
    rec = from_numpy(ARR, dim_order="TCZYX")
    path = tmp_path / "corrupt.parquet"
    pq.write_table(pa.table({"image": pa.array([rec.as_py()], type=rec.type)}), str(path),
                   compression="zstd", use_dictionary=False)
    metadata = pq.ParquetFile(str(path)).metadata.row_group(0)
    leaf = next(metadata.column(i) for i in range(metadata.num_columns)
                if metadata.column(i).path_in_schema.startswith("image.chunks")
                and metadata.column(i).path_in_schema.endswith("pixels.list.element"))
    data = bytearray(path.read_bytes())
    magic = data.index(b"\x28\xb5\x2f\xfd", leaf.data_page_offset)
    assert magic < leaf.data_page_offset + 64  # the page body's first bytes
    data[magic:magic + 4] = b"\x00\x00\x00\x00"
    path.write_bytes(bytes(data))
    with pytest.raises(OSError):
        pq.read_table(str(path))  # pyarrow refuses it too
    image = omearrow.open(str(path), column="image")
    for _ in range(2):  # the same error again, never other pixels
        with pytest.raises((ValueError, OSError), match=r"corrupt\.parquet: pixel page 0"):
            image.tensor_view(t=0, c=0, z=0).to_numpy()
