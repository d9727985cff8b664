"""TileDataset sharding under a real torch.distributed process group: 2 processes
(gloo on 127.0.0.1, torch.multiprocessing.spawn), each with a DataLoader of 2 worker
processes, over image files and over a collection. Every tile comes out exactly once
per epoch across ranks × workers; each rank's tiles are its shard of the one shuffled
order of that epoch (the same permutation on every rank), and the order changes with
the epoch. The same over a collection given as such (tiles enumerated from its
metadata; each rank and worker opens only the images its shard reads) and over a
collection on the loopback S3 server (pixels equal to the local files')."""

from __future__ import annotations

import json
import os
import pathlib
import random
import socket
import zlib

import numpy as np
import pytest
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.utils.data import DataLoader

import omearrow
from omearrow.data import TileDataset
from s3_support import BUCKET, aws_env, s3, s3_uri  # noqa: F401  (fixtures)

WORLD = 2
WORKERS = 2
EPOCHS = 2
SEED = 1234
TILE = (8, 8)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rank_main(rank: int, port: int, kind: str, files: list[str], out_dir: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=WORLD,
                            init_method=f"tcp://127.0.0.1:{port}")
    try:
        if kind == "collection":  # a list of opened images
            sources = list(omearrow.open_collection(files))
        elif kind in ("lazy", "s3"):  # the collection itself (s3: files is its URI)
            sources = omearrow.open_collection(files)
        else:
            sources = files
        dataset = TileDataset(sources, tile_size=TILE, shuffle=True, seed=SEED,
                              with_index=True, c=0)
        # S3 clients do not survive fork: DataLoader workers over S3 are spawned.
        loader = DataLoader(dataset, batch_size=None, num_workers=WORKERS,
                            multiprocessing_context="spawn" if kind == "s3" else "fork")
        epochs = []
        for epoch in range(EPOCHS):
            dataset.set_epoch(epoch)
            tiles = []
            for tile, (image, t, z, x, y, w, h) in loader:
                tiles.append([int(image), int(t), int(z), int(x), int(y), int(w), int(h),
                              float(tile.double().sum()),
                              zlib.crc32(tile.contiguous().numpy().tobytes())])
            epochs.append(tiles)
        gathered = [None] * WORLD
        dist.all_gather_object(gathered, epochs)  # the group really carries data
        if rank == 0:
            with open(os.path.join(out_dir, f"{kind}.json"), "w") as f:
                json.dump({"epochs": gathered, "len": len(dataset),
                           "num_tiles": dataset.num_tiles}, f)
        dist.barrier()
    finally:
        dist.destroy_process_group()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("ddp")
    rng = np.random.default_rng(3)
    paths, pixels = [], []
    for k, (h, w) in enumerate([(20, 30), (16, 16), (13, 27)]):
        data = rng.integers(0, 65535, size=(2, 1, 2, h, w), dtype=np.uint16)
        path = root / f"img{k}.parquet"
        omearrow.write_parquet(data, path, chunk_shape=(1, 8, 8))
        paths.append(str(path))
        pixels.append(data)
    return paths, pixels


def _expected_tasks(pixels: list[np.ndarray]) -> list[tuple[int, ...]]:
    """TileDataset's canonical task list: per image, per (t, z), tiles row by row."""
    tasks = []
    th, tw = TILE
    for i, data in enumerate(pixels):
        size_t, _, size_z, size_y, size_x = data.shape
        for t in range(size_t):
            for z in range(size_z):
                for y in range(0, size_y, th):
                    for x in range(0, size_x, tw):
                        tasks.append((i, t, z, x, y, min(tw, size_x - x), min(th, size_y - y)))
    return tasks


@pytest.fixture(scope="module")
def s3_files(files, s3):  # noqa: F811
    """The files uploaded to the loopback S3 server; the collection's URI."""
    client, port, _ = s3
    paths, _ = files
    for path in paths:
        with open(path, "rb") as f:
            client.put_object(Bucket=BUCKET, Key=f"ddp/{os.path.basename(path)}",
                              Body=f.read())
    return s3_uri(f"{BUCKET}/ddp/", port)


