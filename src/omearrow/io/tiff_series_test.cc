#include "omearrow/io/tiff_series.h"

#include <gtest/gtest.h>

#include "omearrow/testing/gtest_util.h"

namespace omearrow {
namespace {

TiffPageShape Page(int64_t width, int64_t height, int64_t samples = 1,
                   bool separate = false, DType dtype = DType::kUInt16) {
  TiffPageShape page;
  page.width = width;
  page.height = height;
  page.samples = samples;
  page.planar_separate = separate;
  page.dtype = dtype;
  return page;
}

std::vector<TiffPageShape> Pages(int64_t count, const TiffPageShape& page) {
  return std::vector<TiffPageShape>(static_cast<size_t>(count), page);
}

// Every (t, c, z) of `series` as "page:sample", in T, C, Z order.
std::vector<std::string> AllLocations(const TiffSeries& series) {
  std::vector<std::string> out;
  for (int64_t t = 0; t < series.size_t; ++t) {
    for (int64_t c = 0; c < series.size_c; ++c) {
      for (int64_t z = 0; z < series.size_z; ++z) {
        const TiffSeries::Location loc = series.Locate(t, c, z);
        out.push_back(std::to_string(loc.page) + ":" + std::to_string(loc.sample));
      }
    }
  }
  return out;
}

TEST(TiffSeriesTest, MakeAndLocate) {
  ASSERT_OK_AND_ASSIGN(TiffSeries s, MakeTiffSeries(4, "TZC", {2, 3, 2}, 1));
  EXPECT_EQ(s.first_page, 4);
  EXPECT_EQ(s.size_t, 2);
  EXPECT_EQ(s.size_z, 3);
  EXPECT_EQ(s.size_c, 2);
  EXPECT_EQ(s.num_pages(), 12);
  EXPECT_EQ(s.stored_pages, 12);
  // Page number runs C fastest, then Z, then T.
  EXPECT_EQ(s.Locate(0, 1, 0).page, 1);
  EXPECT_EQ(s.Locate(0, 0, 1).page, 2);
  EXPECT_EQ(s.Locate(1, 0, 0).page, 6);
  EXPECT_EQ(s.Locate(1, 1, 2).page, 11);

  // Samples are the fastest part of C.
  ASSERT_OK_AND_ASSIGN(TiffSeries rgb, MakeTiffSeries(0, "TC", {2, 2}, 3));
  EXPECT_EQ(rgb.size_c, 6);
  EXPECT_EQ(rgb.num_pages(), 4);
  EXPECT_EQ(rgb.Locate(1, 4, 0).page, 3);
  EXPECT_EQ(rgb.Locate(1, 4, 0).sample, 1);
  EXPECT_EQ(rgb.Locate(0, 2, 0).page, 0);
  EXPECT_EQ(rgb.Locate(0, 2, 0).sample, 2);

  ASSERT_OK_AND_ASSIGN(TiffSeries one, MakeTiffSeries(0, "", {}, 1));
  EXPECT_EQ(one.num_pages(), 1);
  EXPECT_EQ(one.Locate(0, 0, 0).page, 0);
}

TEST(TiffSeriesTest, MakeRejectsBadAxes) {
  EXPECT_STATUS(MakeTiffSeries(0, "ZZ", {2, 2}, 1), Invalid,
                "series axes 'ZZ' are not distinct letters T, C, Z");
  EXPECT_STATUS(MakeTiffSeries(0, "Q", {2}, 1), Invalid,
                "series axes 'Q' are not distinct letters T, C, Z");
  EXPECT_STATUS(MakeTiffSeries(0, "Z", {0}, 1), Invalid, "series axis Z has size 0");
  EXPECT_STATUS(MakeTiffSeries(0, "TZ", {int64_t{1} << 40, int64_t{1} << 40}, 1),
                Invalid,
                "series sizes [1099511627776, 1099511627776] x 1 samples overflow");
}

TEST(TiffSeriesTest, LeadingRunIsZ) {
  std::vector<TiffPageShape> pages = Pages(3, Page(41, 30));
  pages[1].planar_separate = true;  // the planar configuration does not matter
  pages.push_back(Page(41, 31));
  pages.push_back(Page(41, 30));
  const TiffSeries s = LeadingRunSeries(pages);
  EXPECT_EQ(s.size_z, 3);
  EXPECT_EQ(s.size_c, 1);
  EXPECT_EQ(s.num_pages(), 3);
  EXPECT_EQ(s.stored_pages, 3);

  const TiffSeries rgb = LeadingRunSeries(Pages(2, Page(5, 4, 3)));
  EXPECT_EQ(rgb.size_z, 2);
  EXPECT_EQ(rgb.size_c, 3);
  EXPECT_EQ(AllLocations(rgb),
            (std::vector<std::string>{"0:0", "1:0", "0:1", "1:1", "0:2", "1:2"}));
}

ImageJDescription Hyperstack(int64_t frames, int64_t slices, int64_t channels) {
  ImageJDescription d;
  d.frames = frames;
  d.slices = slices;
  d.channels = channels;
  d.images = frames * slices * channels;
  d.hyperstack = true;
  return d;
}

TEST(TiffSeriesTest, ImageJHyperstackPagesAreTzc) {
  ASSERT_OK_AND_ASSIGN(TiffSeries s,
                       ImageJSeries(Hyperstack(2, 3, 2), Pages(12, Page(7, 5))));
  EXPECT_EQ(s.page_axes, "TZC");
  EXPECT_EQ((std::vector<int64_t>{s.size_t, s.size_c, s.size_z}),
            (std::vector<int64_t>{2, 2, 3}));
  EXPECT_EQ(s.stored_pages, 12);
  EXPECT_EQ(s.Locate(1, 1, 2).page, 11);
  EXPECT_EQ(s.Locate(0, 1, 0).page, 1);
  EXPECT_EQ(s.recorded_by, "ImageJ description");

  ImageJDescription ordered = Hyperstack(2, 3, 2);
  ordered.page_axes = "CZT";  // order=tzc
  ASSERT_OK_AND_ASSIGN(TiffSeries o, ImageJSeries(ordered, Pages(12, Page(7, 5))));
  EXPECT_EQ(o.Locate(1, 0, 0).page, 1);
  EXPECT_EQ(o.Locate(0, 1, 0).page, 6);
}

TEST(TiffSeriesTest, ImageJSamples) {
  // RGB frames: the samples are the channels.
  ASSERT_OK_AND_ASSIGN(TiffSeries rgb,
                       ImageJSeries(Hyperstack(4, 1, 1), Pages(4, Page(7, 5, 3))));
  EXPECT_EQ((std::vector<int64_t>{rgb.size_t, rgb.size_c, rgb.size_z}),
            (std::vector<int64_t>{4, 3, 1}));
  // RGB declared as channels=3 (images counts frames x slices).
  ImageJDescription declared = Hyperstack(4, 1, 3);
  declared.images = 4;
  ASSERT_OK_AND_ASSIGN(TiffSeries d, ImageJSeries(declared, Pages(4, Page(7, 5, 3))));
  EXPECT_EQ(d.size_c, 3);
  EXPECT_EQ(d.num_pages(), 4);
  // RGB pages per channel: C = channels x samples.
  ASSERT_OK_AND_ASSIGN(TiffSeries cs,
                       ImageJSeries(Hyperstack(2, 1, 3), Pages(6, Page(7, 5, 3))));
  EXPECT_EQ(cs.size_c, 9);
  EXPECT_EQ(cs.num_pages(), 6);
  EXPECT_EQ(cs.Locate(1, 7, 0).page, 5);
  EXPECT_EQ(cs.Locate(1, 7, 0).sample, 1);
  // Separate samples declared as channels (Bio-Formats).
  ASSERT_OK_AND_ASSIGN(TiffSeries sep,
                       ImageJSeries(Hyperstack(1, 2, 3), Pages(2, Page(7, 5, 3, true))));
  EXPECT_EQ(sep.size_c, 3);
  EXPECT_EQ(sep.size_z, 2);
  EXPECT_STATUS(ImageJSeries(Hyperstack(1, 2, 2), Pages(4, Page(7, 5, 3, true))), Invalid,
                "ImageJ description: channels=2 but the pages hold 3 separate samples");
}

TEST(TiffSeriesTest, ImageJStackWithoutSizesIsZ) {
  ImageJDescription d;
  d.images = 5;
  ASSERT_OK_AND_ASSIGN(TiffSeries s, ImageJSeries(d, Pages(5, Page(7, 5))));
  EXPECT_EQ(s.size_z, 5);
  EXPECT_EQ(s.stored_pages, 5);
}

TEST(TiffSeriesTest, ImageJWithFewerPagesIsMarked) {
  ASSERT_OK_AND_ASSIGN(TiffSeries s,
                       ImageJSeries(Hyperstack(2, 3, 1), Pages(1, Page(7, 5))));
  EXPECT_EQ(s.num_pages(), 6);
  EXPECT_EQ(s.stored_pages, 1);
}

std::vector<std::optional<std::string>> Descriptions(
    int64_t count, std::initializer_list<std::pair<int64_t, std::string>> set) {
  std::vector<std::optional<std::string>> out(static_cast<size_t>(count));
  for (const auto& [page, text] : set) out[static_cast<size_t>(page)] = text;
  return out;
}

TEST(TiffSeriesTest, ShapedSeriesFollowTheirDescriptions) {
  // write(u2[3, 30, 41]); write(u2[2, 30, 41])
  const auto pages = Pages(5, Page(41, 30));
  ASSERT_OK_AND_ASSIGN(
      std::vector<TiffSeries> series,
      ShapedSeries(Descriptions(5, {{0, R"({"shape": [3, 30, 41]})"},
                                    {3, R"({"shape": [2, 30, 41]})"}}),
                   pages));
  ASSERT_EQ(series.size(), 2u);
  EXPECT_EQ(series[0].first_page, 0);
  EXPECT_EQ(series[0].size_z, 3);
  EXPECT_EQ(series[0].stored_pages, 3);
  EXPECT_EQ(series[1].first_page, 3);
  EXPECT_EQ(series[1].size_z, 2);
  EXPECT_EQ(series[1].recorded_by, "shaped description");
}

TEST(TiffSeriesTest, ShapedAxes) {
  ASSERT_OK_AND_ASSIGN(
      std::vector<TiffSeries> tc,
      ShapedSeries(Descriptions(6, {{0, R"({"shape": [2, 3, 4, 5], "axes": "TCYX"})"}}),
                   Pages(6, Page(5, 4))));
  ASSERT_EQ(tc.size(), 1u);
  EXPECT_EQ(tc[0].page_axes, "TC");
  EXPECT_EQ((std::vector<int64_t>{tc[0].size_t, tc[0].size_c, tc[0].size_z}),
            (std::vector<int64_t>{2, 3, 1}));
  // One other letter is Z; size-1 dimensions are dropped.
  ASSERT_OK_AND_ASSIGN(
      std::vector<TiffSeries> q,
      ShapedSeries(
          Descriptions(6, {{0, R"({"shape": [1, 2, 3, 4, 5], "axes": "ZTQYX"})"}}),
          Pages(6, Page(5, 4))));
  EXPECT_EQ(q[0].page_axes, "TZ");
  // Several dimensions without axes: all pages are Z.
  ASSERT_OK_AND_ASSIGN(std::vector<TiffSeries> none,
                       ShapedSeries(Descriptions(6, {{0, R"({"shape": [2, 3, 4, 5]})"}}),
                                    Pages(6, Page(5, 4))));
  EXPECT_EQ(none[0].page_axes, "Z");
  EXPECT_EQ(none[0].size_z, 6);
  EXPECT_STATUS(
      ShapedSeries(Descriptions(6, {{0, R"({"shape": [2, 3, 4, 5], "axes": "AQYX"})"}}),
                   Pages(6, Page(5, 4))),
      Invalid,
      "IFD 0 shaped description: axes 'AQYX' of shape [2, 3, 4, 5] cannot be mapped to "
      "T, C, Z, Y, X");
  // RGB pages (contiguous samples last, separate samples first).
  ASSERT_OK_AND_ASSIGN(
      std::vector<TiffSeries> rgb,
      ShapedSeries(Descriptions(2, {{0, R"({"shape": [2, 4, 5, 3]})"}}),
                   Pages(2, Page(5, 4, 3))));
  EXPECT_EQ(rgb[0].size_z, 2);
  EXPECT_EQ(rgb[0].size_c, 3);
  ASSERT_OK_AND_ASSIGN(
      std::vector<TiffSeries> separate,
      ShapedSeries(Descriptions(2, {{0, R"({"shape": [2, 3, 4, 5], "axes": "TSYX"})"}}),
                   Pages(2, Page(5, 4, 3, true))));
  EXPECT_EQ(separate[0].size_t, 2);
  EXPECT_EQ(separate[0].size_c, 3);
  // A trailing samples axis of one.
  ASSERT_OK_AND_ASSIGN(
      std::vector<TiffSeries> ones,
      ShapedSeries(
          Descriptions(6, {{0, R"({"shape": [2, 3, 4, 5, 1], "axes": "TCYXS"})"}}),
          Pages(6, Page(5, 4))));
  EXPECT_EQ(ones[0].page_axes, "TC");
  // The old "shape=(...)" form.
  ASSERT_OK_AND_ASSIGN(std::vector<TiffSeries> old,
                       ShapedSeries(Descriptions(3, {{0, "shape=(3, 4, 5)"}}),
                                    Pages(3, Page(5, 4))));
  EXPECT_EQ(old[0].size_z, 3);
}

TEST(TiffSeriesTest, ShapedTruncatedSeriesAreMarked) {
  // write(u2[5, 30, 41], truncate=True): one page stands for five.
  ASSERT_OK_AND_ASSIGN(
      std::vector<TiffSeries> series,
      ShapedSeries(Descriptions(1, {{0, R"({"shape": [5, 30, 41], "truncated": true})"}}),
                   Pages(1, Page(41, 30))));
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].num_pages(), 5);
  EXPECT_EQ(series[0].stored_pages, 1);
  // A truncated series followed by another one.
  ASSERT_OK_AND_ASSIGN(
      series,
      ShapedSeries(Descriptions(3, {{0, R"({"shape": [5, 30, 41], "truncated": true})"},
                                    {1, R"({"shape": [2, 30, 41]})"}}),
                   Pages(3, Page(41, 30))));
  ASSERT_EQ(series.size(), 2u);
  EXPECT_EQ(series[0].stored_pages, 1);
  EXPECT_EQ(series[1].first_page, 1);
  EXPECT_EQ(series[1].stored_pages, 2);
}

