// Chunk records of an OME-Arrow image and the (t, c, z) → chunks index built once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <arrow/array.h>
#include <arrow/result.h>
#include <arrow/util/compression.h>

#include "omearrow/image.h"
#include "omearrow/tensor/dtype.h"
#include "omearrow/util/struct_row.h"

namespace omearrow {

// One stored chunk: its place in the image and where its payload lives.
struct StoredChunk {
  int64_t t = 0, c = 0, z = 0, y = 0, x = 0;
  int64_t shape_z = 0, shape_y = 0, shape_x = 0;
  DType dtype = DType::kUInt16;
  int64_t entry = 0;  // position in the record's chunks list
  // List chunks: first element in the shared values array. Byte chunks: payload bytes
  // (null when the payload was not loaded, e.g. a lazily read Parquet file).
  int64_t value_begin = 0;
  const uint8_t* bytes = nullptr;
  int64_t num_bytes = 0;
  std::optional<arrow::Compression::type> compression;  // nullopt: stored raw

  int64_t num_elements() const { return shape_z * shape_y * shape_x; }
  int64_t decoded_bytes() const { return num_elements() * ItemSize(dtype); }
};

// The parsed `chunks` list of one record.
struct ChunkTable {
  bool byte_chunks = false;
  std::vector<StoredChunk> chunks;               // storage order; null entries skipped
  std::shared_ptr<arrow::Array> payload_values;  // list values or binary array (owner)
  const uint8_t* list_base = nullptr;            // list chunks: element 0 of the values
};

// Parses and validates chunk entries (coordinates in bounds, positive shapes, dtype and
// compression names, payload lengths), with the reference's messages. With
// `locate_payload` false the payload fields may be absent (pruned by a lazy reader);
// then `byte_chunks` says which encoding the record uses. `meta_dtype` is the dtype of
// byte chunks without a `dtype`.
arrow::Result<ChunkTable> ParseChunkTable(const internal::ListRange& chunks,
                                          const PixelsMeta& meta, DType meta_dtype,
                                          bool locate_payload,
                                          std::optional<bool> byte_chunks = std::nullopt);

// Which chunks cover each plane (t, c, z): a CSR table built once, so finding a plane's
// chunks is a lookup, never a search.
class ChunkIndex {
 public:
  static ChunkIndex Build(const std::vector<StoredChunk>& chunks, const PixelsMeta& meta);

  // Ids (positions in the chunk vector) of the chunks covering plane (t, c, z), ascending.
  std::span<const int32_t> Covering(int64_t t, int64_t c, int64_t z) const;
  // True when two chunks of one plane may overlap.
  bool may_overlap() const { return may_overlap_; }

 private:
  int64_t Slot(int64_t t, int64_t c, int64_t z) const { return (t * size_c_ + c) * size_z_ + z; }

  std::vector<int64_t> offsets_;
  std::vector<int32_t> ids_;
  bool may_overlap_ = false;
  int64_t size_c_ = 0, size_z_ = 0;
};

// Appends the PlaneBlock of `chunk` for plane z, reading from `data` (the chunk's
// decoded payload, C-order Z×Y×X).
PlaneBlock ChunkPlaneBlock(const StoredChunk& chunk, const uint8_t* data, int64_t z);

// True when `chunk` meets `window` of its plane.
bool ChunkMeetsWindow(const StoredChunk& chunk, const Rect& window);

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

// True when two of `rects` (half-open Y/X ranges) overlap; O(n log n) (a sweep over x
// keeping the active y ranges ordered).
bool AnyRectsOverlap(std::vector<Rect> rects);

// True when two chunks of one plane slot of a CSR index overlap: slot s holds the ids
// ids[offsets[s] .. offsets[s + 1]), `rect_of(id)` is a chunk's Y/X rectangle. A slot
// listing the same ids as the slot before it is not checked again (chunks spanning many
// z repeat over z), so the cost is O(entries · log) instead of pairwise per plane.
bool AnySlotOverlaps(const std::vector<int64_t>& offsets, const std::vector<int32_t>& ids,
                     const std::function<Rect(int32_t)>& rect_of);

}  // namespace omearrow
