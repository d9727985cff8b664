#include "plane_loader.h"

#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>

#include "gil.h"
#include "status.h"

namespace nb = nanobind;

namespace omearrow::python {

namespace {

// numpy.asarray, looked up once and deliberately never released: a static nb::object
// would be destroyed after the interpreter finalized.
nb::handle NumpyAsarray() {
  static PyObject* asarray =
      nb::object(nb::module_::import_("numpy").attr("asarray")).release().ptr();
  return asarray;
}

}  // namespace

PlaneLoader MakePlaneLoader(nb::object loader, DType dtype) {
  std::shared_ptr<nb::object> callable = ShareObject(std::move(loader));
  return [callable, dtype](int64_t t, int64_t z, int64_t c) -> arrow::Result<LoadedPlane> {
    nb::gil_scoped_acquire gil;
    try {
      nb::handle asarray = NumpyAsarray();
      nb::object result = (*callable)(t, z, c);
      nb::object flat =
          asarray(result, nb::arg("dtype") = std::string(DTypeName(dtype))).attr("ravel")();
      auto values = nb::cast<nb::ndarray<nb::ro, nb::c_contig, nb::device::cpu>>(flat);
      LoadedPlane plane;
      plane.data = values.data();
      plane.num_elements = static_cast<int64_t>(values.size());
      plane.dtype = dtype;
      plane.owner = ShareObject(std::move(flat));
      return plane;
    } catch (nb::python_error& error) {
      return StatusFromPythonError(error);
    } catch (const nb::cast_error&) {
      return arrow::Status::TypeError("plane_loader(", t, ", ", z, ", ", c,
                                      ") returned a value that is not an array of numbers");
    } catch (const std::exception& error) {  // nothing may escape into core worker threads
      return arrow::Status::UnknownError("plane_loader(", t, ", ", z, ", ", c,
                                         ") failed: ", error.what());
    }
  };
}

}  // namespace omearrow::python
