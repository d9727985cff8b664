// Ownership of Python objects from C++ code that may run without the GIL.
#pragma once

#include <memory>

#include <nanobind/nanobind.h>

namespace omearrow::python {

// A shared reference to a Python object that may be dropped on any thread: the last
// owner releases it under the GIL. A thread that holds the GIL releases it at once, also
// while the interpreter finalizes (module globals are dropped then, with the GIL held;
// skipping them would keep what they reference alive past the extension's teardown);
// other threads take the GIL, and leak it if the interpreter is gone.
inline std::shared_ptr<nanobind::object> ShareObject(nanobind::object obj) {
  return std::shared_ptr<nanobind::object>(
      new nanobind::object(std::move(obj)), [](nanobind::object* p) {
        if (Py_IsInitialized()) {
          nanobind::gil_scoped_acquire gil;
          delete p;
          return;
        }
        // Finalizing: only the thread that runs it still has a thread state and the GIL.
#if PY_VERSION_HEX >= 0x030D0000
        PyThreadState* state = PyThreadState_GetUnchecked();
#else
        PyThreadState* state = _PyThreadState_UncheckedGet();
#endif
        if (state != nullptr && PyGILState_Check()) delete p;
      });
}

}  // namespace omearrow::python
