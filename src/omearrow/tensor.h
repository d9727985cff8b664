// A strided CPU tensor with an explicit owner of its memory.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "omearrow/dtype.h"

namespace omearrow {

// Pixels ready for export: `data` stays valid while `owner` is held. `strides` are in
// bytes. `read_only` is set when the memory is shared with Arrow storage (a zero-copy
// view) and must not be written; `is_copy` when it was freshly materialized for the
// caller alone.
struct Tensor {
  std::shared_ptr<const void> owner;
  const uint8_t* data = nullptr;
  DType dtype = DType::kUInt16;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;
  bool read_only = false;
  bool is_copy = false;

  int64_t num_elements() const;
  // True when strides are the C-contiguous strides of shape.
  bool is_c_contiguous() const;
};

}  // namespace omearrow
