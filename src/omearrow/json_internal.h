// A minimal JSON value, parser and writer for the small documents omearrow reads and
// writes itself (the dataset manifest, channels_json). Not a general-purpose library:
// documents are parsed whole, nesting is bounded, and numbers are int64 or double.
#pragma once

#include <arrow/result.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace omearrow::internal {

// One JSON value. Objects keep their members in document order (writers rely on it to
// reproduce Python's json.dumps order); lookups are linear, which is fine for the
// handful of keys these documents have.
class JsonValue {
 public:
  using Array = std::vector<JsonValue>;
  using Object = std::vector<std::pair<std::string, JsonValue>>;

  JsonValue() = default;  // null
  static JsonValue Null() { return JsonValue(); }
  static JsonValue Bool(bool value) { return JsonValue(Storage(value)); }
  static JsonValue Int(int64_t value) { return JsonValue(Storage(value)); }
  static JsonValue Double(double value) { return JsonValue(Storage(value)); }
  static JsonValue String(std::string value) {
    return JsonValue(Storage(std::move(value)));
  }
  static JsonValue MakeArray(Array items = {});
  static JsonValue MakeObject(Object members = {});

  bool is_null() const { return std::holds_alternative<std::monostate>(value_); }
  bool is_bool() const { return std::holds_alternative<bool>(value_); }
  bool is_int() const { return std::holds_alternative<int64_t>(value_); }
  bool is_double() const { return std::holds_alternative<double>(value_); }
  bool is_number() const { return is_int() || is_double(); }
  bool is_string() const { return std::holds_alternative<std::string>(value_); }
  bool is_array() const { return std::holds_alternative<std::shared_ptr<Array>>(value_); }
  bool is_object() const {
    return std::holds_alternative<std::shared_ptr<Object>>(value_);
  }

  // Accessors; each requires the matching is_*() (as_double also accepts ints).
  bool as_bool() const { return std::get<bool>(value_); }
  int64_t as_int() const { return std::get<int64_t>(value_); }
  double as_double() const;
  const std::string& as_string() const { return std::get<std::string>(value_); }
  const Array& as_array() const { return *std::get<std::shared_ptr<Array>>(value_); }
  const Object& as_object() const { return *std::get<std::shared_ptr<Object>>(value_); }

  // The member `key` of an object, or nullptr (also when this is not an object).
  const JsonValue* Find(std::string_view key) const;

  // Appends a member to an object / an item to an array (requires is_object/is_array).
  void Set(std::string key, JsonValue value);
  void Append(JsonValue value);

 private:
  using Storage = std::variant<std::monostate, bool, int64_t, double, std::string,
                               std::shared_ptr<Array>, std::shared_ptr<Object>>;
  explicit JsonValue(Storage value) : value_(std::move(value)) {}
  Storage value_;
};

// Parses a whole JSON document (RFC 8259, plus Python's NaN/Infinity/-Infinity literals).
// Errors say what is wrong and at which byte; `label` (a file name) prefixes them.
arrow::Result<JsonValue> ParseJson(std::string_view text, std::string_view label);

// Serializes like Python's json.dumps: ASCII-only output (\uXXXX escapes), separators
// ", " and ": " when `indent` is nullopt, else one item per line indented by `indent`
// spaces (json.dumps(indent=n)). Floats use the shortest round-trip form with ".0" for
// integral values; NaN/Infinity as Python writes them.
std::string WriteJson(const JsonValue& value, std::optional<int> indent = std::nullopt);

}  // namespace omearrow::internal
