// Small string helpers shared by the argument parsers.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace omearrow::internal {

// `text` without leading/trailing whitespace, lower-cased: Python's str.strip().lower().
inline std::string TrimLower(std::string_view text) {
  size_t begin = 0, end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  std::string out(text.substr(begin, end - begin));
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

}  // namespace omearrow::internal
