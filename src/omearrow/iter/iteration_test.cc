#include "omearrow/iter/iteration.h"

#include <gtest/gtest.h>

#include "omearrow/testing/gtest_util.h"
#include "omearrow/testing/record_builder.h"

namespace omearrow {
namespace {

using V = std::vector<int64_t>;

Selection Parent() {
  Selection s;
  s.t = {0, 1, 2, 3, 4};
  s.z = {0, 1, 2};
  s.c = {1};
  s.roi = Roi{2, 1, 10, 7};
  return s;
}

TEST(IterationTest, BatchesOverT) {
  ASSERT_OK_AND_ASSIGN(auto batches, BatchSelections(Parent(), 2));
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].t, (V{0, 1}));
  EXPECT_EQ(batches[2].t, (V{4}));
  EXPECT_EQ(batches[2].z, Parent().z);
  ASSERT_OK_AND_ASSIGN(auto all, BatchSelections(Parent(), std::nullopt));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].t.size(), 5u);
  EXPECT_STATUS(BatchSelections(Parent(), 0), Invalid, "batch_size must be > 0");
  Shuffler reverse = [](int64_t n) -> arrow::Result<std::vector<int64_t>> {
    std::vector<int64_t> order;
    for (int64_t i = n - 1; i >= 0; --i) order.push_back(i);
    return order;
  };
  ASSERT_OK_AND_ASSIGN(batches, BatchSelections(Parent(), 3, reverse));
  EXPECT_EQ(batches[0].t, (V{4, 3, 2}));
  Shuffler broken = [](int64_t n) -> arrow::Result<std::vector<int64_t>> {
    return std::vector<int64_t>(static_cast<size_t>(n), 0);
  };
  EXPECT_STATUS(BatchSelections(Parent(), 3, broken), Invalid,
                "shuffle did not return a permutation of 5 tasks");
}

TEST(IterationTest, Tiles2DAreYOuterXInnerAndClipped) {
  ASSERT_OK_AND_ASSIGN(auto tiles, TileSelections2D(Parent(), {4, 4}));
  ASSERT_EQ(tiles.size(), 6u);  // rows 1..8 -> 2 bands, cols 2..12 -> 3 bands
  EXPECT_EQ(tiles[0].roi, (Roi{2, 1, 4, 4}));
  EXPECT_EQ(tiles[1].roi, (Roi{6, 1, 4, 4}));
  EXPECT_EQ(tiles[2].roi, (Roi{10, 1, 2, 4}));
  EXPECT_EQ(tiles[3].roi, (Roi{2, 5, 4, 3}));
  EXPECT_EQ(tiles[5].roi, (Roi{10, 5, 2, 3}));
  EXPECT_EQ(tiles[5].t, Parent().t);
  EXPECT_STATUS(TileSelections2D(Parent(), {0, 4}), Invalid, "tiles must be positive");
}

TEST(IterationTest, Tiles3DOrderTThenZBlockThenYThenX) {
  ASSERT_OK_AND_ASSIGN(auto tiles, TileSelections3D(Parent(), {2, 7, 6}));
  // per t: z blocks {0,1},{2}; y one band; x bands 2..8, 8..12
  ASSERT_EQ(tiles.size(), 5u * 2 * 1 * 2);
  EXPECT_EQ(tiles[0].t, (V{0}));
  EXPECT_EQ(tiles[0].z, (V{0, 1}));
  EXPECT_EQ(tiles[0].roi, (Roi{2, 1, 6, 7}));
  EXPECT_EQ(tiles[1].roi, (Roi{8, 1, 4, 7}));
  EXPECT_EQ(tiles[2].z, (V{2}));
  EXPECT_EQ(tiles[4].t, (V{1}));
  EXPECT_STATUS(TileSelections3D(Parent(), {1, 0, 1}), Invalid,
                "tile_size entries must be positive");
}

TEST(IterationTest, ChildViewsKeepParentLayoutDtypeAndPolicy) {
  auto dense = testing::MakeRandomImage(5, 2, 3, 8, 12, DType::kUInt16, 3);
  auto image =
      ImageFromStructArray(testing::BuildRecord(dense, {}).ValueOrDie()).ValueOrDie();
  ViewOptions options;
  options.dtype = DType::kFloat32;
  options.selection.c = IndexSpec::Index(1);
  ASSERT_OK_AND_ASSIGN(auto parent, TensorView::Make(image, options));
  ASSERT_OK_AND_ASSIGN(auto batches, BatchSelections(parent.selection(), 1));
  ASSERT_OK_AND_ASSIGN(auto children, ChildViews(parent, batches));
  ASSERT_EQ(children.size(), 5u);
  // The parent's default layout (TZCHW) is passed on explicitly, as the reference does.
  EXPECT_EQ(children[0].layout(), "TZCHW");
  EXPECT_EQ(children[0].dtype(), DType::kFloat32);
  ASSERT_OK_AND_ASSIGN(auto shape, children[3].shape());
  EXPECT_EQ(shape, (V{1, 3, 1, 8, 12}));
}

}  // namespace
}  // namespace omearrow
