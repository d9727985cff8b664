#include "omearrow/io/parquet_source.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include <arrow/array.h>
#include <arrow/array/concatenate.h>
#include <arrow/chunked_array.h>
#include <arrow/io/file.h>
#include <arrow/status.h>
#include <arrow/table.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/schema.h>
#include <parquet/column_reader.h>
#include <parquet/exception.h>
#include <parquet/file_reader.h>
#include <parquet/properties.h>

#include "omearrow/io/file_identity.h"
#include "omearrow/io/list_page_source.h"
#include "omearrow/io/page_stream.h"
#include "omearrow/io/record_leaves.h"
#include "omearrow/io/row_cache.h"
#include "omearrow/source/chunk_cache.h"
#include "omearrow/source/chunk_index.h"
#include "omearrow/util/view_limits.h"

namespace omearrow {

using arrow::Status;

namespace {

// Read buffer for column chunks: small, so that skipping a page costs little more than
// its header.
constexpr int64_t kReadBufferBytes = 4 * 1024;

using internal::CollectLeaves;
using internal::ColumnLeaves;
using internal::IsOmeStruct;

// The open parquet file, shared by the image's sources; reads are serialized.
struct ParquetHandle {
  std::string path;
  std::shared_ptr<arrow::io::RandomAccessFile> file;  // positional reads are thread-safe
  int64_t file_size = 0;
  std::unique_ptr<parquet::arrow::FileReader> reader;
  std::mutex mutex;
};

arrow::Result<std::shared_ptr<ParquetHandle>> OpenHandle(
    const std::string& path, const FileOpener& open_file,
    std::shared_ptr<parquet::FileMetaData> footer = nullptr) {
  auto handle = std::make_shared<ParquetHandle>();
  handle->path = path;
  std::shared_ptr<arrow::io::RandomAccessFile> file;
  if (open_file) {
    auto opened = open_file(path);
    if (!opened.ok()) {
      return opened.status().WithMessage(path, ": ", opened.status().message());
    }
    file = *opened;
  } else {
    auto opened = arrow::io::ReadableFile::Open(path, ReaderMemoryPool());
    if (!opened.ok()) {  // keeps the errno detail (EMFILE, EACCES, ...) for OSError.errno
      return opened.status().WithMessage(path, ": ", opened.status().message());
    }
    file = *opened;
  }
  handle->file = file;
  auto size = file->GetSize();
  if (!size.ok()) return Status::IOError(path, ": ", size.status().message());
  handle->file_size = *size;
  // Every buffer Arrow and Parquet size from the file comes from the capped pool.
  parquet::ReaderProperties properties = internal::UntrustedReaderProperties(*size);
  properties.enable_buffered_stream();
  properties.set_buffer_size(kReadBufferBytes);
  parquet::ArrowReaderProperties arrow_properties;
  arrow_properties.set_pre_buffer(false);
  try {
    auto parquet_reader = parquet::ParquetFileReader::Open(file, properties, std::move(footer));
    auto reader = parquet::arrow::FileReader::Make(ReaderMemoryPool(),
                                                   std::move(parquet_reader), arrow_properties);
    if (!reader.ok()) return Status::IOError(path, ": ", reader.status().message());
    handle->reader = std::move(*reader);
  } catch (const std::exception& error) {
    return Status::IOError(path, ": not a readable Parquet file: ", error.what());
  }
  return handle;
}

// Serves byte chunks by reading, for each needed chunk, only its own pages of the
// pixel_bytes leaf; decoded chunks are cached.
class ParquetByteChunkSource final : public PixelSource {
 public:
  ParquetByteChunkSource(std::shared_ptr<ParquetHandle> handle, int row_group, int leaf,
                         int64_t first_slot, ChunkTable table, ChunkIndex index,
                         int64_t num_entries, int64_t cache_bytes)
      : handle_(std::move(handle)),
        row_group_(row_group),
        leaf_(leaf),
        first_slot_(first_slot),
        table_(std::move(table)),
        index_(std::move(index)),
        num_entries_(num_entries),
        cache_(cache_bytes),
        raw_(cache_bytes) {}

  PixelEncoding encoding() const override { return PixelEncoding::kByteChunks; }
  bool BlocksMayOverlap() const override { return index_.may_overlap(); }

