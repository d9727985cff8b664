// One file of a collection → the metadata rows of its images, read without pixels.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/result.h>
#include <arrow/table.h>

#include "omearrow/collection/listing.h"
#include "omearrow/io/parquet_source.h"

namespace omearrow {

// The fixed columns every collection metadata table starts with, in order: path (utf8),
// row (int64), column (utf8, "" for datasets), id, name (utf8), size_t, size_c, size_z,
// size_y, size_x (int64), dtype (utf8: the dtype pixels are read as), encoding (utf8:
// planes, list-chunks, byte-chunks, none), chunk_t .. chunk_x (int64, null when the
// record has no chunk_grid), physical_size_x/y/z (float64), physical_size_x/y/z_unit
// (utf8), channel_names (list<utf8>).
std::shared_ptr<arrow::Schema> CollectionFixedSchema();

// The images of one file: a table of the fixed columns followed by the file's non-pixel
// top-level columns (every top-level column that is not an OME-Arrow record column, as
// stored), one row per (row, record column) in row order, then column order.
struct FileImages {
  std::shared_ptr<arrow::Table> table;
  std::vector<int64_t> rows;          // the source row of each image
  std::vector<std::string> columns;   // the record column of each image
  int64_t source_rows = 0;            // rows of the file (every one is an image of each
                                      // record column, or the file fails)
  int64_t bytes_read = 0;             // bytes read from the file (footer + metadata leaves)
  int row_groups = 0;                 // row groups of the file
  int row_groups_skipped = 0;         // of which ruled out by the filter's statistics
  std::shared_ptr<parquet::FileMetaData> footer;  // the parsed footer (Parquet files)
  std::string identity;               // CollectionFileIdentity when read; "" if unknown
};

// How ReadFileImages reads a file.
struct ReadImagesOptions {
  // One record column; nullopt: every OME-Arrow struct column (pixels_meta plus
  // planes/chunks).
  std::optional<std::string> column;
  // Overrides how the file is opened (tests, benchmarks); files so opened are not cached.
  FileOpener open_file;
  // A predicate over the metadata columns (CollectionFixedSchema() then the file's
  // non-pixel top-level columns): row groups whose statistics (and rows, path, column)
  // rule it out are not read and give no images. Rows of the row groups read are all
  // kept: the exact filter is the caller's.
  std::optional<arrow::compute::Expression> filter;
  // Reuse and fill CollectionMetadataCache::Global() (footer and row groups' metadata
  // leaves, keyed by CollectionFileIdentity).
  bool cache = true;
};

// Reads the images of `file`: the Parquet footer, then only the metadata leaves of the
// record columns (pixel payload leaves planes[*].pixels, chunks[*].pixels and
// chunks[*].pixel_bytes are never read) and the other top-level columns. `column`
// selects one record column; nullopt takes every OME-Arrow struct column (pixels_meta
// plus planes/chunks). Dataset directories give one row per image of images.parquet.
// Errors name the file (and row/column when one record is at fault): unreadable or
// truncated files, files without OME-Arrow record columns, a missing or non-OME
// `column`, null or malformed records. `open_file` overrides how the file is opened.
arrow::Result<FileImages> ReadFileImages(const CollectionFile& file,
                                         const std::optional<std::string>& column,
                                         const FileOpener& open_file = nullptr);

// As above, with a filter pushed down to row-group statistics and the metadata cache
// (see ReadImagesOptions). A filter naming an unknown column or comparing mismatched
// types is an error naming the file for which IsFilterError() holds.
arrow::Result<FileImages> ReadFileImages(const CollectionFile& file,
                                         const ReadImagesOptions& options);

// True when `status` (from ReadFileImages) is a filter that does not bind to the file's
// metadata columns, an error of the filter rather than of the file.
bool IsFilterError(const arrow::Status& status);

}  // namespace omearrow
