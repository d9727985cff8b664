// Compositing: colors from metadata or the palette, NumPy-compatible percentiles that
// ignore NaN/inf, the stretch, tinted blending and box downscaling.
#include "omearrow/composite.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "omearrow/testing/gtest_util.h"

namespace omearrow {
namespace {

Channel WithColor(std::optional<int64_t> rgba) {
  Channel channel;
  channel.color_rgba = rgba;
  return channel;
}

TEST(CompositeTest, ColorsFromPackedRgba) {
  EXPECT_EQ(ColorFromRgba(0xFF0000FF), (Rgb{1, 0, 0}));
  EXPECT_EQ(ColorFromRgba(-16776961), (Rgb{1, 0, 0}));  // OME's signed int32 red
  EXPECT_EQ(ColorFromRgba(-1), (Rgb{1, 1, 1}));
  const Rgb teal = ColorFromRgba(0x00808000);  // alpha ignored
  EXPECT_FLOAT_EQ(teal.g, 128.0f / 255.0f);
  EXPECT_FLOAT_EQ(teal.r, 0.0f);
}

TEST(CompositeTest, ChannelColorsUseMetadataOrPalette) {
  const std::vector<Channel> colored = {WithColor(0x00FF00FF), WithColor(0xFF00FFFF),
                                        WithColor(0x0000FFFF)};
  EXPECT_EQ(ChannelColors(colored, {0, 2}), (std::vector<Rgb>{{0, 1, 0}, {0, 0, 1}}));
  EXPECT_EQ(ChannelColors(colored, {1}), (std::vector<Rgb>{{1, 0, 1}}));

  // One channel without a color: the palette for all, by channel index.
  const std::vector<Channel> partial = {WithColor(0x00FF00FF), WithColor(std::nullopt),
                                        WithColor(0x0000FFFF)};
  EXPECT_EQ(ChannelColors(partial, {0, 1, 2}),
            (std::vector<Rgb>{PaletteColor(0), PaletteColor(1), PaletteColor(2)}));
  // Every channel the OME default white: no color information.
  const std::vector<Channel> white = {WithColor(-1), WithColor(-1)};
  EXPECT_EQ(ChannelColors(white, {0, 1}),
            (std::vector<Rgb>{PaletteColor(0), PaletteColor(1)}));
  EXPECT_EQ(ChannelColors(white, {1}), (std::vector<Rgb>{{1, 1, 1}}));
  // Black would hide the channel.
  const std::vector<Channel> black = {WithColor(0x000000FF), WithColor(0xFF0000FF)};
  EXPECT_EQ(ChannelColors(black, {0, 1}),
            (std::vector<Rgb>{PaletteColor(0), PaletteColor(1)}));
  // No metadata at all: one channel is white, several take the palette.
  EXPECT_EQ(ChannelColors({}, {3}), (std::vector<Rgb>{{1, 1, 1}}));
  EXPECT_EQ(ChannelColors({}, {3, 8}),
            (std::vector<Rgb>{PaletteColor(3), PaletteColor(8)}));
  EXPECT_EQ(PaletteColor(8), PaletteColor(1));
  EXPECT_NE(PaletteColor(0), PaletteColor(1));
}

// NumPy's default (linear) percentile of sorted values, computed independently.
double LinearPercentile(std::vector<double> sorted, double q) {
  const double position = q / 100.0 * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<size_t>(std::floor(position));
  if (below + 1 >= sorted.size()) return sorted[below];
  return sorted[below] + (position - below) * (sorted[below + 1] - sorted[below]);
}

TEST(CompositeTest, PercentilesIgnoreNonFiniteValues) {
  std::vector<float> values;
  std::vector<double> finite;
  for (int i = 0; i < 1000; ++i) {
    const float v = static_cast<float>((i * 7919) % 1000) * 0.25f;
    values.push_back(v);
    finite.push_back(v);
  }
  values.insert(values.begin() + 10, std::numeric_limits<float>::quiet_NaN());
  values.push_back(std::numeric_limits<float>::infinity());
  values.push_back(-std::numeric_limits<float>::infinity());
  std::sort(finite.begin(), finite.end());
  for (double q : {0.0, 0.5, 12.3, 50.0, 99.5, 100.0}) {
    std::vector<float> scratch = values;
    auto got = FinitePercentile(scratch, q);
    ASSERT_TRUE(got.has_value());
    EXPECT_NEAR(*got, LinearPercentile(finite, q), 1e-9) << "q=" << q;
  }
  const ContrastRange range = PercentileRange(values, 0.5, 99.5);
  EXPECT_NEAR(range.low, LinearPercentile(finite, 0.5), 1e-9);
  EXPECT_NEAR(range.high, LinearPercentile(finite, 99.5), 1e-9);

  std::vector<float> nothing = {std::numeric_limits<float>::quiet_NaN()};
  EXPECT_FALSE(FinitePercentile(nothing, 50).has_value());
  const ContrastRange empty = PercentileRange(nothing, 0.5, 99.5);
  EXPECT_EQ(empty.low, 0);
  EXPECT_EQ(empty.high, 0);
}

TEST(CompositeTest, StretchClampsAndHandlesEmptyRanges) {
  const ContrastRange range{100, 300};
  EXPECT_FLOAT_EQ(Stretch(200, range), 0.5f);
  EXPECT_FLOAT_EQ(Stretch(50, range), 0.0f);
  EXPECT_FLOAT_EQ(Stretch(1000, range), 1.0f);
  EXPECT_FLOAT_EQ(Stretch(std::numeric_limits<float>::quiet_NaN(), range), 0.0f);
  EXPECT_FLOAT_EQ(Stretch(std::numeric_limits<float>::infinity(), range), 1.0f);
  EXPECT_FLOAT_EQ(Stretch(-std::numeric_limits<float>::infinity(), range), 0.0f);
  // Empty ranges: sparse bright pixels over zeros, a constant bright or dark plane.
  EXPECT_FLOAT_EQ(Stretch(7, ContrastRange{0, 0}), 1.0f);
  EXPECT_FLOAT_EQ(Stretch(0, ContrastRange{0, 0}), 0.0f);
  EXPECT_FLOAT_EQ(Stretch(40, ContrastRange{40, 40}), 1.0f);
}

TEST(CompositeTest, BlendsTintedChannels) {
  // 1×3 image, red channel ramps 0..2 over [0, 2], green is constant-high over [0, 4].
  const std::vector<float> red = {0, 1, 2};
  const std::vector<float> green = {4, 2, 0};
  const std::vector<CompositeChannel> channels = {
      {red, ContrastRange{0, 2}, Rgb{1, 0, 0}},
      {green, ContrastRange{0, 4}, Rgb{0, 1, 0.5f}}};
  ASSERT_OK_AND_ASSIGN(RgbImage image, CompositeChannels(channels, 1, 3, 512));
  EXPECT_EQ(image.width, 3);
  EXPECT_EQ(image.height, 1);
  EXPECT_EQ(image.pixels, (std::vector<uint8_t>{0, 255, 128, 128, 128, 64, 255, 0, 0}));
}

TEST(CompositeTest, ShrinksByBoxAverage) {
  // 4×6 with 0/255 checkerboard stripes of width 1 averages to mid-gray at 2×3.
  std::vector<float> values(24);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 6; ++x) values[y * 6 + x] = static_cast<float>((x + y) % 2);
  const std::vector<CompositeChannel> channels = {
      {values, ContrastRange{0, 1}, {1, 1, 1}}};
  ASSERT_OK_AND_ASSIGN(RgbImage image, CompositeChannels(channels, 4, 6, 3));
  EXPECT_EQ(image.width, 3);
  EXPECT_EQ(image.height, 2);
  for (uint8_t v : image.pixels) EXPECT_EQ(v, 128);

