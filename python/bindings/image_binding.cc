// omearrow._core.Image: a parsed record (metadata + pixel source) and its factories.
#include <memory>
#include <string>

#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>

#include "arrow_import.h"
#include "omearrow/image.h"
#include "omearrow/source/callback_source.h"
#include "omearrow/source/record.h"
#include "plane_loader.h"
#include "status.h"
#include "convert.h"
#include "types.h"

namespace nb = nanobind;

namespace omearrow::python {
namespace {

RecordOrigin ParseOrigin(const std::string& origin) {
  if (origin == "array") return RecordOrigin::kStructArray;
  if (origin == "scalar") return RecordOrigin::kStructScalar;
  if (origin == "dict") return RecordOrigin::kDict;
  throw nb::value_error(("unknown record origin '" + origin + "'").c_str());
}

RecordOptions ToRecordOptions(std::optional<int64_t> decoded_chunk_cache_bytes) {
  RecordOptions options;
  if (decoded_chunk_cache_bytes.has_value()) {
    options.decoded_chunk_cache_bytes = *decoded_chunk_cache_bytes;
  }
  return options;
}

}  // namespace

void RegisterImage(nb::module_& m) {
  nb::class_<PyImage>(m, "Image",
                      "A parsed OME-Arrow record: metadata plus a source of its pixels "
                      "(no pixels are copied).")
      .def_prop_ro(
          "meta_dtype",
          [](const PyImage& self) {
            std::string warning;
            return std::string(DTypeName(DTypeFromMeta(self.image->pixels_meta().type,
                                                       &warning)));
          },
          "The dtype named by pixels_meta.type (uint16 when missing or unknown).")
      .def_prop_ro(
          "encoding",
          [](const PyImage& self) { return std::string(PixelEncodingName(self.image->encoding())); },
          "How the record stores its pixels.")
      .def_prop_ro(
          "shape",
          [](const PyImage& self) {
            const PixelsMeta& pm = self.image->pixels_meta();
            return nb::make_tuple(pm.size_t, pm.size_z, pm.size_c, pm.size_y, pm.size_x);
          },
          "(size_t, size_z, size_c, size_y, size_x).");

  m.def(
      "image_from_array",
      [](nb::handle data, const std::string& origin, const std::string& chunk_policy,
         std::optional<int64_t> decoded_chunk_cache_bytes) {
        Unwrap(ParseChunkPolicy(chunk_policy));
        const RecordOrigin parsed_origin = ParseOrigin(origin);
        std::shared_ptr<arrow::Array> array = ImportArrowArray(data);
        std::shared_ptr<const Image> image =
            Unwrap(ImageFromArray(array, 0, ToRecordOptions(decoded_chunk_cache_bytes)));
        if (parsed_origin != RecordOrigin::kStructArray) image = image->WithOrigin(parsed_origin);
        return PyImage{std::move(image)};
      },
      nb::arg("data"), nb::arg("origin"), nb::arg("chunk_policy"),
      nb::arg("decoded_chunk_cache_bytes").none() = nb::none(),
      "Parses row 0 of an Arrow struct array given through __arrow_c_array__; `origin` "
      "('array', 'scalar' or 'dict') tags what the user passed, for mode='arrow' warnings. "
      "decoded_chunk_cache_bytes: RecordOptions' cache of decoded byte chunks (None = "
      "default; 0 = off).");

  m.def(
      "image_from_stream",
      [](nb::handle data, const std::string& chunk_policy,
         std::optional<int64_t> decoded_chunk_cache_bytes) {
        const ChunkPolicy policy = Unwrap(ParseChunkPolicy(chunk_policy));
        std::shared_ptr<arrow::ChunkedArray> chunked = ImportArrowStream(data);
        return PyImage{Unwrap(
            ImageFromChunkedArray(chunked, policy, ToRecordOptions(decoded_chunk_cache_bytes)))};
      },
      nb::arg("data"), nb::arg("chunk_policy"),
      nb::arg("decoded_chunk_cache_bytes").none() = nb::none(),
      "Parses the first record of a chunked struct column given through "
      "__arrow_c_stream__, following chunk_policy.");

  m.def(
      "image_with_plane_loader",
      [](const PyImage& base, nb::object loader, std::optional<std::string> dtype) {
        DType view_dtype;
        if (dtype.has_value()) {
          view_dtype = ToDType(*dtype);
        } else {
          std::string warning;
          view_dtype = DTypeFromMeta(base.image->pixels_meta().type, &warning);
        }
        const Image& image = *base.image;
        return PyImage{Unwrap(ImageFromPlaneLoader(image.info(), image.pixels_meta(),
                                                   image.chunk_grid(),
                                                   MakePlaneLoader(std::move(loader),
                                                                   view_dtype)))};
      },
      nb::arg("base"), nb::arg("plane_loader"), nb::arg("dtype").none(),
      "The image `base` with pixels from plane_loader(t, z, c), each result converted as "
      "numpy.asarray(result, dtype=dtype) (dtype None = the record's dtype).");
}

}  // namespace omearrow::python
