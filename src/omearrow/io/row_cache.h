// A process-wide, bounded cache of fully decoded records (rows) read from files.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <arrow/result.h>

#include "omearrow/image.h"
#include "omearrow/util/load_once.h"

namespace omearrow {

// Keeps decoded rows (an in-memory Image over the row's Arrow arrays) so that repeated
// views of the same row of a list-encoded file do not decode it again. Least recently used
// rows are dropped once the total exceeds the capacity; images still in use stay alive
// through their shared_ptrs. Thread-safe; threads missing the same row at the same time
// decode it once.
class RowCache {
 public:
  using Loader = std::function<arrow::Result<std::shared_ptr<const Image>>(int64_t* bytes)>;

  // The process-wide instance (capacity 1 GiB; see set_capacity_bytes).
  static RowCache& Global();

  explicit RowCache(int64_t capacity_bytes) : capacity_bytes_(capacity_bytes) {}

  // The cached image for `key`, or `load()`'s result (which reports its size in bytes).
  arrow::Result<std::shared_ptr<const Image>> GetOrLoad(const std::string& key,
                                                        const Loader& load);

  void set_capacity_bytes(int64_t bytes);
  // Drops every cached row (images in use stay alive through their shared_ptrs).
  void Clear();
  int64_t bytes_cached() const;
  int64_t hits() const;
  int64_t misses() const;

 private:
  struct Entry {
    std::shared_ptr<const Image> image;
    int64_t bytes;
    std::list<std::string>::iterator position;
  };
  void EvictLocked();

  int64_t capacity_bytes_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;
  int64_t bytes_ = 0, hits_ = 0, misses_ = 0;
  internal::LoadOnce<std::string, std::shared_ptr<const Image>> loading_;
};

// Bytes held by the buffers of `data` and its children (an estimate of a row's size).
int64_t ArrayDataBytes(const arrow::ArrayData& data);

}  // namespace omearrow
