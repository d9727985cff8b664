#include "omearrow/collection/open_uri.h"

#include <chrono>

#include <arrow/status.h>

#include "omearrow/collection/listing.h"
#include "omearrow/collection/location.h"
#include "omearrow/collection/metadata_cache.h"
#include "omearrow/util/text.h"

namespace omearrow {

using arrow::Status;

namespace {

// The key of `file`'s footer in CollectionMetadataCache::Global(): the one a collection
// opened without a column uses, so images opened one by one and collections share it;
// "" when the file's identity cannot be stated.
std::string FooterKey(const CollectionFile& file) {
  const std::string identity = CollectionFileIdentity(file);
  if (identity.empty()) return "";
  return identity + "\n" + "\x01" "every";
}

// Opens `path` with the footer cached under `key` (none: read and then cached).
template <typename OpenFn>
arrow::Result<OpenedImage> OpenWithCachedFooter(const std::string& key, OpenOptions options,
                                                OpenFn open) {
  auto& cache = CollectionMetadataCache::Global();
  if (key.empty()) return open(options);
  options.footer = cache.FindFooter(key);
  std::shared_ptr<parquet::FileMetaData> parsed;
  options.parsed_footer = &parsed;
  ARROW_ASSIGN_OR_RAISE(OpenedImage opened, open(options));
  if (options.footer == nullptr && parsed != nullptr) cache.PutFooter(key, std::move(parsed));
  return opened;
}

}  // namespace

arrow::Result<OpenedImage> OpenPathOrUri(const std::string& source, const OpenOptions& options) {
  ARROW_ASSIGN_OR_RAISE(Location location, ResolveLocation(source));
  if (location.local()) {
    // A Parquet file's footer is parsed once per process while the file is unchanged
    // (its identity: path, inode, size, times), whichever of its rows are opened.
    CollectionFile file;
    file.location = location;
    const std::string key = options.footer == nullptr ? FooterKey(file) : "";
    return OpenWithCachedFooter(key, options, [&](const OpenOptions& o) {
      return Open(location.path, o);
    });
  }
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
  // The footer is parsed once per process while the object is unchanged (its identity:
  // URI, size and modification time; stores that report no time are not cached).
  CollectionFile file;
  file.location = location;
  file.display = location.Display();
  file.size = info->size();
  if (info->mtime() != arrow::fs::kNoTime) {
    file.mtime_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        info->mtime().time_since_epoch())
                        .count();
  }
  const std::string key = options.footer == nullptr ? FooterKey(file) : "";
  return OpenWithCachedFooter(key, options, [&](const OpenOptions& o) {
    ParquetOpenOptions parquet;
    parquet.column = o.column;
    parquet.column_required = o.column_required;
    parquet.row = o.row;
    parquet.record = o.record;
    parquet.open_file = MakeFileOpener(location);
    parquet.footer = o.footer;
    parquet.parsed_footer = o.parsed_footer;
    return OpenParquet(file.display, parquet);
  });
}

}  // namespace omearrow
