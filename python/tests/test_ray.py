"""omearrow.ray.read_ome_arrow on a local Ray (ray.init(num_cpus=2)): rows pixel-exact
against single-process omearrow reads (whole selections and tiles), local files and the
loopback S3 server; the metadata filter; read tasks per image group, honoring
parallelism, sized from metadata, carrying no pixels; errors name the file;
iter_torch_batches."""

from __future__ import annotations

import os
import pickle
import shutil

import numpy as np
import pyarrow.compute as pc
import pytest

# Before Ray is imported (it reads this once): on Linux, Ray otherwise runs as a cluster
# node, starting every server (GCS, raylet, workers, runtime-env agent) on the machine's
# network address or all interfaces, whatever `_node_ip_address` says; as a single local
# node it puts them all on 127.0.0.1 (checked by test_ray_listens_on_loopback_only).
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"

import ray  # noqa: E402

import omearrow  # noqa: E402
from omearrow.ray import OmeArrowDatasource, read_ome_arrow  # noqa: E402
from collection_support import write_plate  # noqa: E402
from loopback import non_loopback_listeners  # noqa: E402
from s3_support import BUCKET, aws_env, s3, s3_uri  # noqa: F401,E402  (fixtures)


@pytest.fixture(scope="module")
def cluster(aws_env):  # noqa: F811  (workers inherit the isolated AWS variables)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             _node_ip_address="127.0.0.1")
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def plate(tmp_path_factory):
    return write_plate(tmp_path_factory.mktemp("rplate"), files=4, rows=3)


@pytest.fixture(scope="module")
def collection(plate):
    return omearrow.open_collection(plate.files[0].parent)


def test_ray_listens_on_loopback_only(cluster, collection):
    # After a read, so every kind of Ray process (workers included) has started.
    assert len(read_ome_arrow(collection).take_all()) == len(collection)
    assert non_loopback_listeners() == []


def test_rows_equal_single_process_reads(cluster, collection):
    rows = read_ome_arrow(collection, parallelism=3).take_all()
    assert len(rows) == len(collection)
    metadata = collection.metadata.to_pylist()
    seen = set()
    for r in rows:
        i = next(k for k, m in enumerate(metadata)
                 if m["path"] == r["path"] and m["row"] == r["row"])
        seen.add(i)
        for name, value in metadata[i].items():
            assert r[name] == value or (isinstance(value, list) and list(r[name]) == value)
        expected = collection[i].tensor_view().collect().to_numpy()
        np.testing.assert_array_equal(r["tensor"], expected)
    assert seen == set(range(len(collection)))


def test_selection_layout_dtype_filter(cluster, collection, plate):
    ds = read_ome_arrow(plate.files[0].parent, filter=pc.field("Metadata_Site") == 1,
                        c=[1, 0], roi=(3, 2, 12, 9), layout="HWC", dtype="float32")
    rows = ds.take_all()
    assert len(rows) == len(plate.files)
    for r in rows:
        assert r["row"] == 1 and r["tensor"].dtype == np.float32
        expected = plate.pixels[(r["path"], 1)][[1, 0], 2:11, 3:15].transpose(1, 2, 0)
        np.testing.assert_array_equal(r["tensor"], expected.astype(np.float32))


def test_tiles_cover_the_selection_once(cluster, collection, plate):
    ds = read_ome_arrow(collection, tile_size=(16, 16), c=0, layout="HW",
                        columns=["path", "row"])
    rows = ds.take_all()
    # 24 x 20 images: 2 x 2 tiles each, edge tiles clipped.
    assert len(rows) == 4 * len(collection)
    seen = set()
    for r in rows:
        y, x = r["tile_y"], r["tile_x"]
        assert (r["tile_t"], r["tile_z"]) == (0, 0)
        seen.add((r["path"], r["row"], y, x))
        np.testing.assert_array_equal(
            r["tensor"], plate.pixels[(r["path"], r["row"])][0, y:y + 16, x:x + 16])
    assert len(seen) == len(rows)


