#include "omearrow/tensor/dtype.h"

#include <arrow/type.h>
#include <gtest/gtest.h>

#include "omearrow/testing/gtest_util.h"

namespace omearrow {
namespace {

TEST(DTypeTest, ParsesNumpySpellings) {
  EXPECT_EQ(ParseDType("uint16"), DType::kUInt16);
  EXPECT_EQ(ParseDType("<u2"), DType::kUInt16);
  EXPECT_EQ(ParseDType("H"), DType::kUInt16);
  EXPECT_EQ(ParseDType("|u1"), DType::kUInt8);
  EXPECT_EQ(ParseDType("float"), DType::kFloat64);  // as numpy.dtype("float")
  EXPECT_EQ(ParseDType("double"), DType::kFloat64);
  EXPECT_EQ(ParseDType("single"), DType::kFloat32);
  EXPECT_EQ(ParseDType("f4"), DType::kFloat32);
  EXPECT_EQ(ParseDType("int"), DType::kInt64);
  EXPECT_EQ(ParseDType("i2"), DType::kInt16);
  EXPECT_EQ(ParseDType(">u2"), std::nullopt);  // big-endian is not a host dtype
  EXPECT_EQ(ParseDType("|u2"), std::nullopt);
  EXPECT_EQ(ParseDType("UINT16"), std::nullopt);
  EXPECT_EQ(ParseDType("complex64"), std::nullopt);
  for (int i = 0; i < kNumDTypes; ++i) {
    auto dtype = static_cast<DType>(i);
    EXPECT_EQ(ParseDType(DTypeName(dtype)), dtype);
  }
}

TEST(DTypeTest, MetaFallsBackToUint16WithReferenceWarning) {
  std::string warning;
  EXPECT_EQ(DTypeFromMeta(std::nullopt, &warning), DType::kUInt16);
  EXPECT_TRUE(warning.empty());
  EXPECT_EQ(DTypeFromMeta(std::string("float32"), &warning), DType::kFloat32);
  EXPECT_EQ(DTypeFromMeta(std::string("bogus"), &warning), DType::kUInt16);
  EXPECT_EQ(warning,
            "_dtype_from_meta: failed to convert dtype 'bogus' (data type 'bogus' not "
            "understood); falling back to uint16.");
}

TEST(DTypeTest, ErrorsNameTheField) {
  EXPECT_STATUS(ParseDTypeOrError("u3", "chunks[2].dtype"), Invalid,
                "chunks[2].dtype: unknown dtype 'u3' (expected one of uint8, int8, uint16, "
                "int16, uint32, int32, uint64, int64, float32, float64)");
  EXPECT_STATUS_HAS(DTypeFromArrow(*arrow::utf8()), "pixel values must be a numeric type");
}

TEST(DTypeTest, ItemSizes) {
  EXPECT_EQ(ItemSize(DType::kUInt8), 1);
  EXPECT_EQ(ItemSize(DType::kInt16), 2);
  EXPECT_EQ(ItemSize(DType::kFloat32), 4);
  EXPECT_EQ(ItemSize(DType::kUInt64), 8);
}

}  // namespace
}  // namespace omearrow
