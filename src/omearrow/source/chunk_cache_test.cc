#include "omearrow/source/chunk_cache.h"

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

}  // namespace
}  // namespace omearrow
