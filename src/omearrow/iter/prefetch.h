// An ordered prefetch stage: up to N items produced ahead of the consumer on worker
// threads, handed out strictly in task order, with bounded memory.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "omearrow/util/catch_status.h"

namespace omearrow {

// Number of prefetch worker threads alive in the process (a test hook: it returns to its
// old value once every prefetcher has been stopped or destroyed).
int64_t LivePrefetchWorkers();

namespace internal {
void AddLivePrefetchWorkers(int64_t delta);
}  // namespace internal

// The iterators' adaptive run-ahead threshold: items cheaper than this on average (a
// small tile from memory or from already decoded chunks) are produced by the consumer,
// because passing an item between threads (a wake-up, on a loaded machine tens of
// microseconds) would cost more than producing it.
inline constexpr int64_t kIteratorRunAheadMinNs = 50'000;

// Produces items 0..num_tasks-1 with `produce(i)` and returns them in index order.
// T must have `bool ok() const` and `static T FromError(arrow::Status)` (an exception
// thrown by `produce` becomes that item's error, on every thread); an item that is not
// ok() is returned like any other, and then the prefetcher is finished (no later item is
// returned; workers stop claiming tasks past it).
//
// prefetch == 0: each Next() calls produce() on the calling thread.
// prefetch == N > 0: min(N, num_threads, num_tasks) worker threads produce items while
// the consumer works; at most N items (finished or in progress) are held ahead of the
// consumer: of the next item it will take, or, while it produces or waits for that
// item in Next(), of that one (items next_out + 1 .. next_out + N). Stop() (and the destructor) cancels the tasks not yet
// started and joins the workers (waiting for the items in progress to finish). When no
// worker has started the item the consumer asks for next, the consumer produces it
// itself rather than wait (small items).
//
// `run_ahead_min_ns` > 0 makes run-ahead adaptive: the consumer produces the first item
// and the workers start only when an item costs at least that much; while the items cost
// less on average (a moving average of the last ~8), handing them between threads costs
// more than it saves, so workers pause and the consumer produces each item itself; they
// resume as soon as items get expensive again. 0: workers start at once and always run
// ahead.
//
// `produce` must be safe to call concurrently for different indices. Next() and Stop()
// are for one consumer thread.
template <typename T>
class OrderedPrefetcher {
 public:
  using Producer = std::function<T(int64_t index)>;

  OrderedPrefetcher(int64_t num_tasks, int64_t prefetch, int num_threads,
                    Producer produce, int64_t run_ahead_min_ns = 0)
      : num_tasks_(std::max<int64_t>(num_tasks, 0)),
        prefetch_(std::max<int64_t>(prefetch, 0)),
        produce_(std::move(produce)),
        run_ahead_min_ns_(std::max<int64_t>(run_ahead_min_ns, 0)),
        stop_at_(num_tasks_) {
    if (prefetch_ == 0 || num_tasks_ == 0) return;
    threads_ = std::min<int64_t>({prefetch_, std::max(num_threads, 1), num_tasks_});
    // Adaptive: the consumer produces the first item and measures it; workers start
    // only once items prove expensive (a thread start can take milliseconds on a loaded
    // machine, more than a whole stream of small items).
    if (run_ahead_min_ns_ == 0) StartWorkers();
  }

  ~OrderedPrefetcher() { Stop(); }

  OrderedPrefetcher(const OrderedPrefetcher&) = delete;
  OrderedPrefetcher& operator=(const OrderedPrefetcher&) = delete;

  int64_t num_tasks() const { return num_tasks_; }
  // Index of the item the next Next() returns (consumer thread only).
  int64_t next_index() const { return next_out_; }

  // The next item in task order, or nullopt when all were returned, after a failed item,
  // or after Stop().
  std::optional<T> Next() {
    if (finished_) return std::nullopt;
    if (next_out_ >= num_tasks_) {
      Finish();
      return std::nullopt;
    }
    std::optional<T> item;
    if (prefetch_ == 0) {
      const int64_t index = next_out_++;
      item.emplace(ProduceCatching(index));
    } else {
      std::unique_lock<std::mutex> lock(mutex_);
      if (next_claim_ == next_out_ && next_out_ < stop_at_ && !stopping_) {
        // No worker has started the next item (they are waking up, or small items
        // outran them): produce it here instead of sleeping until one does, so that
        // prefetch never makes a consumer wait longer than producing the item itself.
        const int64_t index = next_claim_++;
        consumer_on_next_ = true;
        lock.unlock();
        if (started_ && RunAhead()) work_cv_.notify_one();
        item.emplace(ProduceCatching(index));
        lock.lock();
        consumer_on_next_ = false;
        if (!item->ok()) stop_at_ = std::min(stop_at_, index + 1);
      } else {
        if (ready_.count(next_out_) == 0) {
          consumer_on_next_ = true;
          if (RunAhead()) work_cv_.notify_one();
          ready_cv_.wait(lock, [this] { return ready_.count(next_out_) > 0; });
          consumer_on_next_ = false;
        }
        auto it = ready_.find(next_out_);
        item.emplace(std::move(it->second));
        ready_.erase(it);
      }
      ++next_out_;
      lock.unlock();
      // Room for one more item ahead: one worker can take it (paused workers would only
      // wake up to sleep again).
      if (RunAhead()) {
        if (!started_ && item->ok() && next_out_ < num_tasks_) StartWorkers();
        work_cv_.notify_one();
      }
    }
    if (!item->ok() || next_out_ >= num_tasks_) Finish();
    return item;
  }

