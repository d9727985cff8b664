#!/usr/bin/env python3
"""List/planes-encoded Parquet (the reference writer's format): omearrow's page-level
reads side by side with byte chunks, the reference, pyarrow and memcpy.

The image: T=2 C=3 Z=8 512x512 uint16 (25 MB; random 12-bit values, the worst case
for compression), written three ways:
  reference list   ome_arrow to_ome_parquet(from_numpy(arr)) (planes + list chunks,
                   zstd, dictionary on: the file most existing data looks like)
  omearrow list    omearrow.write_parquet(arr, encoding="list")
  omearrow bytes   omearrow.write_parquet(arr) (zstd-1 byte chunks of one plane)

Cases (medians; the OS page cache is warm for every reader alike):
  cold plane       a fresh Python process per sample: open + one plane + to_numpy, timed
                   inside the process after imports; bytes read are the process's
                   read/pread bytes (/proc/self/io rchar) over open + read. First plane
                   (t=0 c=0 z=0) and last plane (t=1 c=2 z=7).
  full volume      in one process, a fresh open each time: the whole TCZYX array, vs
                   pyarrow reading the pixel column (building lists only) and a memcpy
                   of the array's bytes (the physical limit), on all cores.
  JUMP crops       every OME column of every row of the bundled JUMP/CytoDataFrame file
                   (72x84 crops): omearrow.open(...).tensor_view().to_numpy() vs the
                   reference's from_ome_parquet + to_numpy.
  list writer      write_parquet(encoding="list") vs the reference's to_ome_parquet and
                   vs pyarrow writing the same pixels as two list<uint16> columns (the
                   floor for any writer on Arrow's Parquet writer), in MB of pixels/s.

    python benchmarks/list_pages.py [--repeat N] [--json-out results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import omearrow
from omearrow import _core

SHAPE = (2, 3, 8, 512, 512)
PLANES = {"first": dict(t=0, c=0, z=0), "last": dict(t=1, c=2, z=7)}
JUMP = Path(__file__).resolve().parent.parent / "testdata" / "BR00117006.ome.parquet"

# Runs in a fresh interpreter: times open + one plane, counts bytes read.
COLD_CHILD = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
import numpy as np
reader, path, t, c, z = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
if reader == "omearrow":
    import omearrow
    read = lambda: omearrow.open(path).tensor_view(t=t, c=c, z=z).to_numpy()
else:
    from ome_arrow import OMEArrow
    read = lambda: OMEArrow.scan(path).tensor_view(t=t, c=c, z=z).to_numpy()
def rchar():
    for line in open("/proc/self/io"):
        if line.startswith("rchar:"):
            return int(line.split()[1])
before = rchar()
start = time.perf_counter()
plane = read()
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "bytes": rchar() - before,
                  "checksum": int(np.asarray(plane, dtype=np.int64).sum())}))
"""


def median_seconds(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm-up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def cold_plane(reader: str, path: str, plane: dict[str, int], expected: np.ndarray,
               repeat: int) -> dict[str, Any]:
    seconds, read_bytes = [], []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", COLD_CHILD, reader, path,
             str(plane["t"]), str(plane["c"]), str(plane["z"])],
            check=True, capture_output=True, text=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        if result["checksum"] != int(expected.astype(np.int64).sum()):
            raise AssertionError(f"{reader} read wrong pixels from {path}")
        seconds.append(result["seconds"])
        read_bytes.append(result["bytes"])
    return {"seconds": statistics.median(seconds), "bytes_read": statistics.median(read_bytes)}


def payload_bytes(path: str) -> dict[str, int]:
    """Compressed bytes of the pixel leaf column chunks (the list writer's are each one
    page: Arrow never splits a record across pages), by leaf."""
    metadata = pq.ParquetFile(path).metadata
    out: dict[str, int] = {}
    for g in range(metadata.num_row_groups):
        group = metadata.row_group(g)
        for i in range(group.num_columns):
            column = group.column(i)
            if column.path_in_schema.endswith("pixels.list.element") or \
                    column.path_in_schema.endswith("pixel_bytes"):
                out[column.path_in_schema] = out.get(column.path_in_schema, 0) + \
                    column.total_compressed_size
    return out