  Status GetPlaneBlocks(const PlaneIndex& index, const Rect& window,
                        std::vector<PlaneBlock>* blocks,
                        std::vector<std::shared_ptr<const void>>* pins) const override {
    const int64_t t = index.t, c = index.c, z = index.z;
    for (const int32_t id : index_.Covering(t, c, z)) {
      const StoredChunk& chunk = table_.chunks[static_cast<size_t>(id)];
      if (!ChunkMeetsWindow(chunk, window)) continue;
      ARROW_ASSIGN_OR_RAISE(auto decoded,
                            cache_.GetOrDecode(id, [&] { return LoadChunk(chunk); }));
      blocks->push_back(ChunkPlaneBlock(chunk, decoded->data(), z));
      pins->push_back(std::move(decoded));
    }
    return Status::OK();
  }

  arrow::Result<StoredValues> GetStoredValues(const PlaneIndex&,
                                              const Rect&) const override {
    return Status::Invalid(
        "mode='arrow' does not support byte-backed inline chunks; use mode='numpy'.");
  }

 private:
  // Reads the payload of `chunk` (leaf slot first_slot_ + entry of the row group) and
  // decodes it.
  arrow::Result<std::shared_ptr<arrow::Buffer>> LoadChunk(const StoredChunk& chunk) const {
    const std::string label =
        handle_->path + ": chunks[" + std::to_string(chunk.entry) + "]";
    std::shared_ptr<arrow::Buffer> payload = raw_.Find(chunk.entry);
    if (payload == nullptr) {
      ARROW_ASSIGN_OR_RAISE(payload, ReadDirect(chunk, label));
    }
    if (payload == nullptr) {
      // The page read returns this chunk's payload itself: the raw cache may keep none
      // (capacity 0, or a payload larger than it).
      ARROW_ASSIGN_OR_RAISE(payload,
                            ReadPageOf(first_slot_ + chunk.entry, chunk.entry, label));
      if (payload == nullptr) return Status::Invalid(label, ": payload not found");
    }
    ARROW_RETURN_NOT_OK(CheckPayloadLength(chunk, payload->size(), label));
    if (!chunk.compression.has_value()) return payload;
    return DecompressChunk(*chunk.compression, payload->data(), payload->size(),
                           chunk.decoded_bytes(), label);
  }

  // A page reader over the pixel_bytes column chunk from file offset `start`.
  internal::PageReaderAt OpenPixelPages(const parquet::ColumnChunkMetaData& column_chunk,
                                        int64_t start) const {
    return internal::OpenPagesAt(
        handle_->file, handle_->file_size, start,
        start + column_chunk.total_compressed_size(), column_chunk.num_values(),
        column_chunk.compression(),
        *handle_->reader->parquet_reader()->metadata()->schema()->Column(leaf_));
  }

  // Where each payload of this record lies in the file, when the pixel_bytes column chunk
  // allows reading them directly: no Parquet compression, no dictionary, and this record
  // alone in one PLAIN data page (as omearrow writes it: one row per row group). The page
  // body is then [rep levels][def levels][4-byte length + bytes per value]; walking the
  // length prefixes (4-byte reads) locates every payload, so a chunk costs its own bytes
  // instead of the whole image's. The walk must end exactly at the column chunk's end,
  // else the layout is something else and the page is read through Parquet instead.
  struct DirectLayout {
    bool usable = false;
    std::vector<std::pair<int64_t, int64_t>> payloads;  // (file offset, length) per entry
  };

  // Checks a stored payload of `length` bytes against what `chunk` can need, before it
  // is read: an uncompressed payload is exactly the chunk's decoded bytes, which must fit
  // the ceiling; a compressed one at most MaxReaderBufferBytes() (its decoded size is
  // checked by DecompressChunk).
  static Status CheckPayloadLength(const StoredChunk& chunk, int64_t length,
                                   const std::string& label) {
    if (chunk.compression.has_value()) {
      return CheckAllocationBytes(length, label + ": reading a compressed pixel payload",
                                  MaxReaderBufferBytes());
    }
    if (length != chunk.decoded_bytes()) {
      return Status::Invalid(label, " pixel payload length ", length, " bytes != expected ",
                             chunk.decoded_bytes(), " bytes (", chunk.shape_z, "x",
                             chunk.shape_y, "x", chunk.shape_x, " ", DTypeName(chunk.dtype),
                             ")");
    }
    return CheckAllocationBytes(length, label + ": reading a pixel payload");
  }

