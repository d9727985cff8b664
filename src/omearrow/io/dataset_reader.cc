#include "omearrow/io/dataset_reader.h"

#include <arrow/array.h>
#include <arrow/array/concatenate.h>
#include <arrow/buffer.h>
#include <arrow/io/file.h>
#include <arrow/memory_pool.h>
#include <arrow/record_batch.h>
#include <arrow/status.h>
#include <arrow/table.h>
#include <arrow/util/checked_cast.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/schema.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <limits>
#include <mutex>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "omearrow/io/page_stream.h"
#include "omearrow/source/chunk_cache.h"
#include "omearrow/source/chunk_index.h"
#include "omearrow/util/aligned_buffer.h"
#include "omearrow/util/json.h"
#include "omearrow/util/struct_row.h"
#include "omearrow/util/view_limits.h"

namespace omearrow {

using arrow::Status;
using arrow::internal::checked_cast;
using internal::Json;
using internal::ReadInteger;
using internal::StructRow;

namespace {

namespace fs = std::filesystem;

// The manifest is a few hundred bytes; anything this large is not one.
constexpr int64_t kMaxManifestBytes = int64_t{16} << 20;

// Upper bound on (t, c, z) planes of one image (the slot table has one entry each).
constexpr int64_t kMaxSlots = int64_t{1} << 31;

std::string JoinPath(const std::string& dir, std::string_view name) {
  return (fs::path(dir) / std::string(name)).string();
}

// `status` with `path` in front of its message, unless the message already names it.
Status WithPath(const Status& status, const std::string& path,
                std::string_view context = {}) {
  if (status.ok()) return status;
  std::string message = status.message();
  if (!context.empty()) message = std::string(context) + ": " + message;
  if (message.find(path) == std::string::npos) message = path + ": " + message;
  return status.WithMessage(message);
}

arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenInput(
    const DatasetOpenOptions& options, const std::string& path) {
  arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>> file =
      options.file_opener ? options.file_opener(path)
                          : arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>>(
                                arrow::io::ReadableFile::Open(path, ReaderMemoryPool()));
  if (!file.ok()) return WithPath(file.status(), path, "cannot open");
  if (*file == nullptr) return Status::IOError(path, ": cannot open: no file returned");
  return file;
}

// Opens a Parquet file of the dataset; every buffer Arrow and Parquet size from it comes
// from ReaderMemoryPool(), with Thrift limits bounded by the file size.
arrow::Result<std::unique_ptr<parquet::arrow::FileReader>> OpenParquet(
    const DatasetOpenOptions& options, const std::string& path) {
  ARROW_ASSIGN_OR_RAISE(auto file, OpenInput(options, path));
  auto size = file->GetSize();
  if (!size.ok()) return WithPath(size.status(), path);
  parquet::arrow::FileReaderBuilder builder;
  auto opened = builder.Open(file, internal::UntrustedReaderProperties(*size));
  if (!opened.ok()) return WithPath(opened, path, "not a readable Parquet file");
  std::unique_ptr<parquet::arrow::FileReader> reader;
  auto built = builder.memory_pool(ReaderMemoryPool())->Build(&reader);
  if (!built.ok()) return WithPath(built, path, "not a readable Parquet file");
  return reader;
}

// The Parquet leaf index of top-level column `name`, or -1 when the file has none.
arrow::Result<int> LeafIndex(const parquet::arrow::FileReader& reader,
                             std::string_view name, const std::string& path) {
  for (const auto& field : reader.manifest().schema_fields) {
    if (field.field->name() != name) continue;
    if (!field.is_leaf()) {
      return Status::TypeError(path, ": column '", name,
                               "' must be a primitive column, got ",
                               field.field->type()->ToString());
    }
    return field.column_index;
  }
  return -1;
}

arrow::Result<int> RequireLeaf(const parquet::arrow::FileReader& reader,
                               std::string_view name, const std::string& path) {
  ARROW_ASSIGN_OR_RAISE(int index, LeafIndex(reader, name, path));
  if (index < 0) return Status::Invalid(path, ": missing column '", name, "'");
  return index;
}

// A table as one struct array (one chunk), for by-name, loosely typed access.
arrow::Result<std::shared_ptr<arrow::StructArray>> AsStruct(const arrow::Table& table,
                                                            const std::string& path) {
  auto batch = table.CombineChunksToBatch();
  if (!batch.ok()) return WithPath(batch.status(), path);
  auto array = (*batch)->ToStructArray();
  if (!array.ok()) return WithPath(array.status(), path);
  return *array;
}

// The string at `index` of a string-like array (binary, string, their large and view
// variants, dictionary-encoded ones); nullopt when null.
arrow::Result<std::optional<std::string_view>> StringAt(const arrow::Array& array,
                                                        int64_t index,
                                                        std::string_view path) {
  if (array.IsNull(index)) return std::nullopt;
  ARROW_ASSIGN_OR_RAISE(auto value, internal::DecodeDictionary(array, index, path));
  if (value.IsNull()) return std::nullopt;
  switch (value.array->type_id()) {
    case arrow::Type::BINARY:
    case arrow::Type::LARGE_BINARY:
    case arrow::Type::BINARY_VIEW:
      return internal::BinaryAt(*value.array, value.index, path);
    default:
      return internal::ReadString(*value.array, value.index, path);
  }
}

// Decoded pixels of one chunk: its C-order T×C×Z×Y×X elements of `dtype`.
class ChunkBuffer final : public arrow::Buffer {
 public:
  ChunkBuffer(std::shared_ptr<arrow::Buffer> parent, int64_t offset, int64_t size,
              DType dtype)
      : arrow::Buffer(std::move(parent), offset, size), dtype_(dtype) {}
  DType dtype() const { return dtype_; }

 private:
  DType dtype_;
};

// One chunk of the opened image: its block in the image and its place in chunks.parquet.
struct DatasetChunk {
  int64_t chunk_id = 0;
  int32_t row_group = 0;
  int64_t row_in_group = 0;
  int64_t t = 0, c = 0, z = 0, y = 0, x = 0;
  int64_t shape_t = 0, shape_c = 0, shape_z = 0, shape_y = 0, shape_x = 0;

