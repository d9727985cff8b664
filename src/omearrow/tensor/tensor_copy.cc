#include "omearrow/tensor/tensor_copy.h"

#include <cstring>
#include <memory>
#include <vector>

#include "omearrow/util/aligned_buffer.h"

namespace omearrow {

arrow::Result<Tensor> CopyTensor(const Tensor& tensor) {
  if (!tensor.on_host()) {
    return arrow::Status::NotImplemented("cannot copy a tensor that is not in host memory");
  }
  const int64_t itemsize = ItemSize(tensor.dtype);
  const int64_t n = tensor.num_elements();
  ARROW_ASSIGN_OR_RAISE(std::shared_ptr<arrow::Buffer> buffer, AllocateAligned(n * itemsize));
  uint8_t* out = buffer->mutable_data();
  const size_t ndim = tensor.shape.size();
  if (n > 0) {
    // Walk the source in C order with an odometer over all axes but the last.
    std::vector<int64_t> index(ndim, 0);
    const int64_t inner = ndim == 0 ? 1 : tensor.shape[ndim - 1];
    const int64_t inner_stride = ndim == 0 ? itemsize : tensor.strides[ndim - 1];
    for (int64_t done = 0; done < n; done += inner) {
      const uint8_t* src = tensor.data;
      for (size_t axis = 0; axis + 1 < ndim; ++axis) src += index[axis] * tensor.strides[axis];
      if (inner_stride == itemsize) {
        std::memcpy(out, src, static_cast<size_t>(inner * itemsize));
        out += inner * itemsize;
      } else {
        for (int64_t i = 0; i < inner; ++i, out += itemsize) {
          std::memcpy(out, src + i * inner_stride, static_cast<size_t>(itemsize));
        }
      }
      for (size_t axis = ndim > 0 ? ndim - 1 : 0; axis-- > 0;) {
        if (++index[axis] < tensor.shape[axis]) break;
        index[axis] = 0;
      }
    }
  }
  Tensor copy;
  copy.data = buffer->data();
  copy.owner = std::move(buffer);
  copy.dtype = tensor.dtype;
  copy.shape = tensor.shape;
  copy.strides.resize(ndim);
  int64_t stride = itemsize;
  for (size_t axis = ndim; axis-- > 0;) {
    copy.strides[axis] = stride;
    stride *= tensor.shape[axis];
  }
  copy.is_copy = true;
  return copy;
}

}  // namespace omearrow
