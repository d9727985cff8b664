// An OME-Arrow image: parsed metadata plus a source for its pixels.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/result.h>

#include "omearrow/pixel_source.h"
#include "omearrow/tensor/dtype.h"

namespace omearrow {

// One entry of pixels_meta.channels.
struct Channel {
  std::optional<std::string> id;
  std::optional<std::string> name;
  std::optional<double> emission_um;
  std::optional<double> excitation_um;
  std::optional<std::string> illumination;
  std::optional<int64_t> color_rgba;  // packed 0xRRGGBBAA
};

// pixels_meta: the image's dimensions, declared pixel type and physical calibration.
// Sizes are validated positive when a record is parsed.
struct PixelsMeta {
  std::optional<std::string> dimension_order;
  std::optional<std::string> type;  // NumPy dtype name as stored, e.g. "uint16"
  int64_t size_x = 1;
  int64_t size_y = 1;
  int64_t size_z = 1;
  int64_t size_c = 1;
  int64_t size_t = 1;
  std::optional<double> physical_size_x;
  std::optional<double> physical_size_y;
  std::optional<double> physical_size_z;
  std::optional<std::string> physical_size_x_unit;
  std::optional<std::string> physical_size_y_unit;
  std::optional<std::string> physical_size_z_unit;
  std::vector<Channel> channels;
};

// chunk_grid: how pixels are split into chunks (only Z/Y/X are chunked in practice).
// Fields the record leaves out stay nullopt, as `tile=` needs to tell.
struct ChunkGrid {
  std::optional<std::string> order;
  std::optional<int64_t> chunk_t;
  std::optional<int64_t> chunk_c;
  std::optional<int64_t> chunk_z;
  std::optional<int64_t> chunk_y;
  std::optional<int64_t> chunk_x;
  std::optional<std::string> chunk_order;
};

// Top-level descriptive fields of a record.
struct RecordInfo {
  std::optional<std::string> type;  // "ome.arrow"
  std::optional<std::string> version;
  std::optional<std::string> id;
  std::optional<std::string> name;
  std::optional<std::string> image_type;
};

// What kind of input a record came from; mode="arrow" exports warn for some of them,
// as the reference does.
enum class RecordOrigin { kStructArray, kStructScalar, kDict, kMultiChunkArray, kOther };

// An image: immutable metadata plus a shared, thread-safe pixel source.
class Image {
 public:
  Image(RecordInfo info, PixelsMeta pixels_meta, std::optional<ChunkGrid> chunk_grid,
        std::shared_ptr<const PixelSource> source, RecordOrigin origin);

  const RecordInfo& info() const { return info_; }
  const PixelsMeta& pixels_meta() const { return pixels_meta_; }
  const std::optional<ChunkGrid>& chunk_grid() const { return chunk_grid_; }
  const PixelSource& source() const { return *source_; }
  const std::shared_ptr<const PixelSource>& source_ptr() const { return source_; }
  PixelEncoding encoding() const { return source_->encoding(); }
  RecordOrigin origin() const { return origin_; }

  // The same image with a different origin tag (pixels shared).
  std::shared_ptr<const Image> WithOrigin(RecordOrigin origin) const;

 private:
  RecordInfo info_;
  PixelsMeta pixels_meta_;
  std::optional<ChunkGrid> chunk_grid_;
  std::shared_ptr<const PixelSource> source_;
  RecordOrigin origin_;
};

// Validates sizes (all positive, and T·C·Z and the pixel count within bounds) with a
// message naming the offending fields.
arrow::Status ValidateSizes(const PixelsMeta& meta);

}  // namespace omearrow