  int64_t num_elements() const { return shape_t * shape_c * shape_z * shape_y * shape_x; }
  std::array<int64_t, 5> origin() const { return {t, c, z, y, x}; }
  std::array<int64_t, 5> shape() const {
    return {shape_t, shape_c, shape_z, shape_y, shape_x};
  }
};

constexpr const char* kAxisNames[] = {"t", "c", "z", "y", "x"};
constexpr const char* kShapeNames[] = {"shape_t", "shape_c", "shape_z", "shape_y",
                                       "shape_x"};

// "t=0, c=1, z=2, y=8, x=16".
std::string DescribeOrigin(const std::array<int64_t, 5>& origin) {
  std::string out;
  for (int k = 0; k < 5; ++k) {
    if (k > 0) out += ", ";
    out += std::string(kAxisNames[k]) + "=" + std::to_string(origin[k]);
  }
  return out;
}

// "1x1x2x8x8".
std::string DescribeShape(const std::array<int64_t, 5>& shape) {
  std::string out;
  for (int k = 0; k < 5; ++k) {
    if (k > 0) out += "x";
    out += std::to_string(shape[k]);
  }
  return out;
}

// Chunks located through index.parquet: the identity the index promised for each chunk
// (chunk_id, image_id, origin, shape) is checked against the chunks.parquet row it
// points at before that row's pixels are used.
struct IndexCheck {
  std::string index_path;
  std::string image_id;
};

// The identity columns of one row group of chunks.parquet (absent columns are null).
struct RowIdentity {
  std::shared_ptr<arrow::Array> chunk_id, image_id;
  std::shared_ptr<arrow::Array> origin[5], shape[5];
  // chunk_id → rows, built on the first row that is not where the index said.
  std::unordered_multimap<int64_t, int64_t> rows_by_chunk_id;
  bool indexed = false;
};

// Pixels of one image of a typed-chunk dataset, read from chunks.parquet on demand.
class DatasetChunkSource final : public PixelSource {
 public:
  DatasetChunkSource(std::string chunks_path,
                     std::unique_ptr<parquet::arrow::FileReader> reader,
                     std::vector<int> payload_leaves, DType image_dtype,
                     std::vector<DatasetChunk> chunks, const PixelsMeta& meta,
                     int64_t cache_bytes, std::optional<IndexCheck> index_check)
      : chunks_path_(std::move(chunks_path)),
        reader_(std::move(reader)),
        payload_leaves_(std::move(payload_leaves)),
        image_dtype_(image_dtype),
        chunks_(std::move(chunks)),
        loaded_(chunks_.size()),
        cache_(cache_bytes),
        size_t_(meta.size_t),
        size_c_(meta.size_c),
        size_z_(meta.size_z),
        index_check_(std::move(index_check)) {}

  PixelEncoding encoding() const override { return PixelEncoding::kByteChunks; }
  bool BlocksMayOverlap() const override { return may_overlap_; }

  Status BuildIndex();

  Status GetPlaneBlocks(const PlaneIndex& index, const Rect& window,
                        std::vector<PlaneBlock>* blocks,
                        std::vector<std::shared_ptr<const void>>* pins) const override {
    const int64_t t = index.t, c = index.c, z = index.z;
    const auto slot = static_cast<size_t>(PlaneSlot(t, c, z));
    for (int64_t k = slot_offsets_[slot]; k < slot_offsets_[slot + 1]; ++k) {
      const int32_t id = slot_chunks_[static_cast<size_t>(k)];
      const DatasetChunk& chunk = chunks_[static_cast<size_t>(id)];
      if (chunk.y >= window.y + window.height || chunk.y + chunk.shape_y <= window.y ||
          chunk.x >= window.x + window.width || chunk.x + chunk.shape_x <= window.x) {
        continue;
      }
      ARROW_ASSIGN_OR_RAISE(auto decoded,
                            cache_.GetOrDecode(id, [&]() { return LoadOnce(id); }));
      const auto* buffer = static_cast<const ChunkBuffer*>(decoded.get());
      const int64_t plane_index =
          ((t - chunk.t) * chunk.shape_c + (c - chunk.c)) * chunk.shape_z + (z - chunk.z);
      PlaneBlock block;
      block.dtype = buffer->dtype();
      block.rect = Rect{chunk.y, chunk.x, chunk.shape_y, chunk.shape_x};
      block.row_stride = chunk.shape_x;
      block.data = buffer->data() + plane_index * chunk.shape_y * chunk.shape_x *
                                        ItemSize(buffer->dtype());
      blocks->push_back(block);
      pins->push_back(std::move(decoded));
    }
    return Status::OK();
  }

 private:
  int64_t PlaneSlot(int64_t t, int64_t c, int64_t z) const {
    return (t * size_c_ + c) * size_z_ + z;
  }

  std::string ChunkLabel(const DatasetChunk& chunk) const {
    return chunks_path_ + ": chunk_id " + std::to_string(chunk.chunk_id) +
           " (row group " + std::to_string(chunk.row_group) + ", row " +
           std::to_string(chunk.row_in_group) + ")";
  }

  // The decoded bytes of chunk `id`, reading its row group unless the bytes are still
  // alive somewhere. Called through cache_.GetOrDecode, which runs one load per chunk at
  // a time (others wait) and turns exceptions into errors.
  arrow::Result<std::shared_ptr<arrow::Buffer>> LoadOnce(int32_t id) const;

  // Reads the row group holding chunk `id` (payload columns only) and decodes every
  // chunk of this image in it; returns chunk `id`'s bytes and publishes the others.
  arrow::Result<std::shared_ptr<arrow::Buffer>> ReadRowGroupOf(int32_t id) const;

  // The row of `table` (a row group read) that holds `chunk`: its row_in_group when that
  // row's identity matches, else the one row of the group that does; an error naming
  // both files when none does (a stale index.parquet).
  arrow::Result<int64_t> LocateRow(const arrow::Table& table, RowIdentity* identity,
                                   const DatasetChunk& chunk) const;
  arrow::Result<bool> RowMatches(const RowIdentity& identity, int64_t row,
                                 const DatasetChunk& chunk) const;

  // Decodes row `row` of the payload columns of a row group.
  arrow::Result<std::shared_ptr<ChunkBuffer>> DecodePayload(
      const arrow::Table& table, int64_t row, const DatasetChunk& chunk) const;

  const std::string chunks_path_;
  mutable std::mutex reader_mutex_;  // parquet FileReader is not safe for concurrent use
  const std::unique_ptr<parquet::arrow::FileReader> reader_;
  const std::vector<int> payload_leaves_;  // dtype, pixel_bytes[, compression]
  const DType image_dtype_;
  const std::vector<DatasetChunk> chunks_;
  std::vector<int64_t> slot_offsets_;  // CSR over (t, c, z) slots
  std::vector<int32_t> slot_chunks_;   // chunk ids per slot, in chunks.parquet order
  std::unordered_map<int32_t, std::vector<int32_t>> row_group_members_;
  bool may_overlap_ = false;

