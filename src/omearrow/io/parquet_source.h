// Lazy OME-Arrow Parquet files: open reads metadata only; views read only what they need.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/io/interfaces.h>
#include <arrow/result.h>
#include <parquet/metadata.h>

#include "omearrow/image.h"
#include "omearrow/source/record.h"
#include "omearrow/source/validate.h"
#include "omearrow/util/warning.h"

namespace omearrow {

// Opens a file for reading; tests inject wrappers (e.g. counting bytes read).
using FileOpener =
    std::function<arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>>(const std::string&)>;

// Options for OpenParquet.
struct ParquetOpenOptions {
  // The struct column holding the records; nullopt means "ome_arrow". When the column is
  // missing, the first struct column with pixels_meta and planes/chunks is used, with the
  // reference's warning; a column that exists but is not an OME-Arrow struct is an error
  // (the reference's "Column 'x' is not a Struct; got string." / "... does not have the
  // expected OME-Arrow fields.").
  std::optional<std::string> column;
  // When set, a `column` other than "ome_arrow" must exist: a missing one is an error
  // listing the file's OME-Arrow columns instead of the auto-detection above (the
  // reference's default name keeps the fallback, which code ported from it relies on).
  bool column_required = false;
  // Which record (row of the file).
  int64_t row = 0;
  RecordOptions record;
  // Default: arrow::io::ReadableFile::Open (read-only; the file is never modified).
  FileOpener open_file;
  // The file's parsed footer when the caller already has it (a collection's images): it
  // is not read or parsed again. It must be this file's footer, unchanged.
  std::shared_ptr<parquet::FileMetaData> footer;
  // When set, receives the footer this open read or was given (left unchanged when the
  // open was served from the recipe cache and read no footer), for callers that keep
  // footers to open other rows of the file.
  std::shared_ptr<parquet::FileMetaData>* parsed_footer = nullptr;
};

// The kinds of files omearrow reads.
enum class FileFormat { kParquet, kDataset, kTiff };

// An opened image plus the warnings raised while opening it.
struct OpenedImage {
  std::shared_ptr<const Image> image;
  Warnings warnings;
  std::string column;  // the column actually used ("" unless Parquet)
  FileFormat format = FileFormat::kParquet;  // the kind of file it came from
};

// Opens row `options.row` of an OME-Arrow Parquet file, reading only the footer and the
// metadata leaf columns of that row's row group (pixels_meta, chunk coordinates, dtype,
// compression, plane indices) — no pixel data. The image's pixels are read on demand:
// - byte chunks: each needed chunk's pages alone (page-level reads of the pixel_bytes
//   leaf, skipping other chunks' pages without reading them), decoded into a bounded cache;
// - planes / list chunks: the pixel leaf's pages that hold the window's rows, located
//   from the metadata leaves (io/list_page_source.h), every decoded page's levels checked
//   against them; rows whose lists the metadata cannot place, or whose levels disagree,
//   are decoded whole once and kept in the process-wide RowCache.
// Errors name the file.
arrow::Result<OpenedImage> OpenParquet(const std::string& path,
                                       const ParquetOpenOptions& options = {});

// Facts about an OME-Arrow Parquet file, for `omearrow info`.
struct ParquetFileInfo {
  int64_t num_rows = 0;
  int num_row_groups = 0;
  std::vector<std::string> ome_columns;  // struct columns that hold OME-Arrow records
};
arrow::Result<ParquetFileInfo> InspectParquet(const std::string& path,
                                              const FileOpener& open_file = nullptr);

// The records of the OME-Arrow column of a Parquet file (the column as OpenParquet
// chooses it: `column`, else the first OME struct column) and their problems; reads the
// whole column. For `omearrow info --validate`.
arrow::Result<ColumnValidation> ValidateParquetRecords(
    const std::string& path, const std::optional<std::string>& column,
    const ValidateOptions& options, Warnings* warnings = nullptr);

}  // namespace omearrow
