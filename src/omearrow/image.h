// An OME-Arrow image: parsed metadata plus a source for its pixels.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/array.h>
#include <arrow/chunked_array.h>
#include <arrow/result.h>
#include <arrow/scalar.h>

#include "omearrow/dtype.h"
#include "omearrow/pixel_source.h"
#include "omearrow/struct_row_internal.h"

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

// Options for reading records.
struct RecordOptions {
  // Bytes of decompressed byte-chunks kept per image for reuse by later views.
  int64_t decoded_chunk_cache_bytes = int64_t{256} << 20;
};

// The parsed parts of one record before a pixel source is chosen: metadata plus the
// chunks list (when non-empty; chunks win over planes) or else the planes list.
struct RecordParts {
  RecordInfo info;
  PixelsMeta meta;
  std::optional<ChunkGrid> chunk_grid;
  std::optional<internal::ListRange> chunks;
  std::optional<internal::ListRange> planes;
};

// Parses metadata of row `row` and locates its chunks/planes lists, validating sizes and
// chunk_order (used by ImageFromStructArray and by lazy file readers, whose rows may
// lack pixel fields).
arrow::Result<RecordParts> ParseRecordParts(const std::shared_ptr<arrow::StructArray>& array,
                                            int64_t row);

// Parses row `row` of a struct array holding OME-Arrow records (any of the encodings:
// planes, list chunks, byte chunks; loosely typed fields accepted). Reads metadata and
// indexes where each plane/chunk lives; pixels stay in the Arrow buffers (no copy).
// Chunks win over planes when both are present.
arrow::Result<std::shared_ptr<const Image>> ImageFromStructArray(
    std::shared_ptr<arrow::StructArray> array, int64_t row = 0,
    const RecordOptions& options = {});

// Parses any array holding a struct column (must be a struct array).
arrow::Result<std::shared_ptr<const Image>> ImageFromArray(
    const std::shared_ptr<arrow::Array>& array, int64_t row = 0,
    const RecordOptions& options = {});

// Parses a struct scalar record.
arrow::Result<std::shared_ptr<const Image>> ImageFromStructScalar(
    const arrow::StructScalar& scalar, const RecordOptions& options = {});

// How a chunked record column is unwrapped: the reference's chunk_policy. All three use
// the first record; they differ only in the warnings that zero-copy exports give.
enum class ChunkPolicy { kAuto, kCombine, kKeep };

// Parses "auto" / "combine" / "keep" (case-insensitive, trimmed), with the reference's
// error text otherwise.
arrow::Result<ChunkPolicy> ParseChunkPolicy(std::string_view text);

// The first record of a chunked struct column.
arrow::Result<std::shared_ptr<const Image>> ImageFromChunkedArray(
    const std::shared_ptr<arrow::ChunkedArray>& array, ChunkPolicy policy,
    const RecordOptions& options = {});

// A plane produced by a plane loader: `num_elements` contiguous values of `dtype` at
// `data`, kept alive by `owner`.
struct LoadedPlane {
  std::shared_ptr<const void> owner;
  const void* data = nullptr;
  DType dtype = DType::kUInt16;
  int64_t num_elements = 0;
};

// A user callback returning the Y×X plane at (t, z, c); the reference's plane_loader.
using PlaneLoader = std::function<arrow::Result<LoadedPlane>(int64_t t, int64_t z, int64_t c)>;

// An image whose pixels come from `loader`, one plane per call (sizes from `meta`).
// The returned plane must hold exactly size_y * size_x values.
arrow::Result<std::shared_ptr<const Image>> ImageFromPlaneLoader(
    RecordInfo info, PixelsMeta meta, std::optional<ChunkGrid> chunk_grid,
    PlaneLoader loader);

// Validates sizes (all positive) with a message naming the offending fields.
arrow::Status ValidateSizes(const PixelsMeta& meta);

}  // namespace omearrow
