#include "omearrow/collection/metadata_cache.h"

#include "omearrow/io/file_identity.h"
#include "omearrow/io/row_cache.h"

namespace omearrow {

std::string CollectionFileIdentity(const CollectionFile& file) {
  if (file.location.local()) return internal::FileIdentity(file.location.path);
  if (file.size < 0 || file.mtime_ns < 0) return "";
  return file.display + "\n" + std::to_string(file.size) + "\n" +
         std::to_string(file.mtime_ns);
}

CollectionMetadataCache& CollectionMetadataCache::Global() {
  static auto* cache = new CollectionMetadataCache(int64_t{256} << 20);
  return *cache;
}

std::shared_ptr<parquet::FileMetaData> CollectionMetadataCache::FindFooter(
    const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find("footer\n" + key);
  if (it == entries_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second.position);
  return it->second.footer;
}

void CollectionMetadataCache::PutFooter(const std::string& key,
                                        std::shared_ptr<parquet::FileMetaData> footer) {
  Value value;
  value.bytes = static_cast<int64_t>(footer->size());
  value.footer = std::move(footer);
  Put("footer\n" + key, std::move(value));
}

std::shared_ptr<arrow::Table> CollectionMetadataCache::FindRowGroup(const std::string& key,
                                                                    int row_group) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find("rg" + std::to_string(row_group) + "\n" + key);
  if (it == entries_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second.position);
  return it->second.table;
}

void CollectionMetadataCache::PutRowGroup(const std::string& key, int row_group,
                                          std::shared_ptr<arrow::Table> table) {
  Value value;
  for (const auto& column : table->columns()) {
    for (const auto& chunk : column->chunks()) value.bytes += ArrayDataBytes(*chunk->data());
  }
  value.table = std::move(table);
  Put("rg" + std::to_string(row_group) + "\n" + key, std::move(value));
}

void CollectionMetadataCache::Put(const std::string& key, Value value) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (entries_.count(key) != 0) return;
  if (value.bytes > capacity_bytes_) return;
  lru_.push_front(key);
  value.position = lru_.begin();
  bytes_ += value.bytes;
  entries_.emplace(key, std::move(value));
  while (bytes_ > capacity_bytes_ && !lru_.empty()) {
    auto it = entries_.find(lru_.back());
    bytes_ -= it->second.bytes;
    entries_.erase(it);
    lru_.pop_back();
  }
}

void CollectionMetadataCache::Clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.clear();
  lru_.clear();
  bytes_ = 0;
}

int64_t CollectionMetadataCache::bytes_cached() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bytes_;
}

}  // namespace omearrow
