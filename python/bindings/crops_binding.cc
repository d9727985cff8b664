// _core.crops: many fixed-size crops around a table of centers in one call.
#include <optional>
#include <span>
#include <string>

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include "convert.h"
#include "omearrow/crops.h"
#include "status.h"
#include "types.h"

namespace nb = nanobind;

namespace omearrow::python {

void RegisterCrops(nb::module_& m) {
  m.def(
      "crops",
      [](const PyImage& image,
         nb::ndarray<const double, nb::ndim<2>, nb::c_contig, nb::device::cpu> centers,
         int64_t height, int64_t width, nb::handle t, nb::handle z, nb::handle c,
         std::optional<std::string> dtype, const std::string& boundary, double fill,
         const std::string& output, nb::list warnings) {
        CropOptions options;
        options.height = height;
        options.width = width;
        options.t = ToIndexSpec(t);
        options.z = ToIndexSpec(z);
        options.c = ToIndexSpec(c);
        if (dtype.has_value()) options.dtype = ToDType(*dtype);
        options.boundary = Unwrap(ParseCropBoundary(boundary));
        options.fill = fill;
        if (centers.shape(1) != 2) {
          throw nb::value_error("crops: centers must have shape (N, 2)");
        }
        const std::span<const double> values(centers.data(), centers.shape(0) * 2);
        Warnings raised;
        arrow::Result<Tensor> tensor;
        {
          nb::gil_scoped_release release;
          tensor = Crops(*image.image, values, options, &raised);
        }
        for (nb::handle w : ToPyWarnings(raised)) warnings.append(w);
        Tensor result = Unwrap(std::move(tensor));
        if (output == "dlpack") return MakeDLPackObject(std::move(result));
        return TensorToNumpy(result);
      },
      nb::arg("image"), nb::arg("centers"), nb::arg("height"), nb::arg("width"),
      nb::kw_only(), nb::arg("t").none(), nb::arg("z").none(), nb::arg("c").none(),
      nb::arg("dtype").none(), nb::arg("boundary"), nb::arg("fill"), nb::arg("output"),
      nb::arg("warnings"),
      nb::sig("def crops(image: Image, centers: numpy.ndarray[dtype=float64, shape=(*, 2)], "
              "height: int, width: int, *, t: object, z: object, c: object, "
              "dtype: str | None, boundary: str, fill: float, output: str, "
              "warnings: list) -> object"),
      "Crops of (height, width) around centers[i] = (y, x) from one (t, z): a C-contiguous "
      "(N, C, height, width) array (output='numpy') or a DLPackObject (output='dlpack'). "
      "Runs without the GIL, in parallel over crops; warnings are appended to `warnings`.");
}

}  // namespace omearrow::python