  arrow::Result<std::shared_ptr<arrow::Buffer>> ReadDirect(const StoredChunk& chunk,
                                                           const std::string& label) const {
    std::call_once(direct_once_, [&] { direct_ = LocateDirect(); });
    const int64_t entry = chunk.entry;
    if (!direct_.usable || entry < 0 ||
        entry >= static_cast<int64_t>(direct_.payloads.size())) {
      return nullptr;
    }
    const auto [offset, length] = direct_.payloads[static_cast<size_t>(entry)];
    ARROW_RETURN_NOT_OK(CheckPayloadLength(chunk, length, label));
    auto read = handle_->file->ReadAt(offset, length);
    if (!read.ok()) return Status::IOError(label, ": ", read.status().message());
    if ((*read)->size() != length) return Status::IOError(label, ": file is truncated");
    return *read;
  }

  DirectLayout LocateDirect() const {
    DirectLayout layout;
    if (first_slot_ != 0) return layout;
    try {
      auto metadata = handle_->reader->parquet_reader()->metadata();
      auto column_chunk = metadata->RowGroup(row_group_)->ColumnChunk(leaf_);
      if (column_chunk->compression() != arrow::Compression::UNCOMPRESSED ||
          column_chunk->has_dictionary_page()) {
        return layout;
      }
      const int64_t start = column_chunk->data_page_offset();
      if (!internal::CheckColumnChunkRange(start, column_chunk->total_compressed_size(),
                                           handle_->file_size, handle_->path)
               .ok()) {
        return layout;  // ReadPageOf reports it
      }
      const int64_t end = start + column_chunk->total_compressed_size();
      internal::PageReaderAt opened = OpenPixelPages(*column_chunk, start);
      auto& stream = opened.stream;
      auto& pages = opened.pages;
      int data_pages = 0;
      int64_t body = -1, values = 0;
      pages->set_data_page_filter([&](const parquet::DataPageStats& stats) {
        if (data_pages++ == 0) {
          body = start + stream->Tell().ValueOr(-1);
          values = stats.num_values;
        }
        stream->SkipNextRead();
        return true;  // headers only: every page body is skipped
      });
      while (pages->NextPage() != nullptr) {
      }
      if (data_pages != 1 || body < start || values != num_entries_) return layout;
      auto read_u32 = [&](int64_t at) -> int64_t {
        if (at < start || at + 4 > end) return -1;
        auto bytes = handle_->file->ReadAt(at, 4);
        if (!bytes.ok() || (*bytes)->size() != 4) return -1;
        uint32_t value;
        std::memcpy(&value, (*bytes)->data(), 4);
        return value;
      };
      int64_t position = body;
      for (int levels = 0; levels < 2; ++levels) {  // repetition, then definition levels
        const int64_t length = read_u32(position);
        if (length < 0) return layout;
        position += 4 + length;
      }
      for (int64_t i = 0; i < values; ++i) {
        const int64_t length = read_u32(position);
        if (length < 0 || position + 4 + length > end) return layout;
        layout.payloads.emplace_back(position + 4, length);
        position += 4 + length;
      }
      layout.usable = position == end;
    } catch (const std::exception&) {
      layout.usable = false;
    }
    if (!layout.usable) layout.payloads.clear();
    return layout;
  }

