// Channel interleaving: the copy kernel of channels-last layouts (…YXC).
//
// A channels-last output row holds pixel 0 of every channel, then pixel 1 of every
// channel, and so on; the stored rows are one per channel. `GetInterleave` returns the
// fastest kernel this CPU runs: with AVX-512 (BW, and VBMI for bytes) two-source
// permutes build each 64-byte output vector from the channel rows (2–4 channels);
// otherwise a portable loop that GCC also compiles for AVX2 and x86-64-v2, picked when
// the library loads.
#pragma once

#include <cstdint>

#include "omearrow/tensor/dtype.h"

namespace omearrow::internal {

// Interleaves `channels` rows of `n` elements (src[c], any alignment) into `dst`
// (element-aligned): element i of row c goes to element i * channels + c. Same dtype in
// and out; what a channels-last layout needs, in one sequential pass over the output.
using InterleaveFn = void (*)(const uint8_t* const* src, int channels, uint8_t* dst,
                              int64_t n);

// The instruction sets an interleaver can be built for.
enum class InterleaveIsa { kPortable, kAvx512 };

// The fastest interleaver for elements of `dtype` on this CPU.
InterleaveFn GetInterleave(DType dtype);

// The interleaver for `dtype` built for `isa`, or nullptr when this build or CPU lacks
// that instruction set (so tests and benchmarks can check every kernel the CPU runs).
InterleaveFn GetInterleaveFor(DType dtype, InterleaveIsa isa);

}  // namespace omearrow::internal
