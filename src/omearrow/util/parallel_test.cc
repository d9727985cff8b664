#include "omearrow/util/parallel.h"

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "omearrow/testing/gtest_util.h"

namespace omearrow {
namespace {

TEST(ParallelismTest, EnvironmentBudgetsBeforeCpus) {
  EXPECT_EQ(ParallelismFrom(nullptr, nullptr, 8), 8);
  EXPECT_EQ(ParallelismFrom(nullptr, nullptr, 0), 1);
  EXPECT_EQ(ParallelismFrom("3", "1", 8), 3);
  EXPECT_EQ(ParallelismFrom(nullptr, "1", 8), 1);  // a Dask or Ray worker's share
  EXPECT_EQ(ParallelismFrom("", "2", 8), 2);
  for (const char* bad : {"0", "-2", "two", "3x", "99999", " "}) {
    EXPECT_EQ(ParallelismFrom(bad, nullptr, 8), 8) << bad;
    EXPECT_EQ(ParallelismFrom(bad, "5", 8), 5) << bad;
  }
  EXPECT_GE(DefaultParallelism(), 1);
}

TEST(ParallelForTest, RunsEveryTaskExactlyOnce) {
  std::vector<std::atomic<int>> counts(1000);
  ASSERT_OK(ParallelFor(1000, 4, [&](int64_t i) {
    counts[static_cast<size_t>(i)]++;
    return arrow::Status::OK();
  }));
  for (auto& count : counts) EXPECT_EQ(count.load(), 1);
}

TEST(ParallelForTest, ReturnsAnErrorAndStops) {
  std::atomic<int> ran{0};
  auto status = ParallelFor(10000, 3, [&](int64_t i) {
    ++ran;
    return i == 5 ? arrow::Status::Invalid("task 5 failed") : arrow::Status::OK();
  });
  EXPECT_STATUS(status, Invalid, "task 5 failed");
  EXPECT_LT(ran.load(), 10000);
}

TEST(ParallelForTest, NestedCallsDoNotDeadlock) {
  std::atomic<int> total{0};
  ASSERT_OK(ParallelFor(8, 0, [&](int64_t) {
    return ParallelFor(50, 0, [&](int64_t) {
      ++total;
      return arrow::Status::OK();
    });
  }));
  EXPECT_EQ(total.load(), 400);
}

// Exceptions thrown by tasks (on helpers or the caller) become the call's error; the call
// returns only after every task that started has finished.
TEST(ParallelForTest, ExceptionsBecomeStatusAndNothingOutlivesTheCall) {
  for (int threads : {1, 2, 4}) {
    std::atomic<int64_t> ran{0};
    arrow::Status status = ParallelFor(64, threads, [&](int64_t i) -> arrow::Status {
      ++ran;
      if (i == 10) throw std::runtime_error("task 10 threw");
      return arrow::Status::OK();
    });
    EXPECT_FALSE(status.ok());
    EXPECT_NE(status.message().find("task 10 threw"), std::string::npos) << status.ToString();
    const int64_t after = ran.load();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(ran.load(), after);  // no task still running after the call returned
  }
}

}  // namespace
}  // namespace omearrow
