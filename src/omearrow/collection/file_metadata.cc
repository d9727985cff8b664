#include "omearrow/collection/file_metadata.h"

#include <algorithm>
#include <atomic>
#include <numeric>

#include <arrow/builder.h>
#include <arrow/compute/api_vector.h>
#include <arrow/datum.h>
#include <arrow/compute/initialize.h>
#include <arrow/status.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/schema.h>
#include <parquet/properties.h>
#include <parquet/exception.h>
#include <parquet/file_reader.h>

#include "omearrow/collection/metadata_cache.h"
#include "omearrow/collection/pushdown.h"
#include "omearrow/io/dataset_reader.h"
#include "omearrow/io/page_stream.h"
#include "omearrow/io/record_leaves.h"
#include "omearrow/pixel_source.h"
#include "omearrow/source/record.h"
#include "omearrow/tensor/dtype.h"
#include "omearrow/util/view_limits.h"

namespace omearrow {

using arrow::Status;

std::shared_ptr<arrow::Schema> CollectionFixedSchema() {
  using arrow::field;
  static const auto schema = arrow::schema({
      field("path", arrow::utf8(), false),
      field("row", arrow::int64(), false),
      field("column", arrow::utf8(), false),
      field("id", arrow::utf8()),
      field("name", arrow::utf8()),
      field("size_t", arrow::int64(), false),
      field("size_c", arrow::int64(), false),
      field("size_z", arrow::int64(), false),
      field("size_y", arrow::int64(), false),
      field("size_x", arrow::int64(), false),
      field("dtype", arrow::utf8(), false),
      field("encoding", arrow::utf8(), false),
      field("chunk_t", arrow::int64()),
      field("chunk_c", arrow::int64()),
      field("chunk_z", arrow::int64()),
      field("chunk_y", arrow::int64()),
      field("chunk_x", arrow::int64()),
      field("physical_size_x", arrow::float64()),
      field("physical_size_y", arrow::float64()),
      field("physical_size_z", arrow::float64()),
      field("physical_size_x_unit", arrow::utf8()),
      field("physical_size_y_unit", arrow::utf8()),
      field("physical_size_z_unit", arrow::utf8()),
      field("channel_names", arrow::list(arrow::utf8())),
  });
  return schema;
}

namespace {

constexpr size_t kFooterReadBytes = 64 * 1024;

// Builds the fixed columns row by row.
class FixedBuilder {
 public:
  FixedBuilder()
      : channel_names_(arrow::default_memory_pool(), std::make_shared<arrow::StringBuilder>()) {}

  Status Append(const std::string& path, int64_t row, const std::string& column,
                const RecordInfo& info, const PixelsMeta& meta,
                const std::optional<ChunkGrid>& grid, PixelEncoding encoding) {
    auto text = [](arrow::StringBuilder& b, const std::optional<std::string>& v) {
      return v ? b.Append(*v) : b.AppendNull();
    };
    auto integer = [](arrow::Int64Builder& b, const std::optional<int64_t>& v) {
      return v ? b.Append(*v) : b.AppendNull();
    };
    auto real = [](arrow::DoubleBuilder& b, const std::optional<double>& v) {
      return v ? b.Append(*v) : b.AppendNull();
    };
    ARROW_RETURN_NOT_OK(path_.Append(path));
    ARROW_RETURN_NOT_OK(row_.Append(row));
    ARROW_RETURN_NOT_OK(column_.Append(column));
    ARROW_RETURN_NOT_OK(text(id_, info.id));
    ARROW_RETURN_NOT_OK(text(name_, info.name));
    ARROW_RETURN_NOT_OK(sizes_[0].Append(meta.size_t));
    ARROW_RETURN_NOT_OK(sizes_[1].Append(meta.size_c));
    ARROW_RETURN_NOT_OK(sizes_[2].Append(meta.size_z));
    ARROW_RETURN_NOT_OK(sizes_[3].Append(meta.size_y));
    ARROW_RETURN_NOT_OK(sizes_[4].Append(meta.size_x));
    std::string warning;
    ARROW_RETURN_NOT_OK(dtype_.Append(std::string(DTypeName(DTypeFromMeta(meta.type, &warning)))));
    ARROW_RETURN_NOT_OK(encoding_.Append(std::string(PixelEncodingName(encoding))));
    const ChunkGrid none;
    const ChunkGrid& g = grid ? *grid : none;
    ARROW_RETURN_NOT_OK(integer(chunks_[0], g.chunk_t));
    ARROW_RETURN_NOT_OK(integer(chunks_[1], g.chunk_c));
    ARROW_RETURN_NOT_OK(integer(chunks_[2], g.chunk_z));
    ARROW_RETURN_NOT_OK(integer(chunks_[3], g.chunk_y));
    ARROW_RETURN_NOT_OK(integer(chunks_[4], g.chunk_x));
    ARROW_RETURN_NOT_OK(real(physical_[0], meta.physical_size_x));
    ARROW_RETURN_NOT_OK(real(physical_[1], meta.physical_size_y));
    ARROW_RETURN_NOT_OK(real(physical_[2], meta.physical_size_z));
    ARROW_RETURN_NOT_OK(text(units_[0], meta.physical_size_x_unit));
    ARROW_RETURN_NOT_OK(text(units_[1], meta.physical_size_y_unit));
    ARROW_RETURN_NOT_OK(text(units_[2], meta.physical_size_z_unit));
    ARROW_RETURN_NOT_OK(channel_names_.Append());
    auto* names = static_cast<arrow::StringBuilder*>(channel_names_.value_builder());
    for (const Channel& channel : meta.channels) ARROW_RETURN_NOT_OK(text(*names, channel.name));
    return Status::OK();
  }

