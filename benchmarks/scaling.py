#!/usr/bin/env python3
"""Times a decode-bound job on the scale-out engines (issue 15): the per-channel mean of
a collection of zstd byte-chunk images (>= 500 MB decoded), computed

  loop      a plain single-process omearrow loop (tensor_view(...).to_numpy() per
            image, NumPy sums): the baseline, run in a process of its own that hosts no
            engine (Dask's scheduler and Ray's driver live in this one)
  dask N    Collection.to_dask(chunks=whole image) .mean(axis=(0, 2, 3)) on a
            dask.distributed LocalCluster of N worker processes (1 thread each)
  ray N     omearrow.ray.read_ome_arrow(...).map_batches(channel sums) on a local Ray
            of 2 CPUs, N tasks at a time: the reduction runs in the worker, fused with
            the read (one task reads and reduces; only the sums reach the driver)
  ray-unreserved 2
            ray 2 with Ray Data's per-operator resource reservation off
            (DataContext.op_resource_reservation_enabled = False)
  ray-driver N
            the same dataset consumed on the driver the way a training loop consumes
            it (iter_batches, the sums taken in the driver): every decoded pixel goes
            through Ray's object store to the driver process, which also needs CPU

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

For Ray the report also gives how many tasks ran on average (the sum of the tasks'
remote wall times from ``ds.stats()`` over the job's wall time): 2 tasks at a time
that never overlap show up as ~1.

    python benchmarks/scaling.py [--images 256] [--repeat 3] [--ray-tasks 16] [--json-out scaling.json]

The default (256 images, 2.1 GB decoded, ~2 GB of files written once under --dir) takes
a few seconds per case on one core, so fixed per-job costs (scheduling, worker start of
a Ray job's first task) do not dominate.
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


class LoopProcess:
    """The plain loop in a process of its own, which hosts no engine (in this process
    Dask's scheduler and Ray's driver threads would share its CPU and its GIL): it waits
    for a line on stdin, runs loop_job once and answers with its wall and CPU seconds."""

    def __init__(self, directory: pathlib.Path, images: int) -> None:
        import subprocess
        import sys

        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--loop-child", "--dir", str(directory),
             "--images", str(images)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.cpu = 0.0

    def run(self) -> np.ndarray:
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        self.cpu = answer["cpu_s"]
        return np.array(answer["means"])

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def loop_child(directory: pathlib.Path, images: int) -> int:
    import sys

    collection = omearrow.open_collection(str(directory)).take(range(images))
    for _ in sys.stdin:
        cpu = time.process_time()
        means = loop_job(collection)
        print(json.dumps({"means": means.tolist(), "cpu_s": time.process_time() - cpu}),
              flush=True)
    return 0


def _drop_worker_images() -> None:
    """Forgets the images this process opened for engine blocks. A worker keeps up to 256
    opened images, each with its decoded-chunk cache (256 MiB by default): without this,
    every run after the first would read the workers' decoded chunks instead of decoding
    (the loop reopens, and decodes, every image on every run)."""
    from omearrow import _plan

    _plan._clear_cache()


def _channel_sums(batch: dict) -> dict:
    tensor = batch["tensor"]  # (images, C, Y, X): every image has SHAPE
    sums = tensor.sum(axis=(0, 2, 3), dtype=np.float64)
    _drop_worker_images()  # after the task's images were read
    return {"sums": sums[None], "count": np.array([len(tensor)])}


def _passing_through(batch: dict) -> dict:
    """The batch itself (fused with the read task): drops the worker's images."""
    _drop_worker_images()
    return batch


_RAY_TASK_SECONDS: list[float] = []  # per Ray run: the sum of its tasks' wall times


def _task_seconds(stats: str) -> float:
    """The sum of the tasks' remote wall times over every operator of ``ds.stats()``."""
    import re

    total = 0.0
    for value, unit in re.findall(r"Remote wall time: .*?, ([\d.]+)(us|ms|s) total", stats):
        total += float(value) / {"us": 1e6, "ms": 1e3, "s": 1.0}[unit]
    return total


