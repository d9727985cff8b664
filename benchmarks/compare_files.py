#!/usr/bin/env python3
"""Times reading the same views from files: omearrow vs the reference vs tifffile.

For each image (T=1, C=2, Z=3, 256x256 uint16 as in the reference's CI baseline, and a
larger one) the same pixels are written as an OME-Arrow Parquet file with zstd-1 byte
chunks, a list-encoded Parquet file (both by omearrow; the reference reads both) and an
uncompressed OME-TIFF (tifffile). Views: one plane, a crop, the full volume. Each timed
call starts from the path (open + view + to_numpy), with omearrow's process-wide row
cache cleared, so nothing decoded by an earlier call is reused (the OS page cache is warm
for every reader alike).

Columns (medians; --metric cpu shows process CPU time instead of wall time):
  omearrow bytes   omearrow.open(path).tensor_view(**view).to_numpy(), byte chunks, zstd-1
  omearrow list    the same on the list-encoded file
  ref bytes/list   ome_arrow.OMEArrow.scan(path).tensor_view(**view).to_numpy()
  tifffile         tifffile.imread (the plane's page, then cropped; or the whole file)
  decode limit     pa.Codec("zstd").decompress of exactly the chunk payloads the view
                   touches, one thread (the cost of the compressed bytes alone)

    python benchmarks/compare_files.py [--repeat N] [--quick] [--json-out results.json]
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
import warnings
from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import omearrow
from omearrow import _core


class Timing(float):
    """A median in seconds of the chosen metric (wall clock, or process CPU time over all
    threads); `.wall` and `.cpu` hold both medians."""

    wall: float
    cpu: float


METRIC = "wall"


def _median_seconds(fn: Callable[[], Any], repeat: int, min_time: float,
                    max_samples: int = 1000) -> Timing:
    fn()  # warm-up (and correctness: the result is checked by the caller)
    walls: list[float] = []
    cpus: list[float] = []
    start = time.perf_counter()
    while len(walls) < repeat or (
        time.perf_counter() - start < min_time and len(walls) < max_samples
    ):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    out = Timing(cpu if METRIC == "cpu" else wall)
    out.wall, out.cpu = wall, cpu
    return out


def _with_both(row: dict[str, Any]) -> dict[str, Any]:
    """Adds `<name>_wall_s` and `<name>_cpu_s` for every Timing in `row` (for JSON)."""
    for key, value in list(row.items()):
        if isinstance(value, Timing):
            row[key[:-2] + "_wall_s"] = value.wall
            row[key[:-2] + "_cpu_s"] = value.cpu
    return row


def microscopy_pixels(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """Nuclei-like blobs on a dim background with shot noise (compresses like real
    fluorescence images, about 2-3x with zstd-1)."""
    rng = np.random.default_rng(seed)
    st, sc, sz, sy, sx = shape
    yy, xx = np.mgrid[0:sy, 0:sx].astype(np.float32)
    out = np.empty(shape, np.uint16)
    n_blobs = max(4, sy * sx // 4000)
    cy, cx = rng.uniform(0, sy, n_blobs), rng.uniform(0, sx, n_blobs)
    radius = rng.uniform(4, 12, n_blobs)
    for t in range(st):
        for c in range(sc):
            for z in range(sz):
                plane = np.full((sy, sx), 100.0, np.float32)
                bright = 800.0 * (c + 1) * np.exp(-((z - sz / 2) ** 2) / max(1.0, sz))
                for i in range(n_blobs):
                    y0, x0, r = cy[i] + t, cx[i] + t, radius[i]
                    ys = slice(max(0, int(y0 - 3 * r)), min(sy, int(y0 + 3 * r) + 1))
                    xs = slice(max(0, int(x0 - 3 * r)), min(sx, int(x0 + 3 * r) + 1))
                    plane[ys, xs] += bright * np.exp(
                        -((yy[ys, xs] - y0) ** 2 + (xx[ys, xs] - x0) ** 2) / (2 * r * r))
                out[t, c, z] = rng.poisson(plane).clip(0, 65535).astype(np.uint16)
    return out


def chunk_payloads(path: str) -> list[tuple[dict[str, int], pa.Buffer, int]]:
    """(coordinates, compressed bytes, decompressed size) of every byte chunk of row 0."""
    column = pq.read_table(path, columns=["ome_arrow"])["ome_arrow"].combine_chunks()
    chunks = column.field("chunks")[0].values
    out = []
    coords = {name: chunks.field(name).to_pylist()
              for name in ("t", "c", "z", "y", "x", "shape_z", "shape_y", "shape_x")}
    dtypes = chunks.field("dtype").to_pylist()
    compressions = chunks.field("compression").to_pylist()
    payloads = chunks.field("pixel_bytes")
    for i in range(len(chunks)):
        assert compressions[i] == "zstd", compressions[i]
        coord = {k: v[i] for k, v in coords.items()}
        size = (coord["shape_z"] * coord["shape_y"] * coord["shape_x"]
                * np.dtype(dtypes[i]).itemsize)
        out.append((coord, payloads[i].as_buffer(), size))
    return out


def touched(chunks, shape, view: dict[str, Any]):
    """The chunks a view (t, z, c ints or None; roi) reads."""
    st, sc, sz, sy, sx = shape
    x0, y0, w, h = view.get("roi") or (0, 0, sx, sy)
    ts = range(st) if view.get("t") is None else [view["t"]]
    cs = range(sc) if view.get("c") is None else [view["c"]]
    zs = range(sz) if view.get("z") is None else [view["z"]]
    out = []
    for coord, payload, size in chunks:
        if coord["t"] not in ts or coord["c"] not in cs:
            continue
        if not any(coord["z"] <= z < coord["z"] + coord["shape_z"] for z in zs):
            continue
        if coord["y"] >= y0 + h or coord["y"] + coord["shape_y"] <= y0:
            continue
        if coord["x"] >= x0 + w or coord["x"] + coord["shape_x"] <= x0:
            continue
        out.append((payload, size))
    return out


def expected_of(pixels: np.ndarray, view: dict[str, Any]) -> np.ndarray:
    """NumPy's answer for a view in the benchmark's layouts (CHW / TZCHW)."""
    x0, y0, w, h = view.get("roi") or (0, 0, pixels.shape[4], pixels.shape[3])
    sel = pixels[:, :, :, y0:y0 + h, x0:x0 + w]
    if view.get("t") is not None:
        t, z, c = view["t"], view["z"], view["c"]
        return sel[t, c:c + 1, z]
    return sel.transpose(0, 2, 1, 3, 4)


def run_image(label: str, shape: tuple[int, ...], chunk: tuple[int, int, int], crop: int,
              args: argparse.Namespace, tmp: str) -> list[dict[str, Any]]:
    import tifffile
    from ome_arrow import OMEArrow

    pixels = microscopy_pixels(shape)
    st, sc, sz, sy, sx = shape
    byte_path = os.path.join(tmp, f"{label}_bytes.ome.parquet")
    list_path = os.path.join(tmp, f"{label}_list.ome.parquet")
    tiff_path = os.path.join(tmp, f"{label}.ome.tif")
    omearrow.write_parquet(pixels, byte_path, encoding="bytes", chunk_shape=chunk,
                           chunk_compression="zstd", compression_level=1)
    omearrow.write_parquet(pixels, list_path, encoding="list", chunk_shape=chunk)
    tifffile.imwrite(tiff_path, pixels, ome=True, metadata={"axes": "TCZYX"})
    chunks = chunk_payloads(byte_path)
    codec = pa.Codec("zstd")
    sizes = {name: os.path.getsize(p) for name, p in
             (("bytes", byte_path), ("list", list_path), ("tiff", tiff_path))}

    z_mid = sz // 2
    views = [
        ("one plane", {"t": 0, "z": z_mid, "c": 0}),
        (f"{crop}x{crop} crop", {"t": 0, "z": z_mid, "c": 0,
                                  "roi": ((sx - crop) // 2, (sy - crop) // 2, crop, crop)}),
        ("full volume", {}),
    ]
    results = []
    for view_name, view in views:
        expected = expected_of(pixels, view)

        def ours(path: str, view=view, expected=expected) -> Callable[[], None]:
            def run() -> None:
                _core.clear_row_cache()
                got = omearrow.open(path).tensor_view(**view).to_numpy()
                assert got.shape == expected.shape
            return run

        def reference(path: str, view=view) -> Callable[[], None]:
            def run() -> None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    OMEArrow.scan(path).tensor_view(**view).to_numpy()
            return run

        def tiff(view=view) -> None:
            if view.get("t") is None:
                tifffile.imread(tiff_path)
            else:
                page = (view["t"] * sc + view["c"]) * sz + view["z"]
                plane = tifffile.imread(tiff_path, key=page)
                x0, y0, w, h = view.get("roi") or (0, 0, sx, sy)
                np.ascontiguousarray(plane[y0:y0 + h, x0:x0 + w])

        payloads = touched(chunks, shape, view)

        def decode(payloads=payloads) -> None:
            for payload, size in payloads:
                codec.decompress(payload, decompressed_size=size)

        # Correctness before timing.
        np.testing.assert_array_equal(
            omearrow.open(byte_path).tensor_view(**view).to_numpy(), expected)
        np.testing.assert_array_equal(
            omearrow.open(list_path).tensor_view(**view).to_numpy(), expected)

        ref_repeat = max(3, args.repeat // 2)
        ref_min = args.min_time if shape[3] <= 256 else 0.0
        row = {
            "image": label,
            "shape": list(shape),
            "chunk": list(chunk),
            "view": view_name,
            "view_bytes": int(expected.nbytes),
            "chunks_touched": len(payloads),
            "omearrow_bytes_s": _median_seconds(ours(byte_path), args.repeat, args.min_time),
            "omearrow_list_s": _median_seconds(ours(list_path), args.repeat, args.min_time),
            "tifffile_s": _median_seconds(tiff, args.repeat, args.min_time),
            "decode_limit_s": _median_seconds(decode, args.repeat, args.min_time),
            "file_bytes": sizes,
        }
        if not args.skip_reference:
            row["ref_bytes_s"] = _median_seconds(reference(byte_path), ref_repeat, ref_min, 50)
            row["ref_list_s"] = _median_seconds(reference(list_path), ref_repeat, ref_min, 50)
        results.append(_with_both(row))
        print(".", end="", flush=True, file=sys.stderr)
    return results


def run_ci_baseline(args: argparse.Namespace, tmp: str) -> list[dict[str, Any]]:
    """The reference's CI canary (benchmarks/benchmark_lazy_tensor.py, ci-baseline.json):
    np.arange pixels (1, 2, 3, 256, 256) uint16 written by the reference as a planes file
    and a list-chunks file (chunk_shape (1, 64, 64)), view t=0, z=1, c=1, layout "YX",
    to_numpy(contiguous=True); plus the same pixels as omearrow byte chunks (zstd-1)."""
    from ome_arrow import OMEArrow
    from ome_arrow.export import to_ome_parquet
    from ome_arrow.ingest import from_numpy as ref_from_numpy

    arr = np.arange(1 * 2 * 3 * 256 * 256, dtype=np.uint16).reshape(1, 2, 3, 256, 256)
    files = {
        "reference planes file": os.path.join(tmp, "ci_planes.ome.parquet"),
        "reference list-chunks file": os.path.join(tmp, "ci_chunks.ome.parquet"),
        "omearrow byte chunks (zstd-1)": os.path.join(tmp, "ci_bytes.ome.parquet"),
    }
    to_ome_parquet(ref_from_numpy(arr, build_chunks=False, image_id="bench-planes"),
                   files["reference planes file"], column_name="ome_arrow")
    to_ome_parquet(ref_from_numpy(arr, build_chunks=True, chunk_shape=(1, 64, 64),
                                  image_id="bench-chunks"),
                   files["reference list-chunks file"], column_name="ome_arrow")
    omearrow.write_parquet(arr, files["omearrow byte chunks (zstd-1)"], chunk_shape=(1, 64, 64),
                           chunk_compression="zstd", compression_level=1)
    view = {"t": 0, "z": 1, "c": 1, "layout": "YX"}
    expected = arr[0, 1, 1]
    results = []
    for label, path in files.items():
        def ours(path=path) -> None:
            _core.clear_row_cache()
            omearrow.open(path).tensor_view(**view).to_numpy(contiguous=True)

        def reference(path=path) -> None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                OMEArrow.scan(path).tensor_view(**view).to_numpy(contiguous=True)

        np.testing.assert_array_equal(
            omearrow.open(path).tensor_view(**view).to_numpy(), expected)
        row = {"case": "scan+parquet -> tensor_view(YX)", "file": label,
               "omearrow_s": _median_seconds(ours, args.repeat, args.min_time)}
        if not args.skip_reference:
            row["reference_s"] = _median_seconds(reference, args.repeat, args.min_time, 200)
        results.append(_with_both(row))
        print(".", end="", flush=True, file=sys.stderr)
    return results


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--min-time", type=float, default=0.3)
    parser.add_argument("--quick", action="store_true", help="only the CI-sized image")
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument("--metric", choices=("wall", "cpu"), default="wall",
                        help="what the tables show: wall-clock medians, or process CPU time "
                             "(all threads; steadier on a loaded machine). JSON has both.")
    parser.add_argument("--json-out", default=None)
    args = parser.parse_args()
    global METRIC
    METRIC = args.metric

    images = [("ci", (1, 2, 3, 256, 256), (1, 512, 512), 128)]
    if not args.quick:
        images.append(("large", (1, 3, 8, 1024, 1024), (1, 512, 512), 256))

    load = os.getloadavg()[0]
    results = []
    with tempfile.TemporaryDirectory(prefix="omearrow-bench-") as tmp:
        ci_results = run_ci_baseline(args, tmp)
        for label, shape, chunk, crop in images:
            results.extend(run_image(label, shape, chunk, crop, args, tmp))
    print(file=sys.stderr)

    print(f"Medians of {METRIC} time (load average at start: {load:.1f} on "
          f"{os.cpu_count()} CPUs).")
    print("Reference CI canary case (t=0, z=1, c=1, layout YX of np.arange (1,2,3,256,256)):")
    print("| file | omearrow | reference scan | reference / omearrow |")
    print("|---|---|---|---|")
    for r in ci_results:
        ratio = (f"{r['reference_s'] / r['omearrow_s']:.0f}x" if "reference_s" in r else "-")
        print(f"| {r['file']} | {fmt(r['omearrow_s'])} | {fmt(r.get('reference_s'))} "
              f"| {ratio} |")
    if ci_results and "reference_s" in ci_results[1]:
        print(f"reference on its list-chunks file / omearrow on byte chunks: "
              f"{ci_results[1]['reference_s'] / ci_results[2]['omearrow_s']:.0f}x")
    print()

    print("Same pixels, same files (each call opens the file; ratios: reference / omearrow on "
          "the same file, omearrow bytes / decode limit):")
    header = ("| image | view | omearrow bytes (zstd-1) | omearrow list | ref bytes | ref list "
              "| tifffile | decode limit | ref/ours bytes | ref/ours list | ours/limit |")
    print(header)
    print("|---" * 11 + "|")
    for r in results:
        ratio_b = (f"{r['ref_bytes_s'] / r['omearrow_bytes_s']:.1f}x"
                   if "ref_bytes_s" in r else "-")
        ratio_l = (f"{r['ref_list_s'] / r['omearrow_list_s']:.1f}x"
                   if "ref_list_s" in r else "-")
        limit_ratio = f"{r['omearrow_bytes_s'] / r['decode_limit_s']:.2f}x"
        shape = "x".join(str(v) for v in r["shape"])
        print(f"| {r['image']} {shape} | {r['view']} | {fmt(r['omearrow_bytes_s'])} "
              f"| {fmt(r['omearrow_list_s'])} | {fmt(r.get('ref_bytes_s'))} "
              f"| {fmt(r.get('ref_list_s'))} | {fmt(r['tifffile_s'])} "
              f"| {fmt(r['decode_limit_s'])} | {ratio_b} | {ratio_l} | {limit_ratio} |")

    if args.json_out:
        meta = {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "numpy": np.__version__,
            "pyarrow": pa.__version__,
            "omearrow": omearrow.__version__,
            "metric": METRIC,
            "load_average_at_start": load,
        }
        try:
            import ome_arrow

            meta["ome_arrow"] = getattr(ome_arrow, "__version__", "?")
        except ImportError:
            pass
        with open(args.json_out, "w") as fh:
            json.dump({"meta": meta, "ci_baseline": ci_results, "results": results}, fh,
                      indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
