#include "omearrow/util/png.h"

#include <arrow/status.h>
#include <png.h>

#include <cstring>
#include <limits>

namespace omearrow {

arrow::Result<std::string> EncodePngRgb8(std::span<const uint8_t> rgb, int64_t width,
                                         int64_t height) {
  // libpng's simplified API takes a signed 32-bit row stride and 31-bit sizes.
  constexpr int64_t kMaxSide = std::numeric_limits<int32_t>::max() / 3;
  if (width <= 0 || height <= 0 || width > kMaxSide || height > kMaxSide) {
    return arrow::Status::Invalid("PNG size out of range: width=", width,
                                  ", height=", height);
  }
  const int64_t row_bytes = width * 3;
  if (height > std::numeric_limits<int64_t>::max() / row_bytes ||
      static_cast<int64_t>(rgb.size()) != row_bytes * height) {
    return arrow::Status::Invalid("PNG pixel buffer holds ", rgb.size(),
                                  " bytes, expected width*height*3 for width=", width,
                                  ", height=", height);
  }
  png_image image;
  std::memset(&image, 0, sizeof(image));
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(width);
  image.height = static_cast<png_uint_32>(height);
  image.format = PNG_FORMAT_RGB;
  const auto stride = static_cast<png_int_32>(row_bytes);

  // First ask for the exact size (libpng compresses once to count), then write.
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&image, nullptr, &size, /*convert_to_8_bit=*/0,
                                 rgb.data(), stride, nullptr)) {
    std::string message = image.message;
    png_image_free(&image);
    return arrow::Status::IOError("libpng could not encode the picture: ", message);
  }
  std::string out(size, '\0');
  if (!png_image_write_to_memory(&image, out.data(), &size, 0, rgb.data(), stride,
                                 nullptr)) {
    std::string message = image.message;
    png_image_free(&image);
    return arrow::Status::IOError("libpng could not encode the picture: ", message);
  }
  out.resize(size);
  return out;
}

}  // namespace omearrow