def _check_epochs(result: dict, pixels: list[np.ndarray]) -> None:
    """Every tile exactly once per epoch across ranks and workers, in the order of each
    rank's shard, with the pixels of the local arrays."""
    tasks = _expected_tasks(pixels)
    assert result["num_tiles"] == len(tasks)
    orders = []
    for epoch in range(EPOCHS):
        order = list(range(len(tasks)))
        random.Random(SEED + (epoch << 64)).shuffle(order)
        orders.append(order)
        seen = []
        for rank in range(WORLD):
            got = result["epochs"][rank][epoch]
            # Rank r's share is positions r, r + WORLD, ... of the epoch's one order: its
            # DataLoader interleaves its workers' tiles round-robin (worker w takes
            # positions w * WORLD + r modulo WORKERS * WORLD), so the sequence is exact.
            expected = [tasks[i] for i in order[rank::WORLD]]
            assert [tuple(item[:7]) for item in got] == expected
            for item in got:
                i, t, z, x, y, w, h = item[:7]
                local = np.ascontiguousarray(pixels[i][t, 0, z, y:y + h, x:x + w])
                assert item[7] == float(local.astype(np.float64).sum())
                assert item[8] == zlib.crc32(local.tobytes())  # pixel for pixel
            seen += [tuple(item[:7]) for item in got]
        assert sorted(seen) == sorted(tasks)  # every tile exactly once per epoch
    assert orders[0] != orders[1]
    assert result["len"] == len(result["epochs"][0][0])


@pytest.mark.parametrize("kind", ["files", "collection", "lazy"])
def test_every_tile_once_per_epoch_across_ranks_and_workers(files, tmp_path, kind):
    paths, pixels = files
    source = str(pathlib.Path(paths[0]).parent) if kind == "lazy" else paths
    mp.spawn(_rank_main, args=(_free_port(), kind, source, str(tmp_path)), nprocs=WORLD,
             join=True)
    _check_epochs(json.loads((tmp_path / f"{kind}.json").read_text()), pixels)


def test_every_tile_once_per_epoch_over_s3(files, s3_files, tmp_path):
    """The collection read from the loopback S3 server by 2 ranks × 2 spawned workers."""
    _, pixels = files
    mp.spawn(_rank_main, args=(_free_port(), "s3", s3_files, str(tmp_path)), nprocs=WORLD,
             join=True)
    _check_epochs(json.loads((tmp_path / "s3.json").read_text()), pixels)


class _ReportingTileDataset(TileDataset):
    """After its tiles, each DataLoader worker yields ("opened", the images it opened,
    the images its tiles were in)."""

    def __iter__(self):
        images = set()
        for tile, task in super().__iter__():
            images.add(int(task[0]))
            yield tile, task
        yield "opened", self.opened_images, sorted(images)


def _opens_main(rank: int, port: int, directory: str, out_dir: str) -> None:
    dist.init_process_group("gloo", rank=rank, world_size=WORLD,
                            init_method=f"tcp://127.0.0.1:{port}")
    try:
        dataset = _ReportingTileDataset(omearrow.open_collection(directory), tile_size=TILE,
                                        shuffle=True, seed=SEED, with_index=True)
        loader = DataLoader(dataset, batch_size=None, num_workers=WORKERS,
                            multiprocessing_context="fork")
        reports = [item[1:] for item in loader if item[0] == "opened"]
        gathered = [None] * WORLD
        dist.all_gather_object(gathered, {"workers": reports,
                                          "rank_opened": dataset.opened_images})
        if rank == 0:
            with open(os.path.join(out_dir, "opens.json"), "w") as f:
                json.dump(gathered, f)
        dist.barrier()
    finally:
        dist.destroy_process_group()


def test_each_rank_and_worker_opens_only_its_shard(tmp_path):
    """8 images of one tile each: each of the 2 × 2 shards reads 2 of them and opens just
    those; the ranks' own copies (which only built the dataset) open none."""
    rng = np.random.default_rng(5)
    directory = tmp_path / "one_tile_images"
    directory.mkdir()
    for k in range(8):
        omearrow.write_parquet(rng.integers(0, 255, size=(1, 1, 1) + TILE, dtype=np.uint8),
                               directory / f"img{k}.parquet")
    mp.spawn(_opens_main, args=(_free_port(), str(directory), str(tmp_path)), nprocs=WORLD,
             join=True)
    gathered = json.loads((tmp_path / "opens.json").read_text())
    opened = []
    for rank in gathered:
        assert rank["rank_opened"] == []
        assert len(rank["workers"]) == WORKERS
        for worker_opened, worker_images in rank["workers"]:
            assert worker_opened == worker_images  # opened exactly its tiles' images
            assert len(worker_opened) == 8 // (WORLD * WORKERS)
            opened += worker_opened
    assert sorted(opened) == list(range(8))  # each image opened once, by one shard
