// Arrow inputs crossing from Python into C++ through the Arrow PyCapsule interface
// (__arrow_c_array__ / __arrow_c_stream__); no libarrow_python, no pixel conversion.
#pragma once

#include <memory>

#include <arrow/array.h>
#include <arrow/chunked_array.h>
#include <nanobind/nanobind.h>

namespace omearrow::python {

// Imports `obj.__arrow_c_array__()` (a pyarrow Array, or any producer) zero-copy.
std::shared_ptr<arrow::Array> ImportArrowArray(nanobind::handle obj);

// Imports `obj.__arrow_c_stream__()` (a pyarrow ChunkedArray, or any producer).
std::shared_ptr<arrow::ChunkedArray> ImportArrowStream(nanobind::handle obj);

}  // namespace omearrow::python
