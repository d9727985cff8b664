#include "omearrow/layout.h"

#include <gtest/gtest.h>

#include "omearrow/testing/gtest_util.h"

namespace omearrow {
namespace {

using V = std::vector<int64_t>;

Selection Sel(int64_t t, int64_t z, int64_t c, int64_t h, int64_t w) {
  Selection s;
  for (int64_t i = 0; i < t; ++i) s.t.push_back(i);
  for (int64_t i = 0; i < z; ++i) s.z.push_back(i);
  for (int64_t i = 0; i < c; ++i) s.c.push_back(i);
  s.roi = Roi{0, 0, w, h};
  return s;
}

TEST(LayoutTest, NormalizeAliasesAndErrors) {
  ASSERT_OK_AND_ASSIGN(auto layout, NormalizeLayout("  cyx "));
  EXPECT_EQ(layout, "CHW");
  ASSERT_OK_AND_ASSIGN(layout, NormalizeLayout("TZCHW"));
  EXPECT_EQ(layout, "TZCHW");
  ASSERT_OK_AND_ASSIGN(layout, NormalizeLayout("yxc"));
  EXPECT_EQ(layout, "HWC");
  EXPECT_STATUS(NormalizeLayout("   "), Invalid, "layout must be non-empty");
  EXPECT_STATUS(NormalizeLayout("CYXQ"), Invalid,
                "layout must use only TZC + (Y/X or H/W) letters (for example CYX, YXC, "
                "TZCYX).");
  EXPECT_STATUS(NormalizeLayout("CYH"), Invalid, "layout cannot repeat dimensions");
}

TEST(LayoutTest, DefaultLayout) {
  EXPECT_EQ(DefaultLayout(Sel(1, 1, 3, 4, 4)), "CHW");
  EXPECT_EQ(DefaultLayout(Sel(2, 1, 3, 4, 4)), "TZCHW");
  EXPECT_EQ(DefaultLayout(Sel(1, 2, 3, 4, 4)), "TZCHW");
}

TEST(LayoutTest, ShapeAndStridesMatchNumpyTranspose) {
  // numpy: np.zeros((2,3,4,5,6), uint16).transpose(4,3,0,2,1) → strides (2,12,720,60,240)
  ASSERT_OK_AND_ASSIGN(Geometry g,
                       ComputeGeometry(Sel(2, 3, 4, 5, 6), "WHTCZ", DType::kUInt16,
                                       ChannelPolicy::kError));
  EXPECT_EQ(g.shape, (V{6, 5, 2, 4, 3}));
  EXPECT_EQ(g.strides, (V{2, 12, 720, 60, 240}));
}

TEST(LayoutTest, DroppingAxes) {
  ASSERT_OK_AND_ASSIGN(Geometry g, ComputeGeometry(Sel(1, 1, 1, 5, 6), "HW", DType::kFloat32,
                                                   ChannelPolicy::kError));
  EXPECT_EQ(g.shape, (V{5, 6}));
  EXPECT_EQ(g.strides, (V{24, 4}));
  EXPECT_STATUS(ComputeGeometry(Sel(2, 1, 3, 5, 6), "CHW", DType::kUInt8,
                                ChannelPolicy::kError),
                Invalid, "layout 'CHW' drops non-singleton dimension 'T'.");
  EXPECT_STATUS(ComputeGeometry(Sel(1, 1, 3, 5, 6), "HW", DType::kUInt8,
                                ChannelPolicy::kError),
                Invalid, "layout 'HW' drops non-singleton dimension 'C'.");
  // channel_policy="first": C's stride still counts all 3 channels, as the reference.
  ASSERT_OK_AND_ASSIGN(g, ComputeGeometry(Sel(1, 2, 3, 5, 6), "ZHW", DType::kUInt8,
                                          ChannelPolicy::kFirst));
  EXPECT_EQ(g.shape, (V{2, 5, 6}));
  EXPECT_EQ(g.strides, (V{90, 6, 1}));
  EXPECT_TRUE(g.first_channel_only);
  EXPECT_EQ(g.CanonicalSpanElements(), 2 * 3 * 30);
}

TEST(LayoutTest, ChannelPolicyParsing) {
  ASSERT_OK_AND_ASSIGN(auto policy, ParseChannelPolicy(" First "));
  EXPECT_EQ(policy, ChannelPolicy::kFirst);
  EXPECT_STATUS(ParseChannelPolicy("last"), Invalid,
                "Unsupported channel_policy 'last'. Expected one of: error, first.");
}

TEST(GeometryTest, ExtentsBeyondInt64AreAClearError) {
  // Index lists keep duplicates: 32 × 2**29 × 2**30 uint16 = 2**65 bytes.
  Selection selection;
  selection.t.assign(32, 0);
  selection.z = {0};
  selection.c = {0};
  selection.roi = Roi{0, 0, int64_t{1} << 30, int64_t{1} << 29};
  EXPECT_STATUS_HAS(ComputeGeometry(selection, "TCZHW", DType::kUInt16, ChannelPolicy::kError),
                    "does not fit in 64-bit sizes");
  // One duplicate fewer fits: 2**64 - 1 does not, 2**62 bytes does.
  selection.t.assign(4, 0);
  ASSERT_OK_AND_ASSIGN(auto g, ComputeGeometry(selection, "TCZHW", DType::kUInt16,
                                               ChannelPolicy::kError));
  EXPECT_EQ(g.num_elements(), int64_t{1} << 61);
  // Dropped channels still count in the canonical span (channel_policy="first").
  selection.t = {0};
  selection.c.assign(int64_t{1} << 10, 0);
  selection.roi = Roi{0, 0, int64_t{1} << 26, int64_t{1} << 26};
  EXPECT_STATUS_HAS(ComputeGeometry(selection, "TZHW", DType::kFloat64, ChannelPolicy::kFirst),
                    "does not fit in 64-bit sizes");
}

TEST(GeometryTest, FirstOfNoChannelsCannotBeMaterialized) {
  Selection selection{{0}, {0}, {}, Roi{0, 0, 5, 4}};
  ASSERT_OK_AND_ASSIGN(auto g, ComputeGeometry(selection, "HW", DType::kUInt16,
                                               ChannelPolicy::kFirst));
  EXPECT_EQ(g.shape, (std::vector<int64_t>{4, 5}));  // as the reference reports it
  EXPECT_TRUE(g.no_channel_to_keep);
}

}  // namespace
}  // namespace omearrow
