#include "omearrow/util/text_raster.h"

#include <arrow/status.h>
#include <ft2build.h>
#include FT_FREETYPE_H

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace omearrow {
namespace {

constexpr char32_t kReplacement = 0xFFFD;
constexpr char32_t kEllipsis = 0x2026;

// 26.6 fixed point → whole pixels, rounded.
int64_t Pixels(int64_t value) { return (value + 32) >> 6; }

}  // namespace

std::u32string DecodeUtf8(std::string_view utf8) {
  std::u32string out;
  size_t i = 0;
  while (i < utf8.size()) {
    const auto lead = static_cast<unsigned char>(utf8[i]);
    int extra = 0;
    char32_t code = 0;
    char32_t min = 0;
    if (lead < 0x80) {
      out.push_back(lead);
      ++i;
      continue;
    } else if ((lead & 0xE0) == 0xC0) {
      extra = 1, code = lead & 0x1F, min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      extra = 2, code = lead & 0x0F, min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      extra = 3, code = lead & 0x07, min = 0x10000;
    } else {
      out.push_back(kReplacement);
      ++i;
      continue;
    }
    bool valid = i + static_cast<size_t>(extra) < utf8.size();
    for (int k = 1; valid && k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(utf8[i + static_cast<size_t>(k)]);
      if ((next & 0xC0) != 0x80) {
        valid = false;
      } else {
        code = (code << 6) | (next & 0x3F);
      }
    }
    if (!valid || code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      out.push_back(kReplacement);
      ++i;  // resynchronize on the next byte
      continue;
    }
    out.push_back(code);
    i += static_cast<size_t>(extra) + 1;
  }
  return out;
}

arrow::Result<std::unique_ptr<TextRenderer>> TextRenderer::Open(
    const std::string& font_path, int pixel_height) {
  if (pixel_height < 4 || pixel_height > 512) {
    return arrow::Status::Invalid("text: font pixel height must be in 4..512, got ",
                                  pixel_height);
  }
  std::unique_ptr<TextRenderer> renderer(new TextRenderer());
  FT_Library library = nullptr;
  if (FT_Error error = FT_Init_FreeType(&library); error != 0) {
    return arrow::Status::IOError("text: FreeType could not start (error ", error, ")");
  }
  renderer->library_ = library;
  FT_Face face = nullptr;
  if (FT_Error error = FT_New_Face(library, font_path.c_str(), 0, &face); error != 0) {
    return arrow::Status::IOError("text: cannot load the font ", font_path,
                                  " (FreeType error ", error, ")");
  }
  renderer->face_ = face;
  if (FT_Error error = FT_Set_Pixel_Sizes(face, 0, static_cast<FT_UInt>(pixel_height));
      error != 0) {
    return arrow::Status::IOError("text: the font ", font_path, " has no size ",
                                  pixel_height, "px (FreeType error ", error, ")");
  }
  renderer->ascender_ = Pixels(face->size->metrics.ascender);
  renderer->descender_ = Pixels(face->size->metrics.descender);
  if (renderer->line_height() <= 0) {
    return arrow::Status::Invalid("text: the font ", font_path, " has no line height");
  }
  return renderer;
}

TextRenderer::~TextRenderer() {
  if (face_ != nullptr) FT_Done_Face(face_);
  if (library_ != nullptr) FT_Done_FreeType(library_);
}

int64_t TextRenderer::Advance(char32_t previous, char32_t code) const {
  const FT_UInt index = FT_Get_Char_Index(face_, code);
  if (FT_Load_Glyph(face_, index, FT_LOAD_DEFAULT) != 0) return 0;
  int64_t advance = Pixels(face_->glyph->advance.x);
  if (previous != 0 && FT_HAS_KERNING(face_)) {
    FT_Vector delta{0, 0};
    const FT_UInt left = FT_Get_Char_Index(face_, previous);
    if (FT_Get_Kerning(face_, left, index, FT_KERNING_DEFAULT, &delta) == 0) {
      advance += Pixels(delta.x);
    }
  }
  return std::max<int64_t>(advance, 0);
}

arrow::Result<TextBitmap> TextRenderer::Render(std::string_view utf8,
                                               int64_t max_width) const {
  if (max_width < 1) {
    return arrow::Status::Invalid("text: max_width must be at least 1, got ", max_width);
  }
  std::u32string codes = DecodeUtf8(utf8);
  // Pen positions: pen[k] is where code k starts (kerning with code k-1 included).
  auto layout = [&](const std::u32string& text) {
    std::vector<int64_t> pen(text.size() + 1, 0);
    for (size_t k = 0; k < text.size(); ++k) {
      pen[k + 1] = pen[k] + Advance(k == 0 ? 0 : text[k - 1], text[k]);
    }
    return pen;
  };
  std::vector<int64_t> pen = layout(codes);
  if (pen.back() > max_width) {
    // Keep the longest prefix that leaves room for the ellipsis.
    const int64_t ellipsis = Advance(0, kEllipsis);
    size_t keep = codes.size();
    while (keep > 0 && pen[keep] + ellipsis > max_width) --keep;
    while (keep > 0 && codes[keep - 1] == U' ') --keep;
    codes.resize(keep);
    codes.push_back(kEllipsis);
    pen = layout(codes);
  }
  TextBitmap out;
  out.width = std::min(pen.back(), max_width);
  out.height = line_height();
  out.coverage.assign(static_cast<size_t>(out.width * out.height), 0);
  for (size_t k = 0; k < codes.size(); ++k) {
    const FT_UInt index = FT_Get_Char_Index(face_, codes[k]);
    if (FT_Load_Glyph(face_, index, FT_LOAD_RENDER) != 0) continue;
    const FT_GlyphSlot slot = face_->glyph;
    const FT_Bitmap& bitmap = slot->bitmap;
    if (bitmap.pixel_mode != FT_PIXEL_MODE_GRAY || bitmap.buffer == nullptr) continue;
    const int64_t left = pen[k] + slot->bitmap_left;
    const int64_t top = ascender_ - slot->bitmap_top;
    for (int64_t row = 0; row < static_cast<int64_t>(bitmap.rows); ++row) {
      const int64_t y = top + row;
      if (y < 0 || y >= out.height) continue;
      // A negative pitch stores the rows bottom-up from `buffer`.
      const int64_t pitch = bitmap.pitch;
      const unsigned char* src =
          pitch >= 0 ? bitmap.buffer + row * pitch
                     : bitmap.buffer + (static_cast<int64_t>(bitmap.rows) - 1 - row) * -pitch;
      for (int64_t col = 0; col < static_cast<int64_t>(bitmap.width); ++col) {
        const int64_t x = left + col;
        if (x < 0 || x >= out.width) continue;
        uint8_t& dst = out.coverage[static_cast<size_t>(y * out.width + x)];
        dst = std::max<uint8_t>(dst, src[col]);
      }
    }
  }
  return out;
}

arrow::Result<std::string> FindCaptionFont() {
  if (const char* env = std::getenv("OMEARROW_FONT"); env != nullptr && *env != '\0') {
    std::error_code error;
    if (!std::filesystem::is_regular_file(env, error)) {
      return arrow::Status::IOError("OMEARROW_FONT=", env, " is not a font file");
    }
    return std::string(env);
  }
  static const char* const kCandidates[] = {
      "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",  // Debian, Ubuntu
      "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",  // Fedora
      "/usr/share/fonts/dejavu/DejaVuSans.ttf",
      "/usr/share/fonts/TTF/DejaVuSans.ttf",  // Arch
      "/opt/homebrew/share/fonts/DejaVuSans.ttf",
      "/usr/local/share/fonts/DejaVuSans.ttf",
      "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
      "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
      "/System/Library/Fonts/Supplemental/Arial.ttf",  // macOS
      "/Library/Fonts/Arial.ttf",
      "C:\\Windows\\Fonts\\arial.ttf",
  };
  std::string tried;
  for (const char* path : kCandidates) {
    std::error_code error;
    if (std::filesystem::is_regular_file(path, error)) return std::string(path);
    tried += tried.empty() ? "" : ", ";
    tried += path;
  }
  return arrow::Status::IOError(
      "no font for captions found (tried ", tried,
      "); install DejaVu Sans (Debian: fonts-dejavu-core), set OMEARROW_FONT to a .ttf "
      "file, or turn captions off");
}

}  // namespace omearrow
