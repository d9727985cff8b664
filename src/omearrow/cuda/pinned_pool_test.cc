#include "omearrow/cuda/pinned_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "omearrow/testing/gtest_util.h"

namespace omearrow {
namespace {

constexpr int64_t kKiB = 1024;

// A malloc-backed allocator that counts what it hands out (no CUDA needed).
struct CountingAllocator {
  std::mutex mutex;
  std::set<void*> live;
  int64_t live_bytes = 0;
  int64_t peak_bytes = 0;
  bool fail = false;

  HostAllocator Get() {
    return HostAllocator{
        [this](int64_t size) -> arrow::Result<void*> {
          std::lock_guard<std::mutex> lock(mutex);
          if (fail) return arrow::Status::OutOfMemory("injected");
          void* data = std::malloc(static_cast<size_t>(size));
          live.insert(data);
          live_bytes += size;
          peak_bytes = std::max(peak_bytes, live_bytes);
          return data;
        },
        [this](void* data, int64_t size) {
          std::lock_guard<std::mutex> lock(mutex);
          EXPECT_EQ(live.erase(data), 1u);
          live_bytes -= size;
          std::free(data);
        }};
  }
};

// A fence the test completes by hand; Wait() completes it (as a synchronize would).
struct ManualFence : Fence {
  std::atomic<bool> ready{false};
  std::atomic<int> waits{0};
  bool Ready() override { return ready.load(); }
  arrow::Status Wait() override {
    ++waits;
    ready = true;
    return arrow::Status::OK();
  }
};

TEST(PinnedPoolTest, SizeClassesAreQuarterStepsAboveTheMinimum) {
  EXPECT_EQ(HostBufferPool::SizeClass(1), 64 * kKiB);
  EXPECT_EQ(HostBufferPool::SizeClass(64 * kKiB), 64 * kKiB);
  EXPECT_EQ(HostBufferPool::SizeClass(64 * kKiB + 1), 80 * kKiB);
  EXPECT_EQ(HostBufferPool::SizeClass(128 * kKiB), 128 * kKiB);
  EXPECT_EQ(HostBufferPool::SizeClass(129 * kKiB), 160 * kKiB);
  EXPECT_EQ(HostBufferPool::SizeClass(int64_t{64} << 20), int64_t{64} << 20);
  EXPECT_EQ(HostBufferPool::SizeClass((int64_t{64} << 20) + 1), int64_t{80} << 20);
}

TEST(PinnedPoolTest, ReusesReturnedBuffersOfTheSameClass) {
  CountingAllocator alloc;
  auto pool = HostBufferPool::Make(alloc.Get(), 1 << 20);
  void* first;
  {
    ASSERT_OK_AND_ASSIGN(PoolLease lease, pool->Acquire(100 * kKiB));
    EXPECT_EQ(lease.size(), 112 * kKiB);
    std::memset(lease.data(), 1, 100 * kKiB);
    first = lease.data();
  }
  ASSERT_OK_AND_ASSIGN(PoolLease again, pool->Acquire(110 * kKiB));  // same class
  EXPECT_EQ(again.data(), first);
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.allocations, 1);
  EXPECT_EQ(stats.reuses, 1);
  EXPECT_EQ(stats.leased_bytes, 112 * kKiB);
  again.Release();
  stats = pool->stats();
  EXPECT_EQ(stats.leased_bytes, 0);
  EXPECT_EQ(stats.free_bytes, 112 * kKiB);
  pool.reset();
  EXPECT_EQ(alloc.live_bytes, 0);  // the pool frees its cache when destroyed
}

TEST(PinnedPoolTest, LeasesKeepThePoolAliveAndMove) {
  CountingAllocator alloc;
  auto pool = HostBufferPool::Make(alloc.Get(), 1 << 20);
  ASSERT_OK_AND_ASSIGN(PoolLease lease, pool->Acquire(kKiB));
  pool.reset();
  PoolLease moved = std::move(lease);
  EXPECT_FALSE(lease);
  EXPECT_TRUE(moved);
  moved = PoolLease();
  EXPECT_EQ(alloc.live_bytes, 0);
}

TEST(PinnedPoolTest, PendingBuffersAreNotReusedBeforeTheirFence) {
  CountingAllocator alloc;
  auto pool = HostBufferPool::Make(alloc.Get(), 1 << 20);
  auto fence = std::make_shared<ManualFence>();
  ASSERT_OK_AND_ASSIGN(PoolLease lease, pool->Acquire(64 * kKiB));
  void* first = lease.data();
  lease.Release(fence);
  EXPECT_EQ(pool->stats().pending_bytes, 64 * kKiB);
  ASSERT_OK_AND_ASSIGN(PoolLease other, pool->Acquire(64 * kKiB));
  EXPECT_NE(other.data(), first);  // room left: a new buffer, the pending one untouched
  other.Release();
  fence->ready = true;
  ASSERT_OK_AND_ASSIGN(PoolLease a, pool->Acquire(64 * kKiB));
  ASSERT_OK_AND_ASSIGN(PoolLease b, pool->Acquire(64 * kKiB));
  EXPECT_EQ(pool->stats().allocations, 2);
  EXPECT_EQ(pool->stats().pending_bytes, 0);
  EXPECT_EQ(fence->waits.load(), 0);  // recycled by polling, not by waiting
}

TEST(PinnedPoolTest, AtTheBoundWaitsForTheOldestFence) {
  CountingAllocator alloc;
  auto pool = HostBufferPool::Make(alloc.Get(), 128 * kKiB);
  auto fence = std::make_shared<ManualFence>();
  ASSERT_OK_AND_ASSIGN(PoolLease a, pool->Acquire(64 * kKiB));
  ASSERT_OK_AND_ASSIGN(PoolLease b, pool->Acquire(64 * kKiB));
  void* first = a.data();
  a.Release(fence);
  ASSERT_OK_AND_ASSIGN(PoolLease c, pool->Acquire(64 * kKiB));
  EXPECT_EQ(c.data(), first);
  EXPECT_EQ(fence->waits.load(), 1);
  EXPECT_EQ(pool->stats().allocations, 2);
  EXPECT_LE(alloc.peak_bytes, 128 * kKiB);
}

TEST(PinnedPoolTest, EvictsOtherClassesToStayWithinTheBound) {
  CountingAllocator alloc;
  auto pool = HostBufferPool::Make(alloc.Get(), 256 * kKiB);
  { ASSERT_OK_AND_ASSIGN(PoolLease small, pool->Acquire(64 * kKiB)); }
  { ASSERT_OK_AND_ASSIGN(PoolLease mid, pool->Acquire(128 * kKiB)); }
  ASSERT_OK_AND_ASSIGN(PoolLease big, pool->Acquire(256 * kKiB));
  EXPECT_EQ(pool->stats().allocated_bytes, 256 * kKiB);
  EXPECT_EQ(pool->stats().free_bytes, 0);
  EXPECT_LE(alloc.peak_bytes, 256 * kKiB);
}

TEST(PinnedPoolTest, BlocksUntilALeaseComesBack) {
  CountingAllocator alloc;
  auto pool = HostBufferPool::Make(alloc.Get(), 128 * kKiB);
  ASSERT_OK_AND_ASSIGN(PoolLease a, pool->Acquire(64 * kKiB));
  ASSERT_OK_AND_ASSIGN(PoolLease b, pool->Acquire(64 * kKiB));
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    auto c = pool->Acquire(64 * kKiB);
    EXPECT_TRUE(c.ok());
    got = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(got.load());
  b.Release();
  waiter.join();
  EXPECT_TRUE(got.load());
  EXPECT_EQ(pool->stats().allocations, 2);
}

TEST(PinnedPoolTest, OversizedRequestsAreOneOff) {
  CountingAllocator alloc;
  auto pool = HostBufferPool::Make(alloc.Get(), 128 * kKiB);
  auto fence = std::make_shared<ManualFence>();
  {
    ASSERT_OK_AND_ASSIGN(PoolLease huge, pool->Acquire(1 << 20));
    EXPECT_EQ(pool->stats().allocated_bytes, 1 << 20);
    huge.Release(fence);
  }
  EXPECT_EQ(fence->waits.load(), 1);  // freed only after its fence
  EXPECT_EQ(pool->stats().allocated_bytes, 0);
  EXPECT_EQ(alloc.live_bytes, 0);
}

TEST(PinnedPoolTest, AllocationFailuresAreStatuses) {
  CountingAllocator alloc;
  alloc.fail = true;
  auto pool = HostBufferPool::Make(alloc.Get(), 1 << 20);
  EXPECT_STATUS(pool->Acquire(kKiB), OutOfMemory, "injected");
  EXPECT_STATUS(pool->Acquire(0), Invalid, "pool buffer size must be positive: 0");
  EXPECT_EQ(pool->stats().allocated_bytes, 0);
  alloc.fail = false;
  EXPECT_OK(pool->Acquire(kKiB));
}

// 8 threads acquiring and releasing (a third with fences) buffers of 4 size classes.
// Returns the pool's final stats.
PoolStats Hammer(int64_t bound) {
  CountingAllocator alloc;
  auto pool = HostBufferPool::Make(alloc.Get(), bound);
  std::mutex owners_mutex;
  std::set<void*> owned;
  std::atomic<int> overlaps{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 random(static_cast<unsigned>(t));
      const int64_t sizes[] = {1, 100 * kKiB, 150 * kKiB, 200 * kKiB};
      std::uniform_int_distribution<int> pick(0, 3);
      for (int i = 0; i < 2000; ++i) {
        auto lease = pool->Acquire(sizes[pick(random)]);
        ASSERT_TRUE(lease.ok());
        {
          std::lock_guard<std::mutex> lock(owners_mutex);
          if (!owned.insert(lease->data()).second) ++overlaps;
        }
        lease->data()[0] = static_cast<uint8_t>(i);
        {
          std::lock_guard<std::mutex> lock(owners_mutex);
          owned.erase(lease->data());
        }
        if (i % 3 == 0) {
          auto fence = std::make_shared<ManualFence>();
          fence->ready = (i % 2 == 0);
          lease->Release(fence);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_LE(alloc.peak_bytes, bound);
  const PoolStats stats = pool->stats();
  EXPECT_EQ(stats.leased_bytes, 0);
  EXPECT_EQ(stats.allocated_bytes, stats.free_bytes + stats.pending_bytes);
  EXPECT_EQ(stats.allocations + stats.reuses, 8 * 2000);
  EXPECT_EQ(stats.allocated_bytes, alloc.live_bytes);
  pool->Trim();
  EXPECT_EQ(alloc.live_bytes, 0);
  return stats;
}

TEST(PinnedPoolTest, ManyThreadsStayWithinTheBoundAndNeverShareABuffer) {
  // The working set (8 × 224 KiB) does not fit: classes get evicted, the bound holds.
  Hammer(1 << 20);
  // Every class can hold a buffer per thread: buffers are reused, hardly ever allocated.
  const PoolStats stats = Hammer(8 << 20);
  EXPECT_GT(stats.reuses, 10 * stats.allocations);
}

}  // namespace
}  // namespace omearrow
