#include "omearrow/io/row_cache.h"

#include <arrow/array/data.h>

namespace omearrow {

RowCache& RowCache::Global() {
  static RowCache* cache = new RowCache(int64_t{1} << 30);
  return *cache;
}

arrow::Result<std::shared_ptr<const Image>> RowCache::GetOrLoad(const std::string& key,
                                                                const Loader& load) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      ++hits_;
      lru_.splice(lru_.begin(), lru_, it->second.position);
      return it->second.image;
    }
    ++misses_;
  }
  return loading_.Run(key, [&]() -> arrow::Result<std::shared_ptr<const Image>> {
    {
      // A load of this row may have finished between the miss and this load.
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = entries_.find(key);
      if (it != entries_.end()) return it->second.image;
    }
    int64_t bytes = 0;
    ARROW_ASSIGN_OR_RAISE(auto image, load(&bytes));
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end()) return it->second.image;
    if (bytes > capacity_bytes_) return image;
    lru_.push_front(key);
    entries_.emplace(key, Entry{image, bytes, lru_.begin()});
    bytes_ += bytes;
    EvictLocked();
    return image;
  });
}

void RowCache::EvictLocked() {
  while (bytes_ > capacity_bytes_ && !lru_.empty()) {
    auto it = entries_.find(lru_.back());
    bytes_ -= it->second.bytes;
    entries_.erase(it);
    lru_.pop_back();
  }
}

void RowCache::set_capacity_bytes(int64_t bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  capacity_bytes_ = bytes;
  EvictLocked();
}

void RowCache::Clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.clear();
  lru_.clear();
  bytes_ = 0;
}

int64_t RowCache::bytes_cached() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bytes_;
}
int64_t RowCache::hits() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return hits_;
}
int64_t RowCache::misses() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return misses_;
}

int64_t ArrayDataBytes(const arrow::ArrayData& data) {
  int64_t bytes = 0;
  for (const auto& buffer : data.buffers) {
    if (buffer != nullptr) bytes += buffer->size();
  }
  for (const auto& child : data.child_data) bytes += ArrayDataBytes(*child);
  if (data.dictionary != nullptr) bytes += ArrayDataBytes(*data.dictionary);
  return bytes;
}

}  // namespace omearrow
