#!/usr/bin/env python3
"""Times the same tensor views in omearrow and in the reference ome_arrow.tensor.

Both read the same in-memory OME-Arrow records (built with pyarrow). Each case builds a
fresh view and materializes it, so neither side's per-view cache helps. Prints a table
of medians and the reference/omearrow ratio; --json-out writes the raw numbers.

    python benchmarks/compare_reference.py [--repeat N] [--json-out results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from typing import Any, Callable

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python", "tests"))

import omearrow  # noqa: E402
from ome_arrow.tensor import TensorView as RefTensorView  # noqa: E402
from records import make_record, sample_pixels  # noqa: E402


def _median_seconds(fn: Callable[[], Any], repeat: int, min_time: float) -> float:
    fn()  # warm-up
    samples = []
    start = time.perf_counter()
    while len(samples) < repeat or (time.perf_counter() - start < min_time and len(samples) < 1000):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def _consume_tiles(cls, record, **kwargs):
    def run():
        for item in cls(record, t=0, z=0, c=0).iter_dlpack(tile_size=(256, 256), mode="numpy"):
            np.from_dlpack(item)

    return run


def build_cases() -> list[tuple[str, Any, dict, Callable | None]]:
    volume = sample_pixels((2, 3, 8, 512, 512), np.uint16)
    big_plane = sample_pixels((1, 1, 1, 2048, 2048), np.uint16, seed=1)
    small = sample_pixels((1, 1, 1, 64, 64), np.uint16, seed=2)
    records = {
        "volume_planes": make_record(volume, encoding="planes"),
        "volume_chunks": make_record(volume, encoding="chunks", chunk_shape=(1, 256, 256)),
        "plane2048": make_record(big_plane, encoding="planes"),
        "small": make_record(small, encoding="planes"),
    }
    return [
        ("full 5-D selection (2x3x8x512x512, planes)", records["volume_planes"], {}, None),
        ("full 5-D selection (2x3x8x512x512, list chunks)", records["volume_chunks"], {}, None),
        ("one 512x512 plane (planes)", records["volume_planes"], {"t": 1, "z": 4, "c": 2}, None),
        ("one 512x512 plane (list chunks)", records["volume_chunks"], {"t": 1, "z": 4, "c": 2}, None),
        ("256x256 crop of a 2048x2048 plane", records["plane2048"],
         {"t": 0, "z": 0, "c": 0, "roi": (700, 900, 256, 256)}, None),
        ("tiles 256x256 over a 2048x2048 plane (64 items)", records["plane2048"], {}, "tiles"),
        ("64x64 single-plane view + to_numpy() (overhead)", records["small"], {}, None),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--min-time", type=float, default=0.5)
    parser.add_argument("--json-out", default=None)
    args = parser.parse_args()

    results = []
    for name, record, kwargs, kind in build_cases():
        timings = {}
        for label, cls in (("omearrow", omearrow.TensorView), ("reference", RefTensorView)):
            if kind == "tiles":
                fn = _consume_tiles(cls, record)
            else:
                fn = lambda cls=cls: cls(record, **kwargs).to_numpy()  # noqa: E731
            repeat = args.repeat if label == "omearrow" else max(3, args.repeat // 2)
            timings[label] = _median_seconds(fn, repeat, args.min_time if label == "omearrow" else 0.0)
        # The two must agree on what they produce.
        if kind != "tiles":
            np.testing.assert_array_equal(
                omearrow.TensorView(record, **kwargs).to_numpy(), RefTensorView(record, **kwargs).to_numpy()
            )
        results.append({"case": name, **timings, "ratio": timings["reference"] / timings["omearrow"]})

    def fmt(seconds: float) -> str:
        if seconds >= 1:
            return f"{seconds:.2f} s"
        if seconds >= 1e-3:
            return f"{seconds * 1e3:.2f} ms"
        return f"{seconds * 1e6:.1f} µs"

    width = max(len(r["case"]) for r in results)
    print(f"{'case':<{width}}  {'omearrow':>10}  {'reference':>10}  {'speed-up':>9}")
    for r in results:
        print(f"{r['case']:<{width}}  {fmt(r['omearrow']):>10}  {fmt(r['reference']):>10}  {r['ratio']:>8.1f}x")
    if args.json_out:
        meta = {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "omearrow": omearrow.__version__,
        }
        with open(args.json_out, "w") as fh:
            json.dump({"meta": meta, "results": results}, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
