// _core.View: the core TensorView (selection, layout, dtype) and its exports.
#include <optional>
#include <string>
#include <vector>

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "convert.h"
#include "gil.h"
#include "omearrow/tensor/dlpack.h"
#include "status.h"
#include "types.h"

namespace nb = nanobind;

namespace omearrow::python {
namespace {

nb::tuple ToTuple(const std::vector<int64_t>& values) {
  nb::list out;
  for (int64_t v : values) out.append(v);
  return nb::tuple(out);
}

}  // namespace

void RegisterView(nb::module_& m) {
  nb::class_<PyView>(m, "View",
                     "The core tensor view: an image, a normalized selection, a layout and "
                     "an output dtype. Immutable; shape and strides never touch pixels.")
      .def_prop_ro("dtype", [](const PyView& s) { return std::string(DTypeName(s.view.dtype())); },
                   "Output dtype name, e.g. 'uint16'.")
      .def_prop_ro("device", [](const PyView& s) { return std::string(s.view.device()); },
                   "Storage device ('cpu').")
      .def_prop_ro("layout", [](const PyView& s) { return s.view.layout(); },
                   "Effective layout with H/W letters, e.g. 'CHW'.")
      .def_prop_ro("shape", [](const PyView& s) { return ToTuple(Unwrap(s.view.shape())); },
                   "Shape in layout order.")
      .def_prop_ro("strides",
                   [](const PyView& s) { return ToTuple(Unwrap(s.view.strides())); },
                   "Byte strides in layout order (those of to_array(contiguous=False)).")
      .def_prop_ro(
          "canonical_is_contiguous",
          [](const PyView& s) { return Unwrap(s.view.geometry()).CanonicalIsContiguous(); },
          "True when to_array(contiguous=False) is C-contiguous in the layout (no axis "
          "permuted, no channel skipped).")
      .def_prop_ro("warnings", [](const PyView& s) { return ToPyWarnings(s.view.warnings()); },
                   "(category, message) pairs raised while building the view.")
      .def_prop_ro(
          "selection",
          [](const PyView& s) {
            const Selection& sel = s.view.selection();
            return nb::make_tuple(ToTuple(sel.t), ToTuple(sel.z), ToTuple(sel.c),
                                  nb::make_tuple(sel.roi.x, sel.roi.y, sel.roi.w, sel.roi.h));
          },
          "The normalized selection: (t, z, c, (x, y, w, h)).")
      .def(
          "with_layout",
          [](const PyView& s, const std::string& layout) {
            return PyView{Unwrap(s.view.WithLayout(layout))};
          },
          nb::arg("layout"), "The same selection in another layout ('' = default).")
      .def(
          "to_array",
          [](const PyView& s, bool contiguous) {
            arrow::Result<Tensor> tensor;
            {
              nb::gil_scoped_release release;
              tensor = s.view.ToArray(contiguous);
            }
            return TensorToNumpy(Unwrap(std::move(tensor)));
          },
          nb::arg("contiguous") = false,
          "The materialized pixels as a NumPy array (cached per view; with contiguous, a "
          "C-contiguous copy when the layout permutes axes). Releases the GIL.")
      .def(
          "export",
          [](const PyView& s, const std::string& device, bool contiguous,
             const std::string& mode, nb::list warnings) {
            Warnings raised;
            arrow::Result<Tensor> tensor;
            {
              nb::gil_scoped_release release;
              tensor = s.view.Export(device, contiguous, mode, &raised);
            }
            for (nb::handle w : ToPyWarnings(raised)) warnings.append(w);
            return MakeDLPackObject(Unwrap(std::move(tensor)));
          },
          nb::arg("device"), nb::arg("contiguous"), nb::arg("mode"), nb::arg("warnings"),
          "to_dlpack(): the exported tensor as a single-use DLPackObject; warnings are "
          "appended to `warnings` as (category, message) even when the export fails.");

  m.def(
      "make_view",
      [](const PyImage& image, nb::handle t, nb::handle z, nb::handle c, nb::handle roi,
         nb::handle roi3d, nb::handle roi_nd, nb::handle roi_type, nb::handle tile,
         std::optional<std::string> layout, std::optional<std::string> dtype,
         const std::string& channel_policy) {
        ViewOptions options;
        options.selection = ToSelectionArgs(t, z, c, roi, roi3d, roi_nd, roi_type, tile);
        options.layout = std::move(layout);
        if (dtype.has_value()) options.dtype = ToDType(*dtype);
        options.channel_policy = channel_policy;
        return PyView{Unwrap(TensorView::Make(image.image, options))};
      },
      nb::arg("image"), nb::arg("t").none(), nb::arg("z").none(), nb::arg("c").none(),
      nb::arg("roi").none(), nb::arg("roi3d").none(), nb::arg("roi_nd").none(),
      nb::arg("roi_type").none(), nb::arg("tile").none(), nb::arg("layout").none(),
      nb::arg("dtype").none(), nb::arg("channel_policy"),
      nb::sig("def make_view(image: Image, t: object, z: object, c: object, "
              "roi: object, roi3d: object, roi_nd: object, roi_type: object, "
              "tile: object, layout: str | None, dtype: str | None, "
              "channel_policy: str) -> View"),
      "Builds a view with the reference's argument grammar and error messages. Called "
      "positionally by TensorView (keyword matching costs more than the rest of the call).");
}

}  // namespace omearrow::python
