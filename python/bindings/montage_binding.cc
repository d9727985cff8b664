// _core.montage_png: a PNG grid of a collection's images with captions (core
// collection/montage.h). Conversion only.
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <optional>
#include <string>
#include <vector>

#include "omearrow/collection/montage.h"
#include "status.h"
#include "types.h"

namespace nb = nanobind;

namespace omearrow::python {

void RegisterMontage(nb::module_& m) {
  m.def(
      "montage_png",
      [](const PyCollection& self, int64_t n, const std::vector<std::string>& by,
         int64_t size, std::optional<int64_t> columns, int64_t t, std::optional<int64_t> z,
         std::optional<std::vector<int64_t>> c, double low, double high, bool captions,
         const std::string& on_error, int parallelism, const std::string& font_path) {
        MontageOptions options;
        options.n = n;
        options.by = by;
        options.size = size;
        options.columns = columns;
        options.preview.t = t;
        options.preview.z = z;
        options.preview.c = std::move(c);
        options.preview.low_percentile = low;
        options.preview.high_percentile = high;
        options.captions = captions;
        options.on_error = Unwrap(ParseOnError(on_error));
        options.parallelism = parallelism;
        options.font_path = font_path;
        arrow::Result<std::string> png;
        std::vector<MontageFailure> failures;
        {
          nb::gil_scoped_release release;
          arrow::Result<Montage> montage = RenderMontage(self.collection, options);
          if (montage.ok()) {
            png = EncodePng(montage->picture);
            failures = std::move(montage->failures);
          } else {
            png = montage.status();
          }
        }
        const std::string& bytes = Unwrap(std::move(png));
        nb::list skipped;
        for (const auto& failure : failures) {
          skipped.append(nb::make_tuple(failure.index, failure.message));
        }
        return nb::make_tuple(nb::bytes(bytes.data(), bytes.size()), skipped);
      },
      nb::arg("collection"), nb::kw_only(), nb::arg("n"), nb::arg("by"), nb::arg("size"),
      nb::arg("columns").none(), nb::arg("t"), nb::arg("z").none(), nb::arg("c").none(),
      nb::arg("low"), nb::arg("high"), nb::arg("captions"), nb::arg("on_error"),
      nb::arg("parallelism"), nb::arg("font_path"),
      nb::sig("def montage_png(collection: Collection, *, n: int, by: Sequence[str], "
              "size: int, columns: int | None, t: int, z: int | None, "
              "c: Sequence[int] | None, low: float, high: float, captions: bool, "
              "on_error: str, parallelism: int, font_path: str) "
              "-> tuple[bytes, list[tuple[int, str]]]"),
      "PNG bytes of a grid of the first n images' previews with captions (core "
      "RenderMontage; images read on `parallelism` threads, 0: all cores) and the "
      "images drawn as placeholders (on_error='skip') as (index, message); font_path: the "
      "caption font ('': $OMEARROW_FONT or the system's DejaVu Sans). Releases the GIL.");
}

}  // namespace omearrow::python
