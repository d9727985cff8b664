#include "omearrow/iter/python_random.h"

#include <algorithm>

#include <gtest/gtest.h>

namespace omearrow {
namespace {

using V = std::vector<int64_t>;

// Expected values were printed by CPython 3.11 (/work/main/.venv/bin/python):
//   x = list(range(n)); random.Random(seed).shuffle(x); print(x)
//   r = random.Random(2024); [r.getrandbits(k) for k in (1, 7, 32, 33, 48, 64)]
//   r = random.Random(5); [r._randbelow(n) for n in (1, 2, 3, 1000, 2**40+1, 2**63+12345)]
TEST(PythonRandomTest, ShuffleMatchesCPython) {
  EXPECT_EQ(PythonShuffleOrder(10, PythonSeed::FromInt(0)), (V{7, 8, 1, 5, 3, 4, 2, 0, 9, 6}));
  EXPECT_EQ(PythonShuffleOrder(10, PythonSeed::FromInt(1)), (V{6, 8, 9, 7, 5, 3, 0, 4, 1, 2}));
  EXPECT_EQ(PythonShuffleOrder(20, PythonSeed::FromInt(42)),
            (V{19, 5, 14, 4, 9, 13, 15, 18, 6, 12, 17, 10, 1, 11, 2, 16, 7, 8, 0, 3}));
  EXPECT_EQ(PythonShuffleOrder(12, PythonSeed::FromInt(2147483647)),
            (V{2, 9, 6, 7, 10, 8, 0, 11, 4, 3, 1, 5}));
  EXPECT_EQ(PythonShuffleOrder(12, PythonSeed::FromInt(4294967301)),  // 2**32 + 5
            (V{9, 6, 8, 11, 3, 1, 10, 5, 0, 4, 7, 2}));
  EXPECT_EQ(PythonShuffleOrder(10, PythonSeed::FromInt(-7)), (V{8, 3, 1, 4, 7, 0, 9, 6, 2, 5}));
  EXPECT_EQ(PythonShuffleOrder(1, PythonSeed::FromInt(123456789)), (V{0}));
  EXPECT_EQ(PythonShuffleOrder(0, PythonSeed::FromInt(3)), (V{}));
}

TEST(PythonRandomTest, BigIntSeedsUseAllWords) {
  // 2**100 + 3: words (little end first) 3, 0, 0, 16.
  const uint32_t big[] = {3, 0, 0, 16};
  EXPECT_EQ(PythonShuffleOrder(15, PythonSeed::FromWords(big)),
            (V{10, 11, 14, 12, 1, 2, 9, 13, 0, 3, 8, 7, 6, 4, 5}));
  // -(2**64): |seed| = words 0, 0, 1.
  const uint32_t two64[] = {0, 0, 1};
  EXPECT_EQ(PythonShuffleOrder(8, PythonSeed::FromWords(two64)), (V{7, 6, 2, 1, 4, 3, 0, 5}));
  // Leading zero words are dropped, as CPython's key is only as long as the int.
  const uint32_t padded[] = {42, 0, 0};
  EXPECT_EQ(PythonSeed::FromWords(padded).key, std::vector<uint32_t>{42});
  EXPECT_EQ(PythonSeed::FromInt(0).key, std::vector<uint32_t>{0});
  EXPECT_EQ(PythonSeed::FromInt(INT64_MIN).key, (std::vector<uint32_t>{0, 0x80000000U}));
}

TEST(PythonRandomTest, GetRandBitsAndRandBelowMatchCPython) {
  PythonRandom bits(PythonSeed::FromInt(2024));
  EXPECT_EQ(bits.GetRandBits(1), 0u);
  EXPECT_EQ(bits.GetRandBits(7), 23u);
  EXPECT_EQ(bits.GetRandBits(32), 3127871324u);
  EXPECT_EQ(bits.GetRandBits(33), 2484006460u);
  EXPECT_EQ(bits.GetRandBits(48), 249748913155012u);
  EXPECT_EQ(bits.GetRandBits(64), 7564799255298721054u);
  PythonRandom below(PythonSeed::FromInt(5));
  EXPECT_EQ(below.RandBelow(1), 0u);
  EXPECT_EQ(below.RandBelow(2), 1u);
  EXPECT_EQ(below.RandBelow(3), 2u);
  EXPECT_EQ(below.RandBelow(1000), 965u);
  EXPECT_EQ(below.RandBelow((uint64_t{1} << 40) + 1), 62406045989u);
  EXPECT_EQ(below.RandBelow((uint64_t{1} << 63) + 12345), 8589221953160678911u);
}

TEST(PythonRandomTest, EntropySeedGivesPermutations) {
  V order = PythonShuffleOrder(50, std::nullopt);
  std::sort(order.begin(), order.end());
  for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(order[static_cast<size_t>(i)], i);
}

}  // namespace
}  // namespace omearrow
