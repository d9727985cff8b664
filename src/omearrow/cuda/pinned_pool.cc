#include "omearrow/cuda/pinned_pool.h"

#include <algorithm>
#include <bit>
#include <utility>

namespace omearrow {

namespace {
constexpr int64_t kMinClass = int64_t{64} << 10;
}  // namespace

PoolLease::PoolLease(PoolLease&& other) noexcept
    : pool_(std::move(other.pool_)),
      data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

PoolLease& PoolLease::operator=(PoolLease&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = std::move(other.pool_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

PoolLease::~PoolLease() { Release(); }

void PoolLease::Release(std::shared_ptr<Fence> fence) {
  if (pool_ != nullptr && data_ != nullptr) pool_->Return(data_, size_, std::move(fence));
  data_ = nullptr;
  size_ = 0;
  pool_.reset();
}

std::shared_ptr<HostBufferPool> HostBufferPool::Make(HostAllocator allocator,
                                                     int64_t max_bytes) {
  return std::shared_ptr<HostBufferPool>(
      new HostBufferPool(std::move(allocator), std::max<int64_t>(max_bytes, 0)));
}

HostBufferPool::~HostBufferPool() { Trim(); }

int64_t HostBufferPool::SizeClass(int64_t size) {
  if (size <= kMinClass) return kMinClass;
  const auto n = static_cast<uint64_t>(size);
  const uint64_t floor = std::bit_floor(n);
  if (floor == n) return size;
  const uint64_t step = floor / 4;
  return static_cast<int64_t>((n + step - 1) / step * step);
}

arrow::Result<PoolLease> HostBufferPool::Acquire(int64_t size) {
  if (size <= 0) return arrow::Status::Invalid("pool buffer size must be positive: ", size);
  const int64_t cls = SizeClass(size);
  std::unique_lock<std::mutex> lock(mutex_);
  const bool oversized = cls > max_bytes_;
  for (;;) {
    if (!oversized) {
      RecyclePending();
      auto it = free_.find(cls);
      if (it != free_.end() && !it->second.empty()) {
        void* data = it->second.back();
        it->second.pop_back();
        stats_.free_bytes -= cls;
        stats_.leased_bytes += cls;
        ++stats_.reuses;
        return PoolLease(shared_from_this(), data, cls);
      }
    }
    if (oversized || stats_.allocated_bytes + cls <= max_bytes_) {
      stats_.allocated_bytes += cls;  // reserved before unlocking
      lock.unlock();
      arrow::Result<void*> data = allocator_.allocate(cls);
      lock.lock();
      if (!data.ok() || *data == nullptr) {
        stats_.allocated_bytes -= cls;
        returned_.notify_all();
        if (!data.ok()) return data.status();
        return arrow::Status::OutOfMemory("could not allocate ", cls, " host bytes");
      }
      stats_.leased_bytes += cls;
      ++stats_.allocations;
      if (oversized) oversized_.emplace(*data, cls);
      return PoolLease(shared_from_this(), *data, cls);
    }
    // At the bound: a pending buffer of this class is cheaper to wait for (a copy's tail)
    // than freeing and allocating pinned memory; then make room; then wait for any.
    if (!oversized && WaitOldestPending(lock, cls)) continue;
    if (EvictFor(cls, lock)) continue;
    if (WaitOldestPending(lock, 0)) continue;
    returned_.wait(lock);  // everything is lent out: wait for a lease to come back
  }
}

void HostBufferPool::Return(void* data, int64_t size, std::shared_ptr<Fence> fence) {
  if (fence != nullptr && fence->Ready()) fence.reset();
  std::unique_lock<std::mutex> lock(mutex_);
  stats_.leased_bytes -= size;
  if (oversized_.erase(data) > 0) {
    lock.unlock();
    if (fence != nullptr) (void)fence->Wait();
    allocator_.free(data, size);
    lock.lock();
    stats_.allocated_bytes -= size;
    lock.unlock();
    returned_.notify_all();
    return;
  }
  if (fence != nullptr) {
    pending_.push_back({data, size, std::move(fence)});
    stats_.pending_bytes += size;
  } else {
    free_[size].push_back(data);
    stats_.free_bytes += size;
  }
  lock.unlock();
  returned_.notify_all();
}

void HostBufferPool::RecyclePending() {
  auto done = [this](Pending& entry) {
    if (entry.fence != nullptr && !entry.fence->Ready()) return false;
    free_[entry.size].push_back(entry.data);
    stats_.pending_bytes -= entry.size;
    stats_.free_bytes += entry.size;
    return true;
  };
  pending_.erase(std::remove_if(pending_.begin(), pending_.end(), done), pending_.end());
}

bool HostBufferPool::EvictFor(int64_t needed, std::unique_lock<std::mutex>& lock) {
  bool evicted = false;
  while (stats_.allocated_bytes + needed > max_bytes_) {
    auto it = std::find_if(free_.begin(), free_.end(),
                           [](const auto& entry) { return !entry.second.empty(); });
    if (it == free_.end()) break;
    const int64_t size = it->first;
    void* data = it->second.back();
    it->second.pop_back();
    stats_.free_bytes -= size;
    lock.unlock();
    allocator_.free(data, size);
    lock.lock();
    stats_.allocated_bytes -= size;  // only once the memory is really gone
    evicted = true;
  }
  return evicted;
}

bool HostBufferPool::WaitOldestPending(std::unique_lock<std::mutex>& lock, int64_t size) {
  auto oldest = std::find_if(pending_.begin(), pending_.end(), [size](const Pending& entry) {
    return size == 0 || entry.size == size;
  });
  if (oldest == pending_.end()) return false;
  void* data = oldest->data;
  std::shared_ptr<Fence> fence = oldest->fence;
  lock.unlock();
  if (fence != nullptr) (void)fence->Wait();  // a failed wait is treated as finished
  lock.lock();
  for (Pending& entry : pending_) {
    if (entry.data == data) entry.fence.reset();
  }
  RecyclePending();
  return true;
}

PoolStats HostBufferPool::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void HostBufferPool::Trim() {
  std::vector<std::pair<void*, int64_t>> to_free;
  std::vector<Pending> pending;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [size, buffers] : free_) {
      for (void* data : buffers) to_free.emplace_back(data, size);
      stats_.free_bytes -= size * static_cast<int64_t>(buffers.size());
    }
    free_.clear();
    pending.swap(pending_);
    for (const Pending& entry : pending) stats_.pending_bytes -= entry.size;
  }
  int64_t freed = 0;
  for (Pending& entry : pending) {
    if (entry.fence != nullptr) (void)entry.fence->Wait();
    allocator_.free(entry.data, entry.size);
    freed += entry.size;
  }
  for (auto& [data, size] : to_free) {
    allocator_.free(data, size);
    freed += size;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.allocated_bytes -= freed;
  }
  returned_.notify_all();
}

}  // namespace omearrow
