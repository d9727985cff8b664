#!/usr/bin/env python3
"""Training data path throughput: 256×256 uint16 tiles from in-memory OME-Arrow records.

Cases (each yields every 256×256 tile of a 1×1×Z×2048×2048 uint16 image, z by z):
  * omearrow iter_dlpack(tile_size=(256, 256), mode="numpy") with prefetch 0, 2, 4, over
    list chunks and zstd byte chunks (256×256 chunks; the decoded-chunk cache disabled
    for zstd, so every tile is decoded: the decode-bound case);
  * the reference ome_arrow.tensor iter_dlpack on the same records (timed on fewer
    tiles: it is slow);
  * a PyTorch DataLoader over omearrow.data.TileDataset (prefetch=2, batch_size None
    and 32) with num_workers 0 and 2 (persistent workers; one epoch per sample).
Each consumer takes the tile with np.from_dlpack / receives the torch tensor (no other
work). Reports tiles/s and GB/s (bytes of tiles produced); --json-out writes the table.

    python benchmarks/training_throughput.py [--planes 8] [--repeat 3] [--json-out f.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import warnings
from typing import Any, Callable

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python", "tests"))

import omearrow  # noqa: E402
from omearrow import _core  # noqa: E402
from records import make_record  # noqa: E402

TILE = 256
SIZE = 2048
TILE_BYTES = TILE * TILE * 2


def microscopy_like(planes: int, size: int, seed: int = 0) -> np.ndarray:
    """(1, 1, planes, size, size) uint16 pixels shaped like fluorescence images: a flat
    background, bright blob-like regions and Gaussian noise (zstd compresses such
    chunks ~1.4×; uniformly random pixels would be stored raw and decode like memcpy)."""
    rng = np.random.default_rng(seed)
    out = np.empty((planes, size, size), np.uint16)
    for p in range(planes):
        low = rng.random((size // 64, size // 64)).astype(np.float32)
        img = 300 + 2000 * np.clip(np.kron(low, np.ones((64, 64), np.float32)) - 0.6, 0, None)
        img += rng.normal(0, 30, (size, size)).astype(np.float32)
        out[p] = np.clip(img, 0, 65535).astype(np.uint16)
    return out[None, None]


def _view(record, z: int, cache_bytes: int | None) -> omearrow.TensorView:
    """A one-plane view; cache_bytes=0 disables the decoded-chunk cache."""
    image = _core.image_from_array(record, "array", "auto", decoded_chunk_cache_bytes=cache_bytes)
    core = _core.make_view(image, t=0, z=z, c=0, roi=None, roi3d=None, roi_nd=None, roi_type=None,
                           tile=None, layout=None, dtype=None, channel_policy="error")
    return omearrow.TensorView._wrap(core)


def _omearrow_run(record, planes: int, prefetch: int, cache_bytes: int | None) -> Callable[[], int]:
    def run() -> int:
        n = 0
        for z in range(planes):
            view = _view(record, z, cache_bytes)
            for item in view.iter_dlpack(tile_size=(TILE, TILE), mode="numpy", prefetch=prefetch):
                np.from_dlpack(item)
                n += 1
        return n

    return run


def _reference_run(record, max_tiles: int) -> Callable[[], int]:
    from ome_arrow.tensor import TensorView as RefTensorView

    def run() -> int:
        n = 0
        view = RefTensorView(record, t=0, z=0, c=0)
        for item in view.iter_dlpack(tile_size=(TILE, TILE), mode="numpy"):
            np.from_dlpack(item)
            n += 1
            if n == max_tiles:
                break
        return n

    return run


def _loader_run(record, planes: int, workers: int, prefetch: int,
                batch_size: int | None) -> Callable[[], int]:
    """One epoch per call; workers persist across epochs (their start-up is not timed)."""
    import torch
    from omearrow.data import TileDataset

    dataset = TileDataset([record], tile_size=(TILE, TILE), t=0, c=0, z=list(range(planes)),
                          shuffle=True, seed=0, prefetch=prefetch)
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, num_workers=workers,
                                         persistent_workers=workers > 0)

    def run() -> int:
        n = 0
        for batch in loader:
            n += 1 if batch_size is None else int(batch.shape[0])
        return n

    return run


def _measure(fn: Callable[[], int], repeat: int) -> dict[str, float]:
    fn()  # warm-up
    rates = []
    tiles = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        tiles = fn()
        rates.append(tiles / (time.perf_counter() - t0))
    rate = statistics.median(rates)
    return {"tiles": tiles, "tiles_per_s": rate, "gb_per_s": rate * TILE_BYTES / 1e9}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--planes", type=int, default=8, help="z planes of 2048×2048 (64 tiles each)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reference-tiles", type=int, default=8)
    parser.add_argument("--json-out", default=None)
    args = parser.parse_args()

    pixels = microscopy_like(args.planes, SIZE)
    records = {
        "list chunks": make_record(pixels, encoding="chunks", chunk_shape=(1, TILE, TILE)),
        "zstd chunks": make_record(pixels, encoding="bytes_zstd", chunk_shape=(1, TILE, TILE)),
    }
    rows: list[dict[str, Any]] = []

    def add(case: str, encoding: str, fn: Callable[[], int], **extra: Any) -> None:
        result = _measure(fn, args.repeat)
        rows.append({"case": case, "encoding": encoding, **extra, **result})
        print(f"{case:<44} {encoding:<12} {result['tiles_per_s']:>10.0f} tiles/s "
              f"{result['gb_per_s']:>7.2f} GB/s", flush=True)

    for encoding, record in records.items():
        cache = 0 if encoding == "zstd chunks" else None
        for prefetch in (0, 2, 4):
            add(f"omearrow iter_dlpack prefetch={prefetch}", encoding,
                _omearrow_run(record, args.planes, prefetch, cache), prefetch=prefetch)
    for encoding, record in records.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                add("reference ome_arrow iter_dlpack", encoding,
                    _reference_run(record, args.reference_tiles))
        except Exception as exc:  # the reference may not read an encoding
            print(f"reference on {encoding}: {type(exc).__name__}: {exc}", flush=True)
            rows.append({"case": "reference ome_arrow iter_dlpack", "encoding": encoding,
                         "error": f"{type(exc).__name__}: {exc}"})
    for workers in (0, 2):
        for batch_size in (None, 32):
            for encoding, record in records.items():
                add(f"DataLoader(TileDataset) workers={workers} batch={batch_size}", encoding,
                    _loader_run(record, args.planes, workers, 2, batch_size),
                    num_workers=workers, batch_size=batch_size, prefetch=2)

    summary = {}
    for encoding in records:
        by_case = {r["case"]: r.get("tiles_per_s") for r in rows if r["encoding"] == encoding}
        p0 = by_case.get("omearrow iter_dlpack prefetch=0")
        p2 = by_case.get("omearrow iter_dlpack prefetch=2")
        ref = by_case.get("reference ome_arrow iter_dlpack")
        summary[encoding] = {
            "prefetch2_over_prefetch0": p2 / p0 if p0 and p2 else None,
            "prefetch0_over_reference": p0 / ref if p0 and ref else None,
            "prefetch2_over_reference": p2 / ref if p2 and ref else None,
        }
    print(json.dumps(summary, indent=2))
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                                   "python": platform.python_version()},
                       "tile": [TILE, TILE], "dtype": "uint16", "planes": args.planes,
                       "rows": rows, "summary": summary}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
