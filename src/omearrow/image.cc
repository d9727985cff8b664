// Image and the size checks every record, file and loader goes through.
#include "omearrow/image.h"

#include <limits>
#include <utility>

#include <arrow/status.h>

namespace omearrow {

using arrow::Status;

namespace {

// Upper bound on T*C*Z planes: keeps per-plane index tables small and sane.
constexpr int64_t kMaxPlanes = int64_t{1} << 31;

}  // namespace

Image::Image(RecordInfo info, PixelsMeta pixels_meta, std::optional<ChunkGrid> chunk_grid,
             std::shared_ptr<const PixelSource> source, RecordOrigin origin)
    : info_(std::move(info)),
      pixels_meta_(std::move(pixels_meta)),
      chunk_grid_(std::move(chunk_grid)),
      source_(std::move(source)),
      origin_(origin) {}

std::shared_ptr<const Image> Image::WithOrigin(RecordOrigin origin) const {
  return std::make_shared<Image>(info_, pixels_meta_, chunk_grid_, source_, origin);
}

Status ValidateSizes(const PixelsMeta& meta) {
  const std::pair<const char*, int64_t> sizes[] = {
      {"size_x", meta.size_x}, {"size_y", meta.size_y}, {"size_z", meta.size_z},
      {"size_c", meta.size_c}, {"size_t", meta.size_t}};
  for (const auto& [name, value] : sizes) {
    if (value <= 0) {
      return Status::Invalid("All size_* fields must be positive integers: pixels_meta.",
                             name, "=", value);
    }
  }
  int64_t planes = 0, plane_pixels = 0, total = 0;
  if (__builtin_mul_overflow(meta.size_t, meta.size_c, &planes) ||
      __builtin_mul_overflow(planes, meta.size_z, &planes) || planes > kMaxPlanes ||
      __builtin_mul_overflow(meta.size_y, meta.size_x, &plane_pixels) ||
      __builtin_mul_overflow(planes, plane_pixels, &total) ||
      total > std::numeric_limits<int64_t>::max() / 8) {
    return Status::Invalid("pixels_meta sizes are too large: (T=", meta.size_t,
                           ", C=", meta.size_c, ", Z=", meta.size_z, ", Y=", meta.size_y,
                           ", X=", meta.size_x, ")");
  }
  return Status::OK();
}

}  // namespace omearrow