  // Reads the one data page of the pixel_bytes leaf holding leaf slot `slot` (other pages
  // are skipped by their headers, their bodies unread) and keeps the raw payloads of this
  // record's chunks found in it. Writers put a whole row's payloads in one page (pages
  // follow record boundaries), so one read serves every chunk of the image. Returns the
  // payload of chunk entry `wanted` (nullptr when the page does not hold it).
  arrow::Result<std::shared_ptr<arrow::Buffer>> ReadPageOf(int64_t slot, int64_t wanted,
                                                           const std::string& label) const {
    try {
      auto metadata = handle_->reader->parquet_reader()->metadata();
      auto column_chunk = metadata->RowGroup(row_group_)->ColumnChunk(leaf_);
      const int64_t start = column_chunk->has_dictionary_page()
                                ? column_chunk->dictionary_page_offset()
                                : column_chunk->data_page_offset();
      ARROW_RETURN_NOT_OK(internal::CheckColumnChunkRange(
          start, column_chunk->total_compressed_size(), handle_->file_size, label));
      internal::PageReaderAt opened = OpenPixelPages(*column_chunk, start);
      auto& stream = opened.stream;
      const parquet::ColumnDescriptor* descr =
          handle_->reader->parquet_reader()->metadata()->schema()->Column(leaf_);
      int64_t next_first = 0;          // slot index of the first value of the next page
      int64_t target_page_first = -1;  // slot index of the first value of the target page
      int64_t target_page_values = 0;
      opened.pages->set_data_page_filter([&](const parquet::DataPageStats& stats) {
        const int64_t begin = next_first;
        next_first += stats.num_values;
        const bool holds = begin <= slot && slot < next_first;
        if (holds) {
          target_page_first = begin;
          target_page_values = stats.num_values;
        } else {
          stream->SkipNextRead();
        }
        return !holds;
      });
      auto column = parquet::ColumnReader::Make(descr, std::move(opened.pages));
      if (column->type() != parquet::Type::BYTE_ARRAY) {
        return Status::TypeError(label, ": pixel_bytes is not a binary column");
      }
      auto* binary = static_cast<parquet::ByteArrayReader*>(column.get());
      if (!binary->HasNext() || target_page_first < 0) {
        return Status::Invalid(label, ": payload not found in row group ", row_group_);
      }
      // Walk the page's levels; slots of this record map to chunk entries.
      const int64_t max_def = descr->max_definition_level();
      std::shared_ptr<arrow::Buffer> found;
      for (int64_t s = target_page_first; s < target_page_first + target_page_values; ++s) {
        int16_t def_level = 0, rep_level = 0;
        parquet::ByteArray value;
        int64_t values_read = 0;
        if (binary->ReadBatch(1, &def_level, &rep_level, &value, &values_read) != 1) break;
        const int64_t entry = s - first_slot_;
        if (entry < 0 || entry >= num_entries_ || def_level != max_def || values_read != 1) {
          continue;
        }
        ARROW_RETURN_NOT_OK(CheckAllocationBytes(
            value.len, label + ": copying a pixel payload", MaxReaderBufferBytes()));
        ARROW_ASSIGN_OR_RAISE(auto buffer, arrow::AllocateBuffer(value.len));
        if (value.len > 0) std::memcpy(buffer->mutable_data(), value.ptr, value.len);
        std::shared_ptr<arrow::Buffer> payload(std::move(buffer));
        if (entry == wanted) found = payload;
        raw_.Put(entry, std::move(payload));
      }
      return found;
    } catch (const std::exception& error) {
      return Status::IOError(label, ": ", error.what());
    }
  }

  std::shared_ptr<ParquetHandle> handle_;
  int row_group_;
  int leaf_;
  int64_t first_slot_;
  ChunkTable table_;
  ChunkIndex index_;
  int64_t num_entries_ = 0;               // entries of this record's chunks list
  mutable DecodedChunkCache cache_;       // decoded chunks, by chunk id
  mutable DecodedChunkCache raw_;         // stored (compressed) payloads, by list entry
  mutable std::once_flag direct_once_;
  mutable DirectLayout direct_;
};

// Element `row` of a chunked column as a one-row array.
arrow::Result<std::shared_ptr<arrow::Array>> RowOf(const arrow::ChunkedArray& column,
                                                   int64_t row, const std::string& path) {
  for (const auto& chunk : column.chunks()) {
    if (row < chunk->length()) return chunk->Slice(row, 1);
    row -= chunk->length();
  }
  return Status::Invalid(path, ": the row group holds fewer rows than its metadata says");
}

// Serves planes / list chunks by decoding the row's whole column once (Parquet cannot
// address inside a row) into an in-memory image kept in the RowCache.
class ParquetRowSource final : public PixelSource {
 public:
  ParquetRowSource(std::shared_ptr<ParquetHandle> handle, int row_group, int64_t local_row,
                   int column, std::vector<int> leaves, PixelEncoding encoding,
                   RecordOptions record, std::string cache_key)
      : handle_(std::move(handle)),
        row_group_(row_group),
        local_row_(local_row),
        column_(column),
        leaves_(std::move(leaves)),
        encoding_(encoding),
        record_(record),
        cache_key_(std::move(cache_key)) {}

  PixelEncoding encoding() const override { return encoding_; }
  bool BlocksMayOverlap() const override { return true; }  // decided by the decoded row

  Status GetPlaneBlocks(const PlaneIndex& plane, const Rect& window,
                        std::vector<PlaneBlock>* blocks,
                        std::vector<std::shared_ptr<const void>>* pins) const override {
    ARROW_ASSIGN_OR_RAISE(auto row, Row());
    pins->push_back(row);
    return row->source().GetPlaneBlocks(plane, window, blocks, pins);
  }

  arrow::Result<StoredValues> GetStoredValues(const PlaneIndex& plane,
                                              const Rect& roi) const override {
    ARROW_ASSIGN_OR_RAISE(auto row, Row());
    return row->source().GetStoredValues(plane, roi);
  }

