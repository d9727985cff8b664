// Ownership of Python objects from C++ code that may run without the GIL.
#pragma once

#include <memory>

#include <nanobind/nanobind.h>

namespace omearrow::python {

// A shared reference to a Python object that may be dropped on any thread: the last
// owner takes the GIL to release it (and leaks it if the interpreter is gone).
inline std::shared_ptr<nanobind::object> ShareObject(nanobind::object obj) {
  return std::shared_ptr<nanobind::object>(
      new nanobind::object(std::move(obj)), [](nanobind::object* p) {
        if (!Py_IsInitialized()) return;
        nanobind::gil_scoped_acquire gil;
        delete p;
      });
}

}  // namespace omearrow::python
