// Writing OME-Arrow: records in the reference's canonical schemas, and Parquet files.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/array.h>
#include <arrow/result.h>
#include <arrow/type.h>

#include "omearrow/image.h"
#include "omearrow/source/meta.h"

namespace omearrow {

// The ome-arrow package version whose format omearrow writes (schema metadata
// `ome.arrow.version` and the record's `version`).
inline constexpr const char* kOmeArrowFormatVersion = meta::kTagVersion;

// How pixels are stored in a written record.
enum class ChunkEncoding {
  kBytes,  // OME_ARROW_BYTE_STRUCT: per-chunk typed bytes (source dtype), compressed
  kList,   // OME_ARROW_STRUCT: planes + chunks as list<uint16> (uint8/uint16 images only)
};

// Parses "bytes" / "list".
arrow::Result<ChunkEncoding> ParseChunkEncoding(std::string_view text);

// Options for EncodeRecord.
struct RecordWriteOptions {
  ChunkEncoding encoding = ChunkEncoding::kBytes;
  std::array<int64_t, 3> chunk_shape = {1, 512, 512};  // Z, Y, X (clipped to the image)
  // Per-chunk codec for byte chunks: "zstd" (default), "lz4", "none", any pyarrow.Codec
  // name, or the reference's "auto"/"balanced"/"small" (zstd-1) and "fast" (lz4), which
  // store a chunk raw when compression does not make it smaller.
  std::string chunk_compression = "zstd";
  std::optional<int> compression_level;  // default: the codec's (zstd: 1)
  // Called after each chunk or plane is encoded: (done, total).
  std::function<void(int64_t, int64_t)> progress;
};

// The canonical Arrow types of the reference (field order, names and types exact).
std::shared_ptr<arrow::DataType> OmeArrowStructType();      // OME_ARROW_STRUCT
std::shared_ptr<arrow::DataType> OmeArrowByteStructType();  // OME_ARROW_BYTE_STRUCT

// Encodes `image` (any source) as a one-row struct array in the canonical schema. Pixels
// are read chunk by chunk through the copy kernel, so memory stays about one chunk plus
// the output. List encoding needs uint8/uint16 pixels (stored widened to uint16, exact).
arrow::Result<std::shared_ptr<arrow::StructArray>> EncodeRecord(
    const Image& image, const RecordWriteOptions& options = {});

// Options for WriteParquet.
struct ParquetWriteOptions {
  std::string column = "ome_arrow";
  RecordWriteOptions record;
  // Parquet codec of the file: nullopt = none for byte chunks (already compressed per
  // chunk, as the reference recommends) and zstd for list encoding.
  std::optional<std::string> parquet_compression;
};

// Writes one image per row and one row per row group (reading one image touches no
// other), with `ome.arrow.type` / `ome.arrow.version` schema metadata and the Arrow schema
// stored so types round-trip exactly. Byte-chunk payloads get no dictionary and no
// statistics. Missing parent directories are created; the file is written to a
// temporary name and renamed into place.
arrow::Status WriteParquet(const std::vector<std::shared_ptr<const Image>>& images,
                           const std::string& path, const ParquetWriteOptions& options = {});

}  // namespace omearrow
