// Collections: open_collection, the Collection object (metadata table through the Arrow
// PyCapsule stream interface, errors, take, open_image). Conversion only; the work is
// the core's (omearrow/collection).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/c/abi.h>
#include <arrow/c/bridge.h>
#include <arrow/table.h>
#include <nanobind/nanobind.h>
#include <arrow/buffer.h>
#include <arrow/compute/expression.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "convert.h"
#include "omearrow/collection/collection.h"
#include "omearrow/collection/filter.h"
#include "omearrow/collection/open_uri.h"
#include "status.h"
#include "types.h"

namespace nb = nanobind;

namespace omearrow::python {
namespace {

// _core.ArrowTable: a table handed to Python through __arrow_c_stream__ (pa.table(obj)).
struct PyArrowTable {
  std::shared_ptr<arrow::Table> table;
};

}  // namespace

void RegisterCollections(nb::module_& m) {
  nb::class_<PyArrowTable>(m, "ArrowTable",
                           "An Arrow table produced by the core; pyarrow.table(obj) imports "
                           "it zero-copy through the Arrow PyCapsule stream interface.")
      .def(
          "__arrow_c_stream__",
          [](const PyArrowTable& self, nb::handle requested_schema) {
            (void)requested_schema;
            auto reader = std::make_shared<arrow::TableBatchReader>(self.table);
            auto* stream = new ArrowArrayStream;
            const arrow::Status status = arrow::ExportRecordBatchReader(reader, stream);
            if (!status.ok()) {
              delete stream;
              RaiseStatus(status);
            }
            return nb::capsule(stream, "arrow_array_stream", [](void* p) noexcept {
              auto* s = static_cast<ArrowArrayStream*>(p);
              if (s->release != nullptr) s->release(s);
              delete s;
            });
          },
          nb::arg("requested_schema").none() = nb::none(),
          nb::sig("def __arrow_c_stream__(self, requested_schema: object | None = None) "
                  "-> object"),
          "The ArrowArrayStream PyCapsule of the table.");

  nb::class_<PyCollection>(m, "Collection",
                           "Images of many files (core Collection); see "
                           "omearrow.open_collection.")
      .def("__len__", [](const PyCollection& self) { return self.collection.size(); })
      .def_prop_ro(
          "metadata",
          [](const PyCollection& self) { return PyArrowTable{self.collection.metadata()}; },
          "The metadata table (one row per image) as an ArrowTable.")
      .def_prop_ro(
          "errors",
          [](const PyCollection& self) {
            std::vector<std::pair<std::string, std::string>> out;
            for (const auto& error : self.collection.errors()) {
              out.emplace_back(error.path, error.message);
            }
            nb::list list;
            for (auto& [path, message] : out) list.append(nb::make_tuple(path, message));
            return list;
          },
          nb::sig("def errors(self) -> list[tuple[str, str]]"),
          "Files left out (on_error='skip') as (path, message).")
      .def_prop_ro("open_bytes_read",
                   [](const PyCollection& self) { return self.collection.open_bytes_read(); },
                   "Bytes read while opening (footers and metadata leaves).")
      .def_prop_ro("row_groups",
                   [](const PyCollection& self) { return self.collection.row_groups(); },
                   "Row groups of the files opened.")
      .def_prop_ro(
          "row_groups_skipped",
          [](const PyCollection& self) { return self.collection.row_groups_skipped(); },
          "Row groups the open's filter ruled out by their statistics (never read).")
      .def(
          "take",
          [](const PyCollection& self, const std::vector<int64_t>& indices) {
            arrow::Result<Collection> taken;
            {
              nb::gil_scoped_release release;
              taken = self.collection.Take(indices);
            }
            return PyCollection{Unwrap(std::move(taken))};
          },
          nb::arg("indices"), "The images at `indices`, in that order (core Take).")
      .def(
          "open_image",
          [](const PyCollection& self, int64_t index) {
            arrow::Result<OpenedImage> opened;
            {
              nb::gil_scoped_release release;
              opened = self.collection.OpenImage(index);
            }
            OpenedImage result = Unwrap(std::move(opened));
            return nb::make_tuple(PyImage{std::move(result.image)},
                                  ToPyWarnings(result.warnings));
          },
          nb::arg("index"),
          nb::sig("def open_image(self, index: int) -> tuple[Image, list[tuple[str, str]]]"),
          "Opens image `index` reading only its metadata; returns (image, warnings). "
          "Releases the GIL.")
      .def(
          "entry",
          [](const PyCollection& self, int64_t index) {
            if (index < 0 || index >= self.collection.size()) {
              throw nb::index_error("collection index out of range");
            }
            return nb::make_tuple(self.collection.path(index), self.collection.row(index),
                                  self.collection.column(index));
          },
          nb::arg("index"),
          nb::sig("def entry(self, index: int) -> tuple[str, int, str]"),
          "(path or URI, row, record column) of image `index`.");

  m.def(
      "open_collection",
      [](const std::vector<std::string>& sources, std::optional<std::string> column,
         const std::string& on_error, int parallelism, std::optional<std::string> filter_text,
         std::optional<nb::bytes> filter_expression, bool cache) {
        CollectionOptions options;
        options.column = std::move(column);
        options.on_error = Unwrap(ParseOnError(on_error));
        options.parallelism = parallelism;
        options.cache = cache;
        if (filter_text.has_value()) options.filter = Unwrap(ParseFilter(*filter_text));
        if (filter_expression.has_value()) {
          // pyarrow.compute.Expression's serialized form (arrow::compute::Serialize).
          std::shared_ptr<arrow::Buffer> buffer = arrow::Buffer::FromString(
              std::string(filter_expression->c_str(), filter_expression->size()));
          options.filter = Unwrap(arrow::compute::Deserialize(std::move(buffer)));
        }
        arrow::Result<Collection> opened;
        {
          nb::gil_scoped_release release;
          opened = OpenCollection(sources, options);
        }
        return PyCollection{Unwrap(std::move(opened))};
      },
      nb::arg("sources"), nb::arg("column").none(), nb::arg("on_error"),
      nb::arg("parallelism"), nb::arg("filter_text").none() = nb::none(),
      nb::arg("filter_expression").none() = nb::none(), nb::arg("cache") = true,
      "Opens a collection (core OpenCollection): lists the sources, reads every file's "
      "metadata without pixels; a filter (text as ParseFilter, or a serialized Arrow "
      "expression) is pushed down to row-group statistics. Releases the GIL.");

  m.def(
      "open_uri",
      [](const std::string& source, std::optional<std::string> column, int64_t row,
         std::optional<std::string> image_id, bool column_required) {
        OpenOptions options;
        options.column = std::move(column);
        options.column_required = column_required;
        options.row = row;
        options.image_id = std::move(image_id);
        arrow::Result<OpenedImage> opened;
        {
          nb::gil_scoped_release release;
          opened = OpenPathOrUri(source, options);
        }
        OpenedImage result = Unwrap(std::move(opened));
        return nb::make_tuple(PyImage{std::move(result.image)},
                              std::string(FileFormatName(result.format)), result.column,
                              ToPyWarnings(result.warnings));
      },
      nb::arg("source"), nb::arg("column").none(), nb::arg("row"), nb::arg("image_id").none(),
      nb::arg("column_required") = false,
      nb::sig("def open_uri(source: str, column: str | None, row: int, image_id: str | None, "
              "column_required: bool = False) "
              "-> tuple[Image, str, str, list[tuple[str, str]]]"),
      "Opens one image of a path or URI (core OpenPathOrUri), reading only metadata. "
      "Returns (image, format, column used, warnings). Releases the GIL.");

  m.def(
      "finalize_object_storage", [] { FinalizeObjectStorage(); },
      "Finalizes Arrow's S3 library if it was used (safe to call more than once).");
}

}  // namespace omearrow::python
