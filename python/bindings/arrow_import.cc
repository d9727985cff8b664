#include "arrow_import.h"

#include <arrow/c/abi.h>
#include <arrow/c/bridge.h>

#include "status.h"

namespace nb = nanobind;

namespace omearrow::python {
namespace {

template <typename T>
T* CapsulePointer(nb::handle capsule, const char* name) {
  auto* pointer = static_cast<T*>(PyCapsule_GetPointer(capsule.ptr(), name));
  if (pointer == nullptr) throw nb::python_error();
  return pointer;
}

}  // namespace

std::shared_ptr<arrow::Array> ImportArrowArray(nb::handle obj) {
  nb::object pair = obj.attr("__arrow_c_array__")();
  nb::tuple capsules = nb::cast<nb::tuple>(pair);
  if (capsules.size() != 2) throw nb::type_error("__arrow_c_array__ must return 2 capsules");
  auto* schema = CapsulePointer<ArrowSchema>(capsules[0], "arrow_schema");
  auto* array = CapsulePointer<ArrowArray>(capsules[1], "arrow_array");
  // ImportArray moves the array (nulling its release callback) and releases the schema;
  // the capsules' destructors then see released structs and do nothing.
  return Unwrap(arrow::ImportArray(array, schema));
}

std::shared_ptr<arrow::ChunkedArray> ImportArrowStream(nb::handle obj) {
  nb::object capsule = obj.attr("__arrow_c_stream__")();
  auto* stream = CapsulePointer<ArrowArrayStream>(capsule, "arrow_array_stream");
  return Unwrap(arrow::ImportChunkedArray(stream));
}

}  // namespace omearrow::python
