#include "omearrow/struct_row_internal.h"

#include <cmath>
#include <limits>

#include <arrow/array.h>
#include <arrow/status.h>
#include <arrow/type.h>
#include <arrow/util/checked_cast.h>

namespace omearrow::internal {
namespace {

using arrow::Status;
using arrow::internal::checked_cast;

template <typename ArrayType>
int64_t IntValue(const arrow::Array& array, int64_t index) {
  return static_cast<int64_t>(checked_cast<const ArrayType&>(array).Value(index));
}

arrow::Result<int64_t> FromDouble(double value, std::string_view path) {
  if (!std::isfinite(value) || std::trunc(value) != value ||
      std::fabs(value) > 9.007199254740992e15) {
    return Status::TypeError(path, " must be an integer, got ", value);
  }
  return static_cast<int64_t>(value);
}

}  // namespace

arrow::Result<int64_t> ReadInteger(const arrow::Array& array, int64_t index,
                                   std::string_view path) {
  switch (array.type_id()) {
    case arrow::Type::INT8: return IntValue<arrow::Int8Array>(array, index);
    case arrow::Type::INT16: return IntValue<arrow::Int16Array>(array, index);
    case arrow::Type::INT32: return IntValue<arrow::Int32Array>(array, index);
    case arrow::Type::INT64: return IntValue<arrow::Int64Array>(array, index);
    case arrow::Type::UINT8: return IntValue<arrow::UInt8Array>(array, index);
    case arrow::Type::UINT16: return IntValue<arrow::UInt16Array>(array, index);
    case arrow::Type::UINT32: return IntValue<arrow::UInt32Array>(array, index);
    case arrow::Type::UINT64: {
      uint64_t value = checked_cast<const arrow::UInt64Array&>(array).Value(index);
      if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return Status::Invalid(path, " is out of range: ", value);
      }
      return static_cast<int64_t>(value);
    }
    case arrow::Type::FLOAT:
      return FromDouble(checked_cast<const arrow::FloatArray&>(array).Value(index), path);
    case arrow::Type::DOUBLE:
      return FromDouble(checked_cast<const arrow::DoubleArray&>(array).Value(index), path);
    default:
      return Status::TypeError(path, " must be an integer, got type ",
                               array.type()->ToString());
  }
}

arrow::Result<ListRange> ListAt(const std::shared_ptr<arrow::Array>& array, int64_t index,
                                std::string_view path) {
  ListRange range;
  switch (array->type_id()) {
    case arrow::Type::LIST: {
      const auto& list = checked_cast<const arrow::ListArray&>(*array);
      range.values = list.values();
      range.begin = list.value_offset(index);
      range.end = range.begin + list.value_length(index);
      break;
    }
    case arrow::Type::LARGE_LIST: {
      const auto& list = checked_cast<const arrow::LargeListArray&>(*array);
      range.values = list.values();
      range.begin = list.value_offset(index);
      range.end = range.begin + list.value_length(index);
      break;
    }
    case arrow::Type::FIXED_SIZE_LIST: {
      const auto& list = checked_cast<const arrow::FixedSizeListArray&>(*array);
      range.values = list.values();
      range.begin = list.value_offset(index);
      range.end = range.begin + list.value_length(index);
      break;
    }
    default:
      return Status::TypeError(path, " must be a list, got type ", array->type()->ToString());
  }
  if (range.begin < 0 || range.end < range.begin || range.end > range.values->length()) {
    return Status::Invalid(path, " has list offsets [", range.begin, ", ", range.end,
                           ") outside its values (length ", range.values->length(), ")");
  }
  return range;
}

StructRow::StructRow(std::shared_ptr<arrow::StructArray> array, int64_t row,
                     std::string path)
    : array_(std::move(array)), row_(row), path_(std::move(path)) {}

std::string StructRow::FieldPath(std::string_view name) const {
  return path_.empty() ? std::string(name) : path_ + "." + std::string(name);
}

std::shared_ptr<arrow::Array> StructRow::Field(std::string_view name) const {
  return array_->GetFieldByName(std::string(name));
}

bool StructRow::Has(std::string_view name) const {
  auto field = Field(name);
  return field != nullptr && field->type_id() != arrow::Type::NA && !array_->IsNull(row_) &&
         !field->IsNull(row_);
}

arrow::Result<std::optional<int64_t>> StructRow::GetInt(std::string_view name) const {
  if (!Has(name)) return std::nullopt;
  return ReadInteger(*Field(name), row_, FieldPath(name));
}

arrow::Result<int64_t> StructRow::RequireInt(std::string_view name) const {
  ARROW_ASSIGN_OR_RAISE(auto value, GetInt(name));
  if (!value.has_value()) {
    return Status::Invalid(FieldPath(name), " is missing");
  }
  return *value;
}

arrow::Result<std::optional<double>> StructRow::GetDouble(std::string_view name) const {
  if (!Has(name)) return std::nullopt;
  auto field = Field(name);
  switch (field->type_id()) {
    case arrow::Type::FLOAT:
      return static_cast<double>(checked_cast<const arrow::FloatArray&>(*field).Value(row_));
    case arrow::Type::DOUBLE:
      return checked_cast<const arrow::DoubleArray&>(*field).Value(row_);
    default: {
      ARROW_ASSIGN_OR_RAISE(int64_t value, ReadInteger(*field, row_, FieldPath(name)));
      return static_cast<double>(value);
    }
  }
}

arrow::Result<std::optional<std::string>> StructRow::GetString(std::string_view name) const {
  if (!Has(name)) return std::nullopt;
  auto field = Field(name);
  switch (field->type_id()) {
    case arrow::Type::STRING:
      return std::string(checked_cast<const arrow::StringArray&>(*field).GetView(row_));
    case arrow::Type::LARGE_STRING:
      return std::string(checked_cast<const arrow::LargeStringArray&>(*field).GetView(row_));
    case arrow::Type::STRING_VIEW:
      return std::string(checked_cast<const arrow::StringViewArray&>(*field).GetView(row_));
    default:
      return Status::TypeError(FieldPath(name), " must be a string, got type ",
                               field->type()->ToString());
  }
}

arrow::Result<std::optional<StructRow>> StructRow::GetStruct(std::string_view name) const {
  if (!Has(name)) return std::nullopt;
  auto field = Field(name);
  if (field->type_id() != arrow::Type::STRUCT) {
    return Status::TypeError(FieldPath(name), " must be a struct, got type ",
                             field->type()->ToString());
  }
  return StructRow(std::static_pointer_cast<arrow::StructArray>(field), row_,
                   FieldPath(name));
}

arrow::Result<std::optional<ListRange>> StructRow::GetList(std::string_view name) const {
  if (!Has(name)) return std::nullopt;
  return ListAt(Field(name), row_, FieldPath(name));
}

}  // namespace omearrow::internal
