// Conversion of Python selection arguments into the core's argument structs. Shapes of
// input are mapped exactly as the reference tells them apart (isinstance checks); every
// validation happens in the core.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nanobind/nanobind.h>

#include "omearrow/selection.h"
#include "omearrow/tensor/dtype.h"
#include "omearrow/tensor_view.h"
#include "omearrow/util/warning.h"

namespace omearrow::python {

// None → All; int (bool included, NumPy integers not: they are no int subclass) → Index;
// slice → Slice (bounds via __index__); a collections.abc.Sequence other than str/bytes →
// List, or NonIntegerItems when an item is no int; anything else → Unsupported.
IndexSpec ToIndexSpec(nanobind::handle obj);

// None → nullopt; any iterable of integers → its values (int() of each item).
std::optional<std::vector<int64_t>> ToIntVector(nanobind::handle obj, const char* name);

// None → nullopt; else str(obj).
std::optional<std::string> ToOptionalString(nanobind::handle obj);

// A NumPy dtype name ("uint16") → DType; TypeError naming the supported types otherwise.
DType ToDType(const std::string& name);

// The selection keyword arguments of TensorView.
SelectionArgs ToSelectionArgs(nanobind::handle t, nanobind::handle z, nanobind::handle c,
                              nanobind::handle roi, nanobind::handle roi3d,
                              nanobind::handle roi_nd, nanobind::handle roi_type,
                              nanobind::handle tile);

// Core warnings as a list of (category name, message) tuples.
nanobind::list ToPyWarnings(const Warnings& warnings);

}  // namespace omearrow::python
