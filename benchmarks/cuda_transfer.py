#!/usr/bin/env python3
"""Host→device throughput of device="cuda" exports (needs an NVIDIA GPU and PyTorch with CUDA).

Cases, on a 64 MiB selection (1×1×8×2048×2048 uint16, planes encoding, layout ZYX):
  * omearrow: view.to_dlpack(device="cuda", mode="numpy") consumed by torch.from_dlpack
    (materialize into pooled pinned memory + async copy on omearrow's stream; the consumer
    stream waits on the copy event), end to end until the data is on the device;
  * the same selection's host materialization alone (to_dlpack(device="cpu")), for context;
  * cudaMemcpyAsync from pinned memory via torch (pinned.to("cuda", non_blocking=True)): the
    link's ceiling;
  * the reference's path: ome_arrow.tensor.TensorView(...).to_dlpack(device="cuda") (to_numpy
    → torch.from_numpy → .to("cuda"), pageable); emulated with omearrow's to_numpy when the
    reference package is not importable (marked "emulated");
  * tile iteration to the GPU: iter_dlpack(tile_size=(256, 256), device="cuda") over the same
    image with prefetch 0, 2, 4, the consumer running a small torch op per tile.
Prints one JSON object (GB/s = bytes moved / wall seconds, median of --repeat runs).

    python benchmarks/cuda_transfer.py [--repeat 5] [--json-out f.json]

Without a CUDA device it exits with status 2 and says why.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from typing import Callable

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python", "tests"))

import omearrow  # noqa: E402
from omearrow import _core  # noqa: E402
from records import make_record  # noqa: E402

SIZE = 2048
PLANES = 8
TILE = 256
NBYTES = PLANES * SIZE * SIZE * 2  # 64 MiB


def fail(message: str) -> None:
    print(f"cuda_transfer.py: {message}", file=sys.stderr)
    sys.exit(2)


def median_seconds(run: Callable[[], None], repeat: int) -> float:
    run()  # warm-up (pinned pool, CUDA context, caches)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json-out")
    args = parser.parse_args()

    status = _core.cuda_status()
    if status is not None:
        fail(f"no GPU: {status}")
    try:
        import torch
    except ImportError:
        fail("PyTorch is needed to consume and time the device tensors")
    if not torch.cuda.is_available():
        fail("this PyTorch build has no CUDA (install a CUDA build of torch)")

    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 60000, size=(1, 1, PLANES, SIZE, SIZE), dtype=np.uint16)
    record = make_record(pixels, encoding="planes")
    view = omearrow.TensorView(record, t=0, c=0, layout="ZYX")
    assert view.to_numpy().nbytes == NBYTES
    results: dict[str, dict] = {}

    def gbps(seconds: float, nbytes: int = NBYTES) -> float:
        return round(nbytes / seconds / 1e9, 3)

    def omearrow_cuda() -> None:
        tensor = torch.from_dlpack(view.to_dlpack(device="cuda", mode="numpy"))
        torch.cuda.current_stream().synchronize()
        del tensor

    def host_only() -> None:
        np.from_dlpack(view.to_dlpack(device="cpu", mode="numpy"))

    pinned = torch.from_numpy(view.to_numpy().copy()).pin_memory()
    device_buffer = torch.empty_like(pinned, device="cuda")

    def pinned_copy() -> None:
        device_buffer.copy_(pinned, non_blocking=True)
        torch.cuda.current_stream().synchronize()

    try:
        from ome_arrow.tensor import TensorView as ReferenceView  # type: ignore

        reference = ReferenceView(record, t=0, c=0, layout="ZYX")
        reference_note = "reference ome_arrow"

        def reference_cuda() -> None:
            tensor = torch.from_dlpack(reference.to_dlpack(device="cuda", mode="numpy"))
            torch.cuda.current_stream().synchronize()
            del tensor
    except Exception as exc:  # not installed: the same steps on omearrow's to_numpy
        reference_note = f"emulated (ome_arrow not importable: {type(exc).__name__})"

        def reference_cuda() -> None:
            fresh = omearrow.TensorView(record, t=0, c=0, layout="ZYX")  # no cached array
            tensor = torch.from_numpy(fresh.to_numpy()).to(device="cuda")
            torch.cuda.current_stream().synchronize()
            del tensor

    for name, run in [("omearrow_to_dlpack_cuda", omearrow_cuda),
                      ("omearrow_host_materialize_only", host_only),
                      ("torch_pinned_cudaMemcpyAsync", pinned_copy),
                      ("reference_torch_path", reference_cuda)]:
        seconds = median_seconds(run, args.repeat)
        results[name] = {"seconds": round(seconds, 6), "GB/s": gbps(seconds)}
    results["reference_torch_path"]["note"] = reference_note

    full = omearrow.TensorView(record, t=0, c=0)
    tiles = (SIZE // TILE) ** 2 * PLANES
    for prefetch in (0, 2, 4):
        def iterate(prefetch: int = prefetch) -> None:
            total = torch.zeros((), device="cuda", dtype=torch.float64)
            for item in full.iter_dlpack(tile_size=(TILE, TILE), device="cuda", mode="numpy",
                                         prefetch=prefetch):
                total += torch.from_dlpack(item).double().mean()  # the consumer's work
            torch.cuda.current_stream().synchronize()

        seconds = median_seconds(iterate, max(1, args.repeat // 2))
        results[f"tiles_to_gpu_prefetch_{prefetch}"] = {
            "seconds": round(seconds, 6), "tiles/s": round(tiles / seconds, 1),
            "GB/s": gbps(seconds)}

    report = {
        "benchmark": "cuda_transfer",
        "selection_bytes": NBYTES,
        "tile": [TILE, TILE],
        "device": torch.cuda.get_device_name(),
        "torch": torch.__version__,
        "host": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "results": results,
        "memory": _core.cuda_memory_stats(),
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.json_out:
        with open(args.json_out, "w") as out:
            out.write(text + "\n")


if __name__ == "__main__":
    main()
