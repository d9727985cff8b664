#!/usr/bin/env python3
"""Times a decode-bound job on the scale-out engines (issue 15): the per-channel mean of
a collection of zstd byte-chunk images (>= 500 MB decoded), computed

  loop      a plain single-process omearrow loop (tensor_view(...).to_numpy() per
            image, NumPy sums): the baseline
  dask N    Collection.to_dask(chunks=whole image) .mean(axis=(0, 2, 3)) on a
            dask.distributed LocalCluster of N worker processes (1 thread each)
  ray N     omearrow.ray.read_ome_arrow(...).map_batches(channel sums) on a local Ray
            of 2 CPUs, N read tasks at a time (concurrency=N)

with N = 1 and 2. All engines are started first, then each of --repeat rounds runs
every case once in turn (after one untimed round: workers up, images opened), so load
changes on a shared machine hit every case alike. For the loop and Dask the CPU seconds
of the processes doing the work are taken too (process_time of this process / of every
Dask worker): decoded MB per CPU-second is the per-process throughput, which a machine
shared with other jobs distorts less than wall times. The report gives medians,
the scaling ratio t(1 worker) / t(2 workers) and the overhead ratio
t(engine, 1 worker) / t(loop). Every run's result is checked against the loop's.

Every process decodes on one thread (OMEARROW_NUM_THREADS=1, set here before omearrow is
imported and inherited by the workers; Dask's and Ray's workers also set
OMP_NUM_THREADS to their CPU share, which omearrow honours): a worker is one CPU's worth
of work, the loop is what one such worker would do alone, and two workers can use two
cores. `--threads N` changes the budget.

    python benchmarks/scaling.py [--images 64] [--repeat 3] [--ray-tasks 16] [--json-out scaling.json]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import statistics
import tempfile
import time

import numpy as np


def _thread_budget() -> str:
    """--threads N from the command line (default 1), before omearrow is imported."""
    import sys

    for i, arg in enumerate(sys.argv):
        if arg == "--threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if arg.startswith("--threads="):
            return arg.split("=", 1)[1]
    return "1"


os.environ["OMEARROW_NUM_THREADS"] = _thread_budget()

import omearrow  # noqa: E402

SHAPE = (4, 1024, 1024)  # C, Y, X: 8 MiB of uint16 per image
ROWS_PER_FILE = 4


def write_collection(directory: pathlib.Path, images: int) -> pathlib.Path:
    """`images` images of SHAPE (smooth background + 5-bit noise), 4 rows
    per file, zstd-1 byte chunks of 1 x 256 x 256."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:SHAPE[1], 0:SHAPE[2]]
    base = ((np.sin(yy / 97.0) + np.cos(xx / 61.0) + 2) * 2000).astype(np.uint16)
    for f in range(0, images, ROWS_PER_FILE):
        path = directory / f"scale_{f // ROWS_PER_FILE:04d}.parquet"
        if path.exists():
            continue
        batch = []
        for _ in range(min(ROWS_PER_FILE, images - f)):
            noise = rng.integers(0, 32, size=SHAPE, dtype=np.uint16)
            batch.append(base[None] + noise * np.arange(1, SHAPE[0] + 1, dtype=np.uint16)
                         [:, None, None])
        omearrow.write_parquet(batch, path, dim_order="CYX", chunk_shape=(1, 256, 256),
                               chunk_compression="zstd")
    return directory


def loop_job(collection) -> np.ndarray:
    sums = np.zeros(SHAPE[0], dtype=np.float64)
    for image in collection:
        pixels = image.tensor_view(layout="CYX").collect().to_numpy()
        sums += pixels.sum(axis=(1, 2), dtype=np.float64)
    return sums / (len(collection) * SHAPE[1] * SHAPE[2])


def _channel_sums(batch: dict) -> dict:
    tensor = batch["tensor"]  # (images, C, Y, X): every image has SHAPE
    sums = tensor.sum(axis=(0, 2, 3), dtype=np.float64)
    return {"sums": sums[None], "count": np.array([len(tensor)])}


def ray_job(collection, tasks: int, concurrency: int) -> np.ndarray:
    from omearrow.ray import read_ome_arrow

    ds = read_ome_arrow(collection, layout="CYX", columns=[], parallelism=tasks,
                        concurrency=concurrency)
    rows = ds.map_batches(_channel_sums, batch_size=None, batch_format="numpy",
                          concurrency=concurrency).take_all()
    sums = np.sum([r["sums"] for r in rows], axis=0)
    count = sum(int(r["count"]) for r in rows)
    return sums / (count * SHAPE[1] * SHAPE[2])