def test_read_tasks_group_images_and_estimate_size(collection):
    source = OmeArrowDatasource(collection, selection=dict(c=1))
    assert source.estimate_inmemory_data_size() == len(collection) * 24 * 20 * 2
    tasks = source.get_read_tasks(5)
    assert len(tasks) == 5
    assert sum(t.metadata.num_rows for t in tasks) == len(collection)
    assert sum(t.metadata.size_bytes for t in tasks) == len(collection) * 24 * 20 * 2
    # Consecutive images: each task's files are a run of the sorted file list (a file's
    # row groups split over two neighbouring tasks at most).
    files = [f for t in tasks for f in t.metadata.input_files]
    merged = [f for k, f in enumerate(files) if k == 0 or files[k - 1] != f]
    assert merged == [str(p) for p in sorted(set(map(str, collection.metadata.column("path")
                                                      .to_pylist())))]
    assert len(source.get_read_tasks(100)) == len(collection)  # at most one per image
    # Tasks carry sources and metadata, never pixels: smaller than one image's pixels.
    for task in tasks:
        assert len(pickle.dumps(task)) < 30_000
        assert len(pickle.dumps(task.read_fn.args[:2])) < 24 * 20 * 2 * 2
    tiled = OmeArrowDatasource(collection, tile_size=(10, 10))
    assert sum(t.metadata.num_rows for t in tiled.get_read_tasks(2)) == 6 * len(collection)  # 3 x 2 tiles


def test_over_s3_equals_local(cluster, s3, plate):  # noqa: F811
    s3_client, port, _ = s3
    for path in plate.files:
        s3_client.put_object(Bucket=BUCKET, Key=f"ray/{path.name}", Body=path.read_bytes())
    rows = read_ome_arrow(s3_uri(f"{BUCKET}/ray/", port), t=0, z=0,
                          columns=["path", "row"]).take_all()
    assert len(rows) == 3 * len(plate.files)
    for r in rows:
        name = r["path"].split("?")[0].rsplit("/", 1)[1]
        np.testing.assert_array_equal(
            r["tensor"], plate.pixels[(str(plate.files[0].parent / name), r["row"])])


def test_iter_torch_batches(cluster, collection, plate):
    import torch

    ds = read_ome_arrow(collection, c=1, columns=["row"], parallelism=2)
    total = 0
    for batch in ds.iter_torch_batches(batch_size=5):
        assert isinstance(batch["tensor"], torch.Tensor)
        assert batch["tensor"].shape[1:] == (1, 24, 20)
        total += batch["tensor"].shape[0]
    assert total == len(collection)


def test_read_error_names_the_file(cluster, plate, tmp_path):
    for path in plate.files[:2]:
        shutil.copy(path, tmp_path / path.name)
    ds = read_ome_arrow(str(tmp_path))
    bad = tmp_path / plate.files[1].name
    data = bad.read_bytes()
    bad.write_bytes(data[: len(data) // 2])  # changes after the dataset was planned
    with pytest.raises(Exception, match=plate.files[1].name):
        ds.take_all()


def test_bad_arguments(collection):
    with pytest.raises(TypeError, match="roi3d"):
        read_ome_arrow(collection, roi3d=(0, 0, 0, 1, 1, 1))
    with pytest.raises(ValueError, match="t index 3 out of range"):
        read_ome_arrow(collection, t=3)
    with pytest.raises(ValueError, match="layout"):
        read_ome_arrow(collection, tile_size=(8, 8), layout="TCHW")
    with pytest.raises(ValueError, match="not metadata columns"):
        read_ome_arrow(collection, columns=["nope"])


def test_tiles_without_channels_and_images_of_other_sizes(cluster, tmp_path):
    rng = np.random.default_rng(5)
    small = rng.integers(0, 255, size=(3, 10, 12), dtype=np.uint8)
    large = rng.integers(0, 255, size=(3, 17, 9), dtype=np.uint8)
    omearrow.write_parquet(small, tmp_path / "a.parquet", dim_order="CYX")
    omearrow.write_parquet(large, tmp_path / "b.parquet", dim_order="CYX")
    rows = read_ome_arrow(str(tmp_path), tile_size=(8, 8), layout="YX", c=[2, 0],
                          channel_policy="first", columns=["path"]).take_all()
    assert len(rows) == 2 * 2 + 3 * 2
    for r in rows:
        pixels = small if r["path"].endswith("a.parquet") else large
        y, x = r["tile_y"], r["tile_x"]
        np.testing.assert_array_equal(r["tensor"], pixels[2, y:y + 8, x:x + 8])
    # Whole images of different sizes: a variable-shaped tensor column.
    whole = read_ome_arrow(str(tmp_path), columns=["path"]).take_all()
    assert sorted(r["tensor"].shape for r in whole) == [(3, 10, 12), (3, 17, 9)]
    with pytest.raises(ValueError, match=r"b\.parquet.*roi"):
        read_ome_arrow(str(tmp_path), roi=(0, 0, 12, 10))  # fits a, not b
