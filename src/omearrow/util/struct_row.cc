#include "omearrow/util/struct_row.h"

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

arrow::Result<ValueRef> DecodeDictionary(const arrow::Array& array, int64_t index,
                                         std::string_view path) {
  if (array.type_id() != arrow::Type::DICTIONARY) return ValueRef{&array, index};
  if (array.data()->dictionary == nullptr) {
    return Status::Invalid(path, " is dictionary-encoded but has no dictionary");
  }
  const auto& dict = checked_cast<const arrow::DictionaryArray&>(array);
  const auto& indices = *dict.indices();
  if (indices.type_id() == arrow::Type::DICTIONARY) {  // not allowed by Arrow; be safe
    return Status::TypeError(path, " has nested dictionary indices");
  }
  const arrow::Array& values = *dict.dictionary();
  if (indices.IsNull(index)) return ValueRef{&indices, index};
  ARROW_ASSIGN_OR_RAISE(int64_t key, ReadInteger(indices, index, path));
  if (key < 0 || key >= values.length()) {
    return Status::Invalid(path, " has dictionary index ", key,
                           " outside its dictionary (length ", values.length(), ")");
  }
  return ValueRef{&values, key};
}

arrow::Result<int64_t> ReadInteger(const arrow::Array& array, int64_t index,
                                   std::string_view path) {
  switch (array.type_id()) {
    case arrow::Type::DICTIONARY: {
      ARROW_ASSIGN_OR_RAISE(ValueRef value, DecodeDictionary(array, index, path));
      if (value.IsNull()) return Status::Invalid(path, " is null");
      if (value.array->type_id() == arrow::Type::DICTIONARY) {
        return Status::TypeError(path, " must be an integer, got type ",
                                 array.type()->ToString());
      }
      return ReadInteger(*value.array, value.index, path);
    }
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

namespace {

// Offsets-based binary values: [offsets[i], offsets[i + 1]) must lie in the data buffer.
template <typename ArrayType>
arrow::Result<std::string_view> OffsetBinaryAt(const arrow::Array& array, int64_t index,
                                               std::string_view path) {
  const auto& binary = checked_cast<const ArrayType&>(array);
  const auto begin = static_cast<int64_t>(binary.value_offset(index));
  const auto end = static_cast<int64_t>(binary.value_offset(index + 1));
  const auto& data = array.data()->buffers[2];
  const int64_t capacity = data == nullptr ? 0 : data->size();
  if (begin < 0 || end < begin || end > capacity) {
    return Status::Invalid(path, " has value offsets [", begin, ", ", end,
                           ") outside its data (", capacity, " bytes)");
  }
  return std::string_view(reinterpret_cast<const char*>(data->data()) + begin,
                          static_cast<size_t>(end - begin));
}

}  // namespace

arrow::Result<std::string_view> BinaryAt(const arrow::Array& array, int64_t index,
                                         std::string_view path) {
  switch (array.type_id()) {
    case arrow::Type::DICTIONARY: {
      ARROW_ASSIGN_OR_RAISE(ValueRef value, DecodeDictionary(array, index, path));
      if (value.array->type_id() == arrow::Type::DICTIONARY) break;
      return BinaryAt(*value.array, value.index, path);
    }
    case arrow::Type::BINARY:
    case arrow::Type::STRING:
      return OffsetBinaryAt<arrow::BinaryArray>(array, index, path);
    case arrow::Type::LARGE_BINARY:
    case arrow::Type::LARGE_STRING:
      return OffsetBinaryAt<arrow::LargeBinaryArray>(array, index, path);
    case arrow::Type::BINARY_VIEW:
    case arrow::Type::STRING_VIEW: {
      // Out-of-line views name a data buffer and an offset in it: check both.
      const auto& view = array.data()->GetValues<arrow::BinaryViewType::c_type>(1)[index];
      const int64_t size = view.size();
      if (size < 0) return Status::Invalid(path, " has a negative view size ", size);
      if (view.is_inline()) {
        return std::string_view(reinterpret_cast<const char*>(view.inlined.data.data()),
                                static_cast<size_t>(size));
      }
      const auto& buffers = array.data()->buffers;
      const int64_t buffer_index = int64_t{view.ref.buffer_index} + 2;
      const int64_t offset = view.ref.offset;
      if (view.ref.buffer_index < 0 || buffer_index >= static_cast<int64_t>(buffers.size()) ||
          buffers[static_cast<size_t>(buffer_index)] == nullptr || offset < 0 ||
          offset + size > buffers[static_cast<size_t>(buffer_index)]->size()) {
        return Status::Invalid(path, " has a view outside its data buffers");
      }
      return std::string_view(
          reinterpret_cast<const char*>(buffers[static_cast<size_t>(buffer_index)]->data()) +
              offset,
          static_cast<size_t>(size));
    }
    case arrow::Type::FIXED_SIZE_BINARY: {
      const auto& binary = checked_cast<const arrow::FixedSizeBinaryArray&>(array);
      return std::string_view(reinterpret_cast<const char*>(binary.GetValue(index)),
                              static_cast<size_t>(binary.byte_width()));
    }
    default:
      break;
  }
  return Status::TypeError(path, " must be binary, got type ", array.type()->ToString());
}

arrow::Result<std::optional<std::string_view>> ReadString(const arrow::Array& array,
                                                          int64_t index,
                                                          std::string_view path) {
  if (array.IsNull(index)) return std::nullopt;
  ARROW_ASSIGN_OR_RAISE(ValueRef value, DecodeDictionary(array, index, path));
  switch (value.array->type_id()) {
    case arrow::Type::STRING:
    case arrow::Type::LARGE_STRING:
    case arrow::Type::STRING_VIEW: {
      if (value.IsNull()) return std::nullopt;
      // Fuzz fix: offsets are bounds-checked (corrupt offsets read out of bounds before).
      ARROW_ASSIGN_OR_RAISE(std::string_view text, BinaryAt(*value.array, value.index, path));
      return text;
    }
    default:
      return Status::TypeError(path, " must be a string, got type ", array.type()->ToString());
  }
}

arrow::Result<ListRange> ListAt(const std::shared_ptr<arrow::Array>& array, int64_t index,
                                std::string_view path) {
  ListRange range;
  switch (array->type_id()) {
    // Ends are read as offsets, not begin + value_length(): corrupt offsets would
    // overflow that subtraction (UB; a fuzz finding).
    case arrow::Type::LIST: {
      const auto& list = checked_cast<const arrow::ListArray&>(*array);
      range.values = list.values();
      range.begin = list.value_offset(index);
      range.end = list.value_offset(index + 1);
      break;
    }
    case arrow::Type::LARGE_LIST: {
      const auto& list = checked_cast<const arrow::LargeListArray&>(*array);
      range.values = list.values();
      range.begin = list.value_offset(index);
      range.end = list.value_offset(index + 1);
      break;
    }
    case arrow::Type::FIXED_SIZE_LIST: {
      const auto& list = checked_cast<const arrow::FixedSizeListArray&>(*array);
      range.values = list.values();
      range.begin = list.value_offset(index);
      range.end = range.begin + list.value_length(index);
      break;
    }
    case arrow::Type::LIST_VIEW: {
      const auto& list = checked_cast<const arrow::ListViewArray&>(*array);
      range.values = list.values();
      range.begin = list.value_offset(index);
      range.end = range.begin + list.value_length(index);
      break;
    }
    case arrow::Type::LARGE_LIST_VIEW: {
      const auto& list = checked_cast<const arrow::LargeListViewArray&>(*array);
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
  if (field == nullptr || field->type_id() == arrow::Type::NA || array_->IsNull(row_) ||
      field->IsNull(row_)) {
    return false;
  }
  // A dictionary entry that is null is absent too; a bad index is left to the getters.
  auto value = DecodeDictionary(*field, row_, FieldPath(name));
  return !value.ok() || !value->IsNull();
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
  ARROW_ASSIGN_OR_RAISE(ValueRef value, DecodeDictionary(*Field(name), row_, FieldPath(name)));
  const arrow::Array& field = *value.array;
  switch (field.type_id()) {
    case arrow::Type::FLOAT:
      return static_cast<double>(
          checked_cast<const arrow::FloatArray&>(field).Value(value.index));
    case arrow::Type::DOUBLE:
      return checked_cast<const arrow::DoubleArray&>(field).Value(value.index);
    case arrow::Type::DICTIONARY:
      return Status::TypeError(FieldPath(name), " must be a number, got type ",
                               Field(name)->type()->ToString());
    default: {
      ARROW_ASSIGN_OR_RAISE(int64_t integer,
                            ReadInteger(field, value.index, FieldPath(name)));
      return static_cast<double>(integer);
    }
  }
}

arrow::Result<std::optional<std::string>> StructRow::GetString(std::string_view name) const {
  if (!Has(name)) return std::nullopt;
  ARROW_ASSIGN_OR_RAISE(auto value, ReadString(*Field(name), row_, FieldPath(name)));
  if (!value.has_value()) return std::nullopt;
  return std::string(*value);
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