def run_cases(collection, engines: list[str], repeat: int, ray_tasks: int):
    """Every case's wall (and, where measurable, CPU) seconds: all engines are started
    first, then each round runs every case once, in turn, so a change of the machine's
    load during the benchmark affects every case alike."""
    from contextlib import ExitStack

    cases = {"loop": (lambda: loop_job(collection), time.process_time)}
    with ExitStack() as stack:
        if "dask" in engines:
            from dask.distributed import Client, LocalCluster

            for workers in (1, 2):
                cluster = stack.enter_context(LocalCluster(
                    n_workers=workers, processes=True, threads_per_worker=1,
                    host="127.0.0.1", dashboard_address=None))
                client = stack.enter_context(Client(cluster, set_as_default=False))
                job = collection.to_dask(layout="CYX", chunks=SHAPE).mean(
                    axis=(0, 2, 3), dtype=np.float64)
                cases[f"dask {workers}"] = (
                    lambda client=client, job=job: client.compute(job).result(),
                    lambda client=client: sum(client.run(time.process_time).values()),
                )
        if "ray" in engines:
            # A single local node: every Ray server on 127.0.0.1 (read when Ray is
            # imported; as a cluster node Ray binds the machine's address).
            os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
            import ray

            # One Ray of 2 CPUs; "ray 1" runs its read (and fused map) tasks one at a time.
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
                     _node_ip_address="127.0.0.1")
            stack.callback(ray.shutdown)
            context = ray.data.DataContext.get_current()
            context.enable_progress_bars = False
            context.print_on_execution_start = False
            for workers in (1, 2):
                cases[f"ray {workers}"] = (
                    lambda workers=workers: ray_job(collection, ray_tasks, workers), None)
        expected = loop_job(collection)
        for name, (fn, _) in cases.items():  # warm-up: workers up, images opened
            check(name, fn(), expected)
        wall: dict[str, list[float]] = {name: [] for name in cases}
        cpu: dict[str, list[float]] = {name: [] for name, c in cases.items() if c[1]}
        for _ in range(repeat):
            for name, (fn, cpu_fn) in cases.items():
                cpu_start = cpu_fn() if cpu_fn else 0.0
                start = time.perf_counter()
                result = fn()
                wall[name].append(time.perf_counter() - start)
                if cpu_fn:
                    cpu[name].append(cpu_fn() - cpu_start)
                check(name, result, expected)
    return wall, cpu


def check(name: str, result: np.ndarray, expected: np.ndarray) -> None:
    if not np.allclose(result, expected, rtol=1e-12):
        raise AssertionError(f"{name}: wrong result {result} != {expected}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=pathlib.Path,
                        default=pathlib.Path(tempfile.gettempdir()) / "omearrow-scaling")
    parser.add_argument("--engines", default="dask,ray")
    parser.add_argument("--ray-tasks", type=int, default=16,
                        help="read tasks of the Ray job (read_ome_arrow parallelism)")
    parser.add_argument("--threads", type=int, default=1,
                        help="omearrow threads per process (OMEARROW_NUM_THREADS)")
    parser.add_argument("--json-out", type=pathlib.Path)
    args = parser.parse_args()

    write_collection(args.dir, args.images)
    collection = omearrow.open_collection(str(args.dir))
    collection = collection.take(range(args.images))
    decoded = args.images * SHAPE[0] * SHAPE[1] * SHAPE[2] * 2
    stored = sum(p.stat().st_size for p in args.dir.glob("*.parquet"))
    print(f"{len(collection)} images, {decoded / 1e6:.0f} MB decoded, "
          f"{stored / 1e6:.0f} MB stored (zstd-1 byte chunks 1x256x256)")

    engines = [e for e in args.engines.split(",") if e]
    results, cpu = run_cases(collection, engines, args.repeat, args.ray_tasks)
    for name, times in results.items():
        print(f"{name}: {[round(t, 3) for t in times]}")

    med = {k: statistics.median(v) for k, v in results.items()}
    summary = {}
    cpu_med = {k: statistics.median(v) for k, v in cpu.items()}
    print(f"\n{'case':10} {'median s':>9} {'MB/s':>8} {'CPU s':>7} {'MB/CPU-s':>9}")
    for k, v in med.items():
        line = f"{k:10} {v:9.3f} {decoded / 1e6 / v:8.0f}"
        if k in cpu_med:
            line += f" {cpu_med[k]:7.2f} {decoded / 1e6 / cpu_med[k]:9.0f}"
        print(line)
    for engine in engines:
        scaling = med[f"{engine} 1"] / med[f"{engine} 2"]
        overhead = med[f"{engine} 1"] / med["loop"]
        summary[engine] = {"scaling_ratio": scaling, "overhead_ratio": overhead}
        print(f"{engine}: scaling {scaling:.2f}x (1 -> 2 workers), overhead "
              f"{overhead:.2f}x (1 worker vs the loop)")
    if args.json_out:
        args.json_out.write_text(json.dumps({
            "images": args.images, "ray_tasks": args.ray_tasks, "threads_per_process": args.threads,
            "decoded_bytes": decoded, "stored_bytes": stored,
            "shape_cyx": SHAPE, "repeat": args.repeat, "times_s": results,
            "medians_s": med, "summary": summary, "cpu_s": cpu, "cpu_medians_s": cpu_med,
            "machine": {"cpus": os.cpu_count(), "load_avg": os.getloadavg(),
                        "python": platform.python_version()},
        }, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