 private:
  arrow::Result<std::shared_ptr<const Image>> Row() const {
    return RowCache::Global().GetOrLoad(
        cache_key_, [this](int64_t* bytes) -> arrow::Result<std::shared_ptr<const Image>> {
          std::shared_ptr<arrow::Table> table;
          {
            std::lock_guard<std::mutex> lock(handle_->mutex);
            auto read = handle_->reader->ReadRowGroup(row_group_, leaves_);
            if (!read.ok()) return Status::IOError(handle_->path, ": ", read.status().message());
            table = *read;
          }
          ARROW_ASSIGN_OR_RAISE(auto column, RowOf(*table->column(0), local_row_, handle_->path));
          auto image = ImageFromArray(column, 0, record_);
          if (!image.ok()) {
            return image.status().WithMessage(handle_->path, ": ", image.status().message());
          }
          *bytes = ArrayDataBytes(*column->data());
          return *image;
        });
  }

  std::shared_ptr<ParquetHandle> handle_;
  int row_group_;
  int64_t local_row_;
  int column_;
  std::vector<int> leaves_;
  PixelEncoding encoding_;
  RecordOptions record_;
  std::string cache_key_;
};

// Locates row `row` of the file: its row group and its index inside the row group.
arrow::Result<std::pair<int, int64_t>> LocateRow(const parquet::FileMetaData& metadata,
                                                 int64_t row, const std::string& path) {
  if (row < 0 || row >= metadata.num_rows()) {
    return Status::IndexError(path, ": row ", row, " is out of range (the file has ",
                              metadata.num_rows(), " rows)");
  }
  int64_t first = 0;
  for (int rg = 0; rg < metadata.num_row_groups(); ++rg) {
    const int64_t rows = metadata.RowGroup(rg)->num_rows();
    if (row < first + rows) return std::make_pair(rg, row - first);
    first += rows;
  }
  return Status::IndexError(path, ": row ", row, " is out of range");
}

// Picks the record column: the requested one if it is an OME-Arrow struct; a requested
// column that exists but is not one is an error (the reference's messages); a missing one
// falls back to the first OME-Arrow struct column (with the reference's warning), unless
// `required` (and `requested` is not the reference's default "ome_arrow"): then it is an
// error listing the OME-Arrow columns.
arrow::Result<int> ChooseColumn(const arrow::Schema& schema, const std::string& requested,
                                const std::string& path, Warnings* warnings,
                                bool required = false) {
  const int index = schema.GetFieldIndex(requested);
  if (index >= 0) {
    const arrow::Field& field = *schema.field(index);
    if (IsOmeStruct(field)) return index;
    if (field.type()->id() != arrow::Type::STRUCT) {
      return Status::Invalid(path, ": Column '", requested, "' is not a Struct; got ",
                             field.type()->ToString(), ".");
    }
    return Status::Invalid(path, ": Column '", requested,
                           "' does not have the expected OME-Arrow fields.");
  }
  if (required && requested != "ome_arrow") {
    std::string ome;
    for (const auto& field : schema.fields()) {
      if (IsOmeStruct(*field)) ome += (ome.empty() ? "'" : ", '") + field->name() + "'";
    }
    return Status::Invalid(path, ": no column '", requested, "'; its OME-Arrow columns: ",
                           ome.empty() ? std::string("none") : ome);
  }
  for (int i = 0; i < schema.num_fields(); ++i) {
    if (!IsOmeStruct(*schema.field(i))) continue;
    warnings->push_back({Warning::Category::kUserWarning,
                         "Requested column '" + requested +
                             "' was not usable or not found. Auto-detected OME-Arrow "
                             "column '" + schema.field(i)->name() + "'."});
    return i;
  }
  std::string names;
  for (const auto& field : schema.fields()) {
    names += (names.empty() ? "" : ", ") + field->name();
  }
  return Status::Invalid(path, ": no OME-Arrow struct column (with pixels_meta and "
                               "planes or chunks) found; columns: ", names);
}


// The type of leaf column `leaf` below `field`, or nullptr.
std::shared_ptr<arrow::DataType> LeafType(const parquet::arrow::SchemaField& field, int leaf) {
  if (field.is_leaf()) return field.column_index == leaf ? field.field->type() : nullptr;
  for (const auto& child : field.children) {
    if (auto type = LeafType(child, leaf)) return type;
  }
  return nullptr;
}

// How a planes/list-chunks row can be read page by page, or nullopt when it cannot (one
// numeric pixel leaf two lists deep whose slots the metadata accounts for exactly); then
// the whole row is decoded instead.
std::optional<ListPageSourceParams> PlanPageReads(
    const ParquetHandle& handle, const parquet::arrow::SchemaField& column_field,
    const std::vector<int>& payload, const arrow::StructArray& records, int row_group,
    int64_t local_row, const std::string& section, const internal::ListRange& entries,
    PixelEncoding encoding, const PixelsMeta& meta, const std::string& identity,
    const RecordOptions& record) {
  if (payload.size() != 1) return std::nullopt;
  const int leaf = payload[0];
  auto metadata = handle.reader->parquet_reader()->metadata();
  const parquet::ColumnDescriptor* descr = metadata->schema()->Column(leaf);
  if (descr->max_repetition_level() != 2) return std::nullopt;
  auto type = LeafType(column_field, leaf);
  if (type == nullptr) return std::nullopt;
  auto dtype = DTypeFromArrow(*type);
  if (!dtype.ok()) return std::nullopt;
  auto plan = PlanListRow(records, local_row, section);
  if (!plan.has_value()) return std::nullopt;
  try {
    // Parquet's metadata accessors throw on malformed column chunk metadata; the whole
    // row path then reports what is wrong.
    if (plan->row_starts.back() !=
        metadata->RowGroup(row_group)->ColumnChunk(leaf)->num_values()) {
      return std::nullopt;
    }
  } catch (const std::exception&) {
    return std::nullopt;
  }
  ListPageSourceParams params;
  params.file = handle.file;
  params.file_size = handle.file_size;
  params.metadata = metadata;
  params.row_group = row_group;
  params.leaf = leaf;
  params.label = handle.path;
  params.pages_key = identity + "\n" + std::to_string(row_group) + "\n" + std::to_string(leaf);
  params.dtype = *dtype;
  params.local_row = local_row;
  params.plan = std::move(*plan);
  params.meta = meta;
  params.encoding = encoding;
  params.entries = entries;
  params.cache_bytes = record.decoded_chunk_cache_bytes;
  return params;
}

// What an open learned from a file's metadata: enough to make a fresh Image (with fresh
// pixel caches) without touching the file again.
struct OpenRecipe {
  RecordInfo info;
  PixelsMeta meta;
  std::optional<ChunkGrid> chunk_grid;
  std::function<std::shared_ptr<const PixelSource>()> make_source;
  Warnings warnings;
  std::string column;

