// Collections: many OME-Arrow images across files (local or object storage), their
// metadata as one table, subsets, and lazily opened images.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/result.h>
#include <arrow/table.h>

#include "omearrow/collection/listing.h"
#include "omearrow/io/parquet_source.h"
#include "omearrow/source/record.h"

namespace omearrow {

// What to do with a file that cannot be read as OME-Arrow images.
enum class OnError { kRaise, kSkip };

// "raise" or "skip"; Invalid naming the value otherwise.
arrow::Result<OnError> ParseOnError(std::string_view text);

// A file left out of a collection (OnError::kSkip) and why.
struct CollectionError {
  std::string path;     // the file (path or URI)
  std::string message;  // the error, naming the file
};

// Options for OpenCollection.
struct CollectionOptions {
  // One record column of every file; nullopt: every OME-Arrow struct column of each file.
  std::optional<std::string> column;
  OnError on_error = OnError::kRaise;
  // Files read at once (footers and metadata leaves); at least 1.
  int parallelism = 8;
  // Only the images whose metadata rows satisfy this predicate (as Collection::Filter),
  // pushed down: a row group whose statistics (min/max/null counts of the files'
  // integer, boolean, date and string columns) or rows, path and column rule it out is
  // never read (only the footer of a file all of whose row groups are ruled out), and its
  // records are not checked. A predicate that does not bind to a file's metadata columns
  // is an error even with OnError::kSkip.
  std::optional<arrow::compute::Expression> filter;
  // Reuse (and fill) the process-wide metadata cache: footers and row groups' metadata
  // leaves keyed by file identity (local: path, inode, size, times; remote: URI, size
  // and modification time from the listing), so that reopening unchanged files reads
  // none of them again. Files opened through `open_file` are never cached.
  bool cache = true;
  RecordOptions record;
  // Tests and benchmarks: how files are opened (metadata and pixels); receives the path or
  // URI the metadata table shows. Default: local files directly, URIs through their Arrow
  // filesystem with read-ahead (location.h).
  FileOpener open_file;
};

// Images of many files. `metadata()` has one row per image (CollectionFixedSchema(), then
// the files' non-pixel top-level columns); image i is row i. Immutable; copies share
// their files. Thread-safe.
class Collection {
 public:
  int64_t size() const { return static_cast<int64_t>(entries_.size()); }
  const std::shared_ptr<arrow::Table>& metadata() const { return metadata_; }
  // Files left out under OnError::kSkip, in listing order.
  const std::vector<CollectionError>& errors() const { return errors_; }
  // Bytes read while opening (footers and metadata leaves of every file; what came from
  // the metadata cache is not counted).
  int64_t open_bytes_read() const { return open_bytes_read_; }
  // Row groups of the files opened, and how many of them the filter's pushdown left
  // unread (CollectionOptions::filter).
  int64_t row_groups() const { return row_groups_; }
  int64_t row_groups_skipped() const { return row_groups_skipped_; }

  // The images at `indices` (each in [0, size()), repeats allowed), in that order; the
  // metadata rows are taken alike. Errors keep the collection's errors.
  arrow::Result<Collection> Take(const std::vector<int64_t>& indices) const;

  // The images whose metadata rows satisfy `predicate` (an Arrow compute expression over
  // the metadata columns, e.g. from ParseFilter; null counts as false), in order. Only the
  // metadata table is evaluated; no file is read. Errors name unknown columns and
  // type mismatches.
  arrow::Result<Collection> Filter(const arrow::compute::Expression& predicate) const;

  // Opens image `index` reading only its metadata (OpenParquet / OpenDataset); pixels
  // are read when views need them.
  arrow::Result<OpenedImage> OpenImage(int64_t index) const;

  // The path/URI, row and record column of image `index` (unchecked index).
  const std::string& path(int64_t index) const;
  int64_t row(int64_t index) const { return entries_[static_cast<size_t>(index)].row; }
  const std::string& column(int64_t index) const {
    return entries_[static_cast<size_t>(index)].column;
  }

 private:
  friend arrow::Result<Collection> OpenCollection(const std::vector<std::string>&,
                                                  const CollectionOptions&);
  struct Entry {
    int64_t file = 0;
    int64_t row = 0;
    std::string column;
  };
  std::shared_ptr<const std::vector<CollectionFile>> files_;
  std::vector<Entry> entries_;
  std::shared_ptr<arrow::Table> metadata_;
  std::vector<CollectionError> errors_;
  CollectionOptions options_;
  int64_t open_bytes_read_ = 0;
  int64_t row_groups_ = 0;
  int64_t row_groups_skipped_ = 0;
};

// Opens a collection: lists `sources` (ListCollectionFiles), reads every file's images
// (ReadFileImages) on `parallelism` threads, and concatenates their metadata in listing
// order. Every file must have the same non-pixel columns (names and types; order may
// differ) as the first file read; dataset directories, which have none, get nulls.
// With OnError::kRaise the first failing file (in listing order) is the error, naming the
// file; with kSkip failing files are left out and listed in errors(). Listing errors
// (a source naming nothing) are raised either way. Nothing is written.
arrow::Result<Collection> OpenCollection(const std::vector<std::string>& sources,
                                         const CollectionOptions& options = {});

}  // namespace omearrow
