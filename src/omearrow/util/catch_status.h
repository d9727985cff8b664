// Exceptions never cross a thread boundary or the C++ API: code that runs user callbacks
// or allocates on worker threads calls through these, which turn an exception into an
// error Status.
#pragma once

#include <exception>
#include <new>
#include <type_traits>
#include <utility>

#include <arrow/result.h>
#include <arrow/status.h>

namespace omearrow::internal {

// The Status of the exception being handled (call inside a catch block only).
inline arrow::Status StatusFromCurrentException() {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    return arrow::Status::OutOfMemory("out of memory (std::bad_alloc)");
  } catch (const std::exception& error) {
    return arrow::Status::UnknownError("unexpected exception: ", error.what());
  } catch (...) {
    return arrow::Status::UnknownError("unexpected exception of an unknown type");
  }
}

// Calls `f()` (returning arrow::Status or arrow::Result<T>) and returns its result, or
// the Status of an exception it threw.
template <typename F>
auto CallCatching(F&& f) -> decltype(f()) {
  try {
    return std::forward<F>(f)();
  } catch (...) {
    return StatusFromCurrentException();
  }
}

}  // namespace omearrow::internal