  OpenedImage Make() const {
    OpenedImage opened;
    opened.image = std::make_shared<const Image>(info, meta, chunk_grid, make_source(),
                                                 RecordOrigin::kStructArray);
    opened.warnings = warnings;
    opened.column = column;
    return opened;
  }
};

// Recipes of recently opened records, keyed by the file's identity (FileIdentity: path,
// inode, size, times) and what was asked of it; the open file handle stays with them. A
// changed file misses.
class OpenRecipeCache {
 public:
  static OpenRecipeCache& Global() {
    static auto* cache = new OpenRecipeCache();
    return *cache;
  }
  std::shared_ptr<const OpenRecipe> Find(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second.second);
    return it->second.first;
  }
  void Put(const std::string& key, std::shared_ptr<const OpenRecipe> recipe) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (entries_.count(key) != 0) return;
    lru_.push_front(key);
    entries_.emplace(key, std::make_pair(std::move(recipe), lru_.begin()));
    while (entries_.size() > kCapacity) {
      entries_.erase(lru_.back());
      lru_.pop_back();
    }
  }

 private:
  static constexpr size_t kCapacity = 64;
  std::mutex mutex_;
  std::list<std::string> lru_;
  std::unordered_map<std::string,
                     std::pair<std::shared_ptr<const OpenRecipe>, std::list<std::string>::iterator>>
      entries_;
};

// The recipe cache key of an unchanged local file (its identity plus what was asked of
// it), or "" when the file's identity cannot be stated.
std::string RecipeKey(const std::string& identity, const ParquetOpenOptions& options) {
  if (identity.empty()) return "";
  // "\x01" "default" split: "\x01default" is one out-of-range hex escape (clang error).
  return identity + "\n" + options.column.value_or("\x01" "default") + "\n" +
         std::to_string(options.row) + "\n" +
         std::to_string(options.record.decoded_chunk_cache_bytes);
}