  arrow::Result<std::vector<std::shared_ptr<arrow::Array>>> Finish() {
    std::vector<arrow::ArrayBuilder*> builders = {&path_, &row_, &column_, &id_, &name_};
    for (auto& b : sizes_) builders.push_back(&b);
    builders.push_back(&dtype_);
    builders.push_back(&encoding_);
    for (auto& b : chunks_) builders.push_back(&b);
    for (auto& b : physical_) builders.push_back(&b);
    for (auto& b : units_) builders.push_back(&b);
    builders.push_back(&channel_names_);
    std::vector<std::shared_ptr<arrow::Array>> out;
    for (auto* builder : builders) {
      std::shared_ptr<arrow::Array> array;
      ARROW_RETURN_NOT_OK(builder->Finish(&array));
      out.push_back(std::move(array));
    }
    return out;
  }

 private:
  arrow::StringBuilder path_, column_, id_, name_, dtype_, encoding_;
  arrow::Int64Builder row_;
  arrow::Int64Builder sizes_[5], chunks_[5];
  arrow::DoubleBuilder physical_[3];
  arrow::StringBuilder units_[3];
  arrow::ListBuilder channel_names_;
};

using internal::AppendAllLeaves;
using internal::IsOmeStruct;

Status EnsureComputeInitialized() {
  static const Status status = arrow::compute::Initialize();
  return status;
}

// Counts the bytes read through a file (footer and metadata leaves at open).
class CountingFile final : public arrow::io::RandomAccessFile {
 public:
  explicit CountingFile(std::shared_ptr<arrow::io::RandomAccessFile> inner)
      : inner_(std::move(inner)) {}
  int64_t bytes() const { return bytes_.load(); }
  Status Close() override { return inner_->Close(); }
  bool closed() const override { return inner_->closed(); }
  arrow::Result<int64_t> Tell() const override { return inner_->Tell(); }
  Status Seek(int64_t position) override { return inner_->Seek(position); }
  arrow::Result<int64_t> GetSize() override { return inner_->GetSize(); }
  arrow::Result<int64_t> Read(int64_t n, void* out) override {
    ARROW_ASSIGN_OR_RAISE(int64_t got, inner_->Read(n, out));
    bytes_ += got;
    return got;
  }
  arrow::Result<std::shared_ptr<arrow::Buffer>> Read(int64_t n) override {
    ARROW_ASSIGN_OR_RAISE(auto buffer, inner_->Read(n));
    bytes_ += buffer->size();
    return buffer;
  }
  arrow::Result<int64_t> ReadAt(int64_t position, int64_t n, void* out) override {
    ARROW_ASSIGN_OR_RAISE(int64_t got, inner_->ReadAt(position, n, out));
    bytes_ += got;
    return got;
  }
  arrow::Result<std::shared_ptr<arrow::Buffer>> ReadAt(int64_t position, int64_t n) override {
    ARROW_ASSIGN_OR_RAISE(auto buffer, inner_->ReadAt(position, n));
    bytes_ += buffer->size();
    return buffer;
  }

