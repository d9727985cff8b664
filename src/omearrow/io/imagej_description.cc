#include "omearrow/io/imagej_description.h"

#include <arrow/status.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "omearrow/util/text.h"

namespace omearrow {

using arrow::Status;

namespace {

// Largest images/channels/slices/frames value accepted: a TIFF cannot hold more pages.
constexpr int64_t kMaxCount = int64_t{1} << 31;

std::string_view Trim(std::string_view text) {
  const auto space = [](char ch) {
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
  };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

// `text` with "\uXXXX" escapes (how ImageJ writes non-ASCII units) decoded to UTF-8.
std::string DecodeEscapes(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned code = 0;
    if (text[i] == '\\' && i + 6 <= text.size() &&
        text[i + 1] == 'u' &&
        std::from_chars(text.data() + i + 2, text.data() + i + 6, code, 16).ptr ==
            text.data() + i + 6) {
      if (code < 0x80) {
        out += static_cast<char>(code);
      } else if (code < 0x800) {
        out += static_cast<char>(0xC0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3F));
      } else {
        out += static_cast<char>(0xE0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
      }
      i += 5;
    } else {
      out += text[i];
    }
  }
  return out;
}

arrow::Result<int64_t> ParseCount(std::string_view key, std::string_view value) {
  int64_t out = 0;
  const auto [end, error] =
      std::from_chars(value.data(), value.data() + value.size(), out);
  if (error != std::errc() || end != value.data() + value.size() || out < 1 ||
      out > kMaxCount) {
    return Status::Invalid("ImageJ description: ", key, "=", value,
                           " is not a positive integer of at most ", kMaxCount);
  }
  return out;
}

}  // namespace

bool IsImageJDescription(std::string_view description) {
  return description.substr(0, 7) == "ImageJ=" || description.substr(0, 7) == "SCIFIO=";
}

arrow::Result<ImageJDescription> ParseImageJDescription(std::string_view description) {
  ImageJDescription out;
  while (!description.empty()) {
    const size_t newline = description.find('\n');
    std::string_view line = description.substr(0, newline);
    description.remove_prefix(newline == std::string_view::npos ? description.size()
                                                                : newline + 1);
    const size_t equals = line.find('=');
    if (equals == std::string_view::npos) continue;
    const std::string_view key = Trim(line.substr(0, equals));
    const std::string_view value = Trim(line.substr(equals + 1));
    if (key == "images") {
      ARROW_ASSIGN_OR_RAISE(out.images, ParseCount(key, value));
    } else if (key == "channels") {
      ARROW_ASSIGN_OR_RAISE(out.channels, ParseCount(key, value));
    } else if (key == "slices") {
      ARROW_ASSIGN_OR_RAISE(out.slices, ParseCount(key, value));
    } else if (key == "frames") {
      ARROW_ASSIGN_OR_RAISE(out.frames, ParseCount(key, value));
    } else if (key == "hyperstack") {
      const std::string lower = internal::TrimLower(value);
      if (lower != "true" && lower != "false") {
        return Status::Invalid("ImageJ description: hyperstack=", value,
                               " is not true or false");
      }
      out.hyperstack = lower == "true";
    } else if (key == "order") {
      std::string order = internal::TrimLower(value);
      if (order == "default") order = "czt";
      std::string sorted = order;
      std::sort(sorted.begin(), sorted.end());
      if (sorted != "ctz") {
        return Status::Invalid("ImageJ description: order=", value,
                               " is not an order of c, z and t");
      }
      out.page_axes.clear();
      for (auto it = order.rbegin(); it != order.rend(); ++it) {
        out.page_axes += static_cast<char>(*it - 'a' + 'A');
      }
    } else if (key == "spacing") {
      double spacing = 0;
      const auto [end, error] =
          std::from_chars(value.data(), value.data() + value.size(), spacing);
      if (error != std::errc() || end != value.data() + value.size() ||
          !std::isfinite(spacing)) {
        return Status::Invalid("ImageJ description: spacing=", value,
                               " is not a finite number");
      }
      out.spacing = spacing;
    } else if (key == "unit") {
      out.unit = DecodeEscapes(value);
    }
  }
  return out;
}

std::optional<std::string> ImageJUnitSymbol(std::string_view unit) {
  const std::string lower = internal::TrimLower(unit);
  if (lower == "micron" || lower == "microns" || lower == "um" || lower == "µm" ||
      lower == "\xCE\xBCm" /* Greek mu */) {
    return "µm";
  }
  if (lower == "nm" || lower == "nanometer" || lower == "nanometers") return "nm";
  if (lower == "mm" || lower == "millimeter" || lower == "millimeters") return "mm";
  if (lower == "cm" || lower == "centimeter" || lower == "centimeters") return "cm";
  if (lower == "m" || lower == "meter" || lower == "meters") return "m";
  if (lower == "pm") return "pm";
  if (lower == "å" || lower == "\xC3\x85" || lower == "angstrom") {
    return "Å";
  }
  return std::nullopt;
}

}  // namespace omearrow
