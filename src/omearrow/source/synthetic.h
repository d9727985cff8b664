// A realistic synthetic microscopy image, generated (no downloaded data): the demo's input.
#pragma once

#include <cstdint>
#include <memory>

#include <arrow/result.h>

#include "omearrow/image.h"

namespace omearrow {

// A multi-channel 3-D time series of nuclei-like blobs drifting over time on a dim,
// noisy background: 12-bit values in uint16, channel-dependent brightness, deterministic
// for a given `seed`. The image owns its pixels (T*C*Z*Y*X*2 bytes).
arrow::Result<std::shared_ptr<const Image>> MakeSyntheticCells(int64_t size_t, int64_t size_c,
                                                               int64_t size_z, int64_t size_y,
                                                               int64_t size_x,
                                                               uint64_t seed = 7);

}  // namespace omearrow