def ray_job(collection, tasks: int, concurrency: int, reservation: bool = True) -> np.ndarray:
    """The reduction in the workers: read and map_batches fuse into one task per read
    task, which returns the sums of its images only. `reservation`: Ray Data's per-operator
    resource reservation (its default; off, the fused operator may use both CPUs)."""
    import ray
    from omearrow.ray import read_ome_arrow

    ray.data.DataContext.get_current().op_resource_reservation_enabled = reservation
    ds = read_ome_arrow(collection, layout="CYX", columns=[], parallelism=tasks,
                        concurrency=concurrency)
    ds = ds.map_batches(_channel_sums, batch_size=None, batch_format="numpy",
                        compute=ray.data.TaskPoolStrategy(size=concurrency))
    rows = ds.take_all()
    _RAY_TASK_SECONDS.append(_task_seconds(ds.stats()))
    sums = np.sum([r["sums"] for r in rows], axis=0)
    count = sum(int(r["count"]) for r in rows)
    return sums / (count * SHAPE[1] * SHAPE[2])


def ray_driver_job(collection, tasks: int, concurrency: int) -> np.ndarray:
    """Consumed like a training loop: batches of decoded images arrive in the driver
    (through the object store), which reduces them."""
    import ray
    from omearrow.ray import read_ome_arrow

    ray.data.DataContext.get_current().op_resource_reservation_enabled = True
    ds = read_ome_arrow(collection, layout="CYX", columns=[], parallelism=tasks,
                        concurrency=concurrency)
    ds = ds.map_batches(_passing_through, batch_size=None, batch_format="numpy",
                        zero_copy_batch=True,
                        compute=ray.data.TaskPoolStrategy(size=concurrency))
    sums = np.zeros(SHAPE[0], dtype=np.float64)
    count = 0
    for batch in ds.iter_batches(batch_size=None, batch_format="numpy", prefetch_batches=2):
        tensor = batch["tensor"]
        sums += tensor.sum(axis=(0, 2, 3), dtype=np.float64)
        count += len(tensor)
    _RAY_TASK_SECONDS.append(_task_seconds(ds.stats()))
    return sums / (count * SHAPE[1] * SHAPE[2])


