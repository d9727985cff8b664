// The one table that turns core Status errors into Python exceptions.
#pragma once

#include <memory>
#include <string>

#include <arrow/result.h>
#include <arrow/status.h>
#include <nanobind/nanobind.h>

namespace omearrow::python {

// A Python exception raised inside a callback (plane_loader, loader, resolver), carried
// through the core as a Status detail and re-raised unchanged.
class PythonErrorDetail : public arrow::StatusDetail {
 public:
  explicit PythonErrorDetail(nanobind::python_error error) : error_(std::move(error)) {}
  const char* type_id() const override { return "omearrow::python::PythonErrorDetail"; }
  std::string ToString() const override { return error_.what(); }
  nanobind::python_error& error() { return error_; }

 private:
  nanobind::python_error error_;
};

// A Status carrying the Python exception being handled (call with the GIL held, inside
// `catch (nanobind::python_error& e)`).
arrow::Status StatusFromPythonError(nanobind::python_error& error);

// Raises the Python exception for `status` (which must not be OK):
//   Invalid → ValueError, TypeError → TypeError, IndexError → IndexError,
//   KeyError → KeyError, OutOfMemory → MemoryError, IOError → OSError (unreadable,
//   truncated or corrupt files), anything else → RuntimeError;
// the message is the status message verbatim (bytes that are not UTF-8, e.g. quoted from a
// corrupt file, become U+FFFD). A PythonErrorDetail is re-raised as is.
[[noreturn]] void RaiseStatus(const arrow::Status& status);

inline void ThrowIfError(const arrow::Status& status) {
  if (!status.ok()) RaiseStatus(status);
}

template <typename T>
T Unwrap(arrow::Result<T> result) {
  if (!result.ok()) RaiseStatus(result.status());
  return std::move(result).ValueUnsafe();
}

}  // namespace omearrow::python
