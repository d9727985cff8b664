// _core.crops: many fixed-size crops around a table of centers in one call.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "convert.h"
#include "omearrow/crops.h"
#include "omearrow/tensor/dlpack.h"
#include "status.h"
#include "types.h"

namespace nb = nanobind;

namespace omearrow::python {
namespace {

using OutArray = nb::ndarray<nb::c_contig, nb::device::cpu>;

// The DType of a NumPy array's elements; TypeError when omearrow has none for it.
DType ArrayDType(const OutArray& array) {
  const nb::dlpack::dtype dt = array.dtype();
  for (int i = 0; i < kNumDTypes; ++i) {
    const DLDataType dl = ToDLDataType(static_cast<DType>(i));
    if (dl.code == dt.code && dl.bits == dt.bits && dl.lanes == dt.lanes) {
      return static_cast<DType>(i);
    }
  }
  throw nb::type_error("crops: out has a dtype omearrow does not produce");
}

}  // namespace

void RegisterCrops(nb::module_& m) {
  m.def(
      "crops",
      [](const PyImage& image,
         nb::ndarray<const double, nb::ndim<2>, nb::c_contig, nb::device::cpu> centers,
         int64_t height, int64_t width, nb::handle t, nb::handle z, nb::handle c,
         std::optional<std::string> dtype, const std::string& boundary, double fill,
         const std::string& output, std::optional<OutArray> out, nb::list warnings) {
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
        if (out.has_value()) {
          const DType out_dtype = ArrayDType(*out);
          std::vector<int64_t> shape;
          for (size_t i = 0; i < out->ndim(); ++i) {
            shape.push_back(static_cast<int64_t>(out->shape(i)));
          }
          arrow::Status status;
          {
            nb::gil_scoped_release release;
            status = CropsIntoBuffer(
                *image.image, values, options, static_cast<uint8_t*>(out->data()),
                static_cast<int64_t>(out->nbytes()), shape, out_dtype, &raised);
          }
          for (nb::handle w : ToPyWarnings(raised)) warnings.append(w);
          ThrowIfError(status);
          return nb::object(nb::none());
        }
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
      nb::arg("out").none(), nb::arg("warnings"),
      nb::sig(
          "def crops(image: Image, centers: numpy.ndarray[dtype=float64, shape=(*, 2)], "
          "height: int, width: int, *, t: object, z: object, c: object, "
          "dtype: str | None, boundary: str, fill: float, output: str, "
          "out: numpy.ndarray | None, warnings: list) -> object"),
      "Crops of (height, width) around centers[i] = (y, x) from one (t, z): a "
      "C-contiguous "
      "(N, C, height, width) array (output='numpy') or a DLPackObject (output='dlpack'). "
      "With `out` (a writable C-contiguous array of that shape and dtype) the crops are "
      "written there and None is returned. Runs without the GIL, in parallel over crops; "
      "warnings are appended to `warnings`.");
}

}  // namespace omearrow::python
