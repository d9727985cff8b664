// Captions for pictures: one line of UTF-8 text rendered to an 8-bit coverage bitmap by
// FreeType (Debian's libfreetype-dev) from a TrueType/OpenType font file (by default
// DejaVu Sans from fonts-dejavu-core).
//
// Why FreeType and a font file rather than a built-in bitmap font: image names and
// metadata values are arbitrary Unicode (µ, accents, CJK plate names), and FreeType
// renders any glyph the font has, antialiased and kerned, at the size the tile needs. Fonts are
// located by a fixed search (below) rather than fontconfig, whose configuration files do
// not travel with a binary wheel; OMEARROW_FONT points at any other font.
#pragma once

#include <arrow/result.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct FT_LibraryRec_;
struct FT_FaceRec_;

namespace omearrow {

// A rendered line: width×height coverage values (0 = background, 255 = ink), rows top to
// bottom. Empty (0×height) for empty text.
struct TextBitmap {
  int64_t width = 0;
  int64_t height = 0;
  std::vector<uint8_t> coverage;
};

// One font at one pixel size. Not thread-safe: use one per thread (they are cheap).
class TextRenderer {
 public:
  // Loads face 0 of `font_path` at `pixel_height` pixels per em (4..512). Errors name the
  // file and FreeType's error.
  static arrow::Result<std::unique_ptr<TextRenderer>> Open(const std::string& font_path,
                                                           int pixel_height);
  ~TextRenderer();
  TextRenderer(const TextRenderer&) = delete;
  TextRenderer& operator=(const TextRenderer&) = delete;

  // Height of every bitmap Render returns (ascender to descender), in pixels.
  int64_t line_height() const { return ascender_ - descender_; }

  // Renders `utf8` on one line. When it is wider than `max_width` (≥ 1) pixels its end
  // is cut and replaced by "…" so it fits. Invalid UTF-8 bytes show as U+FFFD;
  // characters the font lacks show as its missing-glyph box. Never wider than max_width.
  arrow::Result<TextBitmap> Render(std::string_view utf8, int64_t max_width) const;

 private:
  TextRenderer() = default;
  int64_t Advance(char32_t previous, char32_t code) const;

  FT_LibraryRec_* library_ = nullptr;
  FT_FaceRec_* face_ = nullptr;
  int64_t ascender_ = 0;   // pixels above the baseline
  int64_t descender_ = 0;  // pixels below it (negative)
};

// Decodes UTF-8 to code points; each invalid byte becomes U+FFFD.
std::u32string DecodeUtf8(std::string_view utf8);

// The caption font: $OMEARROW_FONT when set (it must exist), else the first existing of
// DejaVu Sans's usual paths (Debian/Ubuntu fonts-dejavu-core, Fedora, Arch, Homebrew)
// and a few common sans fonts. NotFound lists what was tried and how to fix it.
arrow::Result<std::string> FindCaptionFont();

}  // namespace omearrow