  // A long thin image keeps at least one row.
  std::vector<float> thin(1000 * 3, 1.0f);
  const std::vector<CompositeChannel> one = {{thin, ContrastRange{0, 1}, {1, 1, 1}}};
  ASSERT_OK_AND_ASSIGN(RgbImage strip, CompositeChannels(one, 3, 1000, 100));
  EXPECT_EQ(strip.width, 100);
  EXPECT_EQ(strip.height, 1);
  // Never enlarged.
  ASSERT_OK_AND_ASSIGN(RgbImage same, CompositeChannels(one, 3, 1000, 5000));
  EXPECT_EQ(same.width, 1000);
  EXPECT_EQ(same.height, 3);
}

TEST(CompositeTest, RejectsBadArguments) {
  std::vector<float> values(6);
  const std::vector<CompositeChannel> channels = {
      {values, ContrastRange{0, 1}, {1, 1, 1}}};
  EXPECT_STATUS_HAS(CompositeChannels(channels, 2, 3, 0).status(), "size must be");
  EXPECT_STATUS_HAS(CompositeChannels(channels, 3, 3, 10).status(), "holds 6 values");
  EXPECT_STATUS_HAS(CompositeChannels(channels, 0, 3, 10).status(), "must be positive");
}

}  // namespace
}  // namespace omearrow
