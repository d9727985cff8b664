#include "omearrow/io/imagej_description.h"

#include <gtest/gtest.h>

#include "omearrow/testing/gtest_util.h"

namespace omearrow {
namespace {

TEST(ImageJDescriptionTest, RecognisesImageJAndScifio) {
  EXPECT_TRUE(IsImageJDescription("ImageJ=1.54f\nimages=3\n"));
  EXPECT_TRUE(IsImageJDescription("SCIFIO=0.1\n"));
  EXPECT_FALSE(IsImageJDescription("{\"shape\": [3, 4]}"));
  EXPECT_FALSE(IsImageJDescription("<OME>"));
  EXPECT_FALSE(IsImageJDescription("imagej=1.0"));
}

TEST(ImageJDescriptionTest, ParsesTifffileHyperstack) {
  // What tifffile.imwrite(imagej=True) writes for a TZCYX array of 2x3x2 pages.
  ASSERT_OK_AND_ASSIGN(
      ImageJDescription d,
      ParseImageJDescription("ImageJ=1.11a\nimages=12\nchannels=2\nslices=3\nframes=2\n"
                             "hyperstack=true\nmode=grayscale\nloop=false\nspacing=2.5\n"
                             "unit=um"));
  EXPECT_EQ(d.images, 12);
  EXPECT_EQ(d.channels, 2);
  EXPECT_EQ(d.slices, 3);
  EXPECT_EQ(d.frames, 2);
  EXPECT_TRUE(d.hyperstack);
  EXPECT_EQ(d.page_axes, "TZC");
  EXPECT_EQ(d.spacing, 2.5);
  EXPECT_EQ(d.unit, "um");
}

TEST(ImageJDescriptionTest, DefaultsWhenKeysAreAbsent) {
  ASSERT_OK_AND_ASSIGN(ImageJDescription d, ParseImageJDescription("ImageJ=1.54f\n"));
  EXPECT_FALSE(d.images.has_value());
  EXPECT_EQ(d.channels, 1);
  EXPECT_EQ(d.slices, 1);
  EXPECT_EQ(d.frames, 1);
  EXPECT_FALSE(d.hyperstack);
  EXPECT_EQ(d.page_axes, "TZC");
  EXPECT_FALSE(d.spacing.has_value());
  EXPECT_FALSE(d.unit.has_value());
}

TEST(ImageJDescriptionTest, OrderIsReversedIntoPageAxes) {
  // order lists the fastest axis first; page_axes lists the outermost first.
  const std::pair<const char*, const char*> cases[] = {
      {"czt", "TZC"}, {"ctz", "ZTC"}, {"zct", "TCZ"}, {"ztc", "CTZ"},
      {"tcz", "ZCT"}, {"tzc", "CZT"}, {"default", "TZC"}, {"XYCZT", nullptr}};
  for (const auto& [order, axes] : cases) {
    auto parsed = ParseImageJDescription(std::string("ImageJ=\norder=") + order + "\n");
    if (axes == nullptr) {
      EXPECT_STATUS(parsed, Invalid,
                    std::string("ImageJ description: order=") + order +
                        " is not an order of c, z and t");
    } else {
      ASSERT_OK(parsed);
      EXPECT_EQ(parsed->page_axes, axes) << order;
    }
  }
}

TEST(ImageJDescriptionTest, SkipsOtherLinesAndDecodesUnitEscapes) {
  ASSERT_OK_AND_ASSIGN(
      ImageJDescription d,
      ParseImageJDescription("ImageJ=1.54f\r\nno equals sign\r\nmin=0.0\r\n"
                             " channels = 4 \r\nunit=\\u00B5m\r\nLabels=a=b\r\n"));
  EXPECT_EQ(d.channels, 4);
  EXPECT_EQ(d.unit, "\xC2\xB5m");  // µ (U+00B5)
}

TEST(ImageJDescriptionTest, RejectsImplausibleValues) {
  EXPECT_STATUS(ParseImageJDescription("ImageJ=\nchannels=0\n"), Invalid,
                "ImageJ description: channels=0 is not a positive integer of at most "
                "2147483648");
  EXPECT_STATUS(ParseImageJDescription("ImageJ=\nslices=-2\n"), Invalid,
                "ImageJ description: slices=-2 is not a positive integer of at most "
                "2147483648");
  EXPECT_STATUS(ParseImageJDescription("ImageJ=\nframes=3.5\n"), Invalid,
                "ImageJ description: frames=3.5 is not a positive integer of at most "
                "2147483648");
  EXPECT_STATUS(ParseImageJDescription("ImageJ=\nimages=99999999999\n"), Invalid,
                "ImageJ description: images=99999999999 is not a positive integer of at "
                "most 2147483648");
  EXPECT_STATUS(ParseImageJDescription("ImageJ=\nspacing=nan\n"), Invalid,
                "ImageJ description: spacing=nan is not a finite number");
  EXPECT_STATUS(ParseImageJDescription("ImageJ=\nhyperstack=yes\n"), Invalid,
                "ImageJ description: hyperstack=yes is not true or false");
}

TEST(ImageJDescriptionTest, UnitSymbols) {
  EXPECT_EQ(ImageJUnitSymbol("micron"), "µm");
  EXPECT_EQ(ImageJUnitSymbol("um"), "µm");
  EXPECT_EQ(ImageJUnitSymbol("\xC2\xB5m"), "µm");
  EXPECT_EQ(ImageJUnitSymbol("\xCE\xBCm"), "µm");  // Greek small mu
  EXPECT_EQ(ImageJUnitSymbol("NM"), "nm");
  EXPECT_EQ(ImageJUnitSymbol("mm"), "mm");
  EXPECT_EQ(ImageJUnitSymbol("cm"), "cm");
  EXPECT_EQ(ImageJUnitSymbol("meter"), "m");
  EXPECT_EQ(ImageJUnitSymbol("Å"), "Å");
  EXPECT_EQ(ImageJUnitSymbol("pixel"), std::nullopt);
  EXPECT_EQ(ImageJUnitSymbol("inch"), std::nullopt);
  EXPECT_EQ(ImageJUnitSymbol(""), std::nullopt);
}

}  // namespace
}  // namespace omearrow
