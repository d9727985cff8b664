// device="cuda" exports: a view materialized into pooled pinned host memory, copied
// asynchronously into new CUDA device memory on omearrow's copy stream.
#pragma once

#include <cstdint>
#include <memory>

#include <arrow/result.h>
#include <arrow/status.h>

#include "omearrow/pinned_pool.h"
#include "omearrow/tensor.h"
#include "omearrow/tensor_view.h"

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

// Materializes `view` in `order` into a pinned buffer leased from PinnedPool(), then on
// `device` (-1: the calling thread's current device): allocates device memory, enqueues
// the host→device copy on omearrow's non-blocking copy stream and records an event. The
// tensor: device {kDLCUDA, device}, the same shape/strides as Materialize(order),
// is_copy; `owner` frees the device memory (cudaFree, which waits for pending work);
// `pending` is the event (OrderBefore → cudaStreamWaitEvent; Wait → cudaEventSynchronize).
// The pinned buffer goes back to the pool, reusable once the event has completed. The
// calling thread's current device is left unchanged.
arrow::Result<Tensor> ExportToCuda(const TensorView& view, MemoryOrder order,
                                   int device = -1);

}  // namespace omearrow
