// _core.preview_png / preview_view_png: PNG previews of an image or a view (core
// preview.h).
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/vector.h>

#include <optional>
#include <string>
#include <vector>

#include "omearrow/preview.h"
#include "status.h"
#include "types.h"

namespace nb = nanobind;

namespace omearrow::python {
namespace {

PreviewOptions ToOptions(int64_t t, std::optional<int64_t> z,
                         std::optional<std::vector<int64_t>> c, int64_t size, double low,
                         double high) {
  PreviewOptions options;
  options.t = t;
  options.z = z;
  options.c = std::move(c);
  options.size = size;
  options.low_percentile = low;
  options.high_percentile = high;
  return options;
}

// PreviewPng of an image or a view, run without the GIL, as Python bytes.
template <typename Source>
nb::bytes PngWithoutGil(const Source& source, const PreviewOptions& options) {
  arrow::Result<std::string> png;
  {
    nb::gil_scoped_release release;
    png = PreviewPng(source, options);
  }
  const std::string& bytes = Unwrap(std::move(png));
  return nb::bytes(bytes.data(), bytes.size());
}

}  // namespace

void RegisterPreview(nb::module_& m) {
  m.def(
      "preview_png",
      [](const PyImage& image, int64_t t, std::optional<int64_t> z,
         std::optional<std::vector<int64_t>> c, int64_t size, double low, double high) {
        return PngWithoutGil(image.image, ToOptions(t, z, std::move(c), size, low, high));
      },
      nb::arg("image"), nb::kw_only(), nb::arg("t"), nb::arg("z").none(),
      nb::arg("c").none(), nb::arg("size"), nb::arg("low"), nb::arg("high"),
      "PNG bytes of a channel composite of plane (t, z) of `image` (z=None: the middle), "
      "channels `c` (None: all), percentile contrast (low, high), long side <= size. "
      "Releases the GIL.");
  m.def(
      "preview_view_png",
      [](const PyView& view, int64_t t, std::optional<int64_t> z,
         std::optional<std::vector<int64_t>> c, int64_t size, double low, double high) {
        return PngWithoutGil(view.view, ToOptions(t, z, std::move(c), size, low, high));
      },
      nb::arg("view"), nb::kw_only(), nb::arg("t"), nb::arg("z").none(),
      nb::arg("c").none(), nb::arg("size"), nb::arg("low"), nb::arg("high"),
      "preview_png over a view's selection: t, z and c index within it; its ROI is "
      "shown.");
}

}  // namespace omearrow::python
