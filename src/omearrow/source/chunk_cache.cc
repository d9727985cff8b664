#include "omearrow/source/chunk_cache.h"

namespace omearrow {

DecodedChunkCache::DecodedChunkCache(int64_t capacity_bytes)
    : capacity_bytes_(capacity_bytes) {}

arrow::Result<std::shared_ptr<arrow::Buffer>> DecodedChunkCache::GetOrDecode(
    int64_t chunk_id, const Decoder& decode) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(chunk_id);
    if (it != entries_.end()) {
      ++hits_;
      lru_.splice(lru_.begin(), lru_, it->second.lru_position);
      return it->second.buffer;
    }
    ++misses_;
  }
  return loading_.Run(chunk_id, [&]() -> arrow::Result<std::shared_ptr<arrow::Buffer>> {
    {
      // A decode of this chunk may have finished between the miss and this load.
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = entries_.find(chunk_id);
      if (it != entries_.end()) return it->second.buffer;
    }
    ARROW_ASSIGN_OR_RAISE(std::shared_ptr<arrow::Buffer> buffer, decode());
    std::lock_guard<std::mutex> lock(mutex_);
    return InsertLocked(chunk_id, std::move(buffer));
  });
}

std::shared_ptr<arrow::Buffer> DecodedChunkCache::InsertLocked(
    int64_t chunk_id, std::shared_ptr<arrow::Buffer> buffer) {
  if (capacity_bytes_ <= 0 || buffer->size() > capacity_bytes_) return buffer;
  auto it = entries_.find(chunk_id);
  if (it != entries_.end()) return it->second.buffer;
  lru_.push_front(chunk_id);
  entries_.emplace(chunk_id, Entry{buffer, lru_.begin()});
  bytes_ += buffer->size();
  EvictLocked();
  return buffer;
}

void DecodedChunkCache::Put(int64_t chunk_id, std::shared_ptr<arrow::Buffer> buffer) {
  std::lock_guard<std::mutex> lock(mutex_);
  InsertLocked(chunk_id, std::move(buffer));
}

std::shared_ptr<arrow::Buffer> DecodedChunkCache::Find(int64_t chunk_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(chunk_id);
  if (it == entries_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second.lru_position);
  return it->second.buffer;
}

void DecodedChunkCache::EvictLocked() {
  while (bytes_ > capacity_bytes_ && !lru_.empty()) {
    int64_t victim = lru_.back();
    lru_.pop_back();
    auto it = entries_.find(victim);
    bytes_ -= it->second.buffer->size();
    entries_.erase(it);
  }
}

int64_t DecodedChunkCache::bytes_cached() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bytes_;
}
int64_t DecodedChunkCache::hits() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return hits_;
}
int64_t DecodedChunkCache::misses() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return misses_;
}

}  // namespace omearrow
