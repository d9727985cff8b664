// TextRenderer: text becomes ink of the right height, longer text is wider, too-long text
// is cut to fit with an ellipsis; UTF-8 decoding; font lookup errors name the file.
#include "omearrow/util/text_raster.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <numeric>

#include "omearrow/testing/gtest_util.h"

namespace omearrow {
namespace {

int64_t Ink(const TextBitmap& bitmap) {
  int64_t ink = 0;
  for (uint8_t v : bitmap.coverage) ink += v > 127 ? 1 : 0;
  return ink;
}

// The font is a declared dependency (fonts-dejavu-core in scripts/bootstrap.sh): its
// absence fails the test rather than skipping it.
std::unique_ptr<TextRenderer> OpenDefault(int pixels) {
  auto font = FindCaptionFont();
  EXPECT_TRUE(font.ok()) << font.status().ToString();
  if (!font.ok()) return nullptr;
  auto renderer = TextRenderer::Open(*font, pixels);
  EXPECT_TRUE(renderer.ok()) << renderer.status().ToString();
  return renderer.ok() ? std::move(*renderer) : nullptr;
}

TEST(TextRaster, RendersInkOfTheLineHeight) {
  auto renderer = OpenDefault(12);
  ASSERT_NE(renderer, nullptr);
  EXPECT_GE(renderer->line_height(), 12);
  EXPECT_LE(renderer->line_height(), 20);
  ASSERT_OK_AND_ASSIGN(TextBitmap a, renderer->Render("B02", 1000));
  ASSERT_OK_AND_ASSIGN(TextBitmap b, renderer->Render("B02 site 3", 1000));
  EXPECT_EQ(a.height, renderer->line_height());
  EXPECT_EQ(a.coverage.size(), static_cast<size_t>(a.width * a.height));
  EXPECT_GT(a.width, 10);
  EXPECT_GT(b.width, a.width);
  EXPECT_GT(Ink(a), 20);
  EXPECT_GT(Ink(b), Ink(a));
  // A space has no ink; an empty string no width.
  ASSERT_OK_AND_ASSIGN(TextBitmap space, renderer->Render(" ", 1000));
  EXPECT_EQ(Ink(space), 0);
  ASSERT_OK_AND_ASSIGN(TextBitmap empty, renderer->Render("", 1000));
  EXPECT_EQ(empty.width, 0);
}

TEST(TextRaster, LargerSizeGivesLargerText) {
  auto small = OpenDefault(10);
  auto large = OpenDefault(24);
  ASSERT_NE(small, nullptr);
  ASSERT_NE(large, nullptr);
  ASSERT_OK_AND_ASSIGN(TextBitmap a, small->Render("Well", 1000));
  ASSERT_OK_AND_ASSIGN(TextBitmap b, large->Render("Well", 1000));
  EXPECT_GT(b.width, 2 * a.width - 4);
  EXPECT_GT(b.height, 2 * a.height - 4);
}

TEST(TextRaster, TooLongTextIsCutWithAnEllipsis) {
  auto renderer = OpenDefault(12);
  ASSERT_NE(renderer, nullptr);
  const std::string name =
      "Image_FileName_OrigAGP_original_ba746fde811b47739bc5e5450afb911e";
  ASSERT_OK_AND_ASSIGN(TextBitmap full, renderer->Render(name, 100000));
  ASSERT_GT(full.width, 100);
  ASSERT_OK_AND_ASSIGN(TextBitmap cut, renderer->Render(name, 100));
  EXPECT_LE(cut.width, 100);
  EXPECT_GE(cut.width, 80);  // as much of the text as fits, not a stub
  // The ellipsis' three dots: the rightmost columns hold ink in the lower half only.
  EXPECT_GT(Ink(cut), 20);
  // Differs from the plain prefix of the same width (the "…" replaced its end).
  ASSERT_OK_AND_ASSIGN(TextBitmap narrow, renderer->Render("…", 1000));
  EXPECT_GT(narrow.width, 3);
  EXPECT_TRUE(renderer->Render(name, 0).status().IsInvalid());
}

TEST(TextRaster, NonAsciiAndInvalidUtf8) {
  EXPECT_EQ(DecodeUtf8("a\xC2\xB5z"), (std::u32string{U'a', 0xB5, U'z'}));
  EXPECT_EQ(DecodeUtf8("\xE2\x80\xA6"), std::u32string(1, 0x2026));
  EXPECT_EQ(DecodeUtf8("\xF0\x9F\x94\xAC"), std::u32string(1, 0x1F52C));
  // A lone continuation byte, a truncated sequence, an overlong encoding.
  EXPECT_EQ(DecodeUtf8("\x80"), std::u32string(1, 0xFFFD));
  EXPECT_EQ(DecodeUtf8("a\xE2\x80"), (std::u32string{U'a', 0xFFFD, 0xFFFD}));
  EXPECT_EQ(DecodeUtf8("\xC0\xAF"), (std::u32string{0xFFFD, 0xFFFD}));
  auto renderer = OpenDefault(12);
  ASSERT_NE(renderer, nullptr);
  ASSERT_OK_AND_ASSIGN(TextBitmap micro, renderer->Render("5 \xC2\xB5m", 1000));
  EXPECT_GT(Ink(micro), 10);
  ASSERT_OK(renderer->Render("\xFF\xFE", 1000));
}

TEST(TextRaster, ErrorsNameTheFont) {
  auto missing = TextRenderer::Open("/nonexistent/font.ttf", 12);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/font.ttf"), std::string::npos);
  auto not_a_font = TextRenderer::Open(OMEARROW_SOURCE_DIR "/VERSION", 12);
  ASSERT_FALSE(not_a_font.ok());
  EXPECT_NE(not_a_font.status().message().find("VERSION"), std::string::npos);
  EXPECT_TRUE(TextRenderer::Open("/x.ttf", 2).status().IsInvalid());

  ::setenv("OMEARROW_FONT", "/nonexistent/font.ttf", 1);
  auto found = FindCaptionFont();
  ::unsetenv("OMEARROW_FONT");
  ASSERT_FALSE(found.ok());
  EXPECT_NE(found.status().message().find("OMEARROW_FONT=/nonexistent/font.ttf"),
            std::string::npos);
}

}  // namespace
}  // namespace omearrow
