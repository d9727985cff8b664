// omearrow._core: the format's canonical types (as Arrow C data interface schema
// capsules) and record validation, for omearrow.meta. Logic lives in
// src/omearrow/source/meta.h and validate.h.
#include <arrow/c/bridge.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include "arrow_import.h"
#include "omearrow/source/meta.h"
#include "omearrow/source/validate.h"
#include "status.h"
#include "types.h"

namespace nb = nanobind;

namespace omearrow::python {

void RegisterMeta(nb::module_& m) {
  m.attr("OME_ARROW_TAG_TYPE") = meta::kTagType;
  m.attr("OME_ARROW_TAG_VERSION") = meta::kTagVersion;
  m.def(
      "canonical_type",
      [](const std::string& encoding) {
        std::shared_ptr<arrow::DataType> type;
        if (encoding == "list") {
          type = meta::OmeArrowStruct();
        } else if (encoding == "bytes") {
          type = meta::OmeArrowByteStruct();
        } else {
          RaiseStatus(arrow::Status::Invalid("encoding must be 'list' or 'bytes', not '",
                                             encoding, "'"));
        }
        auto* schema = new ArrowSchema;
        const arrow::Status status = arrow::ExportType(*type, schema);
        if (!status.ok()) {
          delete schema;
          RaiseStatus(status);
        }
        return nb::capsule(schema, "arrow_schema", [](void* p) noexcept {
          auto* s = static_cast<ArrowSchema*>(p);
          if (s->release != nullptr) s->release(s);
          delete s;
        });
      },
      nb::arg("encoding"),
      nb::sig("def canonical_type(encoding: str) -> object"),
      "OME_ARROW_STRUCT ('list') or OME_ARROW_BYTE_STRUCT ('bytes') as an 'arrow_schema' "
      "PyCapsule (pyarrow.DataType._import_from_c_capsule reads it).");
  m.def(
      "validate_records",
      [](nb::handle data, bool stream, bool strict, int64_t max_problems) {
        const arrow::ArrayVector chunks =
            stream ? ImportArrowStream(data)->chunks() : arrow::ArrayVector{ImportArrowArray(data)};
        ValidateOptions options;
        options.strict = strict;
        options.max_problems = max_problems;
        arrow::Result<ColumnValidation> validated;
        {
          nb::gil_scoped_release release;
          validated = ValidateRecords(chunks, options);
        }
        ColumnValidation validation = Unwrap(std::move(validated));
        std::vector<std::tuple<int64_t, std::string, std::string>> problems;
        for (auto& [row, problem] : validation.problems) {
          problems.emplace_back(row, std::move(problem.path), std::move(problem.message));
        }
        return std::make_pair(validation.num_rows, std::move(problems));
      },
      nb::arg("data"), nb::arg("stream"), nb::arg("strict"), nb::arg("max_problems"),
      "Validates every record of an Arrow struct array (or, with stream=True, a stream "
      "of them): (number of records, [(row, field path, message), ...]).");
}

}  // namespace omearrow::python
