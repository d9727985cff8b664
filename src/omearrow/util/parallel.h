// A small process-wide worker pool and a parallel-for over task indices.
#pragma once

#include <cstdint>
#include <functional>

#include <arrow/status.h>

namespace omearrow {

// Number of worker threads available to ParallelFor (hardware threads, at least 1; read
// once per process).
int DefaultParallelism();

// Runs fn(i) for i in [0, num_tasks) on up to `max_threads` threads (the calling thread
// included; 0 means DefaultParallelism()). Tasks are claimed dynamically, so uneven tasks
// balance. Returns the first error any task returned; after an error, unclaimed tasks
// are skipped. Safe to call from inside another ParallelFor (the caller always makes
// progress on its own tasks, so nesting cannot deadlock).
arrow::Status ParallelFor(int64_t num_tasks, int max_threads,
                          const std::function<arrow::Status(int64_t)>& fn);

}  // namespace omearrow
