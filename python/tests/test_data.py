"""omearrow.data.TileDataset: tiles of many images, epochs, sharding, DataLoader."""

from __future__ import annotations

import collections
import random

import numpy as np
import pyarrow as pa
import pytest

torch = pytest.importorskip("torch")

import omearrow  # noqa: E402
from omearrow.data import TileDataset  # noqa: E402
from records import make_record, sample_pixels  # noqa: E402


@pytest.fixture(scope="module")
def images():
    """Three images of different shapes and encodings: (pixels, record)."""
    out = []
    for i, (shape, encoding) in enumerate(
        [((1, 2, 1, 10, 12), "planes"), ((2, 2, 3, 17, 9), "bytes_zstd"), ((1, 2, 2, 8, 8), "chunks")]
    ):
        pixels = sample_pixels(shape, np.uint16, seed=i)
        out.append((pixels, make_record(pixels, encoding=encoding, chunk_shape=(1, 5, 5))))
    return out


def _canonical_tasks(images, tile, roi=None):
    tasks = []
    for i, (pixels, _) in enumerate(images):
        st, _, sz, sy, sx = pixels.shape
        x0, y0, w0, h0 = roi if roi is not None else (0, 0, sx, sy)
        for t in range(st):
            for z in range(sz):
                for y in range(y0, y0 + h0, tile[0]):
                    for x in range(x0, x0 + w0, tile[1]):
                        tasks.append((i, t, z, x, y, min(tile[1], x0 + w0 - x), min(tile[0], y0 + h0 - y)))
    return tasks


def _check_value(images, tensor, task):
    i, t, z, x, y, w, h = task
    want = images[i][0][t, :, z, y : y + h, x : x + w]
    assert isinstance(tensor, torch.Tensor)
    np.testing.assert_array_equal(tensor.numpy(), want)


def test_tiles_in_canonical_order_match_numpy(images):
    ds = TileDataset([r for _, r in images], tile_size=(4, 5), with_index=True)
    items = list(ds)
    assert [task for _, task in items] == _canonical_tasks(images, (4, 5))
    assert ds.num_tiles == len(items) == len(ds)
    for tensor, task in items:
        _check_value(images, tensor, task)
    plain = list(TileDataset([r for _, r in images], tile_size=(4, 5)))
    assert all(torch.equal(a, b) for a, (b, _) in zip(plain, items))


def test_epochs_reshuffle_reproducibly(images):
    records = [r for _, r in images]
    ds = TileDataset(records, tile_size=(4, 4), shuffle=True, seed=11, with_index=True)
    canonical = _canonical_tasks(images, (4, 4))
    orders = []
    for epoch in range(3):
        ds.set_epoch(epoch)
        order = [task for _, task in ds]
        want = list(canonical)
        random.Random(11 + (epoch << 64)).shuffle(want)
        assert order == want
        orders.append(order)
    assert orders[0] != orders[1] != orders[2]
    ds.set_epoch(1)
    assert [task for _, task in ds] == orders[1]
    again = TileDataset(records, tile_size=(4, 4), shuffle=True, seed=11, with_index=True)
    again.set_epoch(2)
    assert [task for _, task in again] == orders[2]


@pytest.mark.parametrize("prefetch", [0, 2])
def test_two_workers_times_two_ranks_produce_every_tile_once(images, prefetch):
    records = [r for _, r in images]
    canonical = _canonical_tasks(images, (4, 4))
    for epoch in (0, 1):
        counts = collections.Counter()
        per_rank = []
        for rank in range(2):
            ds = TileDataset(records, tile_size=(4, 4), shuffle=True, seed=5, prefetch=prefetch,
                             rank=rank, world_size=2, with_index=True)
            ds.set_epoch(epoch)
            loader = torch.utils.data.DataLoader(ds, batch_size=None, num_workers=2)
            got = list(loader)
            per_rank.append(len(got))
            assert len(got) == len(ds)
            for tensor, task in got:
                task = tuple(int(v) for v in task)
                counts[task] += 1
                _check_value(images, tensor, task)
        assert sorted(counts) == sorted(canonical)
        assert set(counts.values()) == {1}
        assert sum(per_rank) == len(canonical)


