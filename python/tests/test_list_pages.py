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
