// Sources of a collection → the files they name.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <arrow/result.h>
#include <parquet/metadata.h>

#include "omearrow/collection/location.h"

namespace omearrow {

// One file (or typed-chunk dataset directory) of a collection.
struct CollectionFile {
  Location location;    // where it lives; location.path is the file's path
  std::string display;  // location.Display(): the path or URI shown to users
  bool dataset = false; // a typed-chunk dataset directory (local only)
  int64_t size = -1;    // bytes, when the listing said (remote files; saves a request)
  int64_t mtime_ns = -1;  // last modification (ns since the epoch), when the listing said
                          // (remote files; with `size`, the file's identity for caches)
  // Set by OpenCollection: the parsed footer and the identity (CollectionFileIdentity)
  // the file had when it was read, so that opening its images reads no footer again.
  std::shared_ptr<parquet::FileMetaData> footer;
  std::string identity;
};

// Lists the files named by `sources`, each one of:
// - a local Parquet file (any name; Open decides), or a dataset directory;
// - a local directory: searched recursively for *.parquet / *.pq files and dataset
//   directories (whose own files are not listed separately);
// - a local glob (`*`, `?`, `[...]`, POSIX glob(3); no `**`);
// - a URI: a file, or a prefix/directory searched recursively for *.parquet / *.pq
//   (`s3://bucket/prefix/`), or a glob in its last path component
//   (`s3://bucket/plate/*.parquet`).
// Files are returned sorted within each source, sources in order, duplicates once.
// A source naming nothing (missing file, bucket or key; a glob or directory without
// Parquet files) is an error naming it; so is a dataset directory inside a URI prefix
// (datasets are read from local disk only).
arrow::Result<std::vector<CollectionFile>> ListCollectionFiles(
    const std::vector<std::string>& sources);

}  // namespace omearrow
