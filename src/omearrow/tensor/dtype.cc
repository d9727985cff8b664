#include "omearrow/tensor/dtype.h"

#include <array>
#include <utility>

#include <arrow/status.h>
#include <arrow/type.h>

namespace omearrow {
namespace {

struct DTypeInfo {
  DType dtype;
  int itemsize;
  std::string_view name;
  std::string_view code;  // NumPy kind+size code without byte order, e.g. "u2".
};

constexpr std::array<DTypeInfo, kNumDTypes> kInfos = {{
    {DType::kUInt8, 1, "uint8", "u1"},
    {DType::kInt8, 1, "int8", "i1"},
    {DType::kUInt16, 2, "uint16", "u2"},
    {DType::kInt16, 2, "int16", "i2"},
    {DType::kUInt32, 4, "uint32", "u4"},
    {DType::kInt32, 4, "int32", "i4"},
    {DType::kUInt64, 8, "uint64", "u8"},
    {DType::kInt64, 8, "int64", "i8"},
    {DType::kFloat32, 4, "float32", "f4"},
    {DType::kFloat64, 8, "float64", "f8"},
}};

// Aliases NumPy accepts (on 64-bit Linux) that are not canonical names or codes.
constexpr std::array<std::pair<std::string_view, DType>, 27> kAliases = {{
    {"B", DType::kUInt8},       {"ubyte", DType::kUInt8},      {"b", DType::kInt8},
    {"byte", DType::kInt8},     {"H", DType::kUInt16},         {"ushort", DType::kUInt16},
    {"h", DType::kInt16},       {"short", DType::kInt16},      {"I", DType::kUInt32},
    {"uintc", DType::kUInt32},  {"i", DType::kInt32},          {"intc", DType::kInt32},
    {"Q", DType::kUInt64},      {"L", DType::kUInt64},         {"uint", DType::kUInt64},
    {"ulonglong", DType::kUInt64}, {"q", DType::kInt64},       {"l", DType::kInt64},
    {"int", DType::kInt64},     {"longlong", DType::kInt64},   {"long", DType::kInt64},
    {"f", DType::kFloat32},     {"single", DType::kFloat32},   {"d", DType::kFloat64},
    {"double", DType::kFloat64}, {"float", DType::kFloat64},   {"intp", DType::kInt64},
}};

const DTypeInfo& Info(DType dtype) { return kInfos[static_cast<int>(dtype)]; }

}  // namespace

int ItemSize(DType dtype) { return Info(dtype).itemsize; }

std::string_view DTypeName(DType dtype) { return Info(dtype).name; }

std::optional<DType> ParseDType(std::string_view name) {
  for (const auto& info : kInfos) {
    if (name == info.name) return info.dtype;
  }
  for (const auto& [alias, dtype] : kAliases) {
    if (name == alias) return dtype;
  }
  std::string_view code = name;
  bool explicit_order = false;
  if (!code.empty() && (code[0] == '<' || code[0] == '=' || code[0] == '|')) {
    code.remove_prefix(1);
    explicit_order = true;
  }
  for (const auto& info : kInfos) {
    if (code == info.code) {
      // '|' (not applicable) is only valid for single-byte types.
      if (explicit_order && name[0] == '|' && info.itemsize != 1) return std::nullopt;
      return info.dtype;
    }
  }
  if (explicit_order && !code.empty()) {
    for (const auto& [alias, dtype] : kAliases) {
      if (alias.size() == 1 && code == alias) return dtype;
    }
  }
  return std::nullopt;
}

arrow::Result<DType> ParseDTypeOrError(std::string_view name, std::string_view field) {
  if (auto dtype = ParseDType(name)) return *dtype;
  return arrow::Status::Invalid(field, ": unknown dtype '", name,
                                "' (expected one of uint8, int8, uint16, int16, uint32, "
                                "int32, uint64, int64, float32, float64)");
}

arrow::Result<DType> DTypeFromArrow(const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::Type::UINT8: return DType::kUInt8;
    case arrow::Type::INT8: return DType::kInt8;
    case arrow::Type::UINT16: return DType::kUInt16;
    case arrow::Type::INT16: return DType::kInt16;
    case arrow::Type::UINT32: return DType::kUInt32;
    case arrow::Type::INT32: return DType::kInt32;
    case arrow::Type::UINT64: return DType::kUInt64;
    case arrow::Type::INT64: return DType::kInt64;
    case arrow::Type::FLOAT: return DType::kFloat32;
    case arrow::Type::DOUBLE: return DType::kFloat64;
    default:
      return arrow::Status::TypeError("pixel values must be a numeric type, got ",
                                      type.ToString());
  }
}

DType DTypeFromMeta(const std::optional<std::string>& type, std::string* warning) {
  if (!type.has_value()) return DType::kUInt16;
  if (auto dtype = ParseDType(*type)) return *dtype;
  if (warning != nullptr) {
    *warning = "_dtype_from_meta: failed to convert dtype '" + *type + "' (data type '" +
               *type + "' not understood); falling back to uint16.";
  }
  return DType::kUInt16;
}

}  // namespace omearrow