def test_sources_of_every_kind(images):
    pixels, record = images[1]
    sources = [
        record,                                        # StructArray
        pa.chunked_array([record]),                    # ChunkedArray
        record[0],                                     # StructScalar
        record.to_pylist()[0],                         # dict
        omearrow.TensorView(record, t=1, z=[2], roi=(1, 2, 7, 9)),   # its own selection
        omearrow.LazyTensorView(loader=lambda: record, t=0, z=0),
    ]

    class Opened:
        def tensor_view(self, **kwargs):
            return omearrow.TensorView(record, **kwargs)

    sources.append(Opened())
    ds = TileDataset(sources, tile_size=(8, 8), z=1, with_index=True)
    items = list(ds)
    by_image = collections.defaultdict(list)
    for tensor, (i, t, z, x, y, w, h) in items:
        by_image[i].append((t, z))
        np.testing.assert_array_equal(tensor.numpy(), pixels[t, :, z, y : y + h, x : x + w])
    assert {i: len(v) for i, v in by_image.items()} == {0: 12, 1: 12, 2: 12, 3: 12, 4: 2, 5: 6, 6: 12}
    assert by_image[4] == [(1, 2)] * 2 and by_image[5] == [(0, 0)] * 6


def test_layout_dtype_and_channel_selection(images):
    pixels, record = images[1]
    ds = TileDataset([record], tile_size=(8, 9), layout="HWC", dtype=np.float32, c=[1, 0], t=0, z=2)
    tiles = list(ds)
    assert [tuple(t.shape) for t in tiles] == [(8, 9, 2), (8, 9, 2), (1, 9, 2)]
    assert tiles[0].dtype == torch.float32
    np.testing.assert_array_equal(tiles[2].numpy(), pixels[0, [1, 0], 2, 16:17, 0:9].transpose(1, 2, 0).astype(np.float32))


def test_errors_name_the_source(images):
    records = [r for _, r in images]
    with pytest.raises(ValueError, match=r"^TileDataset source 1: roi is out of bounds"):
        TileDataset(records, tile_size=(4, 4), roi=(0, 0, 10, 10))
    with pytest.raises(ValueError, match=r"^TileDataset source 2: layout 'HW' drops non-singleton dimension 'C'\."):
        TileDataset([records[0], records[0], omearrow.TensorView(records[2], layout="YX")], tile_size=(4, 4))
    with pytest.raises(TypeError, match=r"^TileDataset source 0: "):
        TileDataset([42], tile_size=(4, 4))
    with pytest.raises(FileNotFoundError,
                       match=r"^TileDataset source 1: No such file: image\.ome\.parquet"):
        TileDataset([records[0], "image.ome.parquet"], tile_size=(4, 4))


def test_argument_errors(images):
    records = [r for _, r in images]
    with pytest.raises(ValueError, match="tiles must be positive"):
        TileDataset(records, tile_size=(0, 4))
    with pytest.raises(ValueError, match=r"tile_size must be \(tile_h, tile_w\)"):
        TileDataset(records, tile_size=(4, 4, 4))
    with pytest.raises(ValueError, match="prefetch must be >= 0"):
        TileDataset(records, tile_size=(4, 4), prefetch=-1)
    with pytest.raises(ValueError, match=r"rank must be in \[0, world_size\)"):
        iter(TileDataset(records, tile_size=(4, 4), rank=2, world_size=2)).__next__()


def test_early_exit_joins_workers(images):
    from omearrow import _core

    ds = TileDataset([r for _, r in images], tile_size=(1, 1), prefetch=4)
    for i, _tile in enumerate(ds):
        if i == 3:
            break
    import gc
    import time

    gc.collect()
    deadline = time.monotonic() + 5
    while _core.live_prefetch_workers() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _core.live_prefetch_workers() == 0


