// _core.LazyPlan: the thread-safe, memoized collect() of a LazyTensorView.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>

#include "gil.h"
#include "status.h"
#include "types.h"

namespace nb = nanobind;

namespace omearrow::python {

void RegisterLazy(nb::module_& m) {
  nb::class_<PyLazyPlan>(m, "LazyPlan",
                         "The memo of a deferred view: collect() calls `resolve()` once "
                         "(thread-safe; failures are not memoized) and then returns the "
                         "same View.")
      .def(
          "__init__",
          [](PyLazyPlan* self, nb::object resolve) {
            std::shared_ptr<nb::object> callable = ShareObject(std::move(resolve));
            ViewResolver resolver = [callable](const ViewOptions&) -> arrow::Result<TensorView> {
              nb::gil_scoped_acquire gil;
              try {
                return nb::cast<PyView&>((*callable)()).view;
              } catch (nb::python_error& error) {
                return StatusFromPythonError(error);
              } catch (nb::cast_error&) {
                return arrow::Status::TypeError("the resolver must return a TensorView");
              } catch (const std::exception& error) {
                return arrow::Status::UnknownError("resolver failed: ", error.what());
              }
            };
            new (self) PyLazyPlan{LazyTensorView(nullptr, ViewOptions{}, std::move(resolver))};
          },
          nb::arg("resolve"),
          nb::sig("def __init__(self, resolve: typing.Callable[[], View]) -> None"))
      .def(
          "collect",
          [](const PyLazyPlan& self) {
            arrow::Result<TensorView> view;
            {
              // Waiting for another thread's collect() must not hold the GIL.
              nb::gil_scoped_release release;
              view = self.plan.Collect();
            }
            return PyView{Unwrap(std::move(view))};
          },
          "The concrete View, resolving it on first use.")
      .def_prop_ro("is_collected", [](const PyLazyPlan& self) { return self.plan.is_collected(); },
                   "True once collect() has succeeded.")
      .def_prop_ro("device", [](const PyLazyPlan& self) { return self.plan.device(); },
                   "'cpu' before collecting, else the view's device.");
}

}  // namespace omearrow::python
