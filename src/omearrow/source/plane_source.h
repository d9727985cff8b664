// Pixels stored as the `planes` list: one flattened Y×X plane per (t, c, z).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "omearrow/image.h"
#include "omearrow/pixel_source.h"
#include "omearrow/util/struct_row.h"

namespace omearrow {

// Serves planes straight from the Arrow values buffer of `planes[*].pixels` (no copy).
// A (t, c, z) with no stored plane reads as zeros; a repeated (t, c, z) keeps the last.
class ArrowPlaneSource final : public PixelSource {
 public:
  // `planes` is the record's planes list value (elements of a struct array with fields
  // z, t, c, pixels in any order and any integer width; pixels any numeric list type).
  static arrow::Result<std::shared_ptr<const ArrowPlaneSource>> Make(
      const internal::ListRange& planes, const PixelsMeta& meta);

  PixelEncoding encoding() const override { return PixelEncoding::kPlanes; }
  arrow::Status GetPlaneBlocks(const PlaneIndex& index, const Rect& window,
                               std::vector<PlaneBlock>* blocks,
                               std::vector<std::shared_ptr<const void>>* pins) const override;
  arrow::Result<StoredValues> GetStoredValues(const PlaneIndex& index,
                                              const Rect& roi) const override;

  int64_t num_stored_planes() const { return static_cast<int64_t>(plane_start_.size()); }

 private:
  ArrowPlaneSource() = default;
  int64_t PlaneSlot(int64_t t, int64_t c, int64_t z) const {
    return (t * size_c_ + c) * size_z_ + z;
  }

  std::shared_ptr<arrow::Array> values_;  // all planes' pixels, back to back
  DType dtype_ = DType::kUInt16;
  const uint8_t* base_ = nullptr;         // element 0 of values_
  std::vector<int64_t> plane_start_;      // per stored plane: first element in values_
  std::vector<int32_t> slot_to_plane_;    // per (t, c, z): stored plane or -1
  int64_t size_x_ = 0, size_y_ = 0, size_z_ = 0, size_c_ = 0, size_t_ = 0;
};

// Numeric values of a list's child array: dtype and a pointer to logical element 0.
// Rejects non-numeric types.
struct NumericValues {
  DType dtype;
  const uint8_t* base;
};
arrow::Result<NumericValues> GetNumericValues(const arrow::Array& values,
                                              std::string_view path);

// Error unless elements [begin, end) of `values` are all non-null.
arrow::Status CheckNoNulls(const arrow::Array& values, int64_t begin, int64_t end,
                           std::string_view path);

}  // namespace omearrow
