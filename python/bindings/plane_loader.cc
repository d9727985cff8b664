#include "plane_loader.h"

#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>

#include "gil.h"
#include "status.h"

namespace nb = nanobind;

namespace omearrow::python {

PlaneLoader MakePlaneLoader(nb::object loader, DType dtype) {
  std::shared_ptr<nb::object> callable = ShareObject(std::move(loader));
  return [callable, dtype](int64_t t, int64_t z, int64_t c) -> arrow::Result<LoadedPlane> {
    nb::gil_scoped_acquire gil;
    try {
      static nb::object asarray = nb::module_::import_("numpy").attr("asarray");
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
    }
  };
}

}  // namespace omearrow::python
