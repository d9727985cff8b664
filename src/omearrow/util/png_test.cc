// EncodePngRgb8: the bytes decode (libpng's reader) to the same pixels; bad sizes fail.
#include "omearrow/util/png.h"

#include <gtest/gtest.h>
#include <png.h>

#include <cstring>
#include <vector>

#include "omearrow/testing/gtest_util.h"

namespace omearrow {
namespace {

std::vector<uint8_t> DecodeRgb(const std::string& bytes, int64_t* width,
                               int64_t* height) {
  png_image image;
  std::memset(&image, 0, sizeof(image));
  image.version = PNG_IMAGE_VERSION;
  EXPECT_TRUE(png_image_begin_read_from_memory(&image, bytes.data(), bytes.size()))
      << image.message;
  image.format = PNG_FORMAT_RGB;
  std::vector<uint8_t> pixels(PNG_IMAGE_SIZE(image));
  EXPECT_TRUE(png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr))
      << image.message;
  *width = image.width;
  *height = image.height;
  return pixels;
}

TEST(PngTest, RoundTripsPixels) {
  const int64_t width = 7, height = 3;
  std::vector<uint8_t> rgb(width * height * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<uint8_t>(i * 37 + 5);
  ASSERT_OK_AND_ASSIGN(std::string png, EncodePngRgb8(rgb, width, height));
  ASSERT_GE(png.size(), 8u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  int64_t w = 0, h = 0;
  EXPECT_EQ(DecodeRgb(png, &w, &h), rgb);
  EXPECT_EQ(w, width);
  EXPECT_EQ(h, height);
}

TEST(PngTest, RejectsBadSizes) {
  std::vector<uint8_t> rgb(12);
  EXPECT_STATUS_HAS(EncodePngRgb8(rgb, 0, 4).status(), "PNG size out of range");
  EXPECT_STATUS_HAS(EncodePngRgb8(rgb, 2, -1).status(), "PNG size out of range");
  EXPECT_STATUS_HAS(EncodePngRgb8(rgb, 3, 2).status(), "expected width*height*3");
  EXPECT_STATUS_HAS(EncodePngRgb8(rgb, int64_t{1} << 40, 1).status(),
                    "PNG size out of range");
}

}  // namespace
}  // namespace omearrow
