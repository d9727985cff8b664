// Element conversion between pixel dtypes (the cast half of the fused copy kernel).
//
// Semantics follow NumPy's astype (unsafe casting) wherever NumPy defines a result:
// integer→integer wraps modulo 2^bits, integer→float rounds to nearest, float→float is
// IEEE (values beyond float32's range become ±inf). Where NumPy's result is undefined
// (float→integer for NaN, ±inf or out-of-range values), omearrow saturates to the target
// range and maps NaN to 0 instead of invoking undefined behaviour. In-range float→int
// truncates toward zero, as in NumPy.
#pragma once

#include <cstdint>

#include "omearrow/tensor/dtype.h"

namespace omearrow::internal {

// Copies `n` elements from contiguous `src` (source dtype, any alignment) to `dst`
// (target dtype, element-aligned), writing element i at dst + i * dst_stride elements.
using RowCopyFn = void (*)(const uint8_t* src, uint8_t* dst, int64_t n, int64_t dst_stride);

// The row copier converting `from` into `to`.
RowCopyFn GetRowCopy(DType from, DType to);

// Fills `n` elements of `to` at dst + i * dst_stride elements with zero.
void ZeroRow(DType to, uint8_t* dst, int64_t n, int64_t dst_stride);

}  // namespace omearrow::internal
