// A bounded, thread-safe cache of decoded (decompressed) chunk payloads.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include <arrow/buffer.h>
#include <arrow/result.h>

#include "omearrow/util/load_once.h"

namespace omearrow {

// Maps a chunk id to its decoded bytes, evicting least-recently-used entries once the
// total exceeds `capacity_bytes`. Entries still held by callers stay alive after
// eviction (they are shared_ptrs). Threads asking for the same missing chunk at the same
// time decode it once: the others wait for that decode.
class DecodedChunkCache {
 public:
  using Decoder = std::function<arrow::Result<std::shared_ptr<arrow::Buffer>>()>;

  explicit DecodedChunkCache(int64_t capacity_bytes);

  // The cached bytes of `chunk_id`, decoding them with `decode` on a miss.
  arrow::Result<std::shared_ptr<arrow::Buffer>> GetOrDecode(int64_t chunk_id,
                                                            const Decoder& decode);

  // Stores `buffer` for `chunk_id` (replacing nothing if already present).
  void Put(int64_t chunk_id, std::shared_ptr<arrow::Buffer> buffer);
  // The cached bytes of `chunk_id`, or nullptr.
  std::shared_ptr<arrow::Buffer> Find(int64_t chunk_id);

  int64_t bytes_cached() const;
  int64_t hits() const;
  int64_t misses() const;

 private:
  struct Entry {
    std::shared_ptr<arrow::Buffer> buffer;
    std::list<int64_t>::iterator lru_position;
  };
  void EvictLocked();
  // Stores a decoded buffer (when it fits) and returns the cached one.
  std::shared_ptr<arrow::Buffer> InsertLocked(int64_t chunk_id,
                                              std::shared_ptr<arrow::Buffer> buffer);

  const int64_t capacity_bytes_;
  mutable std::mutex mutex_;
  std::unordered_map<int64_t, Entry> entries_;
  std::list<int64_t> lru_;  // front = most recently used
  internal::LoadOnce<int64_t, std::shared_ptr<arrow::Buffer>> loading_;
  int64_t bytes_ = 0;
  int64_t hits_ = 0;
  int64_t misses_ = 0;
};

}  // namespace omearrow
