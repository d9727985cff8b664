// Pixels stored as `chunks`: Z×Y×X slabs per (t, c), as numeric lists or typed bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <arrow/util/compression.h>

#include "omearrow/chunk_cache.h"
#include "omearrow/image.h"
#include "omearrow/pixel_source.h"
#include "omearrow/struct_row_internal.h"

namespace omearrow {

// One stored chunk: its place in the image and where its payload lives.
struct StoredChunk {
  int64_t t = 0, c = 0, z = 0, y = 0, x = 0;
  int64_t shape_z = 0, shape_y = 0, shape_x = 0;
  DType dtype = DType::kUInt16;
  // List chunks: first element in the shared values array. Byte chunks: payload bytes.
  int64_t value_begin = 0;
  const uint8_t* bytes = nullptr;
  int64_t num_bytes = 0;
  std::optional<arrow::Compression::type> compression;  // nullopt: stored raw

  int64_t num_elements() const { return shape_z * shape_y * shape_x; }
};

// Serves chunked pixels. List chunks and uncompressed byte chunks are read in place
// (no copy); compressed byte chunks are decompressed once into a bounded cache shared by
// all views of the image. Regions no chunk covers read as zeros.
class ArrowChunkSource final : public PixelSource {
 public:
  // `chunks` is the record's chunks list value. Entries carrying `pixel_bytes` are byte
  // chunks (with `dtype`, optional `compression`); otherwise `pixels` is a numeric list.
  // `meta_dtype` is used for byte chunks without a dtype.
  static arrow::Result<std::shared_ptr<const ArrowChunkSource>> Make(
      const internal::ListRange& chunks, const PixelsMeta& meta, DType meta_dtype,
      int64_t cache_bytes);

  PixelEncoding encoding() const override {
    return byte_chunks_ ? PixelEncoding::kByteChunks : PixelEncoding::kListChunks;
  }
  arrow::Status GetPlaneBlocks(int64_t t, int64_t c, int64_t z, const Rect& window,
                               std::vector<PlaneBlock>* blocks,
                               std::vector<std::shared_ptr<const void>>* pins) const override;
  arrow::Result<StoredValues> GetStoredValues(int64_t t, int64_t z, int64_t c,
                                              const Rect& roi) const override;

  bool BlocksMayOverlap() const override { return may_overlap_; }

  const std::vector<StoredChunk>& chunks() const { return chunks_; }
  const DecodedChunkCache& cache() const { return *cache_; }

  // The decoded bytes of chunk `id` (decompressing through the cache when needed).
  arrow::Result<std::shared_ptr<arrow::Buffer>> DecodeChunk(int64_t id) const;

 private:
  ArrowChunkSource() = default;
  int64_t PlaneSlot(int64_t t, int64_t c, int64_t z) const {
    return (t * size_c_ + c) * size_z_ + z;
  }
  arrow::Status BuildIndex();

  bool byte_chunks_ = false;
  std::shared_ptr<arrow::Array> payload_values_;  // list values or binary array (owner)
  const uint8_t* list_base_ = nullptr;            // list chunks: element 0 of values
  std::vector<StoredChunk> chunks_;
  std::vector<int64_t> slot_offsets_;             // CSR over (t, c, z) slots
  std::vector<int32_t> slot_chunks_;              // chunk ids per slot, ascending
  std::unique_ptr<DecodedChunkCache> cache_;
  bool may_overlap_ = false;
  int64_t size_x_ = 0, size_y_ = 0, size_z_ = 0, size_c_ = 0, size_t_ = 0;
};

// Decompresses `input` (a chunk payload compressed with `codec`) into exactly
// `expected_bytes` bytes; a payload that decodes to any other size is an error naming
// `label`.
arrow::Result<std::shared_ptr<arrow::Buffer>> DecompressChunk(
    arrow::Compression::type codec, const uint8_t* input, int64_t input_bytes,
    int64_t expected_bytes, std::string_view label);

// Parses a chunk `compression` value: empty / "none" mean raw (nullopt); otherwise a
// codec name as pyarrow.Codec spells it ("zstd", "lz4", "lz4_raw", "snappy", "gzip",
// "brotli", "bz2").
arrow::Result<std::optional<arrow::Compression::type>> ParseChunkCompression(
    const std::optional<std::string>& name, std::string_view label);

}  // namespace omearrow
