"""Dask arrays (OmeImage.to_dask, Collection.to_dask) computed on a dask.distributed
LocalCluster of 2 worker processes on 127.0.0.1: pixel-exact against single-process
omearrow reads, over local files and the loopback S3 server; errors in a worker name the
file; block tasks pickle small (no pixels); a worker opens each image once."""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pyarrow.compute as pc
import pytest

import cloudpickle
import dask
import dask.array as da
from dask.distributed import Client, LocalCluster

import omearrow
from omearrow import _plan
from collection_support import write_plate
from loopback import non_loopback_listeners
from s3_support import BUCKET, aws_env, footer_reads, s3, s3_uri  # noqa: F401  (fixtures)

SHAPE = (2, 3, 5, 70, 90)  # T, C, Z, Y, X


@pytest.fixture(scope="module")
def client(aws_env):  # noqa: F811  (workers inherit the isolated AWS variables)
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                      host="127.0.0.1", dashboard_address=None) as cluster:
        with Client(cluster) as c:
            yield c


@pytest.fixture(scope="module")
def image_file(tmp_path_factory):
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 65535, size=SHAPE, dtype=np.uint16)
    path = tmp_path_factory.mktemp("dask") / "image.parquet"
    omearrow.write_parquet(pixels, path, chunk_shape=(2, 32, 32))
    return path, pixels


@pytest.fixture(scope="module")
def plate(tmp_path_factory):
    return write_plate(tmp_path_factory.mktemp("dplate"), files=4, rows=3)


SELECTIONS = [
    dict(),
    dict(t=1, z=3),
    dict(t=[1, 0], z=slice(1, 5), c=[2, 0], roi=(5, 9, 60, 50)),
    dict(z=2, t=0, layout="YXC", dtype="float32"),
    dict(c=1, z=[4], t=[1], layout="HW"),
    dict(t=0, z=0, c=[0, 2], layout="YX", channel_policy="first"),
]


def test_cluster_listens_on_loopback_only(client, image_file):
    # After a computation, so the scheduler and both worker processes are up.
    image = omearrow.open(image_file[0])
    assert client.compute(image.to_dask(t=0).sum()).result() >= 0
    assert non_loopback_listeners() == []


