// Batched single-cell crops: many fixed-size 2-D windows around given centers (a table
// of cell centers from segmentation) cut from one (t, z) of an image in one call.
#pragma once

#include <arrow/result.h>
#include <arrow/status.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "omearrow/image.h"
#include "omearrow/selection.h"
#include "omearrow/tensor/dtype.h"
#include "omearrow/tensor/tensor.h"
#include "omearrow/util/warning.h"

namespace omearrow {

// What happens to a crop that reaches outside the image:
//   kPad   — pixels outside the image are `fill`;
//   kShift — the window moves (per axis, the least distance) to lie inside the image;
//   kError — the call fails, naming the first such crop.
enum class CropBoundary { kPad, kShift, kError };

// "pad" / "shift" / "error" (trimmed, case-insensitive); Invalid naming the value else.
arrow::Result<CropBoundary> ParseCropBoundary(std::string_view text);

// Arguments of Crops(). Crop i of centers (cy, cx) covers rows
// [floor(cy) - height / 2, floor(cy) - height / 2 + height) and columns likewise (integer
// division), before the boundary rule.
struct CropOptions {
  int64_t height = 0;                 // >= 1
  int64_t width = 0;                  // >= 1
  IndexSpec t = IndexSpec::Index(0);  // must select exactly one time point
  IndexSpec z = IndexSpec::Index(0);  // must select exactly one z slice
  IndexSpec c;                        // channels, in order (default: all)
  std::optional<DType> dtype;         // default: pixels_meta.type (uint16 + warning)
  CropBoundary boundary = CropBoundary::kPad;
  // The value of padded pixels: must be exactly representable in an integer dtype
  // (finite, integral, in range); any value for float dtypes.
  double fill = 0;
  // Threads (the caller's included); 0 = all hardware threads, 1 = no threading.
  int max_threads = 0;
  // Batches with fewer output bytes stay on the calling thread.
  int64_t parallel_threshold_bytes = int64_t{1} << 20;
  // Most bytes the output may take; -1 = MaxViewBytes().
  int64_t max_output_bytes = -1;
};

// A validated request: the plane (t, z), channels, dtype and each crop's window origin
// after the boundary rule (the window may still reach outside the image with kPad).
struct CropPlan {
  int64_t t = 0;
  int64_t z = 0;
  std::vector<int64_t> c;
  DType dtype = DType::kUInt16;
  int64_t height = 0;
  int64_t width = 0;
  std::vector<int64_t> y0;  // per crop
  std::vector<int64_t> x0;  // per crop
  CropBoundary boundary = CropBoundary::kPad;
  double fill = 0;
  Warnings warnings;  // the dtype fallback warning, as TensorView raises it

  int64_t num_crops() const { return static_cast<int64_t>(y0.size()); }
  // Shape of the output: (N, C, height, width).
  std::vector<int64_t> shape() const;
};

// Validates `options` and the centers (`centers_yx` holds N (y, x) pairs, flattened; they
// must be finite) against `image` and applies the boundary rule. Errors name the argument
// and, for centers, the crop index.
arrow::Result<CropPlan> PlanCrops(const Image& image, std::span<const double> centers_yx,
                                  const CropOptions& options);

// Output bytes of `plan` (N * C * height * width * itemsize), or Invalid on overflow.
arrow::Result<int64_t> CropBytes(const CropPlan& plan);

// Writes the crops of `plan` into `out` (C-contiguous (N, C, height, width) of
// plan.dtype; `capacity` >= CropBytes(plan)). Each stored plane or chunk the crops touch
// is fetched once for all of them (unless the source's blocks may overlap: then once per
// crop, with the kernel's later-block-wins rule); pixels inside the image that no stored
// block covers are zero, pixels outside are plan.fill. Parallel over crops.
arrow::Status CropsInto(const Image& image, const CropPlan& plan, uint8_t* out,
                        int64_t capacity, const CropOptions& options = {});

// PlanCrops + a new 64-byte-aligned C-contiguous (N, C, height, width) tensor filled by
// CropsInto. Warnings (dtype fallback) are appended to `warnings` when given.
arrow::Result<Tensor> Crops(const Image& image, std::span<const double> centers_yx,
                            const CropOptions& options, Warnings* warnings = nullptr);

// Crops() into caller memory (e.g. a buffer reused across training steps, so its pages
// are not faulted in again on every call): `out` must be C-contiguous `out_shape` of
// `out_dtype` equal to the plan's (N, C, height, width) and dtype — Invalid naming both
// otherwise — and hold `capacity` >= CropBytes bytes.
arrow::Status CropsIntoBuffer(const Image& image, std::span<const double> centers_yx,
                              const CropOptions& options, uint8_t* out, int64_t capacity,
                              std::span<const int64_t> out_shape, DType out_dtype,
                              Warnings* warnings = nullptr);

}  // namespace omearrow
