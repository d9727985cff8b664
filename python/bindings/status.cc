#include "status.h"

#include <new>
#include <stdexcept>

#include <arrow/util/io_util.h>

namespace nb = nanobind;

namespace omearrow::python {

arrow::Status StatusFromPythonError(nb::python_error& error) {
  std::string message = error.what();
  return arrow::Status(arrow::StatusCode::UnknownError, std::move(message),
                       std::make_shared<PythonErrorDetail>(std::move(error)));
}

namespace {

// Raises `type(message)`; bytes of the message that are not UTF-8 (text quoted from a
// corrupt file) become U+FFFD instead of turning the error into a UnicodeDecodeError.
[[noreturn]] void Raise(PyObject* type, const std::string& message) {
  PyObject* text =
      PyUnicode_DecodeUTF8(message.data(), static_cast<Py_ssize_t>(message.size()), "replace");
  if (text == nullptr) throw nb::python_error();
  PyErr_SetObject(type, text);
  Py_DECREF(text);
  throw nb::python_error();
}

// Raises OSError(message) with `errno` set from the status's errno detail when it has
// one; str() stays the message (Python callers that know the file name build the
// standard OSError(errno, message, filename) from it).
[[noreturn]] void RaiseOSError(const arrow::Status& status) {
  const std::string& message = status.message();
  const int err = arrow::internal::ErrnoFromStatus(status);
  if (err <= 0) Raise(PyExc_OSError, message);
  nb::object text = nb::steal(
      PyUnicode_DecodeUTF8(message.data(), static_cast<Py_ssize_t>(message.size()), "replace"));
  if (!text.is_valid()) throw nb::python_error();
  nb::object exc = nb::steal(PyObject_CallOneArg(PyExc_OSError, text.ptr()));
  if (!exc.is_valid()) throw nb::python_error();
  nb::setattr(exc, "errno", nb::int_(err));
  PyErr_SetObject(PyExc_OSError, exc.ptr());
  throw nb::python_error();
}

}  // namespace

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
      Raise(PyExc_ValueError, message);
    case arrow::StatusCode::TypeError:
      Raise(PyExc_TypeError, message);
    case arrow::StatusCode::IndexError:
      Raise(PyExc_IndexError, message);
    case arrow::StatusCode::KeyError:
      Raise(PyExc_KeyError, message);
    case arrow::StatusCode::OutOfMemory:
      throw std::bad_alloc();
    case arrow::StatusCode::IOError:
      RaiseOSError(status);
    default:
      Raise(PyExc_RuntimeError, message);
  }
}

}  // namespace omearrow::python
