#include "omearrow/collection/open_uri.h"

#include <arrow/status.h>

#include "omearrow/collection/location.h"
#include "omearrow/util/text.h"

namespace omearrow {

using arrow::Status;

arrow::Result<OpenedImage> OpenPathOrUri(const std::string& source, const OpenOptions& options) {
  ARROW_ASSIGN_OR_RAISE(Location location, ResolveLocation(source));
  if (location.local()) return Open(location.path, options);
  if (options.image_id.has_value()) {
    return Status::Invalid(source, ": image_id selects dataset images; datasets are read "
                                   "from local disk only");
  }
  const std::string lower = internal::TrimLower(location.path);
  if (lower.size() >= 4 && (lower.compare(lower.size() - 4, 4, ".tif") == 0 ||
                            (lower.size() >= 5 && lower.compare(lower.size() - 5, 5, ".tiff") == 0))) {
    return Status::NotImplemented(source, ": TIFF files are read from local disk only");
  }
  auto info = location.fs->GetFileInfo(location.path);
  if (!info.ok()) return Status::IOError(source, ": ", info.status().message());
  if (info->type() == arrow::fs::FileType::NotFound) {
    return Status::IOError(source, ": no such file, bucket or key");
  }
  if (info->type() != arrow::fs::FileType::File) {
    return Status::Invalid(source, ": not a file (use open_collection for a prefix)");
  }
  ParquetOpenOptions parquet;
  parquet.column = options.column;
  parquet.column_required = options.column_required;
  parquet.row = options.row;
  parquet.record = options.record;
  parquet.open_file = MakeFileOpener(location);
  return OpenParquet(location.Display(), parquet);
}

}  // namespace omearrow
