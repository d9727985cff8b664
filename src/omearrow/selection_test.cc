#include "omearrow/selection.h"

#include <gtest/gtest.h>

#include "omearrow/testing/gtest_util.h"

namespace omearrow {
namespace {

using V = std::vector<int64_t>;

PixelsMeta Meta(int64_t t, int64_t c, int64_t z, int64_t y, int64_t x) {
  PixelsMeta meta;
  meta.size_t = t, meta.size_c = c, meta.size_z = z, meta.size_y = y, meta.size_x = x;
  return meta;
}

ChunkGrid Grid(int64_t cy, int64_t cx) {
  ChunkGrid grid;
  grid.chunk_y = cy;
  grid.chunk_x = cx;
  return grid;
}

arrow::Result<Selection> Normalize(const SelectionArgs& args,
                                   std::optional<ChunkGrid> grid = std::nullopt) {
  return NormalizeSelection(args, Meta(5, 3, 4, 20, 30), grid);
}

TEST(SliceIndicesTest, MatchesPythonSliceIndices) {
  // Expected values are Python's list(range(*slice(a, b, c).indices(5))).
  struct Case {
    Slice slice;
    V expected;
  } cases[] = {
      {{std::nullopt, std::nullopt, std::nullopt}, {0, 1, 2, 3, 4}},
      {{1, 4, std::nullopt}, {1, 2, 3}},
      {{-2, std::nullopt, std::nullopt}, {3, 4}},
      {{std::nullopt, std::nullopt, -1}, {4, 3, 2, 1, 0}},
      {{std::nullopt, std::nullopt, 2}, {0, 2, 4}},
      {{4, 0, -2}, {4, 2}},
      {{10, -10, -1}, {4, 3, 2, 1, 0}},
      {{-10, 10, 3}, {0, 3}},
      {{3, 1, std::nullopt}, {}},
      {{-1, -6, -2}, {4, 2, 0}},
      {{std::nullopt, -3, -1}, {4, 3}},
      // Extreme steps and bounds (the int64 ends; Python clamps larger ints the same way).
      {{1, std::nullopt, INT64_MAX}, {1}},
      {{std::nullopt, std::nullopt, INT64_MIN}, {4}},
      {{INT64_MIN, INT64_MAX, INT64_MAX}, {0}},
      {{INT64_MAX, INT64_MIN, INT64_MIN}, {4}},
      {{INT64_MAX, INT64_MIN, -2}, {4, 2, 0}},
      {{INT64_MIN, INT64_MAX, 2}, {0, 2, 4}},
      {{INT64_MIN, INT64_MIN, -1}, {}},
      {{4, std::nullopt, INT64_MAX - 1}, {4}},
  };
  for (const auto& c : cases) {
    ASSERT_OK_AND_ASSIGN(V got, SliceIndices(c.slice, 5));
    EXPECT_EQ(got, c.expected);
  }
  EXPECT_STATUS(SliceIndices(Slice{std::nullopt, std::nullopt, 0}, 5), Invalid,
                "slice step cannot be zero");
}

TEST(SliceIndicesTest, HugeSizesAndStepsNeverOverflow) {
  constexpr int64_t kSize = INT64_MAX;
  ASSERT_OK_AND_ASSIGN(V forward, SliceIndices(Slice{kSize - 3, std::nullopt, INT64_MAX / 2},
                                               kSize));
  EXPECT_EQ(forward, V({kSize - 3}));
  ASSERT_OK_AND_ASSIGN(V backward, SliceIndices(Slice{std::nullopt, std::nullopt,
                                                      -(INT64_MAX / 2)},
                                                kSize));
  EXPECT_EQ(backward, V({kSize - 1, kSize - 1 - INT64_MAX / 2, kSize - 1 - 2 * (INT64_MAX / 2)}));
}

TEST(ValidateSelectionTest, RejectsIndicesOffTheirAxis) {
  PixelsMeta meta;
  meta.size_t = 2, meta.size_z = 3, meta.size_c = 1, meta.size_y = 4, meta.size_x = 5;
  Selection good{{0, 1, 1}, {2, 0}, {0}, Roi{0, 0, 5, 4}};
  EXPECT_OK(ValidateSelection(good, meta));
  Selection bad_t = good;
  bad_t.t = {2};
  EXPECT_STATUS(ValidateSelection(bad_t, meta), Invalid,
                "internal error: normalized t index 2 is outside [0, 2)");
  Selection bad_c = good;
  bad_c.c = {-1};
  EXPECT_STATUS_HAS(ValidateSelection(bad_c, meta), "normalized c index -1");
  Selection bad_roi = good;
  bad_roi.roi = Roi{4, 0, INT64_MAX, 1};
  EXPECT_STATUS_HAS(ValidateSelection(bad_roi, meta), "normalized roi (4, 0, ");
}

TEST(NormalizeIndexTest, FormsAndErrors) {
  ASSERT_OK_AND_ASSIGN(V all, NormalizeIndex(IndexSpec::All(), 3, "t"));
  EXPECT_EQ(all, (V{0, 1, 2}));
  ASSERT_OK_AND_ASSIGN(V neg, NormalizeIndex(IndexSpec::Index(-1), 3, "t"));
  EXPECT_EQ(neg, (V{2}));
  ASSERT_OK_AND_ASSIGN(V list, NormalizeIndex(IndexSpec::List({2, -3, 2}), 3, "z"));
  EXPECT_EQ(list, (V{2, 0, 2}));
  EXPECT_STATUS(NormalizeIndex(IndexSpec::Index(3), 3, "t"), Invalid, "t index 3 out of range");
  EXPECT_STATUS(NormalizeIndex(IndexSpec::Index(-4), 3, "c"), Invalid,
                "c index -4 out of range");
  EXPECT_STATUS(NormalizeIndex(IndexSpec::List({0, 7}), 3, "z"), Invalid,
                "z index 7 out of range");
  EXPECT_STATUS(NormalizeIndex(IndexSpec::NonIntegerItems(), 3, "z"), Invalid,
                "z indices must be integers");
  EXPECT_STATUS(NormalizeIndex(IndexSpec::Unsupported(), 3, "c"), Invalid,
                "Unsupported c index type");
  EXPECT_STATUS(NormalizeIndex(IndexSpec::All(), 0, "t"), Invalid, "t size must be positive");
}

TEST(NormalizeSelectionTest, DefaultsToEverything) {
  ASSERT_OK_AND_ASSIGN(Selection s, Normalize({}));
  EXPECT_EQ(s.t, (V{0, 1, 2, 3, 4}));
  EXPECT_EQ(s.z, (V{0, 1, 2, 3}));
  EXPECT_EQ(s.c, (V{0, 1, 2}));
  EXPECT_EQ(s.roi, (Roi{0, 0, 30, 20}));
}

TEST(NormalizeSelectionTest, RoiForms) {
  SelectionArgs args;
  args.roi = V{2, 3, 10, 5};
  ASSERT_OK_AND_ASSIGN(Selection s, Normalize(args));
  EXPECT_EQ(s.roi, (Roi{2, 3, 10, 5}));

  SelectionArgs roi3d;
  roi3d.roi3d = V{1, 2, 1, 4, 5, 2};
  ASSERT_OK_AND_ASSIGN(s, Normalize(roi3d));
  EXPECT_EQ(s.roi, (Roi{1, 2, 4, 5}));
  EXPECT_EQ(s.z, (V{1, 2}));

  SelectionArgs nd2;
  nd2.roi_nd = V{2, 3, 12, 13};  // ymin, xmin, ymax, xmax
  ASSERT_OK_AND_ASSIGN(s, Normalize(nd2));
  EXPECT_EQ(s.roi, (Roi{3, 2, 10, 10}));

  SelectionArgs nd4;
  nd4.roi_nd = V{1, 0, 2, 3, 3, 2, 12, 13};
  ASSERT_OK_AND_ASSIGN(s, Normalize(nd4));
  EXPECT_EQ(s.t, (V{1, 2}));
  EXPECT_EQ(s.z, (V{0, 1}));
  EXPECT_EQ(s.roi, (Roi{3, 2, 10, 10}));

  SelectionArgs timelapse;
  timelapse.roi_nd = V{0, 0, 0, 2, 5, 5};
  timelapse.roi_type = "2d_timelapse";
  ASSERT_OK_AND_ASSIGN(s, Normalize(timelapse));
  EXPECT_EQ(s.t, (V{0, 1}));
  EXPECT_EQ(s.z.size(), 4u);

  SelectionArgs three;
  three.roi_nd = V{1, 0, 0, 3, 5, 5};
  three.roi_type = "3d";
  ASSERT_OK_AND_ASSIGN(s, Normalize(three));
  EXPECT_EQ(s.z, (V{1, 2}));
  EXPECT_EQ(s.t.size(), 5u);
}

TEST(NormalizeSelectionTest, TileFromChunkGridIsClipped) {
  SelectionArgs args;
  args.tile = V{1, 1};
  ASSERT_OK_AND_ASSIGN(Selection s, Normalize(args, Grid(16, 16)));
  EXPECT_EQ(s.roi, (Roi{16, 16, 14, 4}));
}

struct ErrorCase {
  const char* name;
  SelectionArgs args;
  std::optional<ChunkGrid> grid;
  std::string message;
};

TEST(NormalizeSelectionTest, EveryReferenceErrorMessage) {
  auto with = [](auto fn) {
    SelectionArgs a;
    fn(a);
    return a;
  };
  std::vector<ErrorCase> cases = {
      {"nd+roi", with([](auto& a) { a.roi_nd = V{0, 0, 1, 1}; a.roi = V{0, 0, 1, 1}; }), {},
       "Provide only one of roi_nd, roi3d, roi, or tile."},
      {"nd+tile", with([](auto& a) { a.roi_nd = V{0, 0, 1, 1}; a.tile = V{0, 0}; }), {},
       "Provide only one of roi_nd, roi3d, roi, or tile."},
      {"nd t both",
       with([](auto& a) { a.roi_nd = V{0, 0, 0, 0, 1, 1, 1, 1}; a.t = IndexSpec::Index(0); }),
       {}, "Provide either t or roi_nd time bounds, not both."},
      {"nd z both",
       with([](auto& a) { a.roi_nd = V{0, 0, 0, 1, 1, 1}; a.roi_type = "3d"; a.z = IndexSpec::Index(0); }),
       {}, "Provide either z or roi_nd depth bounds, not both."},
      {"type without nd", with([](auto& a) { a.roi_type = "2d"; }), {}, "roi_type requires roi_nd."},
      {"roi3d+roi", with([](auto& a) { a.roi3d = V{0, 0, 0, 1, 1, 1}; a.roi = V{0, 0, 1, 1}; }),
       {}, "Provide only one of roi3d, roi, or tile."},
      {"roi3d+z", with([](auto& a) { a.roi3d = V{0, 0, 0, 1, 1, 1}; a.z = IndexSpec::Index(1); }),
       {}, "Provide either z or roi3d, not both."},
      {"roi3d len", with([](auto& a) { a.roi3d = V{0, 0, 0, 1, 1}; }), {},
       "roi3d must be (x, y, z, w, h, d)"},
      {"roi3d depth", with([](auto& a) { a.roi3d = V{0, 0, 0, 1, 1, 0}; }), {},
       "roi3d depth must be positive"},
      {"roi3d origin", with([](auto& a) { a.roi3d = V{0, 0, -1, 1, 1, 1}; }), {},
       "roi3d z origin must be non-negative"},
      {"roi3d oob", with([](auto& a) { a.roi3d = V{0, 0, 3, 1, 1, 2}; }), {},
       "roi3d depth is out of bounds"},
      {"roi+tile", with([](auto& a) { a.roi = V{0, 0, 1, 1}; a.tile = V{0, 0}; }), Grid(8, 8),
       "Provide either roi or tile, not both."},
      {"roi size", with([](auto& a) { a.roi = V{0, 0, 0, 1}; }), {},
       "roi width and height must be positive"},
      {"roi origin", with([](auto& a) { a.roi = V{-1, 0, 1, 1}; }), {},
       "roi origin must be non-negative"},
      {"roi oob", with([](auto& a) { a.roi = V{25, 0, 6, 1}; }), {}, "roi is out of bounds"},
      {"roi overflow", with([](auto& a) { a.roi = V{INT64_MAX, 0, 6, 1}; }), {},
       "roi is out of bounds"},
      {"roi len", with([](auto& a) { a.roi = V{0, 0, 1}; }), {}, "roi must be (x, y, w, h)"},
      {"nd ambiguous", with([](auto& a) { a.roi_nd = V{0, 0, 0, 1, 1, 1}; }), {},
       "roi_nd with 6 values is ambiguous; provide roi_type ('2d_timelapse' or '3d')."},
      {"nd length", with([](auto& a) { a.roi_nd = V{0, 0, 1}; }), {},
       "roi_nd must have length 4, 6, or 8."},
      {"nd type", with([](auto& a) { a.roi_nd = V{0, 0, 1, 1}; a.roi_type = "5d"; }), {},
       "Unsupported roi_type: '5d'."},
      {"nd 2d len", with([](auto& a) { a.roi_nd = V{0, 0, 1, 1, 1, 1}; a.roi_type = "2d"; }), {},
       "roi_type='2d' requires 4 values."},
      {"nd tl len", with([](auto& a) { a.roi_nd = V{0, 0, 1, 1}; a.roi_type = "2d_timelapse"; }),
       {}, "roi_type='2d_timelapse' requires 6 values."},
      {"nd 3d len", with([](auto& a) { a.roi_nd = V{0, 0, 1, 1}; a.roi_type = "3d"; }), {},
       "roi_type='3d' requires 6 values."},
      {"nd 4d len", with([](auto& a) { a.roi_nd = V{0, 0, 1, 1}; a.roi_type = "4d"; }), {},
       "roi_type='4d' requires 8 values."},
      {"nd t range", with([](auto& a) { a.roi_nd = V{0, 0, 0, 6, 1, 1}; a.roi_type = "2d_timelapse"; }),
       {}, "roi_nd time bounds are out of range."},
      {"nd t empty", with([](auto& a) { a.roi_nd = V{2, 0, 0, 2, 1, 1}; a.roi_type = "2d_timelapse"; }),
       {}, "roi_nd time bounds are out of range."},
      {"nd z range", with([](auto& a) { a.roi_nd = V{-1, 0, 0, 1, 1, 1}; a.roi_type = "3d"; }), {},
       "roi_nd depth bounds are out of range."},
      {"nd 4d z range", with([](auto& a) { a.roi_nd = V{0, 0, 0, 0, 1, 5, 1, 1}; }), {},
       "roi_nd depth bounds are out of range."},
      {"nd spatial", with([](auto& a) { a.roi_nd = V{5, 5, 5, 9}; }), {},
       "roi_nd spatial bounds must satisfy max > min."},
      {"tile len", with([](auto& a) { a.tile = V{0}; }), Grid(8, 8), "tile must be (tile_y, tile_x)"},
      {"tile no grid", with([](auto& a) { a.tile = V{0, 0}; }), {},
       "tile selection requires chunk_grid metadata"},
      {"tile grid fields", with([](auto& a) { a.tile = V{0, 0}; }), ChunkGrid{},
       "chunk_grid is missing chunk_x/chunk_y"},
      {"tile grid sizes", with([](auto& a) { a.tile = V{0, 0}; }), Grid(0, 8),
       "chunk_grid chunk sizes must be positive"},
      {"tile negative", with([](auto& a) { a.tile = V{-1, 0}; }), Grid(8, 8),
       "tile indices must be non-negative"},
      {"tile oob", with([](auto& a) { a.tile = V{3, 0}; }), Grid(8, 8), "tile indices out of bounds"},
      {"t index", with([](auto& a) { a.t = IndexSpec::Index(5); }), {}, "t index 5 out of range"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_STATUS(Normalize(c.args, c.grid), Invalid, c.message);
  }
}

}  // namespace
}  // namespace omearrow
