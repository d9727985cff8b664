#include "omearrow/tensor/interleave.h"

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace omearrow::internal {
namespace {

// Every interleaver this CPU runs, named for failure messages.
std::vector<std::pair<std::string, InterleaveFn>> KernelsFor(DType dtype) {
  std::vector<std::pair<std::string, InterleaveFn>> kernels = {
      {"portable", GetInterleaveFor(dtype, InterleaveIsa::kPortable)}};
  if (InterleaveFn avx512 = GetInterleaveFor(dtype, InterleaveIsa::kAvx512)) {
    kernels.emplace_back("avx512", avx512);
  }
  return kernels;
}

// Checks `kernel` against element-by-element interleaving for random rows read from
// misaligned addresses (one byte past an element boundary), with guard bytes after the
// output that must stay untouched.
void ExpectInterleaves(InterleaveFn kernel, int itemsize, int channels, int64_t n,
                       std::mt19937* random, const std::string& what) {
  const size_t row_bytes = static_cast<size_t>(n * itemsize);
  std::vector<std::vector<uint8_t>> rows(static_cast<size_t>(channels),
                                         std::vector<uint8_t>(row_bytes + 1));
  std::vector<const uint8_t*> src;
  for (auto& row : rows) {
    for (auto& byte : row) byte = static_cast<uint8_t>((*random)());
    src.push_back(row.data() + 1);
  }
  constexpr size_t kGuard = 128;
  std::vector<uint8_t> out(row_bytes * static_cast<size_t>(channels) + kGuard, 0xA5);
  kernel(src.data(), channels, out.data(), n);
  for (int64_t i = 0; i < n; ++i) {
    for (int c = 0; c < channels; ++c) {
      const uint8_t* want = src[static_cast<size_t>(c)] + i * itemsize;
      const uint8_t* got = out.data() + (i * channels + c) * itemsize;
      ASSERT_EQ(std::memcmp(want, got, static_cast<size_t>(itemsize)), 0)
          << what << ": pixel " << i << " channel " << c;
    }
  }
  for (size_t g = out.size() - kGuard; g < out.size(); ++g) {
    ASSERT_EQ(out[g], 0xA5) << what << ": wrote past the output at byte " << g;
  }
}

TEST(InterleaveTest, EveryKernelMatchesElementwiseInterleaving) {
  std::mt19937 random(7);
  const int64_t lengths[] = {0, 1, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 256, 1000};
  for (DType dtype : {DType::kUInt8, DType::kInt16, DType::kUInt16, DType::kFloat32,
                      DType::kUInt32, DType::kFloat64, DType::kInt64}) {
    const int itemsize = ItemSize(dtype);
    for (const auto& [name, kernel] : KernelsFor(dtype)) {
      ASSERT_NE(kernel, nullptr);
      for (int channels = 1; channels <= 6; ++channels) {
        for (int64_t n : lengths) {
          ExpectInterleaves(kernel, itemsize, channels, n, &random,
                            name + " " + std::string(DTypeName(dtype)) + " x" + std::to_string(channels) +
                                " n=" + std::to_string(n));
        }
      }
    }
  }
}

TEST(InterleaveTest, FastestKernelIsTheAvx512OneWhereTheCpuHasIt) {
  for (DType dtype : {DType::kUInt8, DType::kUInt16, DType::kFloat32, DType::kFloat64}) {
    const InterleaveFn avx512 = GetInterleaveFor(dtype, InterleaveIsa::kAvx512);
    const InterleaveFn portable = GetInterleaveFor(dtype, InterleaveIsa::kPortable);
    EXPECT_EQ(GetInterleave(dtype), avx512 != nullptr ? avx512 : portable) << std::string(DTypeName(dtype));
    RecordProperty("avx512_" + std::string(DTypeName(dtype)), avx512 != nullptr ? "yes" : "no");
  }
}

}  // namespace
}  // namespace omearrow::internal
