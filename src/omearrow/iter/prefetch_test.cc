#include "omearrow/iter/prefetch.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <new>
#include <random>
#include <stdexcept>
#include <thread>

#include <arrow/status.h>
#include <gtest/gtest.h>

namespace omearrow {
namespace {

struct Item {
  int64_t value = 0;
  arrow::Status status;
  bool ok() const { return status.ok(); }
  static Item FromError(arrow::Status error) { return Item{-1, std::move(error)}; }
};

void SleepRandomMicros(int64_t seed, int max_us) {
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::this_thread::sleep_for(std::chrono::microseconds(rng() % max_us));
}

TEST(PrefetchTest, ItemsComeInTaskOrderWhateverTheTiming) {
  for (int64_t prefetch : {0, 1, 2, 3, 8}) {
    OrderedPrefetcher<Item> prefetcher(40, prefetch, 4, [](int64_t i) {
      SleepRandomMicros(i, 500);
      return Item{i * i, arrow::Status::OK()};
    });
    for (int64_t i = 0; i < 40; ++i) {
      auto item = prefetcher.Next();
      ASSERT_TRUE(item.has_value());
      EXPECT_EQ(item->value, i * i);
    }
    EXPECT_FALSE(prefetcher.Next().has_value());
    EXPECT_FALSE(prefetcher.Next().has_value());
  }
  EXPECT_EQ(LivePrefetchWorkers(), 0);
}

TEST(PrefetchTest, AtMostPrefetchItemsAheadOfTheConsumer) {
  constexpr int64_t kPrefetch = 3;
  std::atomic<int64_t> taken{0};
  std::atomic<int64_t> violations{0};
  std::atomic<int64_t> max_ahead{0};
  OrderedPrefetcher<Item> prefetcher(60, kPrefetch, 8, [&](int64_t i) {
    // Item i may be started once the consumer holds item i - kPrefetch (it has taken
    // i - kPrefetch + 1 items); `taken` lags Next() by at most one.
    const int64_t ahead = i - taken.load();
    if (ahead > kPrefetch) violations.fetch_add(1);
    int64_t seen = max_ahead.load();
    while (ahead > seen && !max_ahead.compare_exchange_weak(seen, ahead)) {
    }
    return Item{i, arrow::Status::OK()};
  });
  for (int64_t i = 0; i < 60; ++i) {
    auto item = prefetcher.Next();
    ASSERT_TRUE(item.has_value());
    taken.fetch_add(1);
    std::this_thread::sleep_for(std::chrono::microseconds(200));  // a slow consumer
  }
  EXPECT_EQ(violations.load(), 0);
  EXPECT_GE(max_ahead.load(), 2);  // the workers did run ahead
}

// With as many workers as prefetch slots, a worker that finished the item after the
// consumer's current one must not idle until the current one is done: while the
// consumer is in Next() for item 0, item 2 (= 0 + prefetch) may start. Item 0 here only
// finishes once item 2 has started (or after 10 s, which fails the test rather than
// hanging it).
TEST(PrefetchTest, AFreeWorkerStartsTheNextItemWhileTheConsumersItemIsInProgress) {
  constexpr int64_t kPrefetch = 2;
  std::mutex mutex;
  std::condition_variable started_cv;
  bool item2_started = false;
  bool item0_saw_item2 = false;
  OrderedPrefetcher<Item> prefetcher(6, kPrefetch, kPrefetch, [&](int64_t i) {
    std::unique_lock<std::mutex> lock(mutex);
    if (i == 2) {
      item2_started = true;
      started_cv.notify_all();
    }
    if (i == 0) {
      item0_saw_item2 =
          started_cv.wait_for(lock, std::chrono::seconds(10), [&] { return item2_started; });
    }
    return Item{i, arrow::Status::OK()};
  });
  for (int64_t i = 0; i < 6; ++i) {
    auto item = prefetcher.Next();
    ASSERT_TRUE(item.has_value());
    EXPECT_EQ(item->value, i);
  }
  EXPECT_TRUE(item0_saw_item2);
}

TEST(PrefetchTest, TinyItemsAreEachProducedOnceInOrderWhoeverProducesThem) {
  // Items far cheaper than a thread wake-up: the consumer often produces the next item
  // itself (no worker has started it). Every item must still be produced exactly once
  // and come out in order, and the window bound must hold.
  for (int64_t prefetch : {1, 2, 4}) {
    constexpr int64_t kTasks = 5000;
    std::vector<std::atomic<int>> produced(kTasks);
    std::atomic<int64_t> taken{0};
    std::atomic<int64_t> violations{0};
    OrderedPrefetcher<Item> prefetcher(kTasks, prefetch, 2, [&](int64_t i) {
      produced[static_cast<size_t>(i)].fetch_add(1);
      if (i - taken.load() > prefetch) violations.fetch_add(1);
      return Item{i, arrow::Status::OK()};
    });
    for (int64_t i = 0; i < kTasks; ++i) {
      auto item = prefetcher.Next();
      ASSERT_TRUE(item.has_value());
      ASSERT_EQ(item->value, i);
      taken.fetch_add(1);
    }
    EXPECT_FALSE(prefetcher.Next().has_value());
    for (const auto& count : produced) ASSERT_EQ(count.load(), 1);
    EXPECT_EQ(violations.load(), 0);
  }
}

TEST(PrefetchTest, ErrorSurfacesAtItsPositionThenTheStreamEnds) {
  for (int64_t prefetch : {0, 1, 4}) {
    std::atomic<int64_t> max_started{-1};
    OrderedPrefetcher<Item> prefetcher(100, prefetch, 4, [&](int64_t i) {
      int64_t seen = max_started.load();
      while (i > seen && !max_started.compare_exchange_weak(seen, i)) {
      }
      if (i == 5) return Item{i, arrow::Status::IOError("bad chunk 5")};
      return Item{i, arrow::Status::OK()};
    });
    for (int64_t i = 0; i < 5; ++i) {
      auto item = prefetcher.Next();
      ASSERT_TRUE(item.has_value());
      EXPECT_TRUE(item->ok());
    }
    auto failed = prefetcher.Next();
    ASSERT_TRUE(failed.has_value());
    EXPECT_TRUE(failed->status.IsIOError());
    EXPECT_EQ(failed->status.message(), "bad chunk 5");
    EXPECT_FALSE(prefetcher.Next().has_value());
    EXPECT_LE(max_started.load(), 5 + prefetch);
  }
  EXPECT_EQ(LivePrefetchWorkers(), 0);
}

TEST(PrefetchTest, DestroyingEarlyStopsAndJoinsWorkers) {
  std::atomic<int64_t> produced{0};
  {
    OrderedPrefetcher<Item> prefetcher(1000000, 4, 4, [&](int64_t i) {
      produced.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::microseconds(100));
      return Item{i, arrow::Status::OK()};
    });
    ASSERT_TRUE(prefetcher.Next().has_value());
    EXPECT_GT(LivePrefetchWorkers(), 0);
  }
  EXPECT_EQ(LivePrefetchWorkers(), 0);
  EXPECT_LE(produced.load(), 1 + 4);
  // Stop() before the end does the same, and Next() then ends.
  OrderedPrefetcher<Item> stopped(100, 2, 2,
                                  [](int64_t i) { return Item{i, arrow::Status::OK()}; });
  stopped.Stop();
  EXPECT_EQ(LivePrefetchWorkers(), 0);
  EXPECT_FALSE(stopped.Next().has_value());
}

TEST(PrefetchTest, ZeroTasksAndSynchronousModeStartNoThreads) {
  OrderedPrefetcher<Item> empty(0, 4, 4, [](int64_t i) { return Item{i, {}}; });
  EXPECT_EQ(LivePrefetchWorkers(), 0);
  EXPECT_FALSE(empty.Next().has_value());
  std::thread::id producer;
  OrderedPrefetcher<Item> sync(3, 0, 4, [&](int64_t i) {
    producer = std::this_thread::get_id();
    return Item{i, {}};
  });
  EXPECT_EQ(LivePrefetchWorkers(), 0);
  ASSERT_TRUE(sync.Next().has_value());
  EXPECT_EQ(producer, std::this_thread::get_id());
}

// A producer that throws (e.g. std::bad_alloc) gives an error item at its position, on
// the consumer's thread and on workers alike; it never terminates the process.
TEST(PrefetchTest, ExceptionsBecomeErrorItemsAtTheirPosition) {
  for (int64_t prefetch : {0, 1, 3}) {
    OrderedPrefetcher<Item> prefetcher(20, prefetch, 3, [](int64_t i) -> Item {
      if (i == 6) throw std::bad_alloc();
      if (i == 9) throw std::runtime_error("never reached");
      return Item{i, arrow::Status::OK()};
    });
    for (int64_t i = 0; i < 6; ++i) {
      auto item = prefetcher.Next();
      ASSERT_TRUE(item.has_value());
      EXPECT_EQ(item->value, i);
    }
    auto failed = prefetcher.Next();
    ASSERT_TRUE(failed.has_value());
    EXPECT_TRUE(failed->status.IsOutOfMemory()) << failed->status.ToString();
    EXPECT_FALSE(prefetcher.Next().has_value());
  }
}

}  // namespace
}  // namespace omearrow
