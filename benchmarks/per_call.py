#!/usr/bin/env python3
"""Per-call cost of small views and throughput of batched single-cell crops.

Cases (medians of many timed calls; each call builds a fresh view, so no per-view cache
helps):
  * ``TensorView(rec, t=0, z=0, c=0).to_numpy()`` on a 64x64 uint16 record (µs/call);
  * one 256x256 plane from a list-chunk record, omearrow and the reference;
  * 64x64 uint16 crops from an in-memory 2048x2048 image: ``omearrow.crops`` (one call
    for N centers), a NumPy loop slicing an in-memory array, omearrow ``TensorView``
    per crop, the reference ``TensorView`` per crop (crops/s);
  * 64x64 crops from a zstd byte-chunk Parquet file (5 channels), opened per call and
    opened once;
  * permuted and channels-last layouts: ``to_numpy(contiguous=True)`` of a 2x3x8x256x256
    uint16 record (planes, list chunks of 128x128) in TZCYX, TCZYX and TZYXC, against
    NumPy's ``copy()`` of the same bytes (what a memcpy costs from Python).

    python benchmarks/per_call.py [--quick] [--json-out per_call.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from typing import Any, Callable

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python", "tests"))

import omearrow  # noqa: E402
from records import make_record, sample_pixels  # noqa: E402

try:
    from ome_arrow.tensor import TensorView as RefTensorView  # noqa: E402
except ImportError:  # the reference is optional here
    RefTensorView = None


def median_seconds(fn: Callable[[], Any], *, repeat: int, min_time: float,
                   inner: int = 1) -> float:
    """Median seconds per call of `fn` over >= `repeat` samples (each `inner` calls)."""
    for _ in range(3):
        fn()  # warm-up
    samples = []
    start = time.perf_counter()
    while len(samples) < repeat or (time.perf_counter() - start < min_time
                                    and len(samples) < 100000):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - t0) / inner)
    return statistics.median(samples)


def per_call_cases(args) -> list[dict]:
    small = make_record(sample_pixels((1, 1, 1, 64, 64), np.uint16, seed=2), encoding="planes")
    volume = sample_pixels((2, 3, 8, 256, 256), np.uint16, seed=3)
    chunks = make_record(volume, encoding="chunks", chunk_shape=(1, 128, 128))
    rows = []
    cases = [
        ("64x64 view + to_numpy(), t=0, z=0, c=0", small, dict(t=0, z=0, c=0)),
        ("64x64 view + to_numpy(), no arguments", small, {}),
        ("one 256x256 plane of a list-chunk record (2x3x8x256x256)", chunks,
         dict(t=1, z=4, c=2)),
    ]
    for name, record, kwargs in cases:
        ours = median_seconds(lambda: omearrow.TensorView(record, **kwargs).to_numpy(),
                              repeat=args.repeat, min_time=args.min_time, inner=args.inner)
        row = {"case": name, "omearrow_s": ours}
        if RefTensorView is not None:
            ref = median_seconds(lambda: RefTensorView(record, **kwargs).to_numpy(),
                                 repeat=max(5, args.repeat // 10), min_time=0.0)
            np.testing.assert_array_equal(omearrow.TensorView(record, **kwargs).to_numpy(),
                                          RefTensorView(record, **kwargs).to_numpy())
            row.update(reference_s=ref, speedup=ref / ours)
        rows.append(row)
    return rows


def layout_cases(args) -> list[dict]:
    volume = sample_pixels((2, 3, 8, 256, 256), np.uint16, seed=3)
    records = {
        "planes": make_record(volume, encoding="planes"),
        "list chunks 128x128": make_record(volume, encoding="chunks", chunk_shape=(1, 128, 128)),
    }
    copy_s = median_seconds(volume.copy, repeat=args.repeat, min_time=args.min_time)
    rows = [{"case": "NumPy copy() of the same 6 MiB", "seconds": copy_s, "vs_copy": 1.0}]
    orders = {"TZCYX": (0, 2, 1, 3, 4), "TCZYX": (0, 1, 2, 3, 4), "TZYXC": (0, 2, 3, 4, 1)}
    for name, record in records.items():
        for layout, axes in orders.items():
            def run(record=record, layout=layout) -> np.ndarray:
                return omearrow.TensorView(record, layout=layout).to_numpy(contiguous=True)
            np.testing.assert_array_equal(run(), volume.transpose(axes))
            seconds = median_seconds(run, repeat=max(20, args.repeat // 4),
                                     min_time=args.min_time)
            rows.append({"case": f"{layout} contiguous, {name}", "seconds": seconds,
                         "vs_copy": copy_s / seconds})
    return rows


def crop_cases(args) -> list[dict]:
    size_y = size_x = 2048
    pixels = sample_pixels((1, 1, 1, size_y, size_x), np.uint16, seed=5)
    record = make_record(pixels, encoding="planes")
    plane = np.ascontiguousarray(pixels[0, 0, 0])
    rng = np.random.default_rng(1)
    n = args.crops
    centers = np.column_stack([rng.uniform(32, size_y - 32, n), rng.uniform(32, size_x - 32, n)])
    h = w = 64
    rows = []

    def add(name: str, seconds: float, count: int) -> None:
        rows.append({"case": name, "crops": count, "seconds": seconds,
                     "crops_per_s": count / seconds})

    # omearrow.crops: one call for all centers (a fresh output, or one reused buffer).
    got = omearrow.crops(record, centers, (h, w))
    add(f"omearrow.crops, in-memory record, {n} per call",
        median_seconds(lambda: omearrow.crops(record, centers, (h, w)), repeat=args.repeat,
                       min_time=args.min_time), n)
    out = np.empty_like(got)
    add(f"omearrow.crops, in-memory record, {n} per call, out= reused",
        median_seconds(lambda: omearrow.crops(record, centers, (h, w), out=out),
                       repeat=args.repeat, min_time=args.min_time), n)
    big = 20000
    many = np.column_stack([rng.uniform(32, size_y - 32, big), rng.uniform(32, size_x - 32, big)])
    add(f"omearrow.crops, in-memory record, {big} per call",
        median_seconds(lambda: omearrow.crops(record, many, (h, w)), repeat=10,
                       min_time=args.min_time), big)

    # NumPy loop over an in-memory array (the no-library baseline).
    y0 = np.floor(centers[:, 0]).astype(np.int64) - h // 2
    x0 = np.floor(centers[:, 1]).astype(np.int64) - w // 2

    def numpy_loop() -> np.ndarray:
        out = np.empty((n, 1, h, w), dtype=np.uint16)
        for i in range(n):
            out[i, 0] = plane[y0[i]:y0[i] + h, x0[i]:x0[i] + w]
        return out

    np.testing.assert_array_equal(numpy_loop(), got)
    add("NumPy loop over an in-memory array", median_seconds(
        numpy_loop, repeat=max(5, args.repeat // 4), min_time=args.min_time), n)

    few = min(n, 2000)

    def view_loop(cls) -> Callable[[], None]:
        def run() -> None:
            for i in range(few):
                cls(record, t=0, z=0, c=0,
                    roi=(int(x0[i]), int(y0[i]), w, h)).to_numpy()
        return run

    add("omearrow TensorView(roi=...).to_numpy() per crop",
        median_seconds(view_loop(omearrow.TensorView), repeat=5, min_time=args.min_time), few)
    if RefTensorView is not None:
        ref_n = 200
        def ref_loop() -> None:
            for i in range(ref_n):
                RefTensorView(record, t=0, z=0, c=0,
                              roi=(int(x0[i]), int(y0[i]), w, h)).to_numpy()
        add("reference TensorView(roi=...).to_numpy() per crop",
            median_seconds(ref_loop, repeat=3, min_time=0.0), ref_n)

    # A zstd byte-chunk file (omearrow's writer default), 5 channels like JUMP.
    cells = sample_pixels((1, 5, 1, 1024, 1024), np.uint16, seed=6)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "cells.zstd.ome.parquet")
        omearrow.write_parquet(omearrow.from_numpy(cells, dim_order="TCZYX"), path)
        fc = np.column_stack([rng.uniform(0, 1024, n), rng.uniform(0, 1024, n)])
        omearrow.crops(path, fc, (h, w))
        add(f"omearrow.crops, zstd-1 byte-chunk file (512x512 chunks), 5 channels, {n} "
            "per call: open + decode + crops",
            median_seconds(lambda: omearrow.crops(path, fc, (h, w)), repeat=5,
                           min_time=args.min_time), n)
        image = omearrow.open(path)
        fout = np.empty((n, 5, h, w), np.uint16)
        add(f"omearrow.crops, same file opened once (decoded chunks cached), out= reused",
            median_seconds(lambda: omearrow.crops(image, fc, (h, w), out=fout), repeat=5,
                           min_time=args.min_time), n)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--inner", type=int, default=20)
    parser.add_argument("--min-time", type=float, default=1.0)
    parser.add_argument("--crops", type=int, default=2048)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip-crops", action="store_true")
    parser.add_argument("--json-out", default=None)
    args = parser.parse_args()
    if args.quick:
        args.repeat, args.min_time = 50, 0.3

    per_call = per_call_cases(args)
    for row in per_call:
        extra = ""
        if "reference_s" in row:
            extra = f"  reference {row['reference_s'] * 1e6:9.1f} µs  ({row['speedup']:.0f}x)"
        print(f"{row['case']:<60} {row['omearrow_s'] * 1e6:8.2f} µs{extra}")
    layouts = layout_cases(args)
    for row in layouts:
        print(f"{row['case']:<60} {row['seconds'] * 1e3:8.3f} ms  ({row['vs_copy']:.2f}x of a copy)")
    crops = [] if args.skip_crops else crop_cases(args)
    for row in crops:
        print(f"{row['case']:<75} {row['crops_per_s']:>12,.0f} crops/s")
    if args.json_out:
        meta = {"python": platform.python_version(), "machine": platform.machine(),
                "cpus": os.cpu_count(), "load": os.getloadavg(),
                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        with open(args.json_out, "w") as fh:
            json.dump({"meta": meta, "per_call": per_call, "layouts": layouts, "crops": crops}, fh,
                      indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
