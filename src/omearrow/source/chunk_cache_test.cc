#include "omearrow/source/chunk_cache.h"

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "omearrow/testing/gtest_util.h"

namespace omearrow {
namespace {

DecodedChunkCache::Decoder Bytes(int64_t n, int* calls) {
  return [n, calls]() -> arrow::Result<std::shared_ptr<arrow::Buffer>> {
    ++*calls;
    ARROW_ASSIGN_OR_RAISE(auto buffer, arrow::AllocateBuffer(n));
    return std::shared_ptr<arrow::Buffer>(std::move(buffer));
  };
}

TEST(DecodedChunkCacheTest, HitsMissesAndLruEviction) {
  DecodedChunkCache cache(250);
  int calls = 0;
  ASSERT_OK_AND_ASSIGN(auto a, cache.GetOrDecode(1, Bytes(100, &calls)));
  ASSERT_OK_AND_ASSIGN(auto a2, cache.GetOrDecode(1, Bytes(100, &calls)));
  EXPECT_EQ(a.get(), a2.get());
  ASSERT_OK(cache.GetOrDecode(2, Bytes(100, &calls)).status());
  ASSERT_OK(cache.GetOrDecode(1, Bytes(100, &calls)).status());  // 1 is now most recent
  ASSERT_OK(cache.GetOrDecode(3, Bytes(100, &calls)).status());  // evicts 2
  EXPECT_EQ(cache.bytes_cached(), 200);
  ASSERT_OK(cache.GetOrDecode(1, Bytes(100, &calls)).status());
  EXPECT_EQ(calls, 3);
  ASSERT_OK(cache.GetOrDecode(2, Bytes(100, &calls)).status());
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(cache.hits(), 3);
  EXPECT_EQ(cache.misses(), 4);
}

TEST(DecodedChunkCacheTest, OversizedEntriesAndErrorsAreNotKept) {
  DecodedChunkCache cache(50);
  int calls = 0;
  ASSERT_OK(cache.GetOrDecode(1, Bytes(100, &calls)).status());
  EXPECT_EQ(cache.bytes_cached(), 0);
  auto failing = []() -> arrow::Result<std::shared_ptr<arrow::Buffer>> {
    return arrow::Status::Invalid("bad chunk");
  };
  EXPECT_STATUS(cache.GetOrDecode(2, failing), Invalid, "bad chunk");
  ASSERT_OK(cache.GetOrDecode(2, Bytes(10, &calls)).status());
  EXPECT_EQ(cache.bytes_cached(), 10);
}

// Threads that miss the same chunk together decode it once; the others get its bytes.
TEST(DecodedChunkCacheTest, ConcurrentMissesDecodeOnce) {
  for (int64_t capacity : {int64_t{0}, int64_t{1} << 20}) {
    DecodedChunkCache cache(capacity);
    std::atomic<int> decodes{0};
    std::atomic<bool> go{false};
    auto slow = [&]() -> arrow::Result<std::shared_ptr<arrow::Buffer>> {
      ++decodes;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // hold the miss open
      return arrow::AllocateBuffer(64);
    };
    std::vector<std::thread> threads;
    std::vector<const uint8_t*> seen(8);
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&, i] {
        while (!go) std::this_thread::yield();
        auto got = cache.GetOrDecode(7, slow);
        seen[static_cast<size_t>(i)] = got.ok() ? (*got)->data() : nullptr;
      });
    }
    go = true;
    for (auto& thread : threads) thread.join();
    // Threads that arrived after the decode finished may decode again only when nothing
    // could be kept (capacity 0); with room, all eight share one decode.
    if (capacity > 0) EXPECT_EQ(decodes.load(), 1);
    EXPECT_LT(decodes.load(), 8);
    for (const uint8_t* data : seen) EXPECT_NE(data, nullptr);
  }
}

// An exception from a decoder is an error Status for the caller and for every waiter.
TEST(DecodedChunkCacheTest, ThrowingDecoderBecomesAStatus) {
  DecodedChunkCache cache(1 << 20);
  auto throwing = []() -> arrow::Result<std::shared_ptr<arrow::Buffer>> {
    throw std::runtime_error("decoder blew up");
  };
  EXPECT_STATUS_HAS(cache.GetOrDecode(3, throwing), "decoder blew up");
  int calls = 0;
  ASSERT_OK(cache.GetOrDecode(3, Bytes(8, &calls)).status());  // nothing left in flight
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace omearrow
