#include "convert.h"

#include <string>

#include <nanobind/stl/string.h>

namespace nb = nanobind;

namespace omearrow::python {
namespace {

// collections.abc.Sequence, looked up once and deliberately never released (a static
// nb::object would be destroyed after the interpreter finalized).
nb::handle SequenceAbc() {
  static PyObject* sequence =
      nb::object(nb::module_::import_("collections.abc").attr("Sequence")).release().ptr();
  return sequence;
}

int64_t IndexValue(nb::handle obj) {
  nb::object index = nb::steal(PyNumber_Index(obj.ptr()));
  if (!index.is_valid()) throw nb::python_error();
  int overflow = 0;
  const long long value = PyLong_AsLongLongAndOverflow(index.ptr(), &overflow);
  if (overflow != 0) return overflow > 0 ? INT64_MAX : INT64_MIN;
  if (value == -1 && PyErr_Occurred()) throw nb::python_error();
  return value;
}

std::optional<int64_t> OptionalIndex(nb::handle obj) {
  if (obj.is_none()) return std::nullopt;
  return IndexValue(obj);
}

}  // namespace

IndexSpec ToIndexSpec(nb::handle obj) {
  if (obj.is_none()) return IndexSpec::All();
  if (PyLong_Check(obj.ptr())) return IndexSpec::Index(IndexValue(obj));
  if (PySlice_Check(obj.ptr())) {
    return IndexSpec::FromSlice(Slice{OptionalIndex(obj.attr("start")),
                                      OptionalIndex(obj.attr("stop")),
                                      OptionalIndex(obj.attr("step"))});
  }
  if (PyUnicode_Check(obj.ptr()) || PyBytes_Check(obj.ptr())) return IndexSpec::Unsupported();
  const int is_sequence = PyObject_IsInstance(obj.ptr(), SequenceAbc().ptr());
  if (is_sequence < 0) throw nb::python_error();
  if (is_sequence == 0) return IndexSpec::Unsupported();
  std::vector<int64_t> items;
  for (nb::handle item : obj) {
    if (!PyLong_Check(item.ptr())) return IndexSpec::NonIntegerItems();
    items.push_back(IndexValue(item));
  }
  return IndexSpec::List(std::move(items));
}

std::optional<std::vector<int64_t>> ToIntVector(nb::handle obj, const char* name) {
  if (obj.is_none()) return std::nullopt;
  std::vector<int64_t> out;
  nb::object iterator = nb::steal(PyObject_GetIter(obj.ptr()));
  if (!iterator.is_valid()) {
    PyErr_Clear();
    throw nb::type_error((std::string(name) + " must be a sequence of integers").c_str());
  }
  for (nb::handle item : obj) {
    nb::object as_int = nb::steal(PyNumber_Long(item.ptr()));
    if (!as_int.is_valid()) throw nb::python_error();
    out.push_back(IndexValue(as_int));
  }
  return out;
}

std::optional<std::string> ToOptionalString(nb::handle obj) {
  if (obj.is_none()) return std::nullopt;
  return nb::cast<std::string>(nb::str(obj));
}

DType ToDType(const std::string& name) {
  std::optional<DType> dtype = ParseDType(name);
  if (!dtype.has_value()) {
    throw nb::type_error(("omearrow does not support dtype '" + name +
                          "'; supported: uint8, int8, uint16, int16, uint32, int32, uint64, "
                          "int64, float32, float64")
                             .c_str());
  }
  return *dtype;
}

SelectionArgs ToSelectionArgs(nb::handle t, nb::handle z, nb::handle c, nb::handle roi,
                              nb::handle roi3d, nb::handle roi_nd, nb::handle roi_type,
                              nb::handle tile) {
  SelectionArgs args;
  args.t = ToIndexSpec(t);
  args.z = ToIndexSpec(z);
  args.c = ToIndexSpec(c);
  args.roi = ToIntVector(roi, "roi");
  args.roi3d = ToIntVector(roi3d, "roi3d");
  args.roi_nd = ToIntVector(roi_nd, "roi_nd");
  args.roi_type = ToOptionalString(roi_type);
  args.tile = ToIntVector(tile, "tile");
  return args;
}

nb::list ToPyWarnings(const Warnings& warnings) {
  nb::list out;
  for (const Warning& warning : warnings) {
    const char* category = "UserWarning";
    if (warning.category == Warning::Category::kRuntimeWarning) category = "RuntimeWarning";
    if (warning.category == Warning::Category::kDeprecationWarning) {
      category = "DeprecationWarning";
    }
    out.append(nb::make_tuple(category, warning.message));
  }
  return out;
}

}  // namespace omearrow::python
