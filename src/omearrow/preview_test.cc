// Previews of images and views: the middle z by default, only the shown planes read,
// channel colors, contrast per channel, PNG output and argument errors.
#include "omearrow/preview.h"

#include <gtest/gtest.h>
#include <png.h>

#include <cmath>
#include <cstring>
#include <mutex>
#include <set>
#include <tuple>

#include "omearrow/source/callback_source.h"
#include "omearrow/testing/gtest_util.h"

namespace omearrow {
namespace {

using PlaneKey = std::tuple<int64_t, int64_t, int64_t>;  // (t, z, c)

// A T=2, C=3, Z=5, 4×8 uint16 image whose plane (t, z, c) holds
// base(t, z, c) + x (a ramp along x), recording which planes are loaded.
struct RecordingImage {
  std::shared_ptr<const Image> image;
  std::shared_ptr<std::mutex> mutex = std::make_shared<std::mutex>();
  std::shared_ptr<std::set<PlaneKey>> loaded = std::make_shared<std::set<PlaneKey>>();
};

uint16_t Base(int64_t t, int64_t z, int64_t c) {
  return static_cast<uint16_t>(1000 * t + 100 * z + 10 * c);
}

RecordingImage MakeImage(std::vector<Channel> channels) {
  RecordingImage out;
  PixelsMeta meta;
  meta.type = "uint16";
  meta.size_t = 2;
  meta.size_c = 3;
  meta.size_z = 5;
  meta.size_y = 4;
  meta.size_x = 8;
  meta.channels = std::move(channels);
  auto mutex = out.mutex;
  auto loaded = out.loaded;
  auto result = ImageFromPlaneLoader(
      RecordInfo{}, meta, std::nullopt,
      [mutex, loaded](int64_t t, int64_t z, int64_t c) -> arrow::Result<LoadedPlane> {
        {
          std::lock_guard<std::mutex> lock(*mutex);
          loaded->insert({t, z, c});
        }
        auto values = std::make_shared<std::vector<uint16_t>>(32);
        for (int y = 0; y < 4; ++y)
          for (int x = 0; x < 8; ++x) (*values)[y * 8 + x] = Base(t, z, c) + x;
        return LoadedPlane{values, values->data(), DType::kUInt16, 32};
      });
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  out.image = *result;
  return out;
}

Channel Colored(int64_t rgba) {
  Channel channel;
  channel.color_rgba = rgba;
  return channel;
}

TEST(PreviewTest, ReadsOnlyTheMiddlePlaneOfTheShownChannels) {
  RecordingImage image = MakeImage({});
  PreviewOptions options;
  options.c = std::vector<int64_t>{0, 2};
  ASSERT_OK_AND_ASSIGN(RgbImage picture, RenderPreview(image.image, options));
  EXPECT_EQ(*image.loaded, (std::set<PlaneKey>{{0, 2, 0}, {0, 2, 2}}));
  EXPECT_EQ(picture.width, 8);
  EXPECT_EQ(picture.height, 4);

  image.loaded->clear();
  options = PreviewOptions{};
  options.t = 1;
  options.z = 4;
  ASSERT_OK(RenderPreview(image.image, options).status());
  EXPECT_EQ(*image.loaded, (std::set<PlaneKey>{{1, 4, 0}, {1, 4, 1}, {1, 4, 2}}));
}

TEST(PreviewTest, ContrastStretchesEachChannelAndTintsIt) {
  // Channel colors red, green, blue from the metadata; every channel is a ramp 0..7
  // above its own base, so after a per-channel (0, 100) stretch each channel runs
  // 0..1 along x whatever its base.
  RecordingImage image =
      MakeImage({Colored(0xFF0000FF), Colored(0x00FF00FF), Colored(0x0000FFFF)});
  PreviewOptions options;
  options.low_percentile = 0;
  options.high_percentile = 100;
  ASSERT_OK_AND_ASSIGN(RgbImage picture, RenderPreview(image.image, options));
  for (int64_t y = 0; y < 4; ++y) {
    for (int64_t x = 0; x < 8; ++x) {
      const uint8_t expected = static_cast<uint8_t>(std::lround(x / 7.0 * 255.0));
      const uint8_t* rgb = &picture.pixels[(y * 8 + x) * 3];
      EXPECT_EQ(rgb[0], expected);
      EXPECT_EQ(rgb[1], expected);
      EXPECT_EQ(rgb[2], expected);
    }
  }
  // Only the green channel: red and blue stay dark.
  options.c = std::vector<int64_t>{1};
  ASSERT_OK_AND_ASSIGN(picture, RenderPreview(image.image, options));
  EXPECT_EQ(picture.pixels[7 * 3 + 0], 0);
  EXPECT_EQ(picture.pixels[7 * 3 + 1], 255);
  EXPECT_EQ(picture.pixels[7 * 3 + 2], 0);
}

TEST(PreviewTest, ViewsIndexWithinTheirSelection) {
  RecordingImage image = MakeImage({});
  ViewOptions view_options;
  view_options.selection.t = IndexSpec::Index(1);
  view_options.selection.z = IndexSpec::FromSlice({1, 4, 1});  // z = 1, 2, 3
  view_options.selection.c = IndexSpec::List({2, 0});
  view_options.selection.roi = std::vector<int64_t>{2, 1, 4, 2};
  ASSERT_OK_AND_ASSIGN(TensorView view, TensorView::Make(image.image, view_options));
  PreviewOptions options;
  options.c = std::vector<int64_t>{0};  // the view's first channel: image channel 2
  ASSERT_OK_AND_ASSIGN(RgbImage picture, RenderPreview(view, options));
  EXPECT_EQ(*image.loaded, (std::set<PlaneKey>{{1, 2, 2}}));  // middle of z 1..3
  EXPECT_EQ(picture.width, 4);
  EXPECT_EQ(picture.height, 2);
  EXPECT_STATUS_HAS(RenderPreview(view,
                                  [] {
                                    PreviewOptions o;
                                    o.t = 1;
                                    return o;
                                  }())
                        .status(),
                    "t=1 out of range for 1 time points");
}

TEST(PreviewTest, ShrinksToSizeAndEncodesPng) {
  RecordingImage image = MakeImage({});
  PreviewOptions options;
  options.size = 4;
  ASSERT_OK_AND_ASSIGN(std::string png, PreviewPng(image.image, options));
  png_image decoded;
  std::memset(&decoded, 0, sizeof(decoded));
  decoded.version = PNG_IMAGE_VERSION;
  ASSERT_TRUE(png_image_begin_read_from_memory(&decoded, png.data(), png.size()));
  EXPECT_EQ(decoded.width, 4u);
  EXPECT_EQ(decoded.height, 2u);
  EXPECT_EQ(decoded.format & PNG_FORMAT_FLAG_COLOR, PNG_FORMAT_FLAG_COLOR);
  png_image_free(&decoded);
}

TEST(PreviewTest, RejectsBadOptions) {
  RecordingImage image = MakeImage({});
  auto with = [](auto edit) {
    PreviewOptions options;
    edit(options);
    return options;
  };
  EXPECT_STATUS_HAS(RenderPreview(image.image, with([](auto& o) { o.t = 2; })).status(),
                    "preview: t=2 out of range for 2 time points");
  EXPECT_STATUS_HAS(RenderPreview(image.image, with([](auto& o) { o.z = -1; })).status(),
                    "preview: z=-1 out of range for 5 z planes");
  EXPECT_STATUS_HAS(
      RenderPreview(image.image, with([](auto& o) { o.c = std::vector<int64_t>{3}; }))
          .status(),
      "preview: c=3 out of range for 3 channels");
  EXPECT_STATUS_HAS(
      RenderPreview(image.image, with([](auto& o) { o.c = std::vector<int64_t>{1, 1}; }))
          .status(),
      "appears twice");
  EXPECT_STATUS_HAS(
      RenderPreview(image.image, with([](auto& o) { o.c = std::vector<int64_t>{}; }))
          .status(),
      "at least one channel");
  EXPECT_STATUS_HAS(
      RenderPreview(image.image, with([](auto& o) { o.size = 0; })).status(),
      "size must be at least 1");
  EXPECT_STATUS_HAS(RenderPreview(image.image, with([](auto& o) {
                                    o.low_percentile = 90;
                                    o.high_percentile = 10;
                                  }))
                        .status(),
                    "0 <= low < high <= 100");
  EXPECT_TRUE(image.loaded->empty());
}

}  // namespace
}  // namespace omearrow
