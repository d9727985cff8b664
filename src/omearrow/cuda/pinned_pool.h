// A bounded, thread-safe pool of host staging buffers (pinned memory for CUDA copies),
// reused through size-class free lists instead of one allocation per item.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include <arrow/result.h>
#include <arrow/status.h>

namespace omearrow {

// Allocates and frees the pool's memory (cudaMallocHost/cudaFreeHost for pinned memory;
// tests inject their own).
struct HostAllocator {
  std::function<arrow::Result<void*>(int64_t size)> allocate;
  std::function<void(void* data, int64_t size)> free;
};

// Work still reading a released buffer (an asynchronous copy out of it): the buffer is
// reused only once Ready() (polled) or Wait() (blocks) says the work has finished.
class Fence {
 public:
  virtual ~Fence() = default;
  virtual bool Ready() = 0;
  virtual arrow::Status Wait() = 0;
};

// Counters of a pool (a snapshot).
struct PoolStats {
  int64_t allocated_bytes = 0;  // held from the allocator: leased + pending + free
  int64_t leased_bytes = 0;     // lent out
  int64_t pending_bytes = 0;    // returned, waiting for their fence
  int64_t free_bytes = 0;       // cached for reuse
  int64_t allocations = 0;      // calls to the allocator so far
  int64_t reuses = 0;           // acquisitions served from the cache
};

class HostBufferPool;

// One lent buffer (move-only). Destroying it returns the buffer at once; Release(fence)
// returns it once the fence has passed.
class PoolLease {
 public:
  PoolLease() = default;
  PoolLease(PoolLease&& other) noexcept;
  PoolLease& operator=(PoolLease&& other) noexcept;
  ~PoolLease();

  uint8_t* data() const { return static_cast<uint8_t*>(data_); }
  // The usable size (the size class: at least what was asked for).
  int64_t size() const { return size_; }
  explicit operator bool() const { return data_ != nullptr; }

  // Returns the buffer to the pool, to be reused after `fence` (null: at once).
  void Release(std::shared_ptr<Fence> fence = nullptr);

 private:
  friend class HostBufferPool;
  PoolLease(std::shared_ptr<HostBufferPool> pool, void* data, int64_t size)
      : pool_(std::move(pool)), data_(data), size_(size) {}
  std::shared_ptr<HostBufferPool> pool_;
  void* data_ = nullptr;
  int64_t size_ = 0;
};

// Buffers are rounded up to size classes (quarter steps between powers of two, at least
// 64 KiB) and kept in a free list per class. The pool holds at most `max_bytes` from the
// allocator: when a new buffer would pass the bound it waits for the oldest pending
// buffer of the same class, else frees cached buffers of other classes, else waits for
// any pending fence, and finally blocks until a lease comes back. A request larger than `max_bytes` is
// allocated for that one lease and freed when it returns. Thread-safe; create with Make
// (leases keep the pool alive).
class HostBufferPool : public std::enable_shared_from_this<HostBufferPool> {
 public:
  static std::shared_ptr<HostBufferPool> Make(HostAllocator allocator, int64_t max_bytes);
  ~HostBufferPool();

  // A buffer of at least `size` bytes (size > 0).
  arrow::Result<PoolLease> Acquire(int64_t size);

  // The size class `size` is rounded up to.
  static int64_t SizeClass(int64_t size);

  PoolStats stats() const;
  int64_t max_bytes() const { return max_bytes_; }

  // Frees every cached buffer and waits for pending fences (leases stay valid).
  void Trim();

 private:
  friend class PoolLease;
  struct Pending {
    void* data;
    int64_t size;
    std::shared_ptr<Fence> fence;
  };
  HostBufferPool(HostAllocator allocator, int64_t max_bytes)
      : allocator_(std::move(allocator)), max_bytes_(max_bytes) {}
  void Return(void* data, int64_t size, std::shared_ptr<Fence> fence);
  // Moves finished pending buffers to the free lists (lock held).
  void RecyclePending();
  // Frees cached buffers of other classes until `needed` more bytes fit (lock held;
  // unlocks around the allocator). Returns true when they fit.
  bool EvictFor(int64_t needed, std::unique_lock<std::mutex>& lock);
  // Waits outside the lock for the oldest pending fence of buffers of `size` (0: any);
  // false if there is none.
  bool WaitOldestPending(std::unique_lock<std::mutex>& lock, int64_t size);

  const HostAllocator allocator_;
  const int64_t max_bytes_;
  mutable std::mutex mutex_;
  std::condition_variable returned_;
  std::map<int64_t, std::vector<void*>> free_;  // size class → buffers
  std::vector<Pending> pending_;                // in release order
  std::map<void*, int64_t> oversized_;          // one-off buffers lent out
  PoolStats stats_;
};

}  // namespace omearrow
