// A strided tensor (host or CUDA device memory) with an explicit owner of its memory.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <arrow/c/dlpack_abi.h>
#include <arrow/status.h>

#include "omearrow/tensor/dtype.h"

namespace omearrow {

// Producer work still writing a device tensor (the asynchronous host→device copy of a
// CUDA export). A consumer must order its own work after it before reading the data.
class PendingWork {
 public:
  virtual ~PendingWork() = default;
  // Makes the consumer's CUDA stream `stream` (a cudaStream_t; 1 = legacy default
  // stream, 2 = per-thread default stream) wait for the work, without blocking the host.
  virtual arrow::Status OrderBefore(uintptr_t stream) const = 0;
  // Blocks the calling thread until the work has finished.
  virtual arrow::Status Wait() const = 0;
};

// Pixels ready for export: `data` stays valid while `owner` is held. `strides` are in
// bytes. `read_only` is set when the memory is shared with Arrow storage (a zero-copy
// view) and must not be written; `is_copy` when it was freshly materialized for the
// caller alone. `device` says where `data` lives (kDLCPU, or kDLCUDA and the device id:
// device memory must not be read on the host); `pending`, when set, is producer work
// the consumer must order its reads after (PendingWork).
struct Tensor {
  std::shared_ptr<const void> owner;
  const uint8_t* data = nullptr;
  DType dtype = DType::kUInt16;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;
  bool read_only = false;
  bool is_copy = false;
  DLDevice device{kDLCPU, 0};
  std::shared_ptr<const PendingWork> pending;

  bool on_host() const { return device.device_type == kDLCPU; }

  int64_t num_elements() const;
  // True when strides are the C-contiguous strides of shape.
  bool is_c_contiguous() const;
};

}  // namespace omearrow
