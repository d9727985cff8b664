// Opening image files of any supported kind, lazily.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <arrow/result.h>

#include "omearrow/image.h"
#include "omearrow/io/parquet_source.h"
#include "omearrow/source/record.h"

namespace omearrow {

std::string_view FileFormatName(FileFormat format);

// Decides the format of `path`: a directory holding `_ome_arrow_dataset.json` is a
// typed-chunk dataset; `.parquet`/`.pq` files are Parquet and `.tif`/`.tiff` TIFF;
// otherwise the first bytes decide ("PAR1", or a TIFF byte-order mark). Errors name the
// path.
arrow::Result<FileFormat> DetectFormat(const std::string& path);

// Which image of a file to open.
struct OpenOptions {
  // Parquet: the record column (default "ome_arrow", else auto-detected with a warning).
  std::optional<std::string> column;
  // Parquet: a named `column` must exist (see ParquetOpenOptions::column_required).
  bool column_required = false;
  // Parquet: the row; dataset: the row of images.parquet; TIFF: the OME <Image> index.
  int64_t row = 0;
  // Dataset: select the image by id instead of by row.
  std::optional<std::string> image_id;
  RecordOptions record;
  // Parquet: the file's parsed footer when the caller has it (ParquetOpenOptions::footer:
  // this file's, unchanged), and where to put the footer the open read
  // (ParquetOpenOptions::parsed_footer). Other formats ignore both.
  std::shared_ptr<parquet::FileMetaData> footer;
  std::shared_ptr<parquet::FileMetaData>* parsed_footer = nullptr;
};

// Opens one image of `path` reading only its metadata (see OpenParquet, OpenDataset and
// OpenTiff); pixels are read when views need them.
arrow::Result<OpenedImage> Open(const std::string& path, const OpenOptions& options = {});

}  // namespace omearrow
