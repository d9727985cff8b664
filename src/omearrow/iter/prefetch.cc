#include "omearrow/iter/prefetch.h"

#include <atomic>

namespace omearrow {
namespace {
std::atomic<int64_t> live_workers{0};
}  // namespace

int64_t LivePrefetchWorkers() { return live_workers.load(); }

namespace internal {
void AddLivePrefetchWorkers(int64_t delta) { live_workers.fetch_add(delta); }
}  // namespace internal

}  // namespace omearrow
