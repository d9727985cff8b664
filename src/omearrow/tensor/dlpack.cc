#include "omearrow/tensor/dlpack.h"

#include <memory>

#include <arrow/status.h>

namespace omearrow {
namespace {

// Everything the managed tensor points into, freed by the deleter.
template <typename Managed>
struct ExportContext {
  Managed managed{};
  Tensor tensor;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;  // in elements, as DLPack wants
};

template <typename Managed>
arrow::Result<ExportContext<Managed>*> Fill(Tensor tensor) {
  if (tensor.data == nullptr && tensor.num_elements() != 0) {
    return arrow::Status::Invalid("cannot export a tensor without data");
  }
  auto context = std::make_unique<ExportContext<Managed>>();
  const int64_t itemsize = ItemSize(tensor.dtype);
  context->shape = tensor.shape;
  for (int64_t stride : tensor.strides) {
    if (stride % itemsize != 0) {
      return arrow::Status::Invalid("stride ", stride, " is not a multiple of the item size");
    }
    context->strides.push_back(stride / itemsize);
  }
  context->tensor = std::move(tensor);
  DLTensor& dl = context->managed.dl_tensor;
  dl.data = const_cast<uint8_t*>(context->tensor.data);
  dl.device = context->tensor.device;
  dl.ndim = static_cast<int32_t>(context->shape.size());
  dl.dtype = ToDLDataType(context->tensor.dtype);
  dl.shape = context->shape.data();
  dl.strides = context->strides.data();
  dl.byte_offset = 0;
  context->managed.manager_ctx = context.get();
  return context.release();
}

}  // namespace

DLDataType ToDLDataType(DType dtype) {
  const auto bits = static_cast<uint8_t>(ItemSize(dtype) * 8);
  switch (dtype) {
    case DType::kFloat32:
    case DType::kFloat64:
      return DLDataType{kDLFloat, bits, 1};
    case DType::kInt8:
    case DType::kInt16:
    case DType::kInt32:
    case DType::kInt64:
      return DLDataType{kDLInt, bits, 1};
    default:
      return DLDataType{kDLUInt, bits, 1};
  }
}

arrow::Result<DLManagedTensorVersioned*> ExportVersioned(Tensor tensor) {
  const bool read_only = tensor.read_only, is_copy = tensor.is_copy;
  ARROW_ASSIGN_OR_RAISE(auto* context, Fill<DLManagedTensorVersioned>(std::move(tensor)));
  DLManagedTensorVersioned& managed = context->managed;
  managed.version = DLPackVersion{DLPACK_MAJOR_VERSION, DLPACK_MINOR_VERSION};
  managed.flags = (read_only ? DLPACK_FLAG_BITMASK_READ_ONLY : 0) |
                  (is_copy ? DLPACK_FLAG_BITMASK_IS_COPIED : 0);
  managed.deleter = [](DLManagedTensorVersioned* self) {
    delete static_cast<ExportContext<DLManagedTensorVersioned>*>(self->manager_ctx);
  };
  return &managed;
}

arrow::Result<DLManagedTensor*> ExportLegacy(Tensor tensor) {
  ARROW_ASSIGN_OR_RAISE(auto* context, Fill<DLManagedTensor>(std::move(tensor)));
  context->managed.deleter = [](DLManagedTensor* self) {
    delete static_cast<ExportContext<DLManagedTensor>*>(self->manager_ctx);
  };
  return &context->managed;
}

}  // namespace omearrow
