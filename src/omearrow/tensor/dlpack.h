// DLPack producer: hands a Tensor to any DLPack consumer with its owner attached.
#pragma once

#include <arrow/c/dlpack_abi.h>
#include <arrow/result.h>

#include "omearrow/tensor/tensor.h"

namespace omearrow {

// The DLPack dtype of a pixel dtype.
DLDataType ToDLDataType(DType dtype);

// Exports `tensor` as a versioned DLPack tensor (DLPack 1.x). The consumer owns the result
// and must call its deleter exactly once; until then the tensor's owner is kept alive.
// flags: READ_ONLY when the tensor is read-only (shared with Arrow), IS_COPIED when it was
// freshly materialized. Device: the tensor's (kDLCPU 0, or kDLCUDA and its id). Pending
// producer work (Tensor::pending) is not waited for: order it before the consumer reads.
arrow::Result<DLManagedTensorVersioned*> ExportVersioned(Tensor tensor);

// The same as a legacy (pre-1.0, unversioned) DLManagedTensor, for consumers that do not
// ask for versioned capsules. It carries no flags.
arrow::Result<DLManagedTensor*> ExportLegacy(Tensor tensor);

}  // namespace omearrow
