#include "omearrow/source/chunk_index.h"

#include <algorithm>
#include <map>
#include <string>

#include <arrow/array.h>
#include <arrow/buffer.h>
#include <arrow/status.h>
#include <arrow/util/checked_cast.h>

#include "omearrow/source/plane_source.h"
#include "omearrow/util/aligned_buffer.h"
#include "omearrow/util/text.h"
#include "omearrow/util/view_limits.h"

namespace omearrow {

using arrow::Status;
using arrow::internal::checked_cast;
using internal::ListAt;
using internal::ReadInteger;

namespace {

// The bytes of element `index` of a binary-like array. Fuzz fix: goes through the
// bounds-checked internal::BinaryAt (corrupt offsets read out of bounds before).
arrow::Result<std::pair<const uint8_t*, int64_t>> BinaryValue(const arrow::Array& array,
                                                              int64_t index,
                                                              std::string_view path) {
  ARROW_ASSIGN_OR_RAISE(std::string_view value, internal::BinaryAt(array, index, path));
  return std::make_pair(reinterpret_cast<const uint8_t*>(value.data()),
                        static_cast<int64_t>(value.size()));
}

}  // namespace

arrow::Result<std::optional<arrow::Compression::type>> ParseChunkCompression(
    const std::optional<std::string>& name, std::string_view label) {
  if (!name.has_value()) return std::nullopt;
  std::string value = internal::TrimLower(*name);
  if (value.empty() || value == "none") return std::nullopt;
  auto type = arrow::util::Codec::GetCompressionType(value);
  if (!type.ok() || *type == arrow::Compression::UNCOMPRESSED ||
      !arrow::util::Codec::IsAvailable(*type)) {
    return Status::Invalid(label, ".compression: unknown or unavailable codec '", *name, "'");
  }
  return *type;
}

arrow::Result<std::shared_ptr<arrow::Buffer>> DecompressChunk(
    arrow::Compression::type codec_type, const uint8_t* input, int64_t input_bytes,
    int64_t expected_bytes, std::string_view label) {
  // Memory bound: the expected size comes from the record's claimed chunk shape, which a
  // tiny payload cannot back beyond the ceiling; check before allocating.
  if (expected_bytes < 0) {
    return Status::Invalid(label, ": negative decoded size ", expected_bytes);
  }
  ARROW_RETURN_NOT_OK(CheckAllocationBytes(
      expected_bytes, std::string(label) + ": decompressing a chunk"));
  ARROW_ASSIGN_OR_RAISE(auto codec, arrow::util::Codec::Create(codec_type));
  ARROW_ASSIGN_OR_RAISE(auto output, AllocateAligned(expected_bytes));
  auto decoded =
      codec->Decompress(input_bytes, input, expected_bytes, output->mutable_data());
  if (!decoded.ok()) {
    return Status::Invalid(label, ": corrupt ",
                           arrow::util::Codec::GetCodecAsString(codec_type), " payload (",
                           input_bytes, " bytes): ", decoded.status().message());
  }
  if (*decoded != expected_bytes) {
    return Status::Invalid(label, ": ", arrow::util::Codec::GetCodecAsString(codec_type),
                           " payload decompressed to ", *decoded, " bytes, expected ",
                           expected_bytes);
  }
  return std::shared_ptr<arrow::Buffer>(std::move(output));
}

arrow::Result<ChunkTable> ParseChunkTable(const internal::ListRange& chunks,
                                          const PixelsMeta& meta, DType meta_dtype,
                                          bool locate_payload,
                                          std::optional<bool> byte_chunks) {
  if (chunks.values->type_id() != arrow::Type::STRUCT) {
    return Status::TypeError("chunks must be a list of structs, got list of ",
                             chunks.values->type()->ToString());
  }
  ChunkTable table;
  const auto& entries = static_cast<const arrow::StructArray&>(*chunks.values);
  auto pixel_bytes = entries.GetFieldByName("pixel_bytes");
  auto pixels = entries.GetFieldByName("pixels");
  table.byte_chunks = byte_chunks.value_or(pixel_bytes != nullptr);
  if (locate_payload && !table.byte_chunks && pixels == nullptr) {
    return Status::Invalid("chunks entries need a pixels or pixel_bytes field; got ",
                           entries.type()->ToString());
  }
  const char* kCoordinates[] = {"t", "c", "z", "y", "x", "shape_z", "shape_y", "shape_x"};
  std::shared_ptr<arrow::Array> coordinate_fields[8];
  for (int k = 0; k < 8; ++k) {
    coordinate_fields[k] = entries.GetFieldByName(kCoordinates[k]);
    if (coordinate_fields[k] == nullptr) {
      return Status::Invalid("chunks entries are missing field '", kCoordinates[k], "'");
    }
  }
  auto dtype_field = entries.GetFieldByName("dtype");
  auto compression_field = entries.GetFieldByName("compression");
  if (locate_payload && table.byte_chunks) table.payload_values = pixel_bytes;
  auto entry_row = [&](int64_t row, const std::string& label) {
    return internal::StructRow(std::static_pointer_cast<arrow::StructArray>(chunks.values),
                               row, label);
  };

  table.chunks.reserve(static_cast<size_t>(chunks.size()));
  int64_t index_entries = 0;  // sum of shape_z: the chunk index's size
  for (int64_t i = 0; i < chunks.size(); ++i) {
    const int64_t row = chunks.begin + i;
    const std::string label = "chunks[" + std::to_string(i) + "]";
    if (entries.IsNull(row)) continue;
    int64_t v[8];
    for (int k = 0; k < 8; ++k) {
      if (coordinate_fields[k]->IsNull(row)) {
        return Status::Invalid(label, ".", kCoordinates[k], " is null");
      }
      ARROW_ASSIGN_OR_RAISE(
          v[k], ReadInteger(*coordinate_fields[k], row, label + "." + kCoordinates[k]));
    }
    StoredChunk chunk;
    chunk.entry = i;
    chunk.t = v[0], chunk.c = v[1], chunk.z = v[2], chunk.y = v[3], chunk.x = v[4];
    chunk.shape_z = v[5], chunk.shape_y = v[6], chunk.shape_x = v[7];
    if (!(0 <= chunk.t && chunk.t < meta.size_t && 0 <= chunk.c && chunk.c < meta.size_c &&
          0 <= chunk.z && chunk.z < meta.size_z)) {
      return Status::Invalid(label, " index out of range: (t,c,z)=(", chunk.t, ",", chunk.c,
                             ",", chunk.z, ")");
    }
    if (chunk.y < 0 || chunk.x < 0 || chunk.shape_z <= 0 || chunk.shape_y <= 0 ||
        chunk.shape_x <= 0) {
      return Status::Invalid(label, " has invalid shape or origin.");
    }
    if (chunk.z + chunk.shape_z > meta.size_z) {
      return Status::Invalid(label, " extent out of range: z+shape_z=",
                             chunk.z + chunk.shape_z, " > sz=", meta.size_z);
    }
    if (chunk.y + chunk.shape_y > meta.size_y) {
      return Status::Invalid(label, " extent out of range: y+shape_y=",
                             chunk.y + chunk.shape_y, " > sy=", meta.size_y);
    }
    if (chunk.x + chunk.shape_x > meta.size_x) {
      return Status::Invalid(label, " extent out of range: x+shape_x=",
                             chunk.x + chunk.shape_x, " > sx=", meta.size_x);
    }
    // Memory bound: the (t, c, z) -> chunks index holds one entry per chunk plane.
    index_entries += chunk.shape_z;
    if (index_entries > kMaxChunkIndexEntries) {
      return Status::Invalid("chunks cover more than ", kMaxChunkIndexEntries,
                             " (chunk, plane) pairs (at ", label, ", shape_z=",
                             chunk.shape_z, ")");
    }
    const int64_t expected = chunk.num_elements();
    if (table.byte_chunks) {
      std::optional<std::string> dtype_name;
      if (dtype_field != nullptr && !dtype_field->IsNull(row)) {
        ARROW_ASSIGN_OR_RAISE(dtype_name, entry_row(row, label).GetString("dtype"));
      }
      chunk.dtype = meta_dtype;
      if (dtype_name.has_value()) {
        ARROW_ASSIGN_OR_RAISE(chunk.dtype, ParseDTypeOrError(*dtype_name, label + ".dtype"));
      }
      std::optional<std::string> compression_name;
      if (compression_field != nullptr && !compression_field->IsNull(row)) {
        ARROW_ASSIGN_OR_RAISE(compression_name,
                              entry_row(row, label).GetString("compression"));
      }
      ARROW_ASSIGN_OR_RAISE(chunk.compression,
                            ParseChunkCompression(compression_name, label));
      if (locate_payload) {
        if (pixel_bytes->IsNull(row)) return Status::Invalid(label, ".pixel_bytes is null");
        ARROW_ASSIGN_OR_RAISE(auto payload,
                              BinaryValue(*pixel_bytes, row, label + ".pixel_bytes"));
        chunk.bytes = payload.first;
        chunk.num_bytes = payload.second;
        const int64_t expected_bytes = chunk.decoded_bytes();
        if (!chunk.compression.has_value() && chunk.num_bytes != expected_bytes) {
          return Status::Invalid(label, " pixel payload length ", chunk.num_bytes,
                                 " bytes != expected ", expected_bytes, " bytes (",
                                 chunk.shape_z, "x", chunk.shape_y, "x", chunk.shape_x, " ",
                                 DTypeName(chunk.dtype), ")");
        }
      }
    } else if (locate_payload) {
      if (pixels->IsNull(row)) return Status::Invalid(label, ".pixels is null");
      ARROW_ASSIGN_OR_RAISE(auto range, ListAt(pixels, row, label + ".pixels"));
      if (range.size() != expected) {
        return Status::Invalid(label, " pixel payload length ", range.size(),
                               " != expected ", expected);
      }
      if (table.payload_values == nullptr) {
        table.payload_values = range.values;
        ARROW_ASSIGN_OR_RAISE(auto numeric,
                              GetNumericValues(*range.values, label + ".pixels"));
        table.list_base = numeric.base;
      }
      ARROW_RETURN_NOT_OK(
          CheckNoNulls(*range.values, range.begin, range.end, label + ".pixels"));
      ARROW_ASSIGN_OR_RAISE(chunk.dtype, DTypeFromArrow(*range.values->type()));
      chunk.value_begin = range.begin;
    }
    table.chunks.push_back(chunk);
  }
  return table;
}

ChunkIndex ChunkIndex::Build(const std::vector<StoredChunk>& chunks, const PixelsMeta& meta) {
  ChunkIndex index;
  index.size_c_ = meta.size_c;
  index.size_z_ = meta.size_z;
  const size_t num_slots = static_cast<size_t>(meta.size_t * meta.size_c * meta.size_z);
  index.offsets_.assign(num_slots + 1, 0);
  for (const auto& chunk : chunks) {
    for (int64_t z = chunk.z; z < chunk.z + chunk.shape_z; ++z) {
      ++index.offsets_[static_cast<size_t>(index.Slot(chunk.t, chunk.c, z)) + 1];
    }
  }
  for (size_t i = 0; i < num_slots; ++i) index.offsets_[i + 1] += index.offsets_[i];
  index.ids_.resize(static_cast<size_t>(index.offsets_[num_slots]));
  std::vector<int64_t> fill(index.offsets_.begin(), index.offsets_.end() - 1);
  for (size_t id = 0; id < chunks.size(); ++id) {
    const auto& chunk = chunks[id];
    for (int64_t z = chunk.z; z < chunk.z + chunk.shape_z; ++z) {
      const auto slot = static_cast<size_t>(index.Slot(chunk.t, chunk.c, z));
      index.ids_[static_cast<size_t>(fill[slot]++)] = static_cast<int32_t>(id);
    }
  }
  // Well-formed chunk grids never overlap; overlapping ones only cost a zero-fill.
  index.may_overlap_ = AnySlotOverlaps(index.offsets_, index.ids_, [&](int32_t id) {
    const StoredChunk& chunk = chunks[static_cast<size_t>(id)];
    return Rect{chunk.y, chunk.x, chunk.shape_y, chunk.shape_x};
  });
  return index;
}

std::span<const int32_t> ChunkIndex::Covering(int64_t t, int64_t c, int64_t z) const {
  const auto slot = static_cast<size_t>(Slot(t, c, z));
  return std::span<const int32_t>(ids_.data() + offsets_[slot],
                                  static_cast<size_t>(offsets_[slot + 1] - offsets_[slot]));
}

bool ChunkMeetsWindow(const StoredChunk& chunk, const Rect& window) {
  return chunk.y < window.y + window.height && chunk.y + chunk.shape_y > window.y &&
         chunk.x < window.x + window.width && chunk.x + chunk.shape_x > window.x;
}

PlaneBlock ChunkPlaneBlock(const StoredChunk& chunk, const uint8_t* data, int64_t z) {
  PlaneBlock block;
  block.dtype = chunk.dtype;
  block.rect = Rect{chunk.y, chunk.x, chunk.shape_y, chunk.shape_x};
  block.row_stride = chunk.shape_x;
  block.data = data + (z - chunk.z) * chunk.shape_y * chunk.shape_x * ItemSize(chunk.dtype);
  return block;
}

bool AnyRectsOverlap(std::vector<Rect> rects) {
  // Events along x: a rectangle leaves at x + width and enters at x; at equal x, leaving
  // comes first (half-open ranges that touch do not overlap).
  struct Event {
    int64_t x;
    bool enter;
    size_t rect;
  };
  std::vector<Event> events;
  events.reserve(rects.size() * 2);
  for (size_t i = 0; i < rects.size(); ++i) {
    if (rects[i].width <= 0 || rects[i].height <= 0) continue;
    events.push_back({rects[i].x, true, i});
    events.push_back({rects[i].x + rects[i].width, false, i});
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return a.x != b.x ? a.x < b.x : (!a.enter && b.enter);
  });
  // Active y ranges, disjoint so far: begin → end.
  std::map<int64_t, int64_t> active;
  for (const Event& event : events) {
    const Rect& r = rects[event.rect];
    if (!event.enter) {
      active.erase(r.y);
      continue;
    }
    const int64_t begin = r.y, end = r.y + r.height;
    auto next = active.lower_bound(begin);
    if (next != active.end() && next->first < end) return true;
    if (next != active.begin() && std::prev(next)->second > begin) return true;
    active.emplace(begin, end);
  }
  return false;
}

bool AnySlotOverlaps(const std::vector<int64_t>& offsets, const std::vector<int32_t>& ids,
                     const std::function<Rect(int32_t)>& rect_of) {
  std::vector<Rect> rects;
  for (size_t slot = 0; slot + 1 < offsets.size(); ++slot) {
    const auto begin = ids.begin() + offsets[slot], end = ids.begin() + offsets[slot + 1];
    if (end - begin < 2) continue;
    if (slot > 0 && std::equal(begin, end, ids.begin() + offsets[slot - 1],
                               ids.begin() + offsets[slot])) {
      continue;  // the same chunks as the slot before: already checked
    }
    rects.clear();
    for (auto it = begin; it != end; ++it) rects.push_back(rect_of(*it));
    if (AnyRectsOverlap(rects)) return true;
  }
  return false;
}

}  // namespace omearrow
