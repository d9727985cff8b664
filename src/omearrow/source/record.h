// OME-Arrow records (Arrow struct values, any encoding) parsed into Images whose pixels
// stay in the Arrow buffers: the entry point from in-memory Arrow data to the view core.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include <arrow/array.h>
#include <arrow/chunked_array.h>
#include <arrow/result.h>
#include <arrow/scalar.h>

#include "omearrow/image.h"
#include "omearrow/util/struct_row.h"

namespace omearrow {

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

}  // namespace omearrow