 private:
  std::shared_ptr<arrow::io::RandomAccessFile> inner_;
  std::atomic<int64_t> bytes_{0};
};

arrow::Result<FileImages> ReadDatasetImages(const CollectionFile& file) {
  const std::string& dir = file.location.path;
  ARROW_ASSIGN_OR_RAISE(auto ids, ListDatasetImageIds(dir));
  FixedBuilder fixed;
  FileImages out;
  for (size_t i = 0; i < ids.size(); ++i) {
    DatasetOpenOptions options;
    options.row = static_cast<int64_t>(i);
    ARROW_ASSIGN_OR_RAISE(auto image, OpenDataset(dir, options));
    ARROW_RETURN_NOT_OK(fixed.Append(file.display, options.row, "", image->info(),
                                     image->pixels_meta(), image->chunk_grid(),
                                     image->encoding()));
    out.rows.push_back(options.row);
    out.columns.emplace_back();
  }
  ARROW_ASSIGN_OR_RAISE(auto columns, fixed.Finish());
  out.table = arrow::Table::Make(CollectionFixedSchema(), columns);
  out.source_rows = static_cast<int64_t>(ids.size());
  return out;
}

// The error ReadFileImages gives for a filter that does not bind to a file's columns.
class FilterErrorDetail final : public arrow::StatusDetail {
 public:
  const char* type_id() const override { return "omearrow::collection::filter"; }
  std::string ToString() const override { return "filter error"; }
};

arrow::Result<FileImages> ReadParquetImages(const CollectionFile& file,
                                            const ReadImagesOptions& options) {
  const std::string& path = file.display;
  const std::optional<std::string>& column = options.column;
  // The cache key: the file's identity and which columns were asked for.
  const std::string identity = CollectionFileIdentity(file);
  const std::string cache_key = identity.empty() || !options.cache || options.open_file
                                    ? ""
                                    : identity + "\n" + column.value_or("\x01" "every");
  auto& cache = CollectionMetadataCache::Global();
  std::shared_ptr<parquet::FileMetaData> footer =
      cache_key.empty() ? nullptr : cache.FindFooter(cache_key);
  std::shared_ptr<arrow::io::RandomAccessFile> raw;
  if (options.open_file) {
    auto opened = options.open_file(path);
    if (!opened.ok()) return opened.status().WithMessage(path, ": ", opened.status().message());
    raw = *opened;
  } else {
    ARROW_ASSIGN_OR_RAISE(raw, OpenLocation(file.location, file.location.path, file.size));
  }
  auto counting = std::make_shared<CountingFile>(raw);
  auto size = counting->GetSize();
  if (!size.ok()) return Status::IOError(path, ": ", size.status().message());
  std::unique_ptr<parquet::arrow::FileReader> reader;
  try {
    parquet::ReaderProperties properties = internal::UntrustedReaderProperties(*size);
    // The footer and what precedes it in one request: 64 KiB holds the footer of files
    // with a few row groups (OME files carry statistics for tens of leaves per row
    // group), and all of a small file; a larger footer costs a second request.
    properties.set_footer_read_size(kFooterReadBytes);
    // A cached footer is not read again.
    auto parquet_reader = parquet::ParquetFileReader::Open(counting, properties, footer);
    if (footer == nullptr) footer = parquet_reader->metadata();
    // No pre-buffering: its reads run on Arrow's IO thread pool, where a remote file's
    // own reads may wait for that pool too (8 files opened at once starved it); reads
    // stay on this thread, and remote ones go through the read-ahead windows.
    parquet::ArrowReaderProperties arrow_properties;
    arrow_properties.set_pre_buffer(false);
    auto made = parquet::arrow::FileReader::Make(ReaderMemoryPool(), std::move(parquet_reader),
                                                 arrow_properties);
    if (!made.ok()) return Status::IOError(path, ": ", made.status().message());
    reader = std::move(*made);
  } catch (const std::exception& error) {
    return Status::IOError(path, ": not a readable Parquet file: ", error.what());
  }
  std::shared_ptr<arrow::Schema> schema;
  {
    const Status st = reader->GetSchema(&schema);
    if (!st.ok()) return Status::IOError(path, ": ", st.message());
  }
  const auto& fields = reader->manifest().schema_fields;
  // Record columns and the rest.
  std::vector<int> record_columns, other_columns;
  for (int i = 0; i < schema->num_fields(); ++i) {
    if (IsOmeStruct(*schema->field(i))) {
      record_columns.push_back(i);
    } else {
      other_columns.push_back(i);
    }
  }
  if (column.has_value()) {
    const int index = schema->GetFieldIndex(*column);
    if (index < 0) return Status::Invalid(path, ": no column '", *column, "'");
    if (!IsOmeStruct(*schema->field(index))) {
      return Status::Invalid(path, ": column '", *column, "' is not an OME-Arrow record column "
                             "(a struct with pixels_meta and planes/chunks); got ",
                             schema->field(index)->type()->ToString());
    }
    record_columns = {index};
  } else if (record_columns.empty()) {
    return Status::Invalid(path, ": not an OME-Arrow Parquet file: no struct column with "
                                 "pixels_meta and planes/chunks");
  }
  std::vector<int> leaves;
  std::vector<bool> byte_chunks;
  for (int c : record_columns) {
    // The metadata leaves only, by the rule io/parquet_source reads them with.
    const internal::ColumnLeaves split =
        internal::CollectLeaves(fields[static_cast<size_t>(c)]);
    leaves.insert(leaves.end(), split.metadata.begin(), split.metadata.end());
    byte_chunks.push_back(split.pixel_bytes >= 0);
  }
  for (int c : other_columns) AppendAllLeaves(fields[static_cast<size_t>(c)], &leaves);
  std::sort(leaves.begin(), leaves.end());

  // Which row groups to read: those whose statistics do not rule the filter out.
  const int row_groups = footer->num_row_groups();
  std::vector<int64_t> first_rows(static_cast<size_t>(row_groups) + 1, 0);
  std::vector<bool> wanted(static_cast<size_t>(row_groups), true);
  int skipped = 0;
  try {
    for (int rg = 0; rg < row_groups; ++rg) {
      first_rows[static_cast<size_t>(rg) + 1] =
          first_rows[static_cast<size_t>(rg)] + footer->RowGroup(rg)->num_rows();
    }
    if (options.filter.has_value()) {
      std::vector<std::shared_ptr<arrow::Field>> metadata_fields =
          CollectionFixedSchema()->fields();
      std::vector<StatisticsColumn> statistics;
      for (int c : other_columns) {
        const auto& field = fields[static_cast<size_t>(c)];
        metadata_fields.push_back(schema->field(c));
        if (field.children.empty() && field.column_index >= 0 &&
            field.level_info.rep_level == 0 && PrunableType(*field.field->type())) {
          statistics.push_back({field.field->name(), field.field->type(), field.column_index});
        }
      }
      const arrow::Schema metadata_schema(metadata_fields);
      ARROW_RETURN_NOT_OK(EnsureComputeInitialized());
      auto bound = options.filter->Bind(metadata_schema);
      if (!bound.ok()) {
        return Status::Invalid(path, ": filter ", options.filter->ToString(), ": ",
                               bound.status().message())
            .WithDetail(std::make_shared<FilterErrorDetail>());
      }
      if (!bound->type()->Equals(arrow::boolean())) {
        return Status::Invalid(path, ": filter ", options.filter->ToString(), " gives ",
                               bound->type()->ToString(), ", not booleans")
            .WithDetail(std::make_shared<FilterErrorDetail>());
      }
      const std::optional<std::string> single =
          record_columns.size() == 1
              ? std::optional<std::string>(schema->field(record_columns[0])->name())
              : std::nullopt;
      for (int rg = 0; rg < row_groups; ++rg) {
        auto guarantee = RowGroupGuarantee(*footer->RowGroup(rg), statistics,
                                           first_rows[static_cast<size_t>(rg)], path, single);
        auto ruled_out = RuledOut(*bound, guarantee, metadata_schema);
        // A guarantee that cannot be used rules nothing out.
        if (ruled_out.ok() && *ruled_out) {
          wanted[static_cast<size_t>(rg)] = false;
          ++skipped;
        }
      }
    }
  } catch (const std::exception& error) {
    return Status::IOError(path, ": ", error.what());
  }

  // Row group by row group, so that the reads of one row group's leaves stay close
  // together (remote files: few read-ahead windows, few requests); cached row groups are
  // not read again.
  std::shared_ptr<arrow::Table> table;
  std::vector<int64_t> source_rows;  // the file row of each row of `table`
  std::vector<std::pair<int, std::shared_ptr<arrow::Table>>> fresh;  // to cache
  try {
    std::vector<std::shared_ptr<arrow::Table>> parts;
    for (int rg = 0; rg < row_groups; ++rg) {
      if (!wanted[static_cast<size_t>(rg)]) continue;
      std::shared_ptr<arrow::Table> part =
          cache_key.empty() ? nullptr : cache.FindRowGroup(cache_key, rg);
      if (part == nullptr) {
        auto read = reader->ReadRowGroup(rg, leaves);
        if (!read.ok()) return Status::IOError(path, ": ", read.status().message());
        part = *read;
        fresh.emplace_back(rg, part);
      }
      for (int64_t r = 0; r < part->num_rows(); ++r) {
        source_rows.push_back(first_rows[static_cast<size_t>(rg)] + r);
      }
      parts.push_back(std::move(part));
    }
    if (parts.empty() && row_groups == 0) {
      auto read = reader->ReadTable(leaves);  // no row groups: the empty table
      if (!read.ok()) return Status::IOError(path, ": ", read.status().message());
      table = *read;
    } else if (parts.empty()) {
      table = nullptr;  // every row group ruled out: no images, nothing read
    } else if (parts.size() == 1) {
      table = parts[0];
    } else {
      auto combined = arrow::ConcatenateTables(parts);
      if (!combined.ok()) return Status::IOError(path, ": ", combined.status().message());
      table = *combined;
    }
  } catch (const std::exception& error) {
    return Status::IOError(path, ": ", error.what());
  }
  FileImages out;
  out.source_rows = footer->num_rows();
  out.row_groups = row_groups;
  out.row_groups_skipped = skipped;
  // Images in row order, then record-column order.
  FixedBuilder fixed;
  std::vector<std::shared_ptr<arrow::ChunkedArray>> records;
  std::vector<std::string> record_names;
  for (int c : table == nullptr ? std::vector<int>{} : record_columns) {
    const std::string& name = schema->field(c)->name();
    auto chunked = table->GetColumnByName(name);
    if (chunked == nullptr) {
      return Status::Invalid(path, ": column '", name, "' has no metadata leaves");
    }
    records.push_back(chunked);
    record_names.push_back(name);
  }
  // Per column: the chunk and offset of each row.
  std::vector<int64_t> table_rows;  // the row of `table` of each image
  const int64_t table_length = table == nullptr ? 0 : table->num_rows();
  for (int64_t t = 0; t < table_length; ++t) {
    const int64_t row = source_rows[static_cast<size_t>(t)];
    for (size_t k = 0; k < records.size(); ++k) {
      const auto& chunked = *records[k];
      int64_t local = t;
      int chunk = 0;
      while (chunk < chunked.num_chunks() && local >= chunked.chunk(chunk)->length()) {
        local -= chunked.chunk(chunk)->length();
        ++chunk;
      }
      if (chunk >= chunked.num_chunks() ||
          chunked.chunk(chunk)->type_id() != arrow::Type::STRUCT) {
        return Status::Invalid(path, ": column '", record_names[k], "' is not a struct column");
      }
      auto array = std::static_pointer_cast<arrow::StructArray>(chunked.chunk(chunk));
      if (array->IsNull(local)) {
        return Status::Invalid(path, ": row ", row, ": column '", record_names[k],
                               "': the record is null (no image)");
      }
      auto parts = ParseRecordParts(array, local);
      if (!parts.ok()) {
        return parts.status().WithMessage(path, ": row ", row, ": column '", record_names[k],
                                          "': ", parts.status().message());
      }
      PixelEncoding encoding = PixelEncoding::kNone;
      if (parts->chunks.has_value()) {
        encoding = byte_chunks[k] ? PixelEncoding::kByteChunks : PixelEncoding::kListChunks;
      } else if (parts->planes.has_value()) {
        encoding = PixelEncoding::kPlanes;
      }
      ARROW_RETURN_NOT_OK(fixed.Append(path, row, record_names[k], parts->info, parts->meta,
                                       parts->chunk_grid, encoding));
      out.rows.push_back(row);
      out.columns.push_back(record_names[k]);
      table_rows.push_back(t);
    }
  }
  ARROW_ASSIGN_OR_RAISE(auto fixed_columns, fixed.Finish());
  std::vector<std::shared_ptr<arrow::Field>> out_fields = CollectionFixedSchema()->fields();
  std::vector<std::shared_ptr<arrow::ChunkedArray>> out_columns;
  for (auto& array : fixed_columns) {
    out_columns.push_back(std::make_shared<arrow::ChunkedArray>(std::move(array)));
  }
  // The other top-level columns, one value per image.
  std::shared_ptr<arrow::Array> repeat;
  if (records.size() > 1) {
    arrow::Int64Builder indices;
    ARROW_RETURN_NOT_OK(indices.AppendValues(table_rows));
    ARROW_RETURN_NOT_OK(indices.Finish(&repeat));
    ARROW_RETURN_NOT_OK(EnsureComputeInitialized());
  }
  for (int c : other_columns) {
    const auto& field = schema->field(c);
    if (CollectionFixedSchema()->GetFieldIndex(field->name()) >= 0) {
      return Status::Invalid(path, ": column '", field->name(),
                             "' has the name of a collection metadata column");
    }
    std::vector<int> field_leaves;
    AppendAllLeaves(fields[static_cast<size_t>(c)], &field_leaves);
    if (field_leaves.empty()) continue;  // a column without leaves (e.g. an empty struct)
    std::shared_ptr<arrow::ChunkedArray> values;
    if (table == nullptr) {
      ARROW_ASSIGN_OR_RAISE(auto empty, arrow::MakeEmptyArray(field->type()));
      values = std::make_shared<arrow::ChunkedArray>(std::move(empty));
    } else {
      values = table->GetColumnByName(field->name());
      if (values == nullptr) continue;
    }
    if (repeat) {
      auto taken = arrow::compute::Take(arrow::Datum(values), arrow::Datum(repeat));
      if (!taken.ok()) return taken.status().WithMessage(path, ": ", taken.status().message());
      values = taken->chunked_array();
    }
    out_fields.push_back(field);
    out_columns.push_back(values);
  }
  out.table = arrow::Table::Make(arrow::schema(out_fields), out_columns,
                                 static_cast<int64_t>(out.rows.size()));
  out.bytes_read = counting->bytes();
  out.footer = footer;
  out.identity = identity;
  // Cache what was read, unless a local file changed while it was read.
  if (!cache_key.empty() && CollectionFileIdentity(file) == identity) {
    cache.PutFooter(cache_key, footer);
    for (auto& [rg, part] : fresh) cache.PutRowGroup(cache_key, rg, std::move(part));
  }
  return out;
}

}  // namespace

arrow::Result<FileImages> ReadFileImages(const CollectionFile& file,
                                         const std::optional<std::string>& column,
                                         const FileOpener& open_file) {
  ReadImagesOptions options;
  options.column = column;
  options.open_file = open_file;
  return ReadFileImages(file, options);
}

bool IsFilterError(const Status& status) {
  return status.detail() != nullptr &&
         std::string(status.detail()->type_id()) == "omearrow::collection::filter";
}

arrow::Result<FileImages> ReadFileImages(const CollectionFile& file,
                                         const ReadImagesOptions& options) {
  if (file.dataset) {
    auto images = ReadDatasetImages(file);
    if (!images.ok() && images.status().message().find(file.display) == std::string::npos) {
      return images.status().WithMessage(file.display, ": ", images.status().message());
    }
    return images;
  }
  return ReadParquetImages(file, options);
}

}  // namespace omearrow
