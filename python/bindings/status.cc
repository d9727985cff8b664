#include "status.h"

#include <new>
#include <stdexcept>

namespace nb = nanobind;

namespace omearrow::python {

arrow::Status StatusFromPythonError(nb::python_error& error) {
  std::string message = error.what();
  return arrow::Status(arrow::StatusCode::UnknownError, std::move(message),
                       std::make_shared<PythonErrorDetail>(std::move(error)));
}

void RaiseStatus(const arrow::Status& status) {
  if (auto* detail = dynamic_cast<PythonErrorDetail*>(status.detail().get())) {
    if (detail->error().value().is_valid()) {
      nb::python_error copy = detail->error();  // the detail may be shared
      copy.restore();
      throw nb::python_error();
    }
  }
  const std::string& message = status.message();
  switch (status.code()) {
    case arrow::StatusCode::Invalid:
      throw nb::value_error(message.c_str());
    case arrow::StatusCode::TypeError:
      throw nb::type_error(message.c_str());
    case arrow::StatusCode::IndexError:
      throw nb::index_error(message.c_str());
    case arrow::StatusCode::KeyError:
      throw nb::key_error(message.c_str());
    case arrow::StatusCode::OutOfMemory:
      throw std::bad_alloc();
    default:
      throw std::runtime_error(message);
  }
}

}  // namespace omearrow::python
