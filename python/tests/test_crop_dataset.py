"""omearrow.data.CropDataset: one item per cell, batching, tables, epochs, sharding."""

from __future__ import annotations

import collections
import random

import numpy as np
import pyarrow as pa
import pytest

torch = pytest.importorskip("torch")

import omearrow  # noqa: E402
from omearrow.data import CropDataset  # noqa: E402
from records import make_record, sample_pixels  # noqa: E402
from test_crops import reference_crops  # noqa: E402


@pytest.fixture(scope="module")
def cells():
    """Two images and a table of 23 cells over them (some at the borders)."""
    rng = np.random.default_rng(0)
    pixels = [sample_pixels((1, 2, 1, 30, 40), np.uint16, seed=1),
              sample_pixels((1, 2, 1, 25, 20), np.uint16, seed=2)]
    records = [make_record(pixels[0]), make_record(pixels[1], encoding="bytes_zstd",
                                                   chunk_shape=(1, 8, 8))]
    image = rng.integers(0, 2, size=23)
    ys = np.where(image == 0, rng.uniform(-2, 32, 23), rng.uniform(-2, 27, 23))
    xs = np.where(image == 0, rng.uniform(-2, 42, 23), rng.uniform(-2, 22, 23))
    table = pa.table({"img": image, "cy": ys, "cx": xs})
    return pixels, records, table


def _expected(pixels, table, rows, size=(6, 5)):
    image = table["img"].to_numpy()
    centers = np.column_stack([table["cy"].to_numpy(), table["cx"].to_numpy()])
    return np.stack([reference_crops(pixels[image[r]], centers[r:r + 1], size)[0]
                     for r in rows])


def test_items_in_table_order(cells):
    pixels, records, table = cells
    ds = CropDataset(table, size=(6, 5), y="cy", x="cx", image="img", images=records)
    items = list(ds)
    assert len(items) == len(ds) == ds.num_cells == 23
    np.testing.assert_array_equal(np.stack([t.numpy() for t in items]),
                                  _expected(pixels, table, range(23)))


def test_batches_and_drop_last(cells):
    pixels, records, table = cells
    ds = CropDataset(table, size=(6, 5), y="cy", x="cx", image="img", images=records,
                     batch_size=5, with_index=True)
    batches = list(ds)
    assert [len(b) for b, _ in batches] == [5, 5, 5, 5, 3] and len(ds) == 5
    for batch, rows in batches:
        np.testing.assert_array_equal(batch.numpy(), _expected(pixels, table, rows.tolist()))
    ds = CropDataset(table, size=(6, 5), y="cy", x="cx", image="img", images=records,
                     batch_size=5, drop_last=True)
    assert len(list(ds)) == len(ds) == 4


def test_shuffle_order_is_python_random_per_epoch(cells):
    pixels, records, table = cells
    ds = CropDataset(table, size=(6, 5), y="cy", x="cx", image="img", images=records,
                     shuffle=True, seed=11, with_index=True)
    for epoch in (0, 3):
        ds.set_epoch(epoch)
        order = list(range(23))
        random.Random(11 + (epoch << 64)).shuffle(order)
        got = list(ds)
        assert [row for _, row in got] == order
        np.testing.assert_array_equal(np.stack([t.numpy() for t, _ in got]),
                                      _expected(pixels, table, order))


@pytest.mark.parametrize("batch_size", [None, 4])
def test_two_workers_times_two_ranks_cover_every_cell_once(cells, batch_size):
    _, records, table = cells
    seen = collections.Counter()
    for rank in range(2):
        ds = CropDataset(table, size=(6, 5), y="cy", x="cx", image="img", images=records,
                         shuffle=True, seed=3, rank=rank, world_size=2, with_index=True,
                         batch_size=batch_size)
        loader = torch.utils.data.DataLoader(ds, num_workers=2, batch_size=None)
        for _, rows in loader:
            seen.update(np.atleast_1d(np.asarray(rows)).tolist())
    assert seen == collections.Counter(range(23))


def test_single_source_with_centers_and_paths(cells, tmp_path):
    pixels, records, _ = cells
    centers = [(0, 0), (15.5, 20), (29, 39)]
    ds = CropDataset(records[0], centers, size=(6, 5), batch_size=3)
    (batch,) = list(ds)
    np.testing.assert_array_equal(batch.numpy(), reference_crops(pixels[0], centers, (6, 5)))
    path = tmp_path / "a.ome.parquet"
    omearrow.write_parquet(omearrow.from_numpy(pixels[0], dim_order="TCZYX"), path)
    table = {"image": [str(path)] * 3, "y": [0, 15.5, 29], "x": [0, 20, 39]}
    (batch,) = list(CropDataset(table, size=(6, 5), batch_size=8))
    np.testing.assert_array_equal(batch.numpy(), reference_crops(pixels[0], centers, (6, 5)))
    one = CropDataset({"y": [1.0], "x": [2.0]}, size=3, images=[records[1]])
    np.testing.assert_array_equal(next(iter(one)).numpy(),
                                  reference_crops(pixels[1], [(1, 2)], (3, 3))[0])


def test_errors_name_the_image_and_column(cells):
    _, records, table = cells
    with pytest.raises(KeyError, match="no column 'nope'"):
        CropDataset(table, size=4, y="nope", x="cx", image="img", images=records)
    with pytest.raises(KeyError, match="image 1 is not in images="):
        CropDataset(table, size=4, y="cy", x="cx", image="img", images=records[:1])
    with pytest.raises(TypeError, match="must hold paths"):
        CropDataset(table, size=4, y="cy", x="cx", image="img")
    with pytest.raises(ValueError, match=r"CropDataset image [01]: c index 5 out of range"):
        CropDataset(table, size=4, y="cy", x="cx", image="img", images=records, c=5)
    with pytest.raises(ValueError, match="batch_size"):
        CropDataset(records[0], [(1, 1)], size=4, batch_size=0)
    with pytest.raises(ValueError, match="not finite"):
        list(CropDataset(records[0], [(1, float("nan"))], size=4))
