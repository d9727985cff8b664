#!/usr/bin/env python3
"""Times collections (issue 14): opening many files, one plane over loopback S3 vs local
disk, and training tiles from many files vs one file of the same total size.

Cases (medians of --repeat runs; the OS page cache is warm for local files, moto keeps
objects in memory):
  open local        omearrow.open_collection(dir, cache=False) over N files × 1 row
                    (metadata only, every footer read)
  open local cached the same with the metadata cache warm (reopening unchanged files)
  open s3           the same N files from a moto S3 server on 127.0.0.1 (cache=False)
  open s3 cached    the same, cache warm: the listing only, no GET
  pushdown local/s3 200 files × 4 rows in 2 row groups (2×96×96 uint16): open with
                    filter=Metadata_Well == one well (2 row groups match) vs no filter;
                    bytes (open_bytes_read; S3: GET bodies) and row groups skipped
  plane local/s3    open(path or s3 URI, row) + one 512×512 uint16 plane to NumPy, a new
                    open each call (zstd-1 byte chunks of 256×256), requests counted
  tiles many/one    collection.iter_tiles((64, 64), prefetch=4) over every tile of 200
                    images of 2×256×256 uint16: 200 files × 1 row vs 1 file × 200 rows

    python benchmarks/collection_bench.py [--files 1000] [--repeat 5] [--json-out out.json]

Needs moto[server] (python/requirements-test.txt); S3 cases are skipped without it.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import statistics
import sys
import tempfile
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "python" / "tests"))

import omearrow  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
from collection_support import well_plate_well, write_plate, write_well_plate  # noqa: E402


def median_time(fn, repeat: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def one_file_of(plate_files: list[pathlib.Path], out: pathlib.Path) -> pathlib.Path:
    tables = [pq.read_table(p) for p in plate_files]
    pq.write_table(pa.concat_tables(tables), out, row_group_size=1)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json-out", type=pathlib.Path)
    args = parser.parse_args()

    results: dict = {
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "files": args.files,
        "repeat": args.repeat,
        "cases": {},
    }
    cases = results["cases"]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = pathlib.Path(tmp_name)
        many = write_plate(tmp / "many", files=args.files, rows=1, shape=(2, 64, 64),
                           encodings=("byte-chunks-zstd",), chunk_shape=(1, 64, 64))
        t, times = median_time(lambda: omearrow.open_collection(tmp / "many", cache=False),
                               args.repeat)
        cases["open local"] = {"seconds": t, "runs": times, "files": args.files,
                               "per_file_ms": 1000 * t / args.files}
        omearrow.open_collection(tmp / "many")  # fills the cache
        t, times = median_time(lambda: omearrow.open_collection(tmp / "many"), args.repeat)
        cases["open local cached"] = {"seconds": t, "runs": times, "files": args.files,
                                      "per_file_ms": 1000 * t / args.files}

        wells = write_well_plate(tmp / "wells", files=200)
        well = pc.field("Metadata_Well") == well_plate_well(37, 0)
        for label, kwargs in (("pushdown local: no filter", {}),
                              ("pushdown local: filter on well", {"filter": well})):
            opened = omearrow.open_collection(tmp / "wells", cache=False, **kwargs)
            t, times = median_time(
                lambda kw=kwargs: omearrow.open_collection(tmp / "wells", cache=False, **kw),
                args.repeat)
            cases[label] = {"seconds": t, "runs": times, "images": len(opened),
                            "bytes_read": opened.open_bytes_read,
                            "row_groups": opened.row_groups,
                            "row_groups_skipped": opened.row_groups_skipped,
                            "file_bytes": sum(p.stat().st_size for p in wells.files)}

        big = write_plate(tmp / "big", files=1, rows=2, shape=(1, 512, 512),
                          encodings=("byte-chunks-zstd",), chunk_shape=(1, 256, 256))
        big_path = big.files[0]

        def plane_local():
            omearrow.open(big_path, row=1).tensor_view(t=0, z=0, c=0).to_numpy()

        t, times = median_time(plane_local, max(args.repeat, 20))
        cases["plane local"] = {"seconds": t, "runs": times}

        tiles = write_plate(tmp / "tiles", files=200, rows=1, shape=(2, 256, 256),
                            encodings=("byte-chunks-zstd",), chunk_shape=(1, 256, 256))
        single = one_file_of(tiles.files, tmp / "single.parquet")
        for label, source in (("tiles many files", tmp / "tiles"), ("tiles one file", single)):
            collection = omearrow.open_collection(source)

            def run():
                omearrow._core.clear_row_cache()
                return sum(1 for _ in collection.iter_tiles((64, 64), prefetch=4))

            count = run()
            t, times = median_time(run, args.repeat)
            cases[label] = {"seconds": t, "runs": times, "tiles": count,
                            "tiles_per_s": count / t, "images": len(collection)}

        try:
            import boto3
            from s3_support import HOST, counting_proxy, isolated_aws_env, moto_server, s3_uri
        except ImportError as exc:
            results["s3_skipped"] = f"moto/boto3 not installed: {exc}"
        else:
            env = isolated_aws_env(dict(os.environ), tmp_name)
            os.environ.update(env)
            with moto_server(env) as port:
                client = boto3.client("s3", endpoint_url=f"http://{HOST}:{port}",
                                      region_name="us-east-1")
                client.create_bucket(Bucket="bench")
                for path in many.files:
                    client.put_object(Bucket="bench", Key=f"many/{path.name}",
                                      Body=path.read_bytes())
                client.put_object(Bucket="bench", Key="big.parquet", Body=big_path.read_bytes())
                for path in wells.files:
                    client.put_object(Bucket="bench", Key=f"wells/{path.name}",
                                      Body=path.read_bytes())
                # Timed against the server directly; requests counted in one more call
                # through the counting proxy.
                uri = s3_uri("bench/many/", port)
                t, times = median_time(lambda: omearrow.open_collection(uri, cache=False),
                                       args.repeat)
                cases["open s3"] = {"seconds": t, "runs": times, "files": args.files,
                                    "per_file_ms": 1000 * t / args.files}
                omearrow.open_collection(uri)  # fills the cache
                t, times = median_time(lambda: omearrow.open_collection(uri), args.repeat)
                cases["open s3 cached"] = {"seconds": t, "runs": times, "files": args.files,
                                           "per_file_ms": 1000 * t / args.files}
                wells_uri = s3_uri("bench/wells/", port)
                for label, kwargs in (("pushdown s3: no filter", {}),
                                      ("pushdown s3: filter on well", {"filter": well})):
                    t, times = median_time(
                        lambda kw=kwargs: omearrow.open_collection(wells_uri, cache=False, **kw),
                        args.repeat)
                    cases[label] = {"seconds": t, "runs": times}
                big_uri = s3_uri("bench/big.parquet", port)

                def plane_s3(uri=big_uri):
                    omearrow.open(uri, row=1).tensor_view(t=0, z=0, c=0).to_numpy()

                plane_s3()
                t, times = median_time(plane_s3, max(args.repeat, 20))
                cases["plane s3"] = {"seconds": t, "runs": times,
                                     "file_bytes": big_path.stat().st_size}
                with counting_proxy(port) as (proxy, counter):
                    counter.reset()
                    omearrow.open_collection(s3_uri("bench/many/", proxy))
                    gets = [r for r in counter.snapshot() if r.method == "GET"]
                    cases["open s3"]["get_requests"] = len(gets)
                    cases["open s3"]["bytes"] = sum(r.body_bytes for r in gets)
                    counter.reset()
                    omearrow.open_collection(s3_uri("bench/many/", proxy))
                    cases["open s3 cached"]["get_requests"] = len(
                        [r for r in counter.snapshot() if r.method == "GET"])
                    cases["open s3 cached"]["requests"] = len(counter.snapshot())
                    for label, kwargs in (("pushdown s3: no filter", {}),
                                          ("pushdown s3: filter on well", {"filter": well})):
                        counter.reset()
                        opened = omearrow.open_collection(s3_uri("bench/wells/", proxy),
                                                          cache=False, **kwargs)
                        gets = [r for r in counter.snapshot() if r.method == "GET"]
                        cases[label].update(
                            images=len(opened), get_requests=len(gets),
                            bytes=sum(r.body_bytes for r in gets),
                            row_groups_skipped=opened.row_groups_skipped)
                    counter.reset()
                    plane_s3(s3_uri("bench/big.parquet", proxy))
                    requests = counter.snapshot()
                    gets = [r for r in requests if r.method == "GET"]
                    cases["plane s3"]["get_requests"] = len(gets)
                    cases["plane s3"]["other_requests"] = len(requests) - len(gets)
                    cases["plane s3"]["bytes"] = sum(r.body_bytes for r in gets)
    print(json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "runs"}
                      for k, v in cases.items()}, indent=2))
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