  mutable std::mutex load_mutex_;
  mutable std::vector<std::weak_ptr<arrow::Buffer>> loaded_;
  mutable DecodedChunkCache cache_;
  const int64_t size_t_, size_c_, size_z_;
  const std::optional<IndexCheck> index_check_;
};

Status DatasetChunkSource::BuildIndex() {
  // Memory bound: the slot table and the memberships must stay near what is stored.
  ARROW_RETURN_NOT_OK(CheckPlaneSlots(size_t_ * size_c_ * size_z_,
                                      static_cast<int64_t>(chunks_.size()), "the dataset"));
  int64_t memberships = 0;
  for (const auto& chunk : chunks_) {
    memberships += chunk.shape_t * chunk.shape_c * chunk.shape_z;
    if (memberships > kMaxChunkIndexEntries) {
      return Status::Invalid("the dataset's chunks cover more than ", kMaxChunkIndexEntries,
                             " (chunk, plane) pairs");
    }
  }
  const auto num_slots = static_cast<size_t>(size_t_ * size_c_ * size_z_);
  slot_offsets_.assign(num_slots + 1, 0);
  for (const auto& chunk : chunks_) {
    for (int64_t t = chunk.t; t < chunk.t + chunk.shape_t; ++t) {
      for (int64_t c = chunk.c; c < chunk.c + chunk.shape_c; ++c) {
        for (int64_t z = chunk.z; z < chunk.z + chunk.shape_z; ++z) {
          ++slot_offsets_[static_cast<size_t>(PlaneSlot(t, c, z)) + 1];
        }
      }
    }
  }
  for (size_t i = 0; i < num_slots; ++i) slot_offsets_[i + 1] += slot_offsets_[i];
  slot_chunks_.resize(static_cast<size_t>(slot_offsets_[num_slots]));
  std::vector<int64_t> fill(slot_offsets_.begin(), slot_offsets_.end() - 1);
  for (size_t id = 0; id < chunks_.size(); ++id) {
    const auto& chunk = chunks_[id];
    for (int64_t t = chunk.t; t < chunk.t + chunk.shape_t; ++t) {
      for (int64_t c = chunk.c; c < chunk.c + chunk.shape_c; ++c) {
        for (int64_t z = chunk.z; z < chunk.z + chunk.shape_z; ++z) {
          const auto slot = static_cast<size_t>(PlaneSlot(t, c, z));
          slot_chunks_[static_cast<size_t>(fill[slot]++)] = static_cast<int32_t>(id);
        }
      }
    }
    row_group_members_[chunk.row_group].push_back(static_cast<int32_t>(id));
  }
  // Chunk grids written by ome-arrow never overlap; overlapping ones only cost a zero-fill.
  may_overlap_ = AnySlotOverlaps(slot_offsets_, slot_chunks_, [&](int32_t id) {
    const auto& chunk = chunks_[static_cast<size_t>(id)];
    return Rect{chunk.y, chunk.x, chunk.shape_y, chunk.shape_x};
  });
  return Status::OK();
}

arrow::Result<std::shared_ptr<arrow::Buffer>> DatasetChunkSource::LoadOnce(
    int32_t id) const {
  {
    std::lock_guard<std::mutex> lock(load_mutex_);
    if (auto alive = loaded_[static_cast<size_t>(id)].lock()) return alive;
  }
  ARROW_ASSIGN_OR_RAISE(auto buffer, ReadRowGroupOf(id));
  std::lock_guard<std::mutex> lock(load_mutex_);
  loaded_[static_cast<size_t>(id)] = buffer;
  return buffer;
}

arrow::Result<std::shared_ptr<ChunkBuffer>> DatasetChunkSource::DecodePayload(
    const arrow::Table& table, int64_t row, const DatasetChunk& chunk) const {
  const std::string label = ChunkLabel(chunk);
  if (row < 0 || row >= table.num_rows()) {
    return Status::Invalid(label, ": row is beyond the ", table.num_rows(),
                           " rows of its row group");
  }
  // Locates `row` in a column (the table may hold several chunks per column).
  const auto at = [&](std::string_view name)
      -> arrow::Result<std::pair<std::shared_ptr<arrow::Array>, int64_t>> {
    auto column = table.GetColumnByName(std::string(name));
    if (column == nullptr)
      return std::make_pair(std::shared_ptr<arrow::Array>(), int64_t{0});
    int64_t local = row;
    for (const auto& piece : column->chunks()) {
      if (local < piece->length()) return std::make_pair(piece, local);
      local -= piece->length();
    }
    return Status::Invalid(label, ": column '", name, "' is shorter than its row group");
  };

  DType dtype = image_dtype_;
  ARROW_ASSIGN_OR_RAISE(auto dtype_cell, at("dtype"));
  if (dtype_cell.first != nullptr) {
    ARROW_ASSIGN_OR_RAISE(
        auto name, StringAt(*dtype_cell.first, dtype_cell.second, label + ".dtype"));
    if (name.has_value()) {
      ARROW_ASSIGN_OR_RAISE(dtype, ParseDTypeOrError(*name, label + ".dtype"));
    }
  }
  std::optional<arrow::Compression::type> codec;
  ARROW_ASSIGN_OR_RAISE(auto compression_cell, at("compression"));
  if (compression_cell.first != nullptr) {
    ARROW_ASSIGN_OR_RAISE(auto name,
                          StringAt(*compression_cell.first, compression_cell.second,
                                   label + ".compression"));
    std::optional<std::string> owned;
    if (name.has_value()) owned = std::string(*name);
    ARROW_ASSIGN_OR_RAISE(codec, ParseChunkCompression(owned, label));
  }

  ARROW_ASSIGN_OR_RAISE(auto payload_cell, at("pixel_bytes"));
  auto [array, index] = payload_cell;
  if (array == nullptr) return Status::Invalid(label, ": no pixel_bytes column");
  if (array->IsNull(index)) return Status::Invalid(label, ": pixel_bytes is null");
  if (array->type_id() == arrow::Type::DICTIONARY) {  // payloads written as categoricals
    ARROW_ASSIGN_OR_RAISE(auto value,
                          internal::DecodeDictionary(*array, index, label + ".pixel_bytes"));
    if (value.IsNull()) return Status::Invalid(label, ": pixel_bytes is null");
    index = value.index;
    array = checked_cast<const arrow::DictionaryArray&>(*array).dictionary();
  }
  std::shared_ptr<arrow::Buffer> parent;
  int64_t offset = 0, length = 0;
  switch (array->type_id()) {
    case arrow::Type::BINARY:
    case arrow::Type::STRING: {
      const auto& binary = checked_cast<const arrow::BinaryArray&>(*array);
      parent = binary.value_data();
      offset = binary.value_offset(index);
      length = binary.value_length(index);
      break;
    }
    case arrow::Type::LARGE_BINARY:
    case arrow::Type::LARGE_STRING: {
      const auto& binary = checked_cast<const arrow::LargeBinaryArray&>(*array);
      parent = binary.value_data();
      offset = binary.value_offset(index);
      length = binary.value_length(index);
      break;
    }
    case arrow::Type::BINARY_VIEW:
    case arrow::Type::STRING_VIEW: {
      const auto view =
          checked_cast<const arrow::BinaryViewArray&>(*array).GetView(index);
      ARROW_RETURN_NOT_OK(CheckAllocationBytes(static_cast<int64_t>(view.size()),
                                               label + ": copying pixel_bytes",
                                               MaxReaderBufferBytes()));
      ARROW_ASSIGN_OR_RAISE(auto copy,
                            AllocateAligned(static_cast<int64_t>(view.size())));
      std::memcpy(copy->mutable_data(), view.data(), view.size());
      parent = std::move(copy);
      length = static_cast<int64_t>(view.size());
      break;
    }
    default:
      return Status::TypeError(label, ": pixel_bytes must be binary, got ",
                               array->type()->ToString());
  }
  if (parent == nullptr || offset < 0 || length < 0 || offset + length > parent->size()) {
    return Status::Invalid(label, ": pixel_bytes value out of its buffer");
  }
  const int64_t expected = chunk.num_elements() * ItemSize(dtype);
  if (codec.has_value()) {
    ARROW_ASSIGN_OR_RAISE(auto decoded, DecompressChunk(*codec, parent->data() + offset,
                                                        length, expected, label));
    return std::make_shared<ChunkBuffer>(std::move(decoded), 0, expected, dtype);
  }
  if (length != expected) {
    return Status::Invalid(label, ": pixel payload length ", length,
                           " bytes != expected ", expected, " bytes (", chunk.shape_t,
                           "x", chunk.shape_c, "x", chunk.shape_z, "x", chunk.shape_y,
                           "x", chunk.shape_x, " ", DTypeName(dtype), ")");
  }
  return std::make_shared<ChunkBuffer>(std::move(parent), offset, length, dtype);
}

arrow::Result<std::shared_ptr<arrow::Buffer>> DatasetChunkSource::ReadRowGroupOf(
    int32_t id) const {
  const DatasetChunk& chunk = chunks_[static_cast<size_t>(id)];
  std::shared_ptr<arrow::Table> table;
  {
    std::lock_guard<std::mutex> lock(reader_mutex_);
    auto read = reader_->ReadRowGroup(chunk.row_group, payload_leaves_);
    if (!read.ok()) {
      return WithPath(read.status(), chunks_path_,
                      "reading row group " + std::to_string(chunk.row_group));
    }
    table = std::move(read).ValueUnsafe();
  }
  RowIdentity identity;
  if (index_check_.has_value()) {
    const auto column =
        [&](const std::string& name) -> arrow::Result<std::shared_ptr<arrow::Array>> {
      auto chunked = table->GetColumnByName(name);
      if (chunked == nullptr) return nullptr;
      if (chunked->num_chunks() == 1) return chunked->chunk(0);
      auto combined = arrow::Concatenate(chunked->chunks());
      if (!combined.ok()) return WithPath(combined.status(), chunks_path_, name);
      return combined;
    };
    ARROW_ASSIGN_OR_RAISE(identity.chunk_id, column("chunk_id"));
    ARROW_ASSIGN_OR_RAISE(identity.image_id, column("image_id"));
    for (int k = 0; k < 5; ++k) {
      ARROW_ASSIGN_OR_RAISE(identity.origin[k], column(kAxisNames[k]));
      ARROW_ASSIGN_OR_RAISE(identity.shape[k], column(kShapeNames[k]));
    }
  }
  std::shared_ptr<arrow::Buffer> own;
  const auto members = row_group_members_.find(chunk.row_group);
  for (int32_t member : members->second) {
    const DatasetChunk& other = chunks_[static_cast<size_t>(member)];
    arrow::Result<int64_t> row = other.row_in_group;
    if (index_check_.has_value()) row = LocateRow(*table, &identity, other);
    auto decoded = row.ok() ? DecodePayload(*table, *row, other)
                            : arrow::Result<std::shared_ptr<ChunkBuffer>>(row.status());
    if (member == id) {
      ARROW_ASSIGN_OR_RAISE(own, std::move(decoded));
      continue;
    }
    // Publish the other chunks of this row group so that reading them costs no I/O.
    if (!decoded.ok()) continue;  // reported when that chunk itself is asked for
    std::shared_ptr<arrow::Buffer> buffer = std::move(decoded).ValueUnsafe();
    {
      std::lock_guard<std::mutex> lock(load_mutex_);
      if (loaded_[static_cast<size_t>(member)].lock() != nullptr) continue;
      loaded_[static_cast<size_t>(member)] = buffer;
    }
    cache_.Put(member, std::move(buffer));  // never waits: a load may be publishing to us
  }
  return own;
}

arrow::Result<bool> DatasetChunkSource::RowMatches(const RowIdentity& identity,
                                                   int64_t row,
                                                   const DatasetChunk& chunk) const {
  const std::string label = ChunkLabel(chunk);
  if (identity.chunk_id == nullptr || row < 0 || row >= identity.chunk_id->length() ||
      identity.chunk_id->IsNull(row)) {
    return false;
  }
  ARROW_ASSIGN_OR_RAISE(int64_t id,
                        ReadInteger(*identity.chunk_id, row, label + ".chunk_id"));
  if (id != chunk.chunk_id) return false;
  if (identity.image_id != nullptr) {
    ARROW_ASSIGN_OR_RAISE(auto image_id,
                          StringAt(*identity.image_id, row, label + ".image_id"));
    if (!image_id.has_value() || *image_id != index_check_->image_id) return false;
  }
  const auto origin = chunk.origin();
  const auto shape = chunk.shape();
  for (int k = 0; k < 5; ++k) {
    for (const auto& [array, expected, name] :
         {std::make_tuple(identity.origin[k].get(), origin[k], kAxisNames[k]),
          std::make_tuple(identity.shape[k].get(), shape[k], kShapeNames[k])}) {
      if (array == nullptr) continue;
      if (array->IsNull(row)) return false;
      ARROW_ASSIGN_OR_RAISE(int64_t value, ReadInteger(*array, row, label + "." + name));
      if (value != expected) return false;
    }
  }
  return true;
}

arrow::Result<int64_t> DatasetChunkSource::LocateRow(const arrow::Table& table,
                                                     RowIdentity* identity,
                                                     const DatasetChunk& chunk) const {
  ARROW_ASSIGN_OR_RAISE(bool in_place, RowMatches(*identity, chunk.row_in_group, chunk));
  if (in_place) return chunk.row_in_group;
  // Rows reordered within the row group: the chunk is still found without more I/O.
  if (identity->chunk_id != nullptr && !identity->indexed) {
    for (int64_t row = 0; row < identity->chunk_id->length(); ++row) {
      if (identity->chunk_id->IsNull(row)) continue;
      ARROW_ASSIGN_OR_RAISE(
          int64_t id, ReadInteger(*identity->chunk_id, row, chunks_path_ + ": chunk_id"));
      identity->rows_by_chunk_id.emplace(id, row);
    }
    identity->indexed = true;
  }
  const auto [begin, end] = identity->rows_by_chunk_id.equal_range(chunk.chunk_id);
  for (auto it = begin; it != end; ++it) {
    ARROW_ASSIGN_OR_RAISE(bool match, RowMatches(*identity, it->second, chunk));
    if (match) return it->second;
  }
  // What the indexed row holds instead, for the message.
  std::string found = "has no such row";
  const int64_t row = chunk.row_in_group;
  if (identity->chunk_id != nullptr && row >= 0 && row < table.num_rows()) {
    found = "holds chunk_id ";
    if (identity->chunk_id->IsNull(row)) {
      found += "null";
    } else {
      ARROW_ASSIGN_OR_RAISE(
          int64_t id, ReadInteger(*identity->chunk_id, row, chunks_path_ + ": chunk_id"));
      found += std::to_string(id);
    }
    if (identity->image_id != nullptr) {
      ARROW_ASSIGN_OR_RAISE(
          auto image_id, StringAt(*identity->image_id, row, chunks_path_ + ": image_id"));
      found += " of image '" + std::string(image_id.value_or("")) + "'";
    }
    std::array<int64_t, 5> origin{};
    bool have_origin = true;
    for (int k = 0; k < 5 && have_origin; ++k) {
      const auto* array = identity->origin[k].get();
      if (array == nullptr || array->IsNull(row)) {
        have_origin = false;
        break;
      }
      ARROW_ASSIGN_OR_RAISE(origin[k], ReadInteger(*array, row, chunks_path_));
    }
    if (have_origin) found += " at " + DescribeOrigin(origin);
  }
  return Status::Invalid(
      "Chunk not found: ", index_check_->index_path, " places chunk_id ", chunk.chunk_id,
      " of image '", index_check_->image_id, "' (", DescribeOrigin(chunk.origin()),
      ", shape ", DescribeShape(chunk.shape()), ") at row group ", chunk.row_group,
      ", row ", chunk.row_in_group, " of ", chunks_path_, ", which ", found,
      ", and no row of that row group holds it: the index is stale (rebuild or remove "
      "it)");
}

// --- metadata -----------------------------------------------------------------------

arrow::Result<std::string> ReadSmallFile(const DatasetOpenOptions& options,
                                         const std::string& path) {
  ARROW_ASSIGN_OR_RAISE(auto file, OpenInput(options, path));
  auto size = file->GetSize();
  if (!size.ok()) return WithPath(size.status(), path);
  if (*size > kMaxManifestBytes) {
    return Status::Invalid(path, ": ", *size,
                           " bytes is too large for a dataset manifest");
  }
  auto buffer = file->ReadAt(0, *size);
  if (!buffer.ok()) return WithPath(buffer.status(), path);
  if ((*buffer)->size() != *size) {
    return Status::IOError(path, ": short read (", (*buffer)->size(), " of ", *size,
                           " bytes)");
  }
  return (*buffer)->ToString();
}

// The manifest fields the reader uses; absent (or null) fields are not declared.
struct Manifest {
  std::string path;
  std::optional<std::string> type;
  std::optional<std::string> version;
  std::optional<int64_t> image_count;  // rows of images.parquet
  std::optional<int64_t> chunk_count;  // rows of chunks.parquet (all images)
};

arrow::Result<Manifest> ReadManifest(const DatasetOpenOptions& options,
                                     const std::string& dir) {
  const std::string path = JoinPath(dir, kDatasetManifestFile);
  if (!options.file_opener && !fs::exists(path)) {
    return Status::IOError(path, ": not an ome-arrow dataset directory (no ",
                           kDatasetManifestFile, ")");
  }
  ARROW_ASSIGN_OR_RAISE(std::string text, ReadSmallFile(options, path));
  ARROW_ASSIGN_OR_RAISE(Json json, internal::ParseJson(text, path));
  if (!json.is_object())
    return Status::Invalid(path, ": the manifest must be a JSON object");
  Manifest manifest;
  manifest.path = path;
  const auto get_count =
      [&](std::string_view key) -> arrow::Result<std::optional<int64_t>> {
    const auto value = json.find(key);
    if (value == json.end() || value->is_null()) return std::nullopt;
    const std::optional<int64_t> count = internal::JsonInt64(*value);
    if (!count.has_value() || *count < 0) {
      std::string text = internal::WriteJson(*value);
      if (text.size() > 40) text = text.substr(0, 40) + "...";
      return Status::Invalid(path, ": manifest \"", key,
                             "\" must be a non-negative integer, got ", text);
    }
    return count;
  };
  const auto get_string =
      [&](std::string_view key) -> arrow::Result<std::optional<std::string>> {
    const auto value = json.find(key);
    if (value == json.end() || value->is_null()) return std::nullopt;
    if (!value->is_string()) {
      return Status::Invalid(path, ": manifest \"", key, "\" must be a string");
    }
    return value->get<std::string>();
  };
  ARROW_ASSIGN_OR_RAISE(auto layout, get_string("layout"));
  if (layout.has_value() && *layout != kDatasetLayout) {
    return Status::Invalid(path, ": unsupported dataset layout '", *layout,
                           "' (expected '", kDatasetLayout, "')");
  }
  ARROW_ASSIGN_OR_RAISE(manifest.type, get_string("type"));
  ARROW_ASSIGN_OR_RAISE(manifest.version, get_string("version"));
  ARROW_ASSIGN_OR_RAISE(manifest.image_count, get_count("image_count"));
  ARROW_ASSIGN_OR_RAISE(manifest.chunk_count, get_count("chunk_count"));
  return manifest;
}

arrow::Result<std::shared_ptr<arrow::StructArray>> ReadImagesTable(
    const DatasetOpenOptions& options, const std::string& dir) {
  const std::string path = JoinPath(dir, kDatasetImagesFile);
  ARROW_ASSIGN_OR_RAISE(auto reader, OpenParquet(options, path));
  auto table = reader->ReadTable();
  if (!table.ok()) return WithPath(table.status(), path);
  ARROW_ASSIGN_OR_RAISE(auto images, AsStruct(**table, path));
  if (images->GetFieldByName("image_id") == nullptr) {
    return Status::Invalid(path, ": missing column 'image_id'");
  }
  return images;
}

struct ImageRow {
  RecordInfo info;
  PixelsMeta meta;
  ChunkGrid grid;
  DType dtype = DType::kUInt16;
};

arrow::Result<ImageRow> ParseImageRow(const std::shared_ptr<arrow::StructArray>& images,
                                      int64_t row, const std::string& path) {
  StructRow r(images, row, path + ": row " + std::to_string(row));
  ImageRow out;
  ARROW_ASSIGN_OR_RAISE(out.info.id, r.GetString("image_id"));
  ARROW_ASSIGN_OR_RAISE(out.info.name, r.GetString("name"));
  ARROW_ASSIGN_OR_RAISE(out.info.image_type, r.GetString("image_type"));
  ARROW_ASSIGN_OR_RAISE(out.meta.type, r.GetString("dtype"));
  if (!out.meta.type.has_value()) return Status::Invalid(r.path(), ": dtype is missing");
  ARROW_ASSIGN_OR_RAISE(out.dtype,
                        ParseDTypeOrError(*out.meta.type, r.path() + ".dtype"));
  ARROW_ASSIGN_OR_RAISE(out.meta.size_t, r.RequireInt("size_t"));
  ARROW_ASSIGN_OR_RAISE(out.meta.size_c, r.RequireInt("size_c"));
  ARROW_ASSIGN_OR_RAISE(out.meta.size_z, r.RequireInt("size_z"));
  ARROW_ASSIGN_OR_RAISE(out.meta.size_y, r.RequireInt("size_y"));
  ARROW_ASSIGN_OR_RAISE(out.meta.size_x, r.RequireInt("size_x"));
  auto valid = ValidateSizes(out.meta);
  if (!valid.ok()) return WithPath(valid, path, "row " + std::to_string(row));
  out.grid.order = "TCZYX";
  out.grid.chunk_order = "ZYX";
  ARROW_ASSIGN_OR_RAISE(out.grid.chunk_t, r.GetInt("chunk_t"));
  ARROW_ASSIGN_OR_RAISE(out.grid.chunk_c, r.GetInt("chunk_c"));
  ARROW_ASSIGN_OR_RAISE(out.grid.chunk_z, r.GetInt("chunk_z"));
  ARROW_ASSIGN_OR_RAISE(out.grid.chunk_y, r.GetInt("chunk_y"));
  ARROW_ASSIGN_OR_RAISE(out.grid.chunk_x, r.GetInt("chunk_x"));
  ARROW_ASSIGN_OR_RAISE(auto channels_json, r.GetString("channels_json"));
  if (channels_json.has_value()) {
    ARROW_ASSIGN_OR_RAISE(out.meta.channels,
                          internal::ParseChannelsJson(*channels_json, r.path() + ".channels_json"));
  }
  return out;
}

// Reads the chunk coordinates of image `image_id`, from index.parquet (when `index` is
// set) or the coordinate columns of chunks.parquet, and validates them against `meta`
// and the row groups of chunks.parquet.
arrow::Result<std::vector<DatasetChunk>> ReadChunkIndex(
    parquet::arrow::FileReader* index, const std::string& index_path,
    parquet::arrow::FileReader* chunks_reader, const std::string& chunks_path,
    const std::string& images_path, const std::string& image_id, const PixelsMeta& meta) {
  const bool from_index = index != nullptr;
  parquet::arrow::FileReader* reader = from_index ? index : chunks_reader;
  const std::string& path = from_index ? index_path : chunks_path;

  const char* kAxes[] = {"t", "c", "z", "y", "x"};
  const char* kShapes[] = {"shape_t", "shape_c", "shape_z", "shape_y", "shape_x"};
  const int64_t sizes[] = {meta.size_t, meta.size_c, meta.size_z, meta.size_y,
                           meta.size_x};
  const char* kSizeNames[] = {"size_t", "size_c", "size_z", "size_y", "size_x"};

  std::vector<int> leaves;
  std::vector<std::string> names = {"image_id"};
  for (const char* axis : kAxes) names.emplace_back(axis);
  for (const char* shape : kShapes) names.emplace_back(shape);
  if (from_index) {
    // chunk_id: what each row of chunks.parquet the index points at is checked against.
    names.emplace_back("chunk_id");
    names.emplace_back("row_group_id");
    names.emplace_back("row_index_in_group");
  }
  for (const auto& name : names) {
    ARROW_ASSIGN_OR_RAISE(int leaf, RequireLeaf(*reader, name, path));
    leaves.push_back(leaf);
  }
  std::vector<std::string_view> optional_names = {"fragment_path"};
  if (!from_index) optional_names.push_back("chunk_id");
  for (std::string_view optional_name : optional_names) {
    ARROW_ASSIGN_OR_RAISE(int leaf, LeafIndex(*reader, optional_name, path));
    if (leaf >= 0) leaves.push_back(leaf);
  }
  std::sort(leaves.begin(), leaves.end());
  auto table = reader->ReadTable(leaves);
  if (!table.ok()) return WithPath(table.status(), path);
  ARROW_ASSIGN_OR_RAISE(auto rows, AsStruct(**table, path));

  const auto field = [&](std::string_view name) {
    return rows->GetFieldByName(std::string(name));
  };
  auto image_ids = field("image_id");
  auto chunk_ids = field("chunk_id");
  auto fragments = field("fragment_path");
  std::shared_ptr<arrow::Array> origin[5], shape[5];
  for (int k = 0; k < 5; ++k) {
    origin[k] = field(kAxes[k]);
    shape[k] = field(kShapes[k]);
  }
  auto row_groups = from_index ? field("row_group_id") : nullptr;
  auto rows_in_group = from_index ? field("row_index_in_group") : nullptr;

  const auto* chunk_meta = chunks_reader->parquet_reader()->metadata().get();
  const int num_row_groups = chunk_meta->num_row_groups();
  if (from_index && rows->length() != chunk_meta->num_rows()) {
    return Status::Invalid(index_path, ": ", rows->length(), " index rows but ",
                           chunks_path, " holds ", chunk_meta->num_rows(),
                           " chunk rows: the index is stale (rebuild or remove it)");
  }
  std::vector<int64_t> group_rows(static_cast<size_t>(num_row_groups));
  for (int g = 0; g < num_row_groups; ++g) {
    group_rows[static_cast<size_t>(g)] = chunk_meta->RowGroup(g)->num_rows();
  }

  std::vector<DatasetChunk> chunks;
  int32_t group = 0;        // chunks.parquet rows: row group of `row`
  int64_t group_start = 0;  // and the first row of that group
  for (int64_t row = 0; row < rows->length(); ++row) {
    if (!from_index) {
      while (group < num_row_groups &&
             row >= group_start + group_rows[static_cast<size_t>(group)]) {
        group_start += group_rows[static_cast<size_t>(group)];
        ++group;
      }
    }
    ARROW_ASSIGN_OR_RAISE(auto id, StringAt(*image_ids, row, path + ": image_id"));
    if (!id.has_value() || *id != image_id) continue;
    DatasetChunk chunk;
    chunk.chunk_id = row;
    if (from_index && chunk_ids->IsNull(row)) {
      return Status::Invalid(path, ": row ", row, ": chunk_id is null");
    }
    if (chunk_ids != nullptr && !chunk_ids->IsNull(row)) {
      ARROW_ASSIGN_OR_RAISE(chunk.chunk_id,
                            ReadInteger(*chunk_ids, row, path + ": chunk_id"));
    }
    const std::string label = path + ": chunk_id " + std::to_string(chunk.chunk_id) +
                              " (row " + std::to_string(row) + ")";
    if (fragments != nullptr) {
      ARROW_ASSIGN_OR_RAISE(auto fragment,
                            StringAt(*fragments, row, label + ".fragment_path"));
      if (fragment.has_value() && *fragment != kDatasetChunksFile) {
        return Status::NotImplemented(label, ": fragment_path '", *fragment,
                                      "' is not supported (only ", kDatasetChunksFile,
                                      ")");
      }
    }
    int64_t o[5], s[5];
    for (int k = 0; k < 5; ++k) {
      if (origin[k]->IsNull(row) || shape[k]->IsNull(row)) {
        return Status::Invalid(label, ": ", kAxes[k], "/", kShapes[k], " is null");
      }
      ARROW_ASSIGN_OR_RAISE(o[k], ReadInteger(*origin[k], row, label + "." + kAxes[k]));
      ARROW_ASSIGN_OR_RAISE(s[k], ReadInteger(*shape[k], row, label + "." + kShapes[k]));
      if (o[k] < 0 || s[k] <= 0) {
        return Status::Invalid(label, ": invalid origin or shape: ", kAxes[k], "=", o[k],
                               ", ", kShapes[k], "=", s[k]);
      }
      if (o[k] > sizes[k] - s[k]) {
        return Status::Invalid(label, ": chunk out of bounds: ", kAxes[k], "+",
                               kShapes[k], "=", o[k] + s[k], " > ", kSizeNames[k], "=",
                               sizes[k], " (image '", image_id, "' in ", images_path,
                               ")");
      }
    }
    chunk.t = o[0], chunk.c = o[1], chunk.z = o[2], chunk.y = o[3], chunk.x = o[4];
    chunk.shape_t = s[0], chunk.shape_c = s[1], chunk.shape_z = s[2],
    chunk.shape_y = s[3], chunk.shape_x = s[4];
    int64_t rg = group, in_group = row - group_start;
    if (from_index) {
      if (row_groups->IsNull(row) || rows_in_group->IsNull(row)) {
        return Status::Invalid(label, ": row_group_id/row_index_in_group is null");
      }
      ARROW_ASSIGN_OR_RAISE(rg, ReadInteger(*row_groups, row, label + ".row_group_id"));
      ARROW_ASSIGN_OR_RAISE(
          in_group, ReadInteger(*rows_in_group, row, label + ".row_index_in_group"));
    }
    if (rg < 0 || rg >= num_row_groups) {
      return Status::Invalid(label, ": row_group_id ", rg, " out of range: ", chunks_path,
                             " has ", num_row_groups, " row groups");
    }
    if (in_group < 0 || in_group >= group_rows[static_cast<size_t>(rg)]) {
      return Status::Invalid(label, ": row_index_in_group ", in_group,
                             " out of range: row group ", rg, " of ", chunks_path,
                             " has ", group_rows[static_cast<size_t>(rg)], " rows");
    }
    chunk.row_group = static_cast<int32_t>(rg);
    chunk.row_in_group = in_group;
    chunks.push_back(chunk);
  }
  if (chunks.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return Status::Invalid(path, ": too many chunks for one image");
  }
  return chunks;
}

struct OriginHash {
  size_t operator()(const std::array<int64_t, 5>& o) const {
    size_t h = 0;
    for (int64_t v : o) h = h * 1000003u ^ std::hash<int64_t>()(v);
    return h;
  }
};

// When images.parquet declares the image's chunk grid (chunk_t..chunk_x all set), every
// cell of that grid must have a chunk at its origin covering it; otherwise the first
// missing cell (C order) is an error. An undeclared grid declares nothing: uncovered
// regions then read as zeros, the reference's rule. `coords_path` is where `chunks`
// were read from.
Status CheckChunkGrid(const std::vector<DatasetChunk>& chunks, const ImageRow& image,
                      const std::string& images_path, const std::string& coords_path) {
  const std::optional<int64_t> declared[] = {image.grid.chunk_t, image.grid.chunk_c,
                                             image.grid.chunk_z, image.grid.chunk_y,
                                             image.grid.chunk_x};
  const std::array<int64_t, 5> sizes = {image.meta.size_t, image.meta.size_c,
                                        image.meta.size_z, image.meta.size_y,
                                        image.meta.size_x};
  const std::string id = image.info.id.value_or("");
  std::array<int64_t, 5> step{}, cells{};
  for (int k = 0; k < 5; ++k) {
    if (!declared[k].has_value()) return Status::OK();
  }
  for (int k = 0; k < 5; ++k) {
    if (*declared[k] <= 0) {
      return Status::Invalid(images_path, ": image '", id, "': chunk_", kAxisNames[k],
                             " must be positive, got ", *declared[k]);
    }
    step[k] = std::min(*declared[k], sizes[k]);  // the reference clips to the image
    cells[k] = (sizes[k] + step[k] - 1) / step[k];
  }
  std::unordered_map<std::array<int64_t, 5>, size_t, OriginHash> by_origin;
  by_origin.reserve(chunks.size());
  for (size_t i = 0; i < chunks.size(); ++i) by_origin.emplace(chunks[i].origin(), i);
  // Each visited cell either fails or uses up a distinct chunk, so this loop runs at
  // most chunks.size() + 1 times however large the declared grid.
  std::array<int64_t, 5> cell{};
  while (true) {
    std::array<int64_t, 5> origin{}, extent{};
    for (int k = 0; k < 5; ++k) {
      origin[k] = cell[k] * step[k];
      extent[k] = std::min(step[k], sizes[k] - origin[k]);
    }
    const auto found = by_origin.find(origin);
    if (found == by_origin.end()) {
      int64_t total = 1;
      for (int64_t n : cells) {
        if (__builtin_mul_overflow(total, n, &total)) total = -1;
        if (total < 0) break;
      }
      return Status::Invalid(
          images_path, ": image '", id, "' declares a ", DescribeShape(step),
          " chunk grid (", total < 0 ? std::string("too many") : std::to_string(total),
          " chunks) but ", coords_path, " has no chunk at ", DescribeOrigin(origin), " (",
          chunks.size(), " chunks of the image present)");
    }
    const DatasetChunk& chunk = chunks[found->second];
    const auto shape = chunk.shape();
    for (int k = 0; k < 5; ++k) {
      if (shape[k] < extent[k]) {
        return Status::Invalid(images_path, ": image '", id, "': ", coords_path,
                               ": chunk_id ", chunk.chunk_id, " at ",
                               DescribeOrigin(origin), " has shape ",
                               DescribeShape(shape), ", smaller than its ",
                               DescribeShape(extent), " cell of the declared chunk grid");
      }
    }
    int k = 4;
    while (k >= 0 && ++cell[k] == cells[k]) cell[k--] = 0;
    if (k < 0) return Status::OK();
  }
}

}  // namespace

bool IsDatasetDirectory(const std::string& path) {
  std::error_code error;
  return fs::is_directory(path, error) &&
         fs::is_regular_file(fs::path(path) / std::string(kDatasetManifestFile), error);
}

arrow::Result<std::vector<std::string>> ListDatasetImageIds(
    const std::string& dir, const DatasetOpenOptions& options) {
  ARROW_ASSIGN_OR_RAISE(auto images, ReadImagesTable(options, dir));
  const std::string path = JoinPath(dir, kDatasetImagesFile);
  auto ids = images->GetFieldByName("image_id");
  std::vector<std::string> out;
  for (int64_t i = 0; i < ids->length(); ++i) {
    ARROW_ASSIGN_OR_RAISE(auto id, StringAt(*ids, i, path + ": image_id"));
    out.emplace_back(id.value_or(""));
  }
  return out;
}

arrow::Result<std::shared_ptr<const Image>> OpenDataset(
    const std::string& dir, const DatasetOpenOptions& options) {
  if (!options.file_opener && !fs::is_directory(dir)) {
    return Status::IOError("No such dataset: ", dir);
  }
  ARROW_ASSIGN_OR_RAISE(Manifest manifest, ReadManifest(options, dir));
  ARROW_ASSIGN_OR_RAISE(auto images, ReadImagesTable(options, dir));
  const std::string images_path = JoinPath(dir, kDatasetImagesFile);
  if (manifest.image_count.has_value() && *manifest.image_count != images->length()) {
    return Status::Invalid(manifest.path, ": image_count ", *manifest.image_count,
                           " but ", images_path, " holds ", images->length(),
                           " image rows");
  }

  // Select the image row.
  int64_t row = -1;
  auto ids = images->GetFieldByName("image_id");
  if (options.image_id.has_value()) {
    for (int64_t i = 0; i < ids->length() && row < 0; ++i) {
      ARROW_ASSIGN_OR_RAISE(auto id, StringAt(*ids, i, images_path + ": image_id"));
      if (id.has_value() && *id == *options.image_id) row = i;
    }
    if (row < 0) {
      return Status::KeyError(images_path, ": image_id not found: ", *options.image_id);
    }
  } else {
    if (images->length() == 0) {
      return Status::Invalid(images_path, ": Dataset contains no image IDs.");
    }
    if (options.row < 0 || options.row >= images->length()) {
      return Status::IndexError(images_path, ": row ", options.row, " out of range (",
                                images->length(), " images)");
    }
    row = options.row;
  }
  ARROW_ASSIGN_OR_RAISE(ImageRow image, ParseImageRow(images, row, images_path));
  if (!image.info.id.has_value()) {
    return Status::Invalid(images_path, ": row ", row, ": image_id is null");
  }
  image.info.type = manifest.type.value_or("ome.arrow");
  image.info.version = manifest.version;

  // chunks.parquet: footer now, payload columns on demand.
  const std::string chunks_path = JoinPath(dir, kDatasetChunksFile);
  ARROW_ASSIGN_OR_RAISE(auto chunks_reader, OpenParquet(options, chunks_path));
  const int64_t chunk_rows = chunks_reader->parquet_reader()->metadata()->num_rows();
  if (manifest.chunk_count.has_value() && *manifest.chunk_count != chunk_rows) {
    return Status::Invalid(manifest.path, ": chunk_count ", *manifest.chunk_count,
                           " but ", chunks_path, " holds ", chunk_rows, " chunk rows");
  }

  // The chunk index: index.parquet when present, else chunks.parquet's coordinates.
  const std::string index_path = JoinPath(dir, kDatasetIndexFile);
  std::unique_ptr<parquet::arrow::FileReader> index_reader;
  if (options.use_index && fs::exists(index_path)) {
    ARROW_ASSIGN_OR_RAISE(index_reader, OpenParquet(options, index_path));
  }

  // Columns read with each row group: the payload, and where the index locates rows,
  // the identity columns the located rows are checked by.
  std::vector<int> payload_leaves;
  std::vector<std::string_view> payload_names = {"dtype", "pixel_bytes", "compression"};
  std::optional<IndexCheck> index_check;
  if (index_reader != nullptr) {
    index_check = IndexCheck{index_path, *image.info.id};
    payload_names.insert(payload_names.end(), {"chunk_id", "image_id"});
    for (int k = 0; k < 5; ++k) {
      payload_names.push_back(kAxisNames[k]);
      payload_names.push_back(kShapeNames[k]);
    }
    ARROW_ASSIGN_OR_RAISE(int leaf, LeafIndex(*chunks_reader, "chunk_id", chunks_path));
    if (leaf < 0) {
      return Status::Invalid(chunks_path, ": missing column 'chunk_id' (needed to check ",
                             "the rows ", index_path, " points at)");
    }
  }
  for (std::string_view name : payload_names) {
    ARROW_ASSIGN_OR_RAISE(int leaf, LeafIndex(*chunks_reader, name, chunks_path));
    if (leaf >= 0) payload_leaves.push_back(leaf);
  }
  ARROW_RETURN_NOT_OK(RequireLeaf(*chunks_reader, "pixel_bytes", chunks_path).status());
  std::sort(payload_leaves.begin(), payload_leaves.end());

  ARROW_ASSIGN_OR_RAISE(
      auto chunks, ReadChunkIndex(index_reader.get(), index_path, chunks_reader.get(),
                                  chunks_path, images_path, *image.info.id, image.meta));
  ARROW_RETURN_NOT_OK(CheckChunkGrid(chunks, image, images_path,
                                     index_reader != nullptr ? index_path : chunks_path));

  int64_t slots = 0;
  if (__builtin_mul_overflow(image.meta.size_t, image.meta.size_c, &slots) ||
      __builtin_mul_overflow(slots, image.meta.size_z, &slots) || slots > kMaxSlots) {
    return Status::Invalid(images_path, ": row ", row, ": too many planes");
  }
  auto source = std::make_shared<DatasetChunkSource>(
      chunks_path, std::move(chunks_reader), std::move(payload_leaves), image.dtype,
      std::move(chunks), image.meta, options.decoded_chunk_cache_bytes,
      std::move(index_check));
  ARROW_RETURN_NOT_OK(source->BuildIndex());
  return std::make_shared<const Image>(std::move(image.info), std::move(image.meta),
                                       std::move(image.grid), std::move(source),
                                       RecordOrigin::kOther);
}

namespace internal {

arrow::Result<std::vector<Channel>> ParseChannelsJson(const std::string& text,
                                                      const std::string& label) {
  ARROW_ASSIGN_OR_RAISE(Json json, internal::ParseJson(text, label));
  std::vector<Channel> channels;
  if (json.is_null()) return channels;
  if (!json.is_array()) return Status::Invalid(label, " must be a JSON list of channels");
  for (size_t i = 0; i < json.size(); ++i) {
    const Json& entry = json[i];
    const std::string where = label + "[" + std::to_string(i) + "]";
    if (entry.is_null()) continue;
    if (!entry.is_object()) return Status::Invalid(where, " must be a JSON object");
    Channel channel;
    const auto string_of = [&](std::string_view key,
                               std::optional<std::string>* out) -> Status {
      const auto v = entry.find(key);
      if (v == entry.end() || v->is_null()) return Status::OK();
      if (!v->is_string()) return Status::Invalid(where, ".", key, " must be a string");
      *out = v->get<std::string>();
      return Status::OK();
    };
    const auto double_of = [&](std::string_view key,
                               std::optional<double>* out) -> Status {
      const auto v = entry.find(key);
      if (v == entry.end() || v->is_null()) return Status::OK();
      if (!v->is_number()) return Status::Invalid(where, ".", key, " must be a number");
      *out = v->get<double>();
      return Status::OK();
    };
    ARROW_RETURN_NOT_OK(string_of("id", &channel.id));
    ARROW_RETURN_NOT_OK(string_of("name", &channel.name));
    ARROW_RETURN_NOT_OK(double_of("emission_um", &channel.emission_um));
    ARROW_RETURN_NOT_OK(double_of("excitation_um", &channel.excitation_um));
    ARROW_RETURN_NOT_OK(string_of("illumination", &channel.illumination));
    if (const auto v = entry.find("color_rgba"); v != entry.end() && !v->is_null()) {
      channel.color_rgba = internal::JsonInt64(*v);
      if (!channel.color_rgba.has_value()) {
        return Status::Invalid(where, ".color_rgba must be an integer");
      }
    }
    channels.push_back(std::move(channel));
  }
  return channels;
}

}  // namespace internal

}  // namespace omearrow
