// device="cuda" exports: a view materialized into pooled pinned host memory, copied
// asynchronously into new CUDA device memory on omearrow's copy stream.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include <arrow/result.h>
#include <arrow/status.h>

#include "omearrow/cuda/pinned_pool.h"
#include "omearrow/tensor/tensor.h"

namespace omearrow {

// OK when CUDA can be used (runtime loaded, at least one device); otherwise
// ExecutionError "CUDA was requested but no CUDA runtime or device is available (why)".
arrow::Status CudaAvailable();

// The calling thread's current CUDA device (fails as CudaAvailable when unavailable).
arrow::Result<int> CurrentCudaDevice();

// Environment variable bounding the pinned staging pool in bytes (default 1 GiB).
inline constexpr const char* kPinnedPoolBytesEnv = "OMEARROW_PINNED_POOL_BYTES";

// The process's pinned staging pool (cudaMallocHost/cudaFreeHost), created on first use.
arrow::Result<std::shared_ptr<HostBufferPool>> PinnedPool();

// Device memory currently held by CUDA exports (live tensors), for leak checks.
struct CudaExportStats {
  int64_t live_allocations = 0;
  int64_t live_bytes = 0;
};
CudaExportStats GetCudaExportStats();

// Writes the tensor to export into `capacity` bytes of host memory at `destination`
// (nullptr when capacity is 0) and returns its description (shape, strides, dtype).
using HostTensorFill =
    std::function<arrow::Result<Tensor>(uint8_t* destination, int64_t capacity)>;

// Exports a tensor of `bytes` bytes to `device` (-1: the calling thread's current
// device): `fill` writes it into a pinned buffer leased from PinnedPool(), then device
// memory is allocated, the host→device copy is enqueued on omearrow's non-blocking copy
// stream and an event recorded. The tensor: device {kDLCUDA, device}, the shape/strides
// `fill` returned, is_copy; `owner` frees the device memory (cudaFree, which waits for
// pending work); `pending` is the event (OrderBefore → cudaStreamWaitEvent; Wait →
// cudaEventSynchronize). The pinned buffer goes back to the pool, reusable once the
// event has completed. The calling thread's current device is left unchanged. The view
// core calls this with a materialization (TensorView::Export with device="cuda").
arrow::Result<Tensor> ExportToCuda(int64_t bytes, const HostTensorFill& fill,
                                   int device = -1);

}  // namespace omearrow
