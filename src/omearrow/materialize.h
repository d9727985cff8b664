// The fused copy kernel: gather + crop + permute + cast in one pass.
#pragma once

#include <array>
#include <cstdint>

#include <arrow/status.h>

#include "omearrow/image.h"
#include "omearrow/layout.h"
#include "omearrow/selection.h"
#include "omearrow/tensor/dtype.h"

namespace omearrow {

// Tuning knobs of the copy kernel.
struct MaterializeOptions {
  // Threads to use (the caller's included); 0 = all hardware threads, 1 = no threading.
  int max_threads = 0;
  // Selections smaller than this many output bytes are copied on the calling thread.
  int64_t parallel_threshold_bytes = int64_t{1} << 20;
  // Most bytes TensorView::Materialize may allocate for one view; larger views fail
  // with a CapacityError naming both sizes before anything is allocated. -1: the
  // process-wide MaxViewBytes() (view_limits.h; 16 GiB unless changed).
  int64_t max_output_bytes = -1;
};

// Writes the pixels of `selection` from `image` into `out`, converting to `out_dtype`.
// Element (t, z, c, y, x) of the selection (indices into the selection's lists; c limited
// to the first channel when `first_channel_only`) goes to
//   out + (t*s[0] + z*s[1] + c*s[2] + y*s[3] + x*s[4]) * ItemSize(out_dtype)
// where s = `element_strides` (per canonical axis T, Z, C, Y, X). Every addressed element
// is written exactly once (pixels no stored block covers become zero); nothing else is
// touched. Reads only the stored blocks that intersect the ROI of the selected planes.
arrow::Status MaterializeInto(const Image& image, const Selection& selection,
                              bool first_channel_only, DType out_dtype, uint8_t* out,
                              const std::array<int64_t, 5>& element_strides,
                              const MaterializeOptions& options = {});

}  // namespace omearrow