TEST(TiffSeriesTest, NotShapedFallsBack) {
  const auto pages = Pages(4, Page(41, 30));
  // Page 0 without a description; a series start without one; a shape that is not a
  // whole number of pages.
  for (const auto& descriptions :
       {Descriptions(4, {}), Descriptions(4, {{0, R"({"shape": [2, 30, 41]})"}}),
        Descriptions(4, {{0, R"({"shape": [7, 41]})"}})}) {
    ASSERT_OK_AND_ASSIGN(std::vector<TiffSeries> series,
                         ShapedSeries(descriptions, pages));
    EXPECT_TRUE(series.empty());
  }
}

TEST(TiffSeriesTest, ShapedErrors) {
  const auto pages = Pages(2, Page(41, 30));
  auto bad = ShapedSeries(Descriptions(2, {{0, R"({"shape": [2, 30, 41)"}}), pages);
  EXPECT_EQ(bad.status().code(), arrow::StatusCode::Invalid);
  EXPECT_NE(bad.status().message().find("IFD 0 shaped description: invalid JSON"),
            std::string::npos)
      << bad.status().message();
  EXPECT_STATUS(ShapedSeries(Descriptions(2, {{0, R"({"shape": "2x30x41"})"}}), pages),
                Invalid, "IFD 0 shaped description has no \"shape\" list");
  EXPECT_STATUS(ShapedSeries(Descriptions(2, {{0, R"({"shape": [2, -30, 41]})"}}), pages),
                Invalid,
                "IFD 0 shaped description \"shape\" [2,-30,41] is not a list of sizes");
  EXPECT_STATUS(ShapedSeries(Descriptions(2, {{0, R"({"shape": [0, 30, 41]})"}}), pages),
                Invalid, "IFD 0 shaped description: shape [0, 30, 41] is empty");
}

TEST(TiffSeriesTest, RecognisesShapedDescriptions) {
  EXPECT_TRUE(IsShapedDescription(R"({"shape": [3, 4]})"));
  EXPECT_TRUE(IsShapedDescription("shape=(3, 4)"));
  EXPECT_FALSE(IsShapedDescription(R"({"axes": "YX"})"));
  EXPECT_FALSE(IsShapedDescription(R"({"shape": [3, 4], "mibi.x": 1})"));
  EXPECT_FALSE(IsShapedDescription("ImageJ=1.11a"));
}

}  // namespace
}  // namespace omearrow
