#include "omearrow/io/open.h"

#include <filesystem>
#include <fstream>

#include <arrow/status.h>

#include "omearrow/io/dataset_reader.h"
#include "omearrow/io/tiff_source.h"
#include "omearrow/util/text.h"

namespace omearrow {

using arrow::Status;

std::string_view FileFormatName(FileFormat format) {
  switch (format) {
    case FileFormat::kParquet: return "parquet";
    case FileFormat::kDataset: return "dataset";
    case FileFormat::kTiff: return "tiff";
  }
  return "unknown";
}

arrow::Result<FileFormat> DetectFormat(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (error || !fs::exists(status)) return Status::IOError(path, ": no such file or directory");
  if (fs::is_directory(status)) {
    if (IsDatasetDirectory(path)) return FileFormat::kDataset;
    return Status::Invalid(path, ": a directory without _ome_arrow_dataset.json is not an "
                                 "OME-Arrow dataset");
  }
  const std::string extension = internal::TrimLower(fs::path(path).extension().string());
  if (extension == ".parquet" || extension == ".pq") return FileFormat::kParquet;
  if (extension == ".tif" || extension == ".tiff") return FileFormat::kTiff;
  char magic[4] = {0, 0, 0, 0};
  std::ifstream in(path, std::ios::binary);
  in.read(magic, 4);
  if (in.gcount() == 4) {
    if (std::string_view(magic, 4) == "PAR1") return FileFormat::kParquet;
    if ((magic[0] == 'I' && magic[1] == 'I' && (magic[2] == 42 || magic[2] == 43) &&
         magic[3] == 0) ||
        (magic[0] == 'M' && magic[1] == 'M' && magic[2] == 0 &&
         (magic[3] == 42 || magic[3] == 43))) {
      return FileFormat::kTiff;
    }
  }
  return Status::Invalid(path, ": not an OME-Arrow Parquet file, dataset directory or TIFF");
}

arrow::Result<OpenedImage> Open(const std::string& path, const OpenOptions& options) {
  ARROW_ASSIGN_OR_RAISE(FileFormat format, DetectFormat(path));
  switch (format) {
    case FileFormat::kParquet: {
      ParquetOpenOptions parquet;
      parquet.column = options.column;
      parquet.column_required = options.column_required;
      parquet.row = options.row;
      parquet.record = options.record;
      parquet.footer = options.footer;
      parquet.parsed_footer = options.parsed_footer;
      return OpenParquet(path, parquet);
    }
    case FileFormat::kDataset: {
      DatasetOpenOptions dataset;
      dataset.image_id = options.image_id;
      dataset.row = options.row;
      dataset.decoded_chunk_cache_bytes = options.record.decoded_chunk_cache_bytes;
      OpenedImage opened;
      ARROW_ASSIGN_OR_RAISE(opened.image, OpenDataset(path, dataset));
      opened.format = FileFormat::kDataset;
      return opened;
    }
    case FileFormat::kTiff: {
      TiffOptions tiff;
      tiff.image_index = options.row;
      tiff.decoded_plane_cache_bytes = options.record.decoded_chunk_cache_bytes;
      OpenedImage opened;
      ARROW_ASSIGN_OR_RAISE(opened.image, OpenTiff(path, tiff));
      opened.format = FileFormat::kTiff;
      return opened;
    }
  }
  return Status::Invalid(path, ": unsupported format");
}

}  // namespace omearrow
