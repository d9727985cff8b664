// PNG encoding of 8-bit RGB pictures through libpng (Debian's libpng-dev).
#pragma once

#include <arrow/result.h>

#include <cstdint>
#include <span>
#include <string>

namespace omearrow {

// Encodes `width`×`height` 8-bit RGB pixels, rows top to bottom, each row `width`·3
// bytes back to back (`rgb.size()` must be exactly width·height·3), as a PNG file in
// memory. Sizes must be positive and within PNG's and libpng's limits; libpng's errors
// come back as Invalid/IOError statuses naming the problem.
arrow::Result<std::string> EncodePngRgb8(std::span<const uint8_t> rgb, int64_t width,
                                         int64_t height);

}  // namespace omearrow
