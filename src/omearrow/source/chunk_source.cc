#include "omearrow/source/chunk_source.h"

#include <string>

#include <arrow/array.h>
#include <arrow/buffer.h>
#include <arrow/status.h>

namespace omearrow {

namespace {

// A buffer over memory that `owner` holds, keeping `owner` alive while it exists.
class OwningView final : public arrow::Buffer {
 public:
  OwningView(const uint8_t* data, int64_t size, std::shared_ptr<const void> owner)
      : arrow::Buffer(data, size), owner_(std::move(owner)) {}

 private:
  std::shared_ptr<const void> owner_;
};

}  // namespace

using arrow::Status;

arrow::Result<std::shared_ptr<const ArrowChunkSource>> ArrowChunkSource::Make(
    const internal::ListRange& chunks, const PixelsMeta& meta, DType meta_dtype,
    int64_t cache_bytes) {
  std::shared_ptr<ArrowChunkSource> source(new ArrowChunkSource());
  source->size_x_ = meta.size_x;
  source->size_y_ = meta.size_y;
  source->cache_ = std::make_unique<DecodedChunkCache>(cache_bytes);
  ARROW_ASSIGN_OR_RAISE(source->table_,
                        ParseChunkTable(chunks, meta, meta_dtype, /*locate_payload=*/true));
  source->index_ = ChunkIndex::Build(source->table_.chunks, meta);
  return std::shared_ptr<const ArrowChunkSource>(std::move(source));
}

arrow::Result<std::shared_ptr<arrow::Buffer>> ArrowChunkSource::DecodeChunk(
    int64_t id) const {
  const StoredChunk& chunk = table_.chunks[static_cast<size_t>(id)];
  if (!chunk.compression.has_value()) {
    // The payload stays in the record's binary array: the buffer keeps that array alive.
    return std::make_shared<OwningView>(chunk.bytes, chunk.num_bytes, table_.payload_values);
  }
  return cache_->GetOrDecode(id, [&]() {
    return DecompressChunk(*chunk.compression, chunk.bytes, chunk.num_bytes,
                           chunk.decoded_bytes(), "chunks[" + std::to_string(chunk.entry) + "]");
  });
}

Status ArrowChunkSource::GetPlaneBlocks(const PlaneIndex& index, const Rect& window, std::vector<PlaneBlock>* blocks,
    std::vector<std::shared_ptr<const void>>* pins) const {
  const int64_t t = index.t, c = index.c, z = index.z;
  for (const int32_t id : index_.Covering(t, c, z)) {
    const StoredChunk& chunk = table_.chunks[static_cast<size_t>(id)];
    if (!ChunkMeetsWindow(chunk, window)) continue;
    const uint8_t* data = nullptr;
    if (!table_.byte_chunks) {
      data = table_.list_base + chunk.value_begin * ItemSize(chunk.dtype);
    } else if (!chunk.compression.has_value()) {
      data = chunk.bytes;
    } else {
      ARROW_ASSIGN_OR_RAISE(auto decoded, DecodeChunk(id));
      data = decoded->data();
      pins->push_back(std::move(decoded));
    }
    blocks->push_back(ChunkPlaneBlock(chunk, data, z));
  }
  return Status::OK();
}

arrow::Result<int64_t> FindArrowModeChunk(const std::vector<StoredChunk>& chunks,
                                          const ChunkIndex& index, int64_t t, int64_t z,
                                          int64_t c, const Rect& roi) {
  int64_t match = -1;
  for (const int32_t id : index.Covering(t, c, z)) {
    const StoredChunk& chunk = chunks[static_cast<size_t>(id)];
    if (chunk.z == z && chunk.x == roi.x && chunk.y == roi.y) {
      if (match >= 0) {
        return Status::Invalid("Chunk not found for the requested (t, z, c, roi).");
      }
      match = id;
    }
  }
  if (match < 0) return Status::Invalid("Chunk not found for the requested (t, z, c, roi).");
  const StoredChunk& chunk = chunks[static_cast<size_t>(match)];
  if (chunk.shape_z != 1) {
    return Status::Invalid("mode='arrow' requires shape_z == 1 for chunked selections.");
  }
  if (chunk.shape_x != roi.width || chunk.shape_y != roi.height) {
    return Status::Invalid("mode='arrow' requires ROI to match chunk size.");
  }
  return match;
}

arrow::Result<StoredValues> ArrowChunkSource::GetStoredValues(const PlaneIndex& index,
                                                              const Rect& roi) const {
  const int64_t t = index.t, c = index.c, z = index.z;
  if (table_.byte_chunks) {
    return Status::Invalid(
        "mode='arrow' does not support byte-backed inline chunks; use mode='numpy'.");
  }
  ARROW_ASSIGN_OR_RAISE(int64_t id, FindArrowModeChunk(table_.chunks, index_, t, z, c, roi));
  const StoredChunk& chunk = table_.chunks[static_cast<size_t>(id)];
  return StoredValues{table_.payload_values->Slice(chunk.value_begin, chunk.num_elements())};
}

}  // namespace omearrow
