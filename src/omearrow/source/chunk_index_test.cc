#include "omearrow/source/chunk_index.h"

#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "omearrow/testing/gtest_util.h"

namespace omearrow {
namespace {

bool BruteForceOverlap(const std::vector<Rect>& rects) {
  for (size_t a = 0; a < rects.size(); ++a) {
    for (size_t b = a + 1; b < rects.size(); ++b) {
      const Rect& p = rects[a];
      const Rect& q = rects[b];
      if (p.height > 0 && p.width > 0 && q.height > 0 && q.width > 0 &&
          p.y < q.y + q.height && q.y < p.y + p.height && p.x < q.x + q.width &&
          q.x < p.x + p.width) {
        return true;
      }
    }
  }
  return false;
}

TEST(AnyRectsOverlapTest, AgreesWithPairwiseOnRandomLayouts) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<Rect> rects(static_cast<size_t>(rng() % 7));
    for (Rect& r : rects) {
      r = Rect{static_cast<int64_t>(rng() % 10), static_cast<int64_t>(rng() % 10),
               static_cast<int64_t>(rng() % 5), static_cast<int64_t>(rng() % 5)};
    }
    EXPECT_EQ(AnyRectsOverlap(rects), BruteForceOverlap(rects)) << "trial " << trial;
  }
}

TEST(AnyRectsOverlapTest, TilesThatTouchDoNotOverlap) {
  std::vector<Rect> grid;
  for (int64_t y = 0; y < 64; y += 16) {
    for (int64_t x = 0; x < 64; x += 16) grid.push_back(Rect{y, x, 16, 16});
  }
  EXPECT_FALSE(AnyRectsOverlap(grid));
  grid.push_back(Rect{15, 15, 2, 2});
  EXPECT_TRUE(AnyRectsOverlap(grid));
}

// The review's case: a tiny file with 4,096 tall chunks on every plane was ~10^11
// pairwise comparisons at open; repeated slots are checked once, each in n log n.
TEST(AnySlotOverlapsTest, ManyTallChunksAreCheckedOnceEach) {
  constexpr int64_t kChunks = 4096, kSlots = 4096;
  std::vector<int64_t> offsets(kSlots + 1);
  std::vector<int32_t> ids;
  for (int64_t slot = 0; slot < kSlots; ++slot) {
    for (int32_t id = 0; id < kChunks; ++id) ids.push_back(id);
    offsets[static_cast<size_t>(slot + 1)] = static_cast<int64_t>(ids.size());
  }
  int64_t calls = 0;
  auto rect_of = [&](int32_t id) {
    ++calls;
    return Rect{0, id, 1, 1};  // a row of 1-pixel chunks: no overlap
  };
  EXPECT_FALSE(AnySlotOverlaps(offsets, ids, rect_of));
  EXPECT_EQ(calls, kChunks);  // only the first slot was examined
  auto overlapping = [&](int32_t id) { return Rect{0, id / 2, 1, 1}; };
  EXPECT_TRUE(AnySlotOverlaps(offsets, ids, overlapping));
}

}  // namespace
}  // namespace omearrow
