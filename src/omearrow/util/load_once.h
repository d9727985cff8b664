// Coalescing of concurrent loads: caches use it so that threads missing the same key at
// the same time load it once, the others waiting for that result.
#pragma once

#include <functional>
#include <future>
#include <mutex>
#include <unordered_map>
#include <utility>

#include <arrow/result.h>
#include <arrow/status.h>

#include "omearrow/util/catch_status.h"

namespace omearrow::internal {

// Runs at most one load per key at a time. The first caller for a key runs `load`; callers
// arriving while it runs wait for its result (value or error) instead of loading again.
// Once the load finished the key is forgotten (the caller's cache keeps the value). An
// exception thrown by `load` becomes an error Status for every waiter: no broken promise
// and nothing thrown across threads.
template <typename Key, typename Value, typename Hash = std::hash<Key>>
class LoadOnce {
 public:
  using Result = arrow::Result<Value>;

  Result Run(const Key& key, const std::function<Result()>& load) {
    std::promise<Result> promise;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      auto it = in_flight_.find(key);
      if (it != in_flight_.end()) {
        std::shared_future<Result> pending = it->second;
        lock.unlock();
        return pending.get();
      }
      in_flight_.emplace(key, promise.get_future().share());
    }
    Result result = CallCatching(load);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      in_flight_.erase(key);
    }
    promise.set_value(result);
    return result;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<Key, std::shared_future<Result>, Hash> in_flight_;
};

}  // namespace omearrow::internal
