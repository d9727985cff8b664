// Copies of exported tensors (DLPack consumers may ask for one with copy=True).
#pragma once

#include <arrow/result.h>

#include "omearrow/tensor/tensor.h"

namespace omearrow {

// A C-contiguous, 64-byte-aligned, writable copy of `tensor` (is_copy set); host
// tensors only (NotImplemented for device memory).
arrow::Result<Tensor> CopyTensor(const Tensor& tensor);

}  // namespace omearrow