def run_cases(collection, engines: list[str], repeat: int, ray_tasks: int,
              directory: pathlib.Path, images: int):
    """Every case's wall (and, where measurable, CPU) seconds: all engines are started
    first, then each round runs every case once, in turn, so a change of the machine's
    load during the benchmark affects every case alike."""
    from contextlib import ExitStack

    with ExitStack() as stack:
        loop = LoopProcess(directory, images)
        stack.callback(loop.close)
        # The CPU "counter" of the loop: the seconds its last run took in the child.
        cases = {"loop": (loop.run, lambda: loop.cpu)}
        if "dask" in engines:
            from dask.distributed import Client, LocalCluster

            for workers in (1, 2):
                cluster = stack.enter_context(LocalCluster(
                    n_workers=workers, processes=True, threads_per_worker=1,
                    host="127.0.0.1", dashboard_address=None))
                client = stack.enter_context(Client(cluster, set_as_default=False))
                job = collection.to_dask(layout="CYX", chunks=SHAPE).mean(
                    axis=(0, 2, 3), dtype=np.float64)
                def dask_run(client=client, job=job):
                    client.run(_drop_worker_images)  # (a few ms) cold worker caches
                    return client.compute(job).result()

                cases[f"dask {workers}"] = (
                    dask_run,
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
            for job in ("ray", "ray-driver"):
                fn = ray_job if job == "ray" else ray_driver_job
                for workers in (1, 2):
                    cases[f"{job} {workers}"] = (
                        lambda fn=fn, workers=workers: fn(collection, ray_tasks, workers),
                        None)
            # Ray Data reserves part of the CPUs per operator: on a 2-CPU Ray the one
            # (fused) operator ran its 2 allowed tasks mostly one at a time.
            cases["ray-unreserved 2"] = (
                lambda: ray_job(collection, ray_tasks, 2, reservation=False), None)
        expected = loop_job(collection)
        for name, (fn, _) in cases.items():  # warm-up: workers up, images opened
            check(name, fn(), expected)
        wall: dict[str, list[float]] = {name: [] for name in cases}
        cpu: dict[str, list[float]] = {name: [] for name, c in cases.items() if c[1]}
        running: dict[str, list[float]] = {name: [] for name in cases if name.startswith("ray")}
        load: list[float] = []
        for _ in range(repeat):
            load.append(os.getloadavg()[0])
            for name, (fn, cpu_fn) in cases.items():
                cpu_start = cpu_fn() if cpu_fn else 0.0
                del _RAY_TASK_SECONDS[:]
                start = time.perf_counter()
                result = fn()
                wall[name].append(time.perf_counter() - start)
                if cpu_fn:
                    cpu[name].append(cpu_fn() if name == "loop" else cpu_fn() - cpu_start)
                if name in running:
                    running[name].append(_RAY_TASK_SECONDS[0] / wall[name][-1])
                check(name, result, expected)
        load.append(os.getloadavg()[0])
    return wall, cpu, running, load


def check(name: str, result: np.ndarray, expected: np.ndarray) -> None:
    if not np.allclose(result, expected, rtol=1e-12):
        raise AssertionError(f"{name}: wrong result {result} != {expected}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=pathlib.Path,
                        default=pathlib.Path(tempfile.gettempdir()) / "omearrow-scaling")
    parser.add_argument("--engines", default="dask,ray")
    parser.add_argument("--ray-tasks", type=int, default=16,
                        help="read tasks of the Ray job (read_ome_arrow parallelism)")
    parser.add_argument("--threads", type=int, default=1,
                        help="omearrow threads per process (OMEARROW_NUM_THREADS)")
    parser.add_argument("--json-out", type=pathlib.Path)
    parser.add_argument("--loop-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.loop_child:
        return loop_child(args.dir, args.images)

    write_collection(args.dir, args.images)
    collection = omearrow.open_collection(str(args.dir))
    collection = collection.take(range(args.images))
    decoded = args.images * SHAPE[0] * SHAPE[1] * SHAPE[2] * 2
    stored = sum(p.stat().st_size for p in args.dir.glob("*.parquet"))
    print(f"{len(collection)} images, {decoded / 1e6:.0f} MB decoded, "
          f"{stored / 1e6:.0f} MB stored (zstd-1 byte chunks 1x256x256)")

    engines = [e for e in args.engines.split(",") if e]
    print(f"load average before: {os.getloadavg()} on {os.cpu_count()} CPUs")
    results, cpu, running, load = run_cases(collection, engines, args.repeat, args.ray_tasks,
                                            args.dir, args.images)
    for name, times in results.items():
        print(f"{name}: {[round(t, 3) for t in times]}")

    med = {k: statistics.median(v) for k, v in results.items()}
    summary = {}
    cpu_med = {k: statistics.median(v) for k, v in cpu.items()}
    running_med = {k: statistics.median(v) for k, v in running.items()}
    print(f"\n{'case':12} {'median s':>9} {'MB/s':>8} {'CPU s':>7} {'MB/CPU-s':>9} "
          f"{'tasks running':>13}")
    for k, v in med.items():
        line = f"{k:12} {v:9.3f} {decoded / 1e6 / v:8.0f}"
        line += (f" {cpu_med[k]:7.2f} {decoded / 1e6 / cpu_med[k]:9.0f}" if k in cpu_med
                 else f" {'':7} {'':9}")
        if k in running_med:
            line += f" {running_med[k]:13.2f}"
        print(line)
    print(f"load average (1 min) at each round's start and at the end: {load}")
    families = [(e, e) for e in ("dask", "ray", "ray-driver")
                if f"{e} 1" in med and f"{e} 2" in med]
    if "ray-unreserved 2" in med:
        families.append(("ray-unreserved", "ray"))
    for engine, one in families:
        scaling = med[f"{one} 1"] / med[f"{engine} 2"]
        overhead = med[f"{one} 1"] / med["loop"]
        summary[engine] = {"scaling_ratio": scaling, "overhead_ratio": overhead}
        print(f"{engine}: scaling {scaling:.2f}x (1 -> 2 workers; target >= 1.7), overhead "
              f"{overhead:.2f}x (1 worker vs the loop; target <= 1.15)")
    if args.json_out:
        args.json_out.write_text(json.dumps({
            "images": args.images, "ray_tasks": args.ray_tasks, "threads_per_process": args.threads,
            "decoded_bytes": decoded, "stored_bytes": stored,
            "shape_cyx": SHAPE, "repeat": args.repeat, "times_s": results,
            "medians_s": med, "summary": summary, "cpu_s": cpu, "cpu_medians_s": cpu_med,
            "ray_tasks_running": running, "load_avg_1min_per_round": load,
            "machine": {"cpus": os.cpu_count(), "load_avg": os.getloadavg(),
                        "python": platform.python_version()},
        }, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
