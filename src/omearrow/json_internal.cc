#include "omearrow/json_internal.h"

#include <arrow/status.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace omearrow::internal {

using arrow::Status;

JsonValue JsonValue::MakeArray(Array items) {
  return JsonValue(Storage(std::make_shared<Array>(std::move(items))));
}

JsonValue JsonValue::MakeObject(Object members) {
  return JsonValue(Storage(std::make_shared<Object>(std::move(members))));
}

double JsonValue::as_double() const {
  if (is_int()) return static_cast<double>(as_int());
  return std::get<double>(value_);
}

const JsonValue* JsonValue::Find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& [name, value] : as_object()) {
    if (name == key) return &value;
  }
  return nullptr;
}

void JsonValue::Set(std::string key, JsonValue value) {
  std::get<std::shared_ptr<Object>>(value_)->emplace_back(std::move(key),
                                                          std::move(value));
}

void JsonValue::Append(JsonValue value) {
  std::get<std::shared_ptr<Array>>(value_)->push_back(std::move(value));
}

namespace {

constexpr int kMaxDepth = 64;

class Parser {
 public:
  Parser(std::string_view text, std::string_view label) : text_(text), label_(label) {}

  arrow::Result<JsonValue> ParseDocument() {
    ARROW_ASSIGN_OR_RAISE(JsonValue value, ParseValue(0));
    SkipSpace();
    if (pos_ != text_.size()) return Error("unexpected text after the JSON value");
    return value;
  }

 private:
  Status Error(std::string_view what) const {
    return Status::Invalid(label_, ": invalid JSON at byte ", pos_, ": ", what);
  }

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool Consume(std::string_view literal) {
    if (text_.substr(pos_, literal.size()) == literal) {
      pos_ += literal.size();
      return true;
    }
    return false;
  }

  arrow::Result<JsonValue> ParseValue(int depth) {
    if (depth > kMaxDepth) return Error("nesting too deep");
    SkipSpace();
    if (pos_ >= text_.size()) return Error("unexpected end of input");
    const char ch = text_[pos_];
    if (ch == '{') return ParseObject(depth);
    if (ch == '[') return ParseArray(depth);
    if (ch == '"') {
      ARROW_ASSIGN_OR_RAISE(std::string s, ParseString());
      return JsonValue::String(std::move(s));
    }
    if (Consume("null")) return JsonValue::Null();
    if (Consume("true")) return JsonValue::Bool(true);
    if (Consume("false")) return JsonValue::Bool(false);
    if (Consume("NaN"))
      return JsonValue::Double(std::numeric_limits<double>::quiet_NaN());
    if (Consume("Infinity"))
      return JsonValue::Double(std::numeric_limits<double>::infinity());
    if (Consume("-Infinity")) {
      return JsonValue::Double(-std::numeric_limits<double>::infinity());
    }
    if (ch == '-' || (ch >= '0' && ch <= '9')) return ParseNumber();
    return Error("unexpected character");
  }

  arrow::Result<JsonValue> ParseObject(int depth) {
    ++pos_;  // '{'
    JsonValue object = JsonValue::MakeObject();
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return object;
    }
    while (true) {
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '"')
        return Error("expected a member name");
      ARROW_ASSIGN_OR_RAISE(std::string key, ParseString());
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != ':') return Error("expected ':'");
      ++pos_;
      ARROW_ASSIGN_OR_RAISE(JsonValue value, ParseValue(depth + 1));
      object.Set(std::move(key), std::move(value));
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        return object;
      }
      return Error("expected ',' or '}'");
    }
  }

  arrow::Result<JsonValue> ParseArray(int depth) {
    ++pos_;  // '['
    JsonValue array = JsonValue::MakeArray();
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      return array;
    }
    while (true) {
      ARROW_ASSIGN_OR_RAISE(JsonValue value, ParseValue(depth + 1));
      array.Append(std::move(value));
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return array;
      }
      return Error("expected ',' or ']'");
    }
  }

  arrow::Result<uint32_t> ParseHex4() {
    if (pos_ + 4 > text_.size()) return Error("truncated \\u escape");
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      const char ch = text_[pos_++];
      value <<= 4;
      if (ch >= '0' && ch <= '9') {
        value |= static_cast<uint32_t>(ch - '0');
      } else if (ch >= 'a' && ch <= 'f') {
        value |= static_cast<uint32_t>(ch - 'a' + 10);
      } else if (ch >= 'A' && ch <= 'F') {
        value |= static_cast<uint32_t>(ch - 'A' + 10);
      } else {
        return Error("bad \\u escape");
      }
    }
    return value;
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  arrow::Result<std::string> ParseString() {
    ++pos_;  // '"'
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) return Error("unterminated string");
      const char ch = text_[pos_++];
      if (ch == '"') return out;
      if (static_cast<unsigned char>(ch) < 0x20)
        return Error("control character in string");
      if (ch != '\\') {
        out.push_back(ch);
        continue;
      }
      if (pos_ >= text_.size()) return Error("unterminated string");
      const char esc = text_[pos_++];
      switch (esc) {
        case '"':
          out.push_back('"');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '/':
          out.push_back('/');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          ARROW_ASSIGN_OR_RAISE(uint32_t cp, ParseHex4());
          if (cp >= 0xD800 && cp < 0xDC00 && text_.substr(pos_, 2) == "\\u") {
            const size_t save = pos_;
            pos_ += 2;
            ARROW_ASSIGN_OR_RAISE(uint32_t low, ParseHex4());
            if (low >= 0xDC00 && low < 0xE000) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else {
              pos_ = save;
            }
          }
          if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD;  // lone surrogate
          AppendUtf8(cp, &out);
          break;
        }
        default:
          return Error("bad escape in string");
      }
    }
  }

  arrow::Result<JsonValue> ParseNumber() {
    const size_t begin = pos_;
    if (text_[pos_] == '-') ++pos_;
    bool is_float = false;
    while (pos_ < text_.size()) {
      const char ch = text_[pos_];
      if (ch >= '0' && ch <= '9') {
        ++pos_;
      } else if (ch == '.' || ch == 'e' || ch == 'E' || ch == '+' || ch == '-') {
        is_float = true;
        ++pos_;
      } else {
        break;
      }
    }
    const char* first = text_.data() + begin;
    const char* last = text_.data() + pos_;
    if (!is_float) {
      int64_t value = 0;
      auto [ptr, ec] = std::from_chars(first, last, value);
      if (ec == std::errc() && ptr == last) return JsonValue::Int(value);
      // Out of int64 range: fall through to double.
    }
    double value = 0;
    auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec != std::errc() || ptr != last) {
      pos_ = begin;
      return Error("bad number");
    }
    return JsonValue::Double(value);
  }

  std::string_view text_;
  std::string_view label_;
  size_t pos_ = 0;
};