// Reads the metadata of the requested row. `identity` (FileIdentity of the file, or a
// UniqueCacheKey) keys the decoded rows in the process-wide RowCache, so a rewritten
// file never gets another file's pixels.
arrow::Result<std::shared_ptr<const OpenRecipe>> ReadRecipe(const std::string& path,
                                                            const ParquetOpenOptions& options,
                                                            const std::string& identity) {
  ARROW_ASSIGN_OR_RAISE(auto handle, OpenHandle(path, options.open_file, options.footer));
  auto& reader = *handle->reader;
  if (options.parsed_footer != nullptr) {
    *options.parsed_footer = reader.parquet_reader()->metadata();
  }
  std::shared_ptr<arrow::Schema> schema;
  {
    auto st = reader.GetSchema(&schema);
    if (!st.ok()) return Status::IOError(path, ": ", st.message());
  }
  OpenedImage opened;
  const std::string requested = options.column.value_or("ome_arrow");
  ARROW_ASSIGN_OR_RAISE(const int column, ChooseColumn(*schema, requested, path, &opened.warnings,
                                                          options.column_required));
  opened.column = schema->field(column)->name();
  const ColumnLeaves leaves =
      CollectLeaves(reader.manifest().schema_fields[static_cast<size_t>(column)]);
  if (leaves.metadata.empty()) {  // IsOmeStruct: pixels_meta has leaves, unless empty
    return Status::Invalid(path, ": column '", opened.column, "' has no metadata leaves");
  }
  auto metadata = reader.parquet_reader()->metadata();
  ARROW_ASSIGN_OR_RAISE(auto located, LocateRow(*metadata, options.row, path));
  const auto [row_group, local_row] = located;

  // Metadata leaves of the row group (small: sizes, indices, dtype/compression names).
  std::shared_ptr<arrow::Table> table;
  {
    auto read = reader.ReadRowGroup(row_group, leaves.metadata);
    if (!read.ok()) return Status::IOError(path, ": ", read.status().message());
    table = *read;
  }
  std::shared_ptr<arrow::Array> combined;
  if (table->column(0)->num_chunks() == 1) {
    combined = table->column(0)->chunk(0);
  } else {
    auto concatenated = arrow::Concatenate(table->column(0)->chunks());
    if (!concatenated.ok()) {
      return concatenated.status().WithMessage(path, ": ", concatenated.status().message());
    }
    combined = *concatenated;
  }
  if (combined->type_id() != arrow::Type::STRUCT) {
    return Status::Invalid(path, ": column '", opened.column, "' is not a struct column");
  }
  auto records = std::static_pointer_cast<arrow::StructArray>(combined);
  auto parts = ParseRecordParts(records, local_row);
  if (!parts.ok()) return parts.status().WithMessage(path, ": ", parts.status().message());

  auto recipe = std::make_shared<OpenRecipe>();
  const bool byte_chunks = parts->chunks.has_value() && leaves.pixel_bytes >= 0;
  if (byte_chunks) {
    std::string warning;
    const DType meta_dtype = DTypeFromMeta(parts->meta.type, &warning);
    auto table_result = ParseChunkTable(*parts->chunks, parts->meta, meta_dtype,
                                        /*locate_payload=*/false, /*byte_chunks=*/true);
    if (!table_result.ok()) {
      return table_result.status().WithMessage(path, ": ", table_result.status().message());
    }
    // Leaf slots of earlier rows of the row group: one per chunk, or one for an empty or
    // null chunks list.
    int64_t first_slot = 0;
    auto chunks_field = records->GetFieldByName("chunks");
    for (int64_t r = 0; r < local_row; ++r) {
      int64_t slots = 1;
      if (!records->IsNull(r) && !chunks_field->IsNull(r)) {
        auto range = internal::ListAt(chunks_field, r, "chunks");
        if (!range.ok()) {
          return range.status().WithMessage(path, ": row ", r, ": ", range.status().message());
        }
        slots = std::max<int64_t>(1, range->size());
      }
      first_slot += slots;
    }
    auto index = std::make_shared<const ChunkIndex>(
        ChunkIndex::Build(table_result->chunks, parts->meta));
    auto chunk_table = std::make_shared<const ChunkTable>(std::move(*table_result));
    const int leaf = leaves.pixel_bytes, group = row_group;
    const int64_t entries = parts->chunks->size();
    const int64_t cache_bytes = options.record.decoded_chunk_cache_bytes;
    recipe->make_source = [=]() -> std::shared_ptr<const PixelSource> {
      return std::make_shared<ParquetByteChunkSource>(handle, group, leaf, first_slot,
                                                      *chunk_table, *index, entries,
                                                      cache_bytes);
    };
  } else if (parts->chunks.has_value() || parts->planes.has_value()) {
    const PixelEncoding encoding =
        parts->chunks.has_value() ? PixelEncoding::kListChunks : PixelEncoding::kPlanes;
    const std::string key =
        identity + "\n" + opened.column + "\n" + std::to_string(options.row);
    // Only the payload leaves of the encoding in use (list files may carry both).
    const auto& payload = parts->chunks.has_value() ? leaves.chunk_pixels : leaves.plane_pixels;
    const std::vector<int> read_leaves = leaves.With(payload);
    const RecordOptions record = options.record;
    const int group = row_group;
    const int64_t row = local_row;
    std::optional<ListPageSourceParams> pages = PlanPageReads(
        *handle, reader.manifest().schema_fields[static_cast<size_t>(column)], payload,
        *records, row_group, local_row, parts->chunks.has_value() ? "chunks" : "planes",
        parts->chunks.has_value() ? *parts->chunks : *parts->planes, encoding,
        parts->meta, identity, record);
    recipe->make_source = [=]() -> std::shared_ptr<const PixelSource> {
      auto whole_rows = std::make_shared<ParquetRowSource>(handle, group, row, column,
                                                           read_leaves, encoding, record, key);
      if (pages.has_value()) {
        ListPageSourceParams params = *pages;
        params.fallback = whole_rows;
        auto by_pages = MakeListPageSource(std::move(params));
        if (by_pages.ok()) return *by_pages;
      }
      return whole_rows;
    };
  } else {
    recipe->make_source = [] { return MakeEmptySource(); };
  }
  recipe->info = std::move(parts->info);
  recipe->meta = std::move(parts->meta);
  recipe->chunk_grid = std::move(parts->chunk_grid);
  recipe->warnings = std::move(opened.warnings);
  recipe->column = std::move(opened.column);
  return recipe;
}

}  // namespace

