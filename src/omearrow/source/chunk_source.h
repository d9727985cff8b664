// Pixels stored as `chunks` of an in-memory record: Z×Y×X slabs per (t, c), as numeric
// lists or typed (optionally compressed) bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "omearrow/image.h"
#include "omearrow/pixel_source.h"
#include "omearrow/source/chunk_cache.h"
#include "omearrow/source/chunk_index.h"
#include "omearrow/util/struct_row.h"

namespace omearrow {

// Serves chunked pixels of an Arrow record. List chunks and uncompressed byte chunks are
// read in place (no copy); compressed byte chunks are decompressed once into a bounded
// cache shared by all views of the image. Regions no chunk covers read as zeros.
class ArrowChunkSource final : public PixelSource {
 public:
  // `chunks` is the record's chunks list value. Entries carrying `pixel_bytes` are byte
  // chunks (with `dtype`, optional `compression`); otherwise `pixels` is a numeric list.
  // `meta_dtype` is used for byte chunks without a dtype.
  static arrow::Result<std::shared_ptr<const ArrowChunkSource>> Make(
      const internal::ListRange& chunks, const PixelsMeta& meta, DType meta_dtype,
      int64_t cache_bytes);

  PixelEncoding encoding() const override {
    return table_.byte_chunks ? PixelEncoding::kByteChunks : PixelEncoding::kListChunks;
  }
  arrow::Status GetPlaneBlocks(const PlaneIndex& index, const Rect& window,
                               std::vector<PlaneBlock>* blocks,
                               std::vector<std::shared_ptr<const void>>* pins) const override;
  arrow::Result<StoredValues> GetStoredValues(const PlaneIndex& index,
                                              const Rect& roi) const override;
  bool BlocksMayOverlap() const override { return index_.may_overlap(); }

  const std::vector<StoredChunk>& chunks() const { return table_.chunks; }
  const DecodedChunkCache& cache() const { return *cache_; }

  // The decoded bytes of chunk `id` (decompressing through the cache when needed). The
  // buffer keeps its memory alive by itself, after the source and its record are gone.
  arrow::Result<std::shared_ptr<arrow::Buffer>> DecodeChunk(int64_t id) const;

 private:
  ArrowChunkSource() = default;

  ChunkTable table_;
  ChunkIndex index_;
  std::unique_ptr<DecodedChunkCache> cache_;
  int64_t size_x_ = 0, size_y_ = 0;
};

// The reference's mode="arrow" lookup among chunks: the chunk of plane (t, c, z) starting
// at z whose origin is the ROI's; returns its id, or the reference's error.
arrow::Result<int64_t> FindArrowModeChunk(const std::vector<StoredChunk>& chunks,
                                          const ChunkIndex& index, int64_t t, int64_t z,
                                          int64_t c, const Rect& roi);

}  // namespace omearrow