// Decodes one UTF-8 sequence at text[*pos]; invalid bytes decode to U+FFFD.
uint32_t NextCodePoint(std::string_view text, size_t* pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(*pos);
  int length = 0;
  uint32_t cp = 0;
  if (lead < 0x80) {
    ++*pos;
    return lead;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, cp = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, cp = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, cp = lead & 0x07;
  } else {
    ++*pos;
    return 0xFFFD;
  }
  if (*pos + static_cast<size_t>(length) > text.size()) {
    ++*pos;
    return 0xFFFD;
  }
  for (int i = 1; i < length; ++i) {
    const unsigned char next = byte(*pos + static_cast<size_t>(i));
    if ((next & 0xC0) != 0x80) {
      ++*pos;
      return 0xFFFD;
    }
    cp = (cp << 6) | (next & 0x3F);
  }
  *pos += static_cast<size_t>(length);
  const uint32_t min_value[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_value[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) {
    return 0xFFFD;
  }
  return cp;
}

void AppendEscape(uint32_t unit, std::string* out) {
  char buffer[8];
  std::snprintf(buffer, sizeof(buffer), "\\u%04x", unit);
  out->append(buffer);
}

void WriteString(std::string_view text, std::string* out) {
  out->push_back('"');
  size_t pos = 0;
  while (pos < text.size()) {
    const uint32_t cp = NextCodePoint(text, &pos);
    switch (cp) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        if (cp < 0x20 || (cp >= 0x7F && cp < 0x10000)) {
          if (cp == 0x7F) {
            out->push_back(static_cast<char>(cp));
          } else {
            AppendEscape(cp, out);
          }
        } else if (cp >= 0x10000) {
          const uint32_t v = cp - 0x10000;
          AppendEscape(0xD800 + (v >> 10), out);
          AppendEscape(0xDC00 + (v & 0x3FF), out);
        } else {
          out->push_back(static_cast<char>(cp));
        }
    }
  }
  out->push_back('"');
}

void WriteDouble(double value, std::string* out) {
  if (std::isnan(value)) {
    out->append("NaN");
    return;
  }
  if (std::isinf(value)) {
    out->append(value > 0 ? "Infinity" : "-Infinity");
    return;
  }
  char buffer[64];
  auto [ptr, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  std::string text(buffer, ec == std::errc() ? ptr : buffer);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  out->append(text);
}

void WriteValue(const JsonValue& value, const std::optional<int>& indent, int level,
                std::string* out) {
  const auto newline = [&](int depth) {
    out->push_back('\n');
    out->append(static_cast<size_t>(*indent * depth), ' ');
  };
  if (value.is_null()) {
    out->append("null");
  } else if (value.is_bool()) {
    out->append(value.as_bool() ? "true" : "false");
  } else if (value.is_int()) {
    out->append(std::to_string(value.as_int()));
  } else if (value.is_double()) {
    WriteDouble(value.as_double(), out);
  } else if (value.is_string()) {
    WriteString(value.as_string(), out);
  } else if (value.is_array()) {
    const auto& items = value.as_array();
    if (items.empty()) {
      out->append("[]");
      return;
    }
    out->push_back('[');
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out->append(indent ? "," : ", ");
      if (indent) newline(level + 1);
      WriteValue(items[i], indent, level + 1, out);
    }
    if (indent) newline(level);
    out->push_back(']');
  } else {
    const auto& members = value.as_object();
    if (members.empty()) {
      out->append("{}");
      return;
    }
    out->push_back('{');
    for (size_t i = 0; i < members.size(); ++i) {
      if (i > 0) out->append(indent ? "," : ", ");
      if (indent) newline(level + 1);
      WriteString(members[i].first, out);
      out->append(": ");
      WriteValue(members[i].second, indent, level + 1, out);
    }
    if (indent) newline(level);
    out->push_back('}');
  }
}

}  // namespace

arrow::Result<JsonValue> ParseJson(std::string_view text, std::string_view label) {
  return Parser(text, label).ParseDocument();
}

std::string WriteJson(const JsonValue& value, std::optional<int> indent) {
  std::string out;
  WriteValue(value, indent, 0, &out);
  return out;
}

}  // namespace omearrow::internal
