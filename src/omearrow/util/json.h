// JSON for the small documents omearrow reads and writes itself (the dataset manifest,
// channels_json): nlohmann-json (Debian's nlohmann-json3-dev, header-only) behind two
// functions that turn its exceptions into Status messages naming the document.
//
// Why nlohmann-json: it is the most widely used C++ JSON library, maintained, fuzzed
// continuously upstream (OSS-Fuzz), its parser keeps its own stack (no recursion on deep
// input), `ordered_json` keeps members in document order (what json.dumps writes), and
// its errors give the byte position. RapidJSON's last release is from 2016; simdjson
// has no writer.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <arrow/result.h>
#include <nlohmann/json.hpp>

namespace omearrow::internal {

// A parsed JSON document; objects keep their members in document order.
using Json = nlohmann::ordered_json;

// Deepest nesting a document may have; deeper documents are rejected.
inline constexpr int kMaxJsonDepth = 64;

// Parses a whole JSON document (RFC 8259). Python's json.dumps also writes the
// non-standard literals NaN, Infinity and -Infinity (for float('nan') / float('inf'));
// those read as null (an unknown value) instead of failing the document. Errors are
// Invalid("<label>: invalid JSON at byte <n>: <what>").
arrow::Result<Json> ParseJson(std::string_view text, std::string_view label);

// Serializes as ASCII (non-ASCII as \uXXXX escapes, like json.dumps' ensure_ascii):
// compact when `indent` is nullopt, else one item per line indented by `indent` spaces
// (json.dumps(indent=n) layout). NaN and infinities are written as null.
std::string WriteJson(const Json& value, std::optional<int> indent = std::nullopt);

// The integer `value` as int64 when it is one and fits; nullopt otherwise (floats,
// other types, unsigned values above INT64_MAX).
std::optional<int64_t> JsonInt64(const Json& value);

}  // namespace omearrow::internal
