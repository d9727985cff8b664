// A small process-wide worker pool and a parallel-for over task indices.
#pragma once

#include <cstdint>
#include <functional>

#include <arrow/status.h>

namespace omearrow {

// Number of threads ParallelFor uses by default, read once per process:
// ParallelismFrom(OMEARROW_NUM_THREADS, OMP_NUM_THREADS, the CPUs this process may run on).
int DefaultParallelism();

// The thread budget: `omearrow_threads` if it is a positive integer, else `omp_threads`
// if it is one (Dask's and Ray's workers set OMP_NUM_THREADS to their CPU share, so a
// worker does not start a thread per machine core), else `cpus` (at least 1). Null or
// malformed texts are ignored.
int ParallelismFrom(const char* omearrow_threads, const char* omp_threads, int cpus);

// Runs fn(i) for i in [0, num_tasks) on up to `max_threads` threads (the calling thread
// included; 0 means DefaultParallelism()). Tasks are claimed dynamically, so uneven tasks
// balance. Returns the first error any task returned; after an error, unclaimed tasks
// are skipped. Safe to call from inside another ParallelFor (the caller always makes
// progress on its own tasks, so nesting cannot deadlock).
arrow::Status ParallelFor(int64_t num_tasks, int max_threads,
                          const std::function<arrow::Status(int64_t)>& fn);

}  // namespace omearrow
