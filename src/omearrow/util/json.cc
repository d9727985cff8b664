#include "omearrow/util/json.h"

#include <cstdint>
#include <limits>
#include <string>

#include <arrow/status.h>

namespace omearrow::internal {

namespace {

// Thrown from the parser callback when nesting exceeds kMaxJsonDepth.
struct TooDeep {};

// Python's json.dumps writes NaN, Infinity and -Infinity for non-finite floats; JSON has
// no such literals. Rewrites each (outside strings) as `null`. Byte positions in later
// errors are those of the rewritten text (they differ only after a NaN: one byte per NaN).
std::string ReplacePythonNonFinite(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (in_string) {
      out += ch;
      if (ch == '\\' && i + 1 < text.size()) {
        out += text[++i];  // the escaped character cannot end the string
      } else if (ch == '"') {
        in_string = false;
      }
      continue;
    }
    if (ch == '"') in_string = true;
    bool replaced = false;
    for (std::string_view literal : {"-Infinity", "Infinity", "NaN"}) {
      if (text.substr(i, literal.size()) == literal) {
        out += "null";
        i += literal.size() - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += ch;
  }
  return out;
}

}  // namespace

arrow::Result<Json> ParseJson(std::string_view text, std::string_view label) {
  const std::string document = ReplacePythonNonFinite(text);
  const Json::parser_callback_t limit_depth = [](int depth, Json::parse_event_t event,
                                                 Json&) {
    if ((event == Json::parse_event_t::object_start ||
         event == Json::parse_event_t::array_start) &&
        depth >= kMaxJsonDepth) {
      throw TooDeep{};
    }
    return true;
  };
  try {
    return Json::parse(document, limit_depth);
  } catch (const TooDeep&) {
    return arrow::Status::Invalid(label, ": invalid JSON: nesting deeper than ",
                                  kMaxJsonDepth, " levels");
  } catch (const Json::parse_error& error) {
    // what(): "[json.exception.parse_error.101] parse error at line 1, column 6: <why>".
    const std::string_view what = error.what();
    const size_t colon = what.find(": ");
    const std::string_view why = colon == std::string_view::npos ? what : what.substr(colon + 2);
    return arrow::Status::Invalid(label, ": invalid JSON at byte ", error.byte, ": ", why);
  } catch (const Json::exception& error) {
    return arrow::Status::Invalid(label, ": invalid JSON: ", error.what());
  }
}

std::string WriteJson(const Json& value, std::optional<int> indent) {
  return value.dump(indent.value_or(-1), ' ', /*ensure_ascii=*/true,
                    Json::error_handler_t::replace);
}

std::optional<int64_t> JsonInt64(const Json& value) {
  if (value.is_number_unsigned()) {
    const auto v = value.get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(v);
  }
  if (value.is_number_integer()) return value.get<int64_t>();
  return std::nullopt;
}

}  // namespace omearrow::internal