def pixel_column_reader(path: str) -> Callable[[], Any]:
    """pyarrow reading the list file's payload column (lists built, nothing else)."""
    schema = pq.ParquetFile(path).schema_arrow
    name = schema.names[0]
    return lambda: pq.ParquetFile(path).read(columns=[f"{name}.chunks"], use_threads=True)


def run(args: argparse.Namespace, tmp: str) -> dict[str, Any]:
    from ome_arrow.export import to_ome_parquet
    from ome_arrow.ingest import from_numpy as ref_from_numpy

    rng = np.random.default_rng(0)
    arr = rng.integers(0, 4096, size=SHAPE, dtype=np.uint16)
    files = {
        "reference list": os.path.join(tmp, "reference_list.ome.parquet"),
        "omearrow list": os.path.join(tmp, "omearrow_list.ome.parquet"),
        "omearrow bytes": os.path.join(tmp, "omearrow_bytes.ome.parquet"),
    }
    results: dict[str, Any] = {"image": {"shape_tczyx": SHAPE, "dtype": "uint16",
                                         "bytes": arr.nbytes}}

    # List writer throughput.
    record = ref_from_numpy(arr, dim_order="TCZYX")
    pixels = pa.array([arr.ravel()], type=pa.list_(pa.uint16()))
    two_lists = pa.table({"planes": pixels, "chunks": pixels})
    writes = {
        "reference to_ome_parquet": lambda: to_ome_parquet(record, files["reference list"]),
        "omearrow list": lambda: omearrow.write_parquet(arr, files["omearrow list"],
                                                        encoding="list"),
        "omearrow bytes (zstd-1)": lambda: omearrow.write_parquet(arr, files["omearrow bytes"]),
        # The floor for any writer built on Arrow's Parquet writer: the same pixels as the
        # two list<uint16> columns a list record holds (planes and chunks), no record
        # structure, zstd, no dictionary or statistics.
        "pyarrow write_table, two list<uint16> columns of the pixels":
            lambda: pq.write_table(two_lists, os.path.join(tmp, "two_lists.parquet"),
                                   compression="zstd", use_dictionary=False,
                                   write_statistics=False),
    }
    results["writer"] = {}
    for label, write in writes.items():
        seconds = median_seconds(write, max(1, args.repeat // 3))
        results["writer"][label] = {"seconds": seconds, "mb_per_s": arr.nbytes / seconds / 1e6}
        print(".", end="", flush=True, file=sys.stderr)
    results["files"] = {label: {"bytes": os.path.getsize(path), "payload": payload_bytes(path)}
                        for label, path in files.items()}

    # Cold one-plane reads in fresh processes.
    results["cold_plane"] = []
    for which, plane in PLANES.items():
        expected = arr[plane["t"], plane["c"], plane["z"]]
        for label, path in files.items():
            row = {"plane": which, "file": label,
                   "omearrow": cold_plane("omearrow", path, plane, expected, args.repeat)}
            if label == "reference list":
                row["reference"] = cold_plane("reference", path, plane, expected,
                                              max(3, args.repeat // 2))
            results["cold_plane"].append(row)
            print(".", end="", flush=True, file=sys.stderr)

    # Full volume, on all cores.
    def full(path: str) -> Callable[[], Any]:
        def read() -> None:
            _core.clear_row_cache()
            got = omearrow.open(path).tensor_view(layout="TCZYX").to_numpy()
            assert got.shape == arr.shape
        return read

    np.testing.assert_array_equal(
        omearrow.open(files["reference list"]).tensor_view(layout="TCZYX").to_numpy(), arr)
    destination = np.empty_like(arr)
    results["full_volume"] = {
        "omearrow reference list": median_seconds(full(files["reference list"]), args.repeat),
        "omearrow omearrow list": median_seconds(full(files["omearrow list"]), args.repeat),
        "omearrow bytes": median_seconds(full(files["omearrow bytes"]), args.repeat),
        "pyarrow read of the pixel column (reference list)": median_seconds(
            pixel_column_reader(files["reference list"]), args.repeat),
        "memcpy": median_seconds(lambda: np.copyto(destination, arr), args.repeat),
    }
    print(".", end="", flush=True, file=sys.stderr)

    # JUMP: every crop of every row.
    results["jump"] = jump_crops(args.repeat)
    print(file=sys.stderr)
    return results


def jump_crops(repeat: int) -> dict[str, Any]:
    from ome_arrow.export import to_numpy
    from ome_arrow.ingest import from_ome_parquet

    path = str(JUMP)
    schema = pq.ParquetFile(path).schema_arrow
    columns = [f.name for f in schema if str(f.type).startswith("struct<")]
    rows = pq.ParquetFile(path).metadata.num_rows

    def reference_one(column: str, row: int) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return to_numpy(from_ome_parquet(path, column_name=column, row_index=row),
                            dtype=np.uint16)

    def ours_one(column: str, row: int) -> np.ndarray:
        return omearrow.open(path, column=column, row=row).tensor_view(
            layout="TCZYX").to_numpy()

    # Crops the reference reads are timed; the others (all-null columns, RGB composites
    # whose plane lengths contradict size_c) must be refused by both readers.
    crops, refused = [], []
    for column in columns:
        for row in range(rows):
            try:
                expected = reference_one(column, row)
            except Exception:  # noqa: BLE001 - any refusal of the reference
                try:
                    ours_one(column, row)
                except ValueError:
                    refused.append((column, row))
                    continue
                raise AssertionError(f"omearrow read {column} row {row}; the reference refused")
            np.testing.assert_array_equal(ours_one(column, row), expected)
            crops.append((column, row))

    def ours() -> None:
        _core.clear_row_cache()
        for column, row in crops:
            ours_one(column, row)

    def reference() -> None:
        for column, row in crops:
            reference_one(column, row)

    return {"crops": len(crops), "refused_by_both": len(refused), "columns": len(columns),
            "rows": rows, "omearrow_s": median_seconds(ours, repeat),
            "reference_s": median_seconds(reference, max(3, repeat // 2))}


def report(results: dict[str, Any]) -> None:
    mb = results["image"]["bytes"] / 1e6
    print(f"Image TCZYX {results['image']['shape_tczyx']} uint16, {mb:.1f} MB")
    print("\nList writer (MB of pixels/s):")
    for label, row in results["writer"].items():
        print(f"  {label:28s} {row['mb_per_s']:8.0f} MB/s  ({row['seconds'] * 1e3:.0f} ms)")
    print("\nCold one plane, fresh process (median ms; bytes read; ratio):")
    cold = {(r["plane"], r["file"]): r for r in results["cold_plane"]}
    for which in PLANES:
        base = cold[(which, "omearrow bytes")]["omearrow"]["seconds"]
        for label in results["files"]:
            row = cold[(which, label)]
            ours = row["omearrow"]
            line = (f"  {which:5s} {label:15s} omearrow {ours['seconds'] * 1e3:7.1f} ms "
                    f"{ours['bytes_read'] / 1e6:6.2f} MB read  {ours['seconds'] / base:5.1f}x bytes")
            if "reference" in row:
                ref = row["reference"]["seconds"]
                line += f"   reference {ref * 1e3:7.0f} ms  ({ref / ours['seconds']:.0f}x slower)"
            print(line)
    print("\nFull volume (median ms, MB/s):")
    for label, seconds in results["full_volume"].items():
        print(f"  {label:52s} {seconds * 1e3:8.1f} ms {mb / seconds:8.0f} MB/s")
    jump = results["jump"]
    print(f"\nJUMP file, {jump['crops']} crops of {jump['columns']} columns x {jump['rows']} rows "
          f"({jump['refused_by_both']} refused by both readers): "
          f"omearrow {jump['omearrow_s'] * 1e3:.1f} ms, reference {jump['reference_s'] * 1e3:.0f} ms "
          f"({jump['reference_s'] / jump['omearrow_s']:.0f}x)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json-out", default=None)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="omearrow-list-bench-") as tmp:
        results = run(args, tmp)
    results["machine"] = {"platform": platform.platform(), "cpus": os.cpu_count(),
                          "load_average_at_start": load, "omearrow": omearrow.__version__}
    report(results)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