@pytest.fixture(scope="module")
def image_files(tmp_path_factory, images):
    """The fixture's images written one per file (a collection of three)."""
    directory = tmp_path_factory.mktemp("tile_collection")
    for i, (pixels, _) in enumerate(images):
        omearrow.write_parquet(pixels, directory / f"img{i}.parquet", chunk_shape=(1, 5, 5))
    return directory


@pytest.mark.parametrize("kwargs", [
    {},
    {"t": -1, "z": [0], "roi": (1, 2, 7, 6)},
    {"c": 1, "edge": "drop"},
    {"edge": "pad", "fill": 7},
    {"layout": "HWC", "dtype": torch.float32},
])
def test_collection_dataset_opens_nothing_until_iterated_and_equals_opened_images(
        image_files, kwargs):
    """Given the collection itself, tiles come from the metadata (no image is opened when
    the dataset is made), each shard opens only the images its tiles are in, and tiles,
    order and shards equal those of the same images opened first."""
    collection = omearrow.open_collection(str(image_files))
    for shuffle in (False, True):
        lazy = TileDataset(collection, tile_size=(4, 4), shuffle=shuffle, seed=2,
                           with_index=True, **kwargs)
        eager = TileDataset(list(collection), tile_size=(4, 4), shuffle=shuffle, seed=2,
                            with_index=True, **kwargs)
        assert lazy.opened_images == []
        assert lazy.num_tiles == eager.num_tiles
        assert lazy.images == [(i, None) for i in range(3)]
        for epoch in (0, 1):
            lazy.set_epoch(epoch)
            eager.set_epoch(epoch)
            for shard in range(4):
                assert lazy._stream(shard, 4).tasks == eager._stream(shard, 4).tasks
        got, want = list(lazy), list(eager)
        assert [task for _, task in got] == [task for _, task in want]
        for (a, _), (b, _) in zip(got, want):
            assert a.dtype == b.dtype and torch.equal(a, b)
        assert lazy.opened_images == [0, 1, 2]

    # A shard opens only its images: one tile per image.
    whole = TileDataset(collection, tile_size=(64, 64), t=0, z=0, rank=1, world_size=3,
                        with_index=True)
    assert [task[0] for _, task in whole] == [1]
    assert whole.opened_images == [1]


def test_collection_dataset_errors_name_the_image(image_files):
    collection = omearrow.open_collection(str(image_files))
    with pytest.raises(ValueError, match=r"TileDataset image 0: t index 1 out of range"):
        TileDataset(collection, tile_size=(4, 4), t=1)  # image 0 has one t
    with pytest.raises(ValueError, match=r"TileDataset image 0: roi \(0, 0, 13, 5\)"):
        TileDataset(collection, tile_size=(4, 4), roi=(0, 0, 13, 5))
    with pytest.raises(ValueError, match="fill=0.5 is not an integer but image 0 yields "
                                         "uint16 tiles"):
        TileDataset(collection, tile_size=(4, 4), edge="pad", fill=0.5)
    # A tile layout that does not fit shows when the shard first reads the image.
    dataset = TileDataset(collection, tile_size=(4, 4), layout="HW")
    with pytest.raises(ValueError, match=r"TileDataset image 0: layout 'HW' drops"):
        next(iter(dataset))


def test_pad_with_several_t_and_z_pads_chw_tiles(images):
    """edge="pad" without a layout: tiles of an image with several t and z are CHW (the
    view's own default layout has five letters)."""
    pixels, record = images[1]  # T=2, Z=3, 17x9
    dataset = TileDataset(record, tile_size=(4, 4), edge="pad", fill=9, with_index=True)
    tiles = list(dataset)
    assert len(tiles) == 2 * 3 * 5 * 3
    for tile, (_, t, z, x, y, w, h) in tiles:
        assert tuple(tile.shape) == (2, 4, 4)
        assert np.array_equal(tile[:, :h, :w].numpy(), pixels[t, :, z, y:y + h, x:x + w])
        assert (tile[:, h:, :] == 9).all() and (tile[:, :, w:] == 9).all()
