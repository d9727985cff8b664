// Pixel element types understood by omearrow, and their names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <arrow/result.h>
#include <arrow/type_fwd.h>

namespace omearrow {

// A numeric pixel element type. The set matches what OME-Arrow records store and what
// NumPy/DLPack consumers accept; all values are host (little-endian) byte order.
enum class DType : uint8_t {
  kUInt8,
  kInt8,
  kUInt16,
  kInt16,
  kUInt32,
  kInt32,
  kUInt64,
  kInt64,
  kFloat32,
  kFloat64,
};

inline constexpr int kNumDTypes = 10;

// Size of one element in bytes.
int ItemSize(DType dtype);

// The canonical NumPy name ("uint16", "float32", ...).
std::string_view DTypeName(DType dtype);

// Parses a dtype spelled the way numpy.dtype(...) accepts it for these types: canonical
// names ("uint16"), type codes ("u2", "<u2", "H"), and aliases ("float" and "double" are
// float64, "single" is float32, "int" is int64). Returns nullopt when the name is not one
// of these types (including big-endian spellings such as ">u2").
std::optional<DType> ParseDType(std::string_view name);

// Like ParseDType, but an error Status naming `field` and the value when unknown.
arrow::Result<DType> ParseDTypeOrError(std::string_view name, std::string_view field);

// The dtype of an Arrow numeric primitive type, or an error for other types.
arrow::Result<DType> DTypeFromArrow(const arrow::DataType& type);

// The dtype named by pixels_meta.type, as the reference does it: a missing type means
// uint16; an unparsable one also means uint16 and sets `warning` to the reference's text
// ("_dtype_from_meta: failed to convert dtype 'x' (...); falling back to uint16.").
DType DTypeFromMeta(const std::optional<std::string>& type, std::string* warning);

}  // namespace omearrow
