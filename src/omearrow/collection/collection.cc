#include "omearrow/collection/collection.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include <arrow/array/util.h>
#include <arrow/builder.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/exec.h>
#include <arrow/scalar.h>
#include <arrow/datum.h>
#include <arrow/compute/initialize.h>
#include <arrow/status.h>

#include "omearrow/collection/file_metadata.h"
#include "omearrow/collection/metadata_cache.h"
#include "omearrow/io/dataset_reader.h"
#include "omearrow/io/open.h"

namespace omearrow {

using arrow::Status;

namespace {

// Describes how `schema`'s fields differ from `reference`'s, or "" when they match as sets.
std::string SchemaDifference(const arrow::Schema& reference, const arrow::Schema& schema) {
  for (const auto& field : reference.fields()) {
    auto other = schema.GetFieldByName(field->name());
    if (other == nullptr) return "it lacks column '" + field->name() + "'";
    if (!other->type()->Equals(*field->type())) {
      return "column '" + field->name() + "' is " + other->type()->ToString() + ", not " +
             field->type()->ToString();
    }
  }
  for (const auto& field : schema.fields()) {
    if (reference.GetFieldByName(field->name()) == nullptr) {
      return "it has an extra column '" + field->name() + "'";
    }
  }
  return "";
}

// The non-fixed part of a file's table, as fields.
std::shared_ptr<arrow::Schema> ExtraSchema(const arrow::Table& table) {
  const int fixed = CollectionFixedSchema()->num_fields();
  std::vector<std::shared_ptr<arrow::Field>> fields(table.schema()->fields().begin() + fixed,
                                                    table.schema()->fields().end());
  return arrow::schema(fields);
}

// `table` with its extra columns in the order of `extra` (nulls for a dataset).
arrow::Result<std::shared_ptr<arrow::Table>> Conform(const std::shared_ptr<arrow::Table>& table,
                                                     const arrow::Schema& extra) {
  const int fixed = CollectionFixedSchema()->num_fields();
  std::vector<std::shared_ptr<arrow::Field>> fields = CollectionFixedSchema()->fields();
  std::vector<std::shared_ptr<arrow::ChunkedArray>> columns;
  for (int i = 0; i < fixed; ++i) columns.push_back(table->column(i));
  for (const auto& field : extra.fields()) {
    auto column = table->GetColumnByName(field->name());
    if (column == nullptr) {
      ARROW_ASSIGN_OR_RAISE(auto nulls, arrow::MakeArrayOfNull(field->type(), table->num_rows()));
      column = std::make_shared<arrow::ChunkedArray>(std::move(nulls));
    }
    fields.push_back(field->WithNullable(true));
    columns.push_back(column);
  }
  return arrow::Table::Make(arrow::schema(fields), columns, table->num_rows());
}

}  // namespace

arrow::Result<OnError> ParseOnError(std::string_view text) {
  if (text == "raise") return OnError::kRaise;
  if (text == "skip") return OnError::kSkip;
  return Status::Invalid("on_error must be 'raise' or 'skip', not '", text, "'");
}

const std::string& Collection::path(int64_t index) const {
  return (*files_)[static_cast<size_t>(entries_[static_cast<size_t>(index)].file)].display;
}

arrow::Result<Collection> Collection::Take(const std::vector<int64_t>& indices) const {
  Collection out;
  out.files_ = files_;
  out.errors_ = errors_;
  out.options_ = options_;
  out.open_bytes_read_ = open_bytes_read_;
  out.row_groups_ = row_groups_;
  out.row_groups_skipped_ = row_groups_skipped_;
  out.entries_.reserve(indices.size());
  for (size_t k = 0; k < indices.size(); ++k) {
    const int64_t i = indices[k];
    if (i < 0 || i >= size()) {
      return Status::IndexError("collection index ", i, " (position ", k,
                                ") is out of range for ", size(), " images");
    }
    out.entries_.push_back(entries_[static_cast<size_t>(i)]);
  }
  static const Status initialized = arrow::compute::Initialize();
  ARROW_RETURN_NOT_OK(initialized);
  arrow::Int64Builder builder;
  ARROW_RETURN_NOT_OK(builder.AppendValues(indices));
  std::shared_ptr<arrow::Array> index_array;
  ARROW_RETURN_NOT_OK(builder.Finish(&index_array));
  ARROW_ASSIGN_OR_RAISE(arrow::Datum taken, arrow::compute::Take(arrow::Datum(metadata_), arrow::Datum(index_array)));
  out.metadata_ = taken.table();
  return out;
}

arrow::Result<Collection> Collection::Filter(const arrow::compute::Expression& predicate) const {
  static const Status initialized = arrow::compute::Initialize();
  ARROW_RETURN_NOT_OK(initialized);
  auto bound = predicate.Bind(*metadata_->schema());
  if (!bound.ok()) return Status::Invalid("filter ", predicate.ToString(), ": ", bound.status().message());
  if (!bound->type()->Equals(arrow::boolean())) {
    return Status::Invalid("filter ", predicate.ToString(), " gives ", bound->type()->ToString(),
                           ", not booleans");
  }
  ARROW_ASSIGN_OR_RAISE(auto batch, metadata_->CombineChunksToBatch());
  auto mask = arrow::compute::ExecuteScalarExpression(*bound, arrow::compute::ExecBatch(*batch));
  if (!mask.ok()) return Status::Invalid("filter ", predicate.ToString(), ": ", mask.status().message());
  std::vector<int64_t> indices;
  if (mask->is_scalar()) {
    const auto& scalar = static_cast<const arrow::BooleanScalar&>(*mask->scalar());
    if (scalar.is_valid && scalar.value) {
      for (int64_t i = 0; i < size(); ++i) indices.push_back(i);
    }
  } else {
    auto values = mask->make_array();
    const auto& booleans = static_cast<const arrow::BooleanArray&>(*values);
    for (int64_t i = 0; i < booleans.length(); ++i) {
      if (booleans.IsValid(i) && booleans.Value(i)) indices.push_back(i);
    }
  }
  return Take(indices);
}

arrow::Result<OpenedImage> Collection::OpenImage(int64_t index) const {
  if (index < 0 || index >= size()) {
    return Status::IndexError("collection index ", index, " is out of range for ", size(),
                              " images");
  }
  const Entry& entry = entries_[static_cast<size_t>(index)];
  const CollectionFile& file = (*files_)[static_cast<size_t>(entry.file)];
  if (file.dataset) {
    OpenOptions options;
    options.row = entry.row;
    options.record = options_.record;
    return Open(file.location.path, options);
  }
  ParquetOpenOptions options;
  options.column = entry.column;
  options.row = entry.row;
  options.record = options_.record;
  options.open_file = options_.open_file ? options_.open_file : MakeFileOpener(file.location);
  // The footer read at open, while the file is unchanged (a local file is stat()ed; a
  // remote one is taken as the listing saw it).
  if (file.footer != nullptr && !file.identity.empty() &&
      (!file.location.local() || CollectionFileIdentity(file) == file.identity)) {
    options.footer = file.footer;
  }
  return OpenParquet(file.display, options);
}

arrow::Result<Collection> OpenCollection(const std::vector<std::string>& sources,
                                         const CollectionOptions& options) {
  ARROW_ASSIGN_OR_RAISE(auto files, ListCollectionFiles(sources));
  const size_t n = files.size();
  std::vector<arrow::Result<FileImages>> results(n, Status::UnknownError("not read"));
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  ReadImagesOptions read_options;
  read_options.column = options.column;
  read_options.open_file = options.open_file;
  read_options.filter = options.filter;
  read_options.cache = options.cache;
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) {
      if (stop.load()) return;
      results[i] = ReadFileImages(files[i], read_options);
      if (!results[i].ok() &&
          (options.on_error == OnError::kRaise || IsFilterError(results[i].status()))) {
        stop.store(true);
      }
    }
  };
  const size_t threads =
      std::min<size_t>(n, static_cast<size_t>(std::max(1, options.parallelism)));
  {
    std::vector<std::thread> workers;
    for (size_t t = 1; t < threads; ++t) workers.emplace_back(work);
    work();
    for (auto& worker : workers) worker.join();
  }

  Collection out;
  out.options_ = options;
  std::vector<CollectionFile> kept_files;
  std::shared_ptr<arrow::Schema> extra;  // the non-pixel columns of the first Parquet file
  std::string extra_from;
  std::vector<std::pair<size_t, FileImages*>> kept;
  for (size_t i = 0; i < n; ++i) {
    auto& result = results[i];
    if (result.ok() && !files[i].dataset) {
      auto schema = ExtraSchema(*result->table);
      if (extra == nullptr) {
        extra = schema;
        extra_from = files[i].display;
      } else if (std::string diff = SchemaDifference(*extra, *schema); !diff.empty()) {
        result = Status::Invalid(files[i].display, ": its columns differ from those of ",
                                 extra_from, ": ", diff);
      }
    }
    if (!result.ok()) {
      // With kRaise, files after the first failure may be unread: report the first failure.
      // A filter that does not bind is the caller's error, not the file's.
      if (options.on_error == OnError::kRaise || IsFilterError(result.status())) {
        return result.status();
      }
      out.errors_.push_back({files[i].display, result.status().ToString()});
      continue;
    }
    kept.emplace_back(i, &*result);
  }
  if (extra == nullptr) extra = arrow::schema(arrow::FieldVector{});
  std::vector<std::shared_ptr<arrow::Table>> tables;
  for (auto& [i, images] : kept) {
    const int64_t file_index = static_cast<int64_t>(kept_files.size());
    kept_files.push_back(files[i]);
    kept_files.back().footer = images->footer;
    kept_files.back().identity = images->identity;
    for (size_t k = 0; k < images->rows.size(); ++k) {
      out.entries_.push_back({file_index, images->rows[k], images->columns[k]});
    }
    out.open_bytes_read_ += images->bytes_read;
    out.row_groups_ += images->row_groups;
    out.row_groups_skipped_ += images->row_groups_skipped;
    ARROW_ASSIGN_OR_RAISE(auto conformed, Conform(images->table, *extra));
    tables.push_back(std::move(conformed));
  }
  if (tables.empty()) {
    ARROW_ASSIGN_OR_RAISE(auto empty,
                          Conform(arrow::Table::MakeEmpty(CollectionFixedSchema()).ValueOrDie(),
                                  *extra));
    out.metadata_ = empty;
  } else {
    ARROW_ASSIGN_OR_RAISE(out.metadata_, arrow::ConcatenateTables(tables));
  }
  out.files_ = std::make_shared<const std::vector<CollectionFile>>(std::move(kept_files));
  // The exact filter over the rows of the row groups read.
  if (options.filter.has_value()) return out.Filter(*options.filter);
  return out;
}

}  // namespace omearrow
