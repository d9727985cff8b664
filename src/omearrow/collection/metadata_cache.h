// A process-wide cache of what opening a collection reads from each file: the Parquet
// footer and the metadata leaves of each row group, keyed by the file's identity, so
// that reopening an unchanged file (local or remote) reads nothing again.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <arrow/table.h>
#include <parquet/metadata.h>

#include "omearrow/collection/listing.h"

namespace omearrow {

// The identity of `file` for caches, or "" when it cannot be stated (then nothing is
// cached): local files: FileIdentity (absolute path, device, inode, size, times); remote
// files: the URI with the size and modification time the listing gave (object stores
// that report no modification time are not cached). A file rewritten with the same size
// within the store's time resolution (S3: one second) is not noticed.
std::string CollectionFileIdentity(const CollectionFile& file);

// Footers and row-group metadata tables by key (the caller's identity plus what it read),
// least recently used dropped beyond the capacity (bytes: footer sizes and the tables'
// buffers). Thread-safe.
class CollectionMetadataCache {
 public:
  // The process-wide instance (capacity 256 MiB).
  static CollectionMetadataCache& Global();

  explicit CollectionMetadataCache(int64_t capacity_bytes) : capacity_bytes_(capacity_bytes) {}

  std::shared_ptr<parquet::FileMetaData> FindFooter(const std::string& key);
  void PutFooter(const std::string& key, std::shared_ptr<parquet::FileMetaData> footer);
  std::shared_ptr<arrow::Table> FindRowGroup(const std::string& key, int row_group);
  void PutRowGroup(const std::string& key, int row_group, std::shared_ptr<arrow::Table> table);

  void Clear();
  int64_t bytes_cached() const;

 private:
  struct Value {
    std::shared_ptr<parquet::FileMetaData> footer;
    std::shared_ptr<arrow::Table> table;
    int64_t bytes = 0;
    std::list<std::string>::iterator position;
  };
  void Put(const std::string& key, Value value);

  int64_t capacity_bytes_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Value> entries_;
  std::list<std::string> lru_;
  int64_t bytes_ = 0;
};

}  // namespace omearrow