  // Cancels the remaining tasks and joins the workers; idempotent.
  void Stop() { Finish(); }

 private:
  // Starts the worker threads (consumer thread only; once). Fewer start when the system
  // refuses threads; with none, the consumer keeps producing every item itself.
  void StartWorkers() {
    started_ = true;
    workers_.reserve(static_cast<size_t>(threads_));
    for (int64_t i = 0; i < threads_; ++i) {
      internal::AddLivePrefetchWorkers(1);
      try {
        workers_.emplace_back([this] {
          Work();
          internal::AddLivePrefetchWorkers(-1);
        });
      } catch (...) {  // no thread could be started: run with the workers there are
        internal::AddLivePrefetchWorkers(-1);
        break;
      }
    }
  }

  T ProduceCatching(int64_t index) {
    if (run_ahead_min_ns_ == 0) return ProduceOrError(index);
    const auto start = std::chrono::steady_clock::now();
    T item = ProduceOrError(index);
    const int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::steady_clock::now() - start)
                           .count();
    // Moving average over about the last 8 items (races between producers only blur it).
    const int64_t old = average_ns_.load(std::memory_order_relaxed);
    average_ns_.store(old < 0 ? ns : old + (ns - old) / 8, std::memory_order_relaxed);
    return item;
  }

  T ProduceOrError(int64_t index) const {
    try {
      return produce_(index);
    } catch (...) {
      return T::FromError(internal::StatusFromCurrentException());
    }
  }

  // Whether workers should produce ahead: always, unless adaptive and the items so far
  // were cheaper than run_ahead_min_ns_ (no item measured yet: run ahead).
  bool RunAhead() const {
    if (run_ahead_min_ns_ == 0) return true;
    const int64_t average = average_ns_.load(std::memory_order_relaxed);
    return average < 0 || average >= run_ahead_min_ns_;
  }

  void Finish() {
    finished_ = true;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    work_cv_.notify_all();
    for (std::thread& worker : workers_) {
      if (worker.joinable()) worker.join();
    }
    workers_.clear();
    std::map<int64_t, T> dropped;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      dropped.swap(ready_);
    }
  }

  void Work() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      work_cv_.wait(lock, [this] {
        return stopping_ || next_claim_ >= stop_at_ ||
               (next_claim_ < next_out_ + prefetch_ + (consumer_on_next_ ? 1 : 0) &&
                RunAhead());
      });
      if (stopping_ || next_claim_ >= stop_at_) return;
      const int64_t index = next_claim_++;
      lock.unlock();
      T item = ProduceCatching(index);
      lock.lock();
      if (!item.ok()) stop_at_ = std::min(stop_at_, index + 1);
      ready_.emplace(index, std::move(item));
      if (index == next_out_) ready_cv_.notify_one();  // only the consumer waits here
    }
  }

  const int64_t num_tasks_;
  int64_t prefetch_;  // set before the workers start; 0 when none could be started
  const Producer produce_;
  const int64_t run_ahead_min_ns_;
  std::atomic<int64_t> average_ns_{-1};  // moving average cost of an item; -1: none yet
  bool finished_ = false;                // consumer side only
  bool started_ = false;                 // consumer side only: StartWorkers() ran
  int64_t threads_ = 0;                  // worker threads to start

  std::mutex mutex_;
  std::condition_variable work_cv_;   // workers wait for room ahead
  std::condition_variable ready_cv_;  // the consumer waits for its next item
  int64_t next_claim_ = 0;            // next task a worker takes
  int64_t next_out_ = 0;  // next task the consumer takes (written under mutex_)
  int64_t stop_at_;       // no task at or past this index is started
  bool stopping_ = false;
  // The consumer is inside Next() for item next_out_ (producing it or waiting for it):
  // that item is its current one, not one ahead, so one more may start meanwhile. Without
  // this, a worker that finished item next_out_ + 1 early idled until item next_out_ was
  // done, most of the gap to full use of the cores when workers = prefetch slots.
  bool consumer_on_next_ = false;
  std::map<int64_t, T> ready_;
  std::vector<std::thread> workers_;
};

}  // namespace omearrow
