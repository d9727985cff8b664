// Loosely typed access to one value of an Arrow struct array, by field name.
//
// OME-Arrow records written by other tools use int64/double where the canonical schema
// has int32/int16/float32, order fields differently, leave optional ones out, and store
// text dictionary-encoded (pandas/Polars categoricals), as large_string or string_view
// and lists as large_list or list_view. Every accessor here accepts any integer /
// floating / string / list width, dictionary-encoded values of those, and reports a
// missing or null field as nullopt, and a field of the wrong kind as a Status naming its
// path.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <arrow/array.h>
#include <arrow/result.h>

namespace omearrow::internal {

// A contiguous run of elements of a list value: elements [begin, end) of `values`.
struct ListRange {
  std::shared_ptr<arrow::Array> values;
  int64_t begin = 0;
  int64_t end = 0;
  int64_t size() const { return end - begin; }
};

// Where element `index` of `array` is stored: for a dictionary array, its entry of the
// dictionary (the index checked against the dictionary's length); otherwise `array`
// itself. `array` must outlive the result.
struct ValueRef {
  const arrow::Array* array = nullptr;
  int64_t index = 0;
  bool IsNull() const { return array->IsNull(index); }
};
arrow::Result<ValueRef> DecodeDictionary(const arrow::Array& array, int64_t index,
                                         std::string_view path);

// Reads an integer at `index` of an integer or integral floating array (or a dictionary
// of those; a null dictionary entry is an error).
arrow::Result<int64_t> ReadInteger(const arrow::Array& array, int64_t index,
                                   std::string_view path);

// The text at `index` of a string-like array (string, large_string, string_view, or a
// dictionary of those); nullopt when null. Anything else is a TypeError naming `path`.
arrow::Result<std::optional<std::string_view>> ReadString(const arrow::Array& array,
                                                          int64_t index,
                                                          std::string_view path);

// One value of a struct array. `path` names it in error messages ("pixels_meta").
class StructRow {
 public:
  StructRow(std::shared_ptr<arrow::StructArray> array, int64_t row, std::string path);

  const std::string& path() const { return path_; }
  const std::shared_ptr<arrow::StructArray>& array() const { return array_; }
  int64_t row() const { return row_; }

  // The child array of field `name`, or nullptr when the struct has no such field.
  std::shared_ptr<arrow::Array> Field(std::string_view name) const;
  // True when the field exists and is non-null in this row.
  bool Has(std::string_view name) const;

  arrow::Result<std::optional<int64_t>> GetInt(std::string_view name) const;
  arrow::Result<std::optional<double>> GetDouble(std::string_view name) const;
  arrow::Result<std::optional<std::string>> GetString(std::string_view name) const;
  arrow::Result<std::optional<StructRow>> GetStruct(std::string_view name) const;
  arrow::Result<std::optional<ListRange>> GetList(std::string_view name) const;

  // Like the getters above, but a missing or null field is an error.
  arrow::Result<int64_t> RequireInt(std::string_view name) const;

  std::string FieldPath(std::string_view name) const;

 private:
  std::shared_ptr<arrow::StructArray> array_;
  int64_t row_;
  std::string path_;
};

// The bytes of element `index` of a binary-like array (binary, string, their large and
// view variants, fixed_size_binary, a dictionary of those), bounds-checked against the
// array's data buffers: Validate() does not check offset values, so corrupt offsets give
// an error naming `path`, never an out-of-bounds read.
arrow::Result<std::string_view> BinaryAt(const arrow::Array& array, int64_t index,
                                         std::string_view path);

// The elements of a list-typed array (list, large_list, fixed_size_list, list_view,
// large_list_view) at `index`, checked to lie inside the values.
arrow::Result<ListRange> ListAt(const std::shared_ptr<arrow::Array>& array, int64_t index,
                                std::string_view path);

}  // namespace omearrow::internal
