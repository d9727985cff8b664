// 64-byte-aligned output memory.
#pragma once

#include <cstdint>
#include <memory>

#include <arrow/buffer.h>
#include <arrow/result.h>

namespace omearrow {

inline constexpr int64_t kOutputAlignment = 64;

// An uninitialized buffer of `size` bytes whose data pointer is 64-byte aligned (what
// JAX and SIMD code want), from Arrow's default memory pool.
arrow::Result<std::unique_ptr<arrow::Buffer>> AllocateAligned(int64_t size);

}  // namespace omearrow
