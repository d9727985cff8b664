// Images over dense in-memory arrays (e.g. NumPy arrays), for conversion and writing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <arrow/result.h>

#include "omearrow/image.h"

namespace omearrow {

// A strided N-d array in host memory whose axes are named by `dim_order` (letters of
// T, C, Z, Y, X; Y and X required; others default to size 1). `owner` keeps `data` alive.
struct DenseArray {
  const void* data = nullptr;
  DType dtype = DType::kUInt16;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;  // bytes; empty = C-contiguous
  std::string dim_order = "TCZYX";
  std::shared_ptr<const void> owner;
};

// Descriptive fields for an image made from an array.
struct DenseImageInfo {
  std::string id = "unnamed";
  std::string name = "unknown";
  std::string image_type = "image";
  std::vector<std::string> channel_names;  // default C0..C{n-1}
  double physical_size_x = 1.0, physical_size_y = 1.0, physical_size_z = 1.0;
  std::string physical_size_unit = "µm";
};

// An Image whose pixels are read in place from `array` (no copy). Errors: bad dim_order
// ("dim_order must use the letters T, C, Z, Y, X without repeats", "dim_order must
// include Y and X"), rank mismatch, non-positive sizes, a negative stride.
arrow::Result<std::shared_ptr<const Image>> ImageFromDense(const DenseArray& array,
                                                           const DenseImageInfo& info = {});

}  // namespace omearrow
