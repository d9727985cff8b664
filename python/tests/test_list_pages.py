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
                               ["snappy", "zstd", "none"], [1, 3]))


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
