#include "omearrow/io/tiff_codecs.h"

#include <gtest/gtest.h>

namespace omearrow {
namespace {

TEST(TiffCodecsTest, CompressionNames) {
  EXPECT_EQ(TiffCompressionName(34712), "JPEG 2000 (34712)");
  EXPECT_EQ(TiffCompressionName(50002), "JPEG XL (50002)");
  EXPECT_EQ(TiffCompressionName(52546), "JPEG XL (DNG) (52546)");
  EXPECT_EQ(TiffCompressionName(32773), "PackBits (32773)");
  EXPECT_EQ(TiffCompressionName(5), "LZW (5)");
  EXPECT_EQ(TiffCompressionName(12345), "compression 12345");
}

TEST(TiffCodecsTest, PredictorNames) {
  EXPECT_EQ(TiffPredictorName(2), "horizontal differencing (2)");
  EXPECT_EQ(TiffPredictorName(34894), "floating-point X2 (34894)");
  EXPECT_EQ(TiffPredictorName(7), "predictor 7");
}

TEST(TiffCodecsTest, PredictorProblems) {
  constexpr uint16_t kUint = 1, kFloat = 3;
  // No predictor, and the predictors libtiff undoes for its predicting codecs.
  for (uint16_t codec : {1, 5, 8, 32773, 32946, 34925, 50000}) {
    EXPECT_EQ(TiffPredictorProblem(codec, 1, kUint), std::nullopt) << codec;
  }
  for (uint16_t codec : {5, 8, 32946, 34925, 50000}) {
    EXPECT_EQ(TiffPredictorProblem(codec, 2, kUint), std::nullopt) << codec;
    EXPECT_EQ(TiffPredictorProblem(codec, 3, kFloat), std::nullopt) << codec;
    EXPECT_EQ(TiffPredictorProblem(codec, 3, kUint),
              "uses Predictor floating-point (3) with integer samples (it is defined "
              "for floating-point samples only)");
    EXPECT_EQ(TiffPredictorProblem(codec, 34894, kFloat),
              "uses Predictor floating-point X2 (34894), which this libtiff cannot undo");
    EXPECT_EQ(TiffPredictorProblem(codec, 34895, kFloat),
              "uses Predictor floating-point X4 (34895), which this libtiff cannot undo");
  }
  // Codecs without a predictor stage: readers disagree.
  EXPECT_EQ(TiffPredictorProblem(32773, 2, kUint),
            "claims Predictor horizontal differencing (2) with PackBits (32773) "
            "compression, which has no predictor stage (libtiff ignores the tag, other "
            "readers apply it: the samples have no agreed meaning)");
  EXPECT_NE(TiffPredictorProblem(1, 2, kUint), std::nullopt);
  // Image codecs ignore the tag in every reader.
  EXPECT_EQ(TiffPredictorProblem(7, 2, kUint), std::nullopt);
  EXPECT_EQ(TiffPredictorProblem(50001, 2, kUint), std::nullopt);
}

}  // namespace
}  // namespace omearrow