@pytest.mark.parametrize("selection", SELECTIONS, ids=range(len(SELECTIONS)))
def test_image_equals_single_process_read(client, image_file, selection):
    path, _ = image_file
    image = omearrow.open(path)
    array = image.to_dask(**selection)
    expected = image.tensor_view(**selection).collect().to_numpy()
    assert array.shape == expected.shape and array.dtype == expected.dtype
    got = client.compute(array).result()
    np.testing.assert_array_equal(got, expected)
    # Given block sizes too.
    chunks = tuple(max(1, s // 2) for s in expected.shape)
    np.testing.assert_array_equal(client.compute(image.to_dask(chunks=chunks, **selection))
                                  .result(), expected)


def test_blocks_follow_storage_chunks(image_file):
    path, pixels = image_file
    image = omearrow.open(path)
    array = image.to_dask(layout="TCZYX")
    # chunk_grid (1, 1, 2, 32, 32): Z cut at 2, 4; Y at 32, 64; X at 32, 64.
    assert array.chunks == ((1, 1), (1, 1, 1), (2, 2, 1), (32, 32, 6), (32, 32, 26))
    # A ROI starting inside a chunk ends its first block at the next chunk boundary.
    part = image.to_dask(roi=(10, 40, 60, 30), t=0, z=[1, 2, 3])
    assert part.chunks == ((1,), (1, 2), (1, 1, 1), (24, 6), (22, 32, 6))  # TZCHW
    np.testing.assert_array_equal(part.compute(scheduler="sync"),
                                  pixels[0:1, :, 1:4, 40:70, 10:70].transpose(0, 2, 1, 3, 4))


def test_collection_stacked_equals_single_process(client, plate):
    collection = omearrow.open_collection(plate.files[0].parent)
    array = collection.to_dask(c=1, roi=(2, 3, 15, 18))
    assert array.shape == (len(collection), 1, 18, 15)
    assert array.chunks[0] == (1,) * len(collection)
    got = client.compute(array).result()
    for i, image in enumerate(collection):
        expected = plate.pixels[(image.path, image._row)][1:2, 3:21, 2:17]
        np.testing.assert_array_equal(got[i], expected)
    # A filtered collection stacks only its images.
    sub = collection.filter(pc.field("Metadata_Site") == 2)
    got = client.compute(sub.to_dask(dtype="float64")).result()
    assert got.shape == (len(plate.files), 2, 24, 20) and got.dtype == np.float64
    for i, image in enumerate(sub):
        np.testing.assert_array_equal(got[i], plate.pixels[(image.path, 2)])


def test_collection_mismatch_names_first_different_image(tmp_path):
    shapes = [(2, 16, 16), (2, 16, 16), (2, 16, 12), (1, 16, 16)]
    for k, shape in enumerate(shapes):
        omearrow.write_parquet(np.zeros(shape, np.uint16), tmp_path / f"m{k}.parquet",
                               dim_order="CYX")
    collection = omearrow.open_collection(str(tmp_path))
    with pytest.raises(ValueError, match=r"image 2 \(.*m2\.parquet, row 0\)"):
        collection.to_dask()
    assert collection.take([0, 1]).to_dask().shape == (2, 2, 16, 16)


def test_collection_over_s3_equals_local(client, s3, plate):  # noqa: F811
    s3_client, port, _ = s3
    for path in plate.files:
        s3_client.put_object(Bucket=BUCKET, Key=f"dask/{path.name}", Body=path.read_bytes())
    remote = omearrow.open_collection(s3_uri(f"{BUCKET}/dask/", port))
    assert len(remote) == 3 * len(plate.files)
    got = client.compute(remote.to_dask(t=0, z=0)).result()
    local = client.compute(omearrow.open_collection(plate.files[0].parent)
                           .to_dask(t=0, z=0)).result()
    np.testing.assert_array_equal(got, local)
    for i in range(len(remote)):
        path, row, _ = remote._core.entry(i)
        name = path.split("?")[0].rsplit("/", 1)[1]
        np.testing.assert_array_equal(got[i], plate.pixels[(str(plate.files[0].parent / name),
                                                            row)])


def test_worker_error_names_the_file(client, image_file, tmp_path):
    path, _ = image_file
    copy = tmp_path / "soon-truncated.parquet"
    shutil.copy(path, copy)
    array = omearrow.open(copy).to_dask(t=0)
    # The file changes after the graph is built: the worker's open fails mid-compute.
    data = copy.read_bytes()
    copy.write_bytes(data[: len(data) // 3])
    with pytest.raises(Exception, match="soon-truncated.parquet") as info:
        client.compute(array).result()
    assert "omearrow: reading" in str(info.value)


def test_tasks_pickle_small_without_pixels(image_file, plate):
    path, pixels = image_file
    array = omearrow.open(path).to_dask()
    graph = dict(array.__dask_graph__())
    assert len(graph) == array.npartitions > 1
    graph_bytes = len(cloudpickle.dumps(graph))
    assert graph_bytes < pixels.nbytes / 10  # ~200 bytes a task, ~7 kB a block
    for task in graph.values():
        assert len(pickle.dumps(task)) < 1000
    stacked = omearrow.open_collection(plate.files[0].parent).to_dask()
    for task in dict(stacked.__dask_graph__()).values():
        assert len(pickle.dumps(task)) < 1000

    def arrays_in(obj):
        if isinstance(obj, np.ndarray):
            yield obj
        elif isinstance(obj, (tuple, list)):
            for item in obj:
                yield from arrays_in(item)
        elif hasattr(obj, "args"):  # dask task-spec objects
            yield from arrays_in(tuple(getattr(obj, "args", ())))

    assert not any(True for task in graph.values() for _ in arrays_in(task))


def test_worker_opens_each_image_once(client, image_file, tmp_path):
    path, pixels = image_file
    copy = tmp_path / "opened-once.parquet"
    shutil.copy(path, copy)
    before = sum(client.run(_plan.opened_count).values())
    array = omearrow.open(copy).to_dask(layout="TCZYX")
    np.testing.assert_array_equal(client.compute(array).result(), pixels)
    after = sum(client.run(_plan.opened_count).values())
    assert array.npartitions == 2 * 3 * 3 * 3 * 3
    assert 1 <= after - before <= 2  # at most once per worker process


def test_workers_parse_a_files_footer_once_for_all_its_rows(client, s3, tmp_path):  # noqa: F811
    """Blocks of 8 rows of one S3 object, spread over 2 worker processes: each worker
    reads the object's footer once (the process-wide footer cache, keyed by URI, size
    and modification time), not once per row it opens."""
    s3_client, port, counter = s3
    rng = np.random.default_rng(11)
    rows = [rng.integers(0, 65535, size=(1, 2, 1, 128, 128), dtype=np.uint16)
            for _ in range(8)]
    local = tmp_path / "eight.parquet"
    omearrow.write_parquet(rows, local, chunk_shape=(1, 64, 64))
    size = local.stat().st_size
    s3_client.put_object(Bucket=BUCKET, Key="dask-footer/eight.parquet", Body=local.read_bytes())
    collection = omearrow.open_collection(s3_uri(f"{BUCKET}/dask-footer/", port))
    assert len(collection) == 8
    counter.reset()
    before = sum(client.run(_plan.opened_count).values())
    stacked = client.compute(collection.to_dask(chunks=(2, 128, 128))).result()
    opened = sum(client.run(_plan.opened_count).values()) - before
    np.testing.assert_array_equal(stacked, np.stack([r[0, :, 0] for r in rows]))
    reads = footer_reads(counter.snapshot(), f"{BUCKET}/dask-footer/eight.parquet", size)
    assert opened >= 8  # every row opened in some worker
    assert 1 <= reads <= 2, counter.snapshot()  # at most once per worker process


def test_threaded_scheduler_and_bad_arguments(image_file):
    path, pixels = image_file
    image = omearrow.open(path)
    with dask.config.set(scheduler="threads", num_workers=2):
        np.testing.assert_array_equal(image.to_dask(t=1, z=2).compute(), pixels[1, :, 2])
    with pytest.raises(TypeError, match="roi3d"):
        omearrow._dask.image_to_dask(image, dict(roi3d=(0, 0, 0, 1, 1, 1)), None, None,
                                     "storage")
    with pytest.raises(ValueError, match="t index 5 out of range"):
        image.to_dask(t=5)
    with pytest.raises(ValueError, match="chunks"):
        image.to_dask(t=0, z=0, chunks=(1, 2))
    assert isinstance(image.to_dask(t=0, z=0, chunks="auto"), da.Array)


def test_import_omearrow_imports_no_engine(image_file, plate):
    """The engines are optional: importing omearrow, opening an image and a collection
    and reading pixels imports neither dask nor ray (nor torch)."""
    path, _ = image_file
    code = textwrap.dedent(f"""
        import sys
        import omearrow
        image = omearrow.open({str(path)!r})
        image.tensor_view(t=0, z=0).collect().to_numpy()
        collection = omearrow.open_collection({str(plate.files[0].parent)!r})
        collection[0].tensor_view().collect().to_numpy()
        loaded = sorted(m for m in ("dask", "distributed", "ray", "torch")
                        if m in sys.modules)
        print("loaded:", loaded)
        assert not loaded, loaded
        image.to_dask(t=0, z=0)  # the engine loads when asked for
        assert "dask" in sys.modules and "ray" not in sys.modules
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "loaded: []" in result.stdout


def test_dataset_directory_and_tiff(client, tmp_path):
    rng = np.random.default_rng(11)
    images = [rng.integers(0, 4000, size=(1, 2, 3, 33, 40), dtype=np.uint16)
              for _ in range(2)]
    omearrow.write_dataset(images, tmp_path / "ds", chunk_shape=(1, 1, 2, 16, 16))
    collection = omearrow.open_collection(str(tmp_path / "ds"))
    assert len(collection) == 2
    got = client.compute(collection.to_dask(t=0)).result()
    for i in range(2):
        np.testing.assert_array_equal(got[i], images[i][0:1].transpose(0, 2, 1, 3, 4))  # TZCYX
    tifffile = pytest.importorskip("tifffile")
    tifffile.imwrite(tmp_path / "plain.tif", images[0][0, :, 0])  # 2 pages: C of Y x X
    image = omearrow.open(tmp_path / "plain.tif")
    np.testing.assert_array_equal(client.compute(image.to_dask()).result(),
                                  image.tensor_view().collect().to_numpy())
