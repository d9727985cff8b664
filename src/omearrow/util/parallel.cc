#include "omearrow/util/parallel.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "omearrow/util/catch_status.h"

namespace omearrow {
namespace {

// Worker threads that run queued closures; lives for the whole process.
class WorkerPool {
 public:
  explicit WorkerPool(int num_threads) {
    for (int i = 0; i < num_threads; ++i) {
      threads_.emplace_back([this] { Loop(); });
    }
  }
  ~WorkerPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& thread : threads_) thread.join();
  }
  void Submit(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }

 private:
  void Loop() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  bool stopping_ = false;
};

WorkerPool& Pool() {
  static WorkerPool* pool = new WorkerPool(std::max(1, DefaultParallelism() - 1));
  return *pool;  // intentionally leaked: workers may outlive static destruction order
}

// Shared state of one ParallelFor call.
struct ForState {
  std::function<arrow::Status(int64_t)> fn;
  int64_t num_tasks = 0;
  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::condition_variable done_cv;
  int64_t finished = 0;
  arrow::Status first_error;

  void RunTasks() {
    for (;;) {
      const int64_t i = next.fetch_add(1);
      if (i >= num_tasks) return;
      // An exception must not escape a worker (std::terminate) nor unwind the caller
      // while helpers still run `fn`, which refers to the caller's locals.
      arrow::Status status =
          failed.load() ? arrow::Status::OK() : internal::CallCatching([&] { return fn(i); });
      std::lock_guard<std::mutex> lock(mutex);
      if (!status.ok() && first_error.ok()) {
        first_error = status;
        failed.store(true);
      }
      if (++finished == num_tasks) done_cv.notify_all();
    }
  }
};

}  // namespace

namespace {

// A positive integer below 4096 written in `text`, or 0.
int PositiveThreadCount(const char* text) {
  if (text == nullptr || *text == '\0') return 0;
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text, &end, 10);
  if (errno != 0 || *end != '\0' || value <= 0 || value >= 4096) return 0;
  return static_cast<int>(value);
}

// CPUs in this process's affinity mask (taskset, cgroup cpusets), else the machine's.
int UsableCpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace

int ParallelismFrom(const char* omearrow_threads, const char* omp_threads, int cpus) {
  if (const int n = PositiveThreadCount(omearrow_threads); n > 0) return n;
  if (const int n = PositiveThreadCount(omp_threads); n > 0) return n;
  return std::max(1, cpus);
}

int DefaultParallelism() {
  // Read once: the answer costs a system call or more (glibc's hardware_concurrency()
  // parses a sysfs file), more than a whole small view, and each materialization asks.
  static const int threads = ParallelismFrom(std::getenv("OMEARROW_NUM_THREADS"),
                                             std::getenv("OMP_NUM_THREADS"), UsableCpus());
  return threads;
}

arrow::Status ParallelFor(int64_t num_tasks, int max_threads,
                          const std::function<arrow::Status(int64_t)>& fn) {
  if (num_tasks <= 0) return arrow::Status::OK();
  if (max_threads <= 0) max_threads = DefaultParallelism();
  const int64_t helpers = std::min<int64_t>(max_threads, num_tasks) - 1;
  if (helpers <= 0) {
    for (int64_t i = 0; i < num_tasks; ++i) {
      ARROW_RETURN_NOT_OK(internal::CallCatching([&] { return fn(i); }));
    }
    return arrow::Status::OK();
  }
  std::shared_ptr<ForState> state;
  try {
    state = std::make_shared<ForState>();
    state->fn = fn;
  } catch (...) {
    return internal::StatusFromCurrentException();
  }
  state->num_tasks = num_tasks;
  for (int64_t h = 0; h < helpers; ++h) {
    try {
      Pool().Submit([state] { state->RunTasks(); });
    } catch (...) {
      break;  // fewer helpers: the calling thread still runs every unclaimed task
    }
  }
  state->RunTasks();
  std::unique_lock<std::mutex> lock(state->mutex);
  state->done_cv.wait(lock, [&] { return state->finished == state->num_tasks; });
  return state->first_error;
}

}  // namespace omearrow
