#include "omearrow/tensor/tensor.h"

namespace omearrow {

int64_t Tensor::num_elements() const {
  int64_t n = 1;
  for (int64_t extent : shape) n *= extent;
  return n;
}

bool Tensor::is_c_contiguous() const {
  int64_t expected = ItemSize(dtype);
  for (size_t i = shape.size(); i-- > 0;) {
    if (shape[i] != 1 && strides[i] != expected) return false;
    expected *= shape[i];
  }
  return true;
}

}  // namespace omearrow
