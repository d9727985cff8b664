"""TileDataset sharding under a real torch.distributed process group: 2 processes
(gloo on 127.0.0.1, torch.multiprocessing.spawn), each with a DataLoader of 2 worker
processes, over image files and over a collection. Every tile comes out exactly once
per epoch across ranks × workers; each rank's tiles are its shard of the one shuffled
order of that epoch (the same permutation on every rank), and the order changes with
the epoch."""

from __future__ import annotations

import json
import os
import random
import socket

import numpy as np
import pytest
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.utils.data import DataLoader

import omearrow
from omearrow.data import TileDataset

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
        if kind == "collection":
            sources = list(omearrow.open_collection(files))
        else:
            sources = files
        dataset = TileDataset(sources, tile_size=TILE, shuffle=True, seed=SEED,
                              with_index=True, c=0)
        loader = DataLoader(dataset, batch_size=None, num_workers=WORKERS,
                            multiprocessing_context="fork")
        epochs = []
        for epoch in range(EPOCHS):
            dataset.set_epoch(epoch)
            tiles = []
            for tile, (image, t, z, x, y, w, h) in loader:
                tiles.append([int(image), int(t), int(z), int(x), int(y), int(w), int(h),
                              float(tile.double().sum())])
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


@pytest.mark.parametrize("kind", ["files", "collection"])
def test_every_tile_once_per_epoch_across_ranks_and_workers(files, tmp_path, kind):
    paths, pixels = files
    mp.spawn(_rank_main, args=(_free_port(), kind, paths, str(tmp_path)), nprocs=WORLD,
             join=True)
    result = json.loads((tmp_path / f"{kind}.json").read_text())
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
                assert item[7] == float(pixels[i][t, 0, z, y:y + h, x:x + w].astype(np.float64)
                                        .sum())
            seen += [tuple(item[:7]) for item in got]
        assert sorted(seen) == sorted(tasks)  # every tile exactly once per epoch
    assert orders[0] != orders[1]
    assert result["len"] == len(result["epochs"][0][0])