arrow::Result<OpenedImage> OpenParquet(const std::string& path,
                                       const ParquetOpenOptions& options) {
  // Reopening an unchanged file reuses its parsed metadata (and open handle); each open
  // still gets its own pixel caches. Injected file openers bypass the cache, and their
  // decoded rows are never shared with another open.
  const std::string identity =
      options.open_file ? "" : internal::FileIdentity(path);
  const std::string key = RecipeKey(identity, options);
  if (!key.empty()) {
    if (auto recipe = OpenRecipeCache::Global().Find(key)) return recipe->Make();
  }
  ARROW_ASSIGN_OR_RAISE(
      auto recipe,
      ReadRecipe(path, options, identity.empty() ? internal::UniqueCacheKey() : identity));
  if (!key.empty()) {
    if (internal::FileIdentity(path) == identity) {
      OpenRecipeCache::Global().Put(key, recipe);
    } else {
      // The file changed while it was read: read it again, keyed to this open alone.
      ARROW_ASSIGN_OR_RAISE(recipe, ReadRecipe(path, options, internal::UniqueCacheKey()));
    }
  }
  return recipe->Make();
}

arrow::Result<ParquetFileInfo> InspectParquet(const std::string& path,
                                              const FileOpener& open_file) {
  ARROW_ASSIGN_OR_RAISE(auto handle, OpenHandle(path, open_file));
  std::shared_ptr<arrow::Schema> schema;
  auto st = handle->reader->GetSchema(&schema);
  if (!st.ok()) return Status::IOError(path, ": ", st.message());
  ParquetFileInfo info;
  auto metadata = handle->reader->parquet_reader()->metadata();
  info.num_rows = metadata->num_rows();
  info.num_row_groups = metadata->num_row_groups();
  for (const auto& field : schema->fields()) {
    if (IsOmeStruct(*field)) info.ome_columns.push_back(field->name());
  }
  return info;
}

arrow::Result<ColumnValidation> ValidateParquetRecords(
    const std::string& path, const std::optional<std::string>& column,
    const ValidateOptions& options, Warnings* warnings) {
  ARROW_ASSIGN_OR_RAISE(auto handle, OpenHandle(path, nullptr));
  std::shared_ptr<arrow::Schema> schema;
  auto st = handle->reader->GetSchema(&schema);
  if (!st.ok()) return Status::IOError(path, ": ", st.message());
  Warnings ignored;
  ARROW_ASSIGN_OR_RAISE(const int index,
                        ChooseColumn(*schema, column.value_or("ome_arrow"), path,
                                     warnings != nullptr ? warnings : &ignored));
  std::shared_ptr<arrow::ChunkedArray> records;
  st = handle->reader->ReadColumn(index, &records);
  if (!st.ok()) return Status::IOError(path, ": ", st.message());
  auto validated = ValidateRecords(records->chunks(), options);
  if (!validated.ok()) {
    return validated.status().WithMessage(path, ": column '", schema->field(index)->name(),
                                          "': ", validated.status().message());
  }
  return validated;
}

}  // namespace omearrow
