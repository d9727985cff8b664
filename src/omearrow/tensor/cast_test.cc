#include "omearrow/tensor/cast_internal.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

namespace omearrow::internal {
namespace {

template <typename S, typename D>
std::vector<D> Convert(std::vector<S> in, DType from, DType to, int64_t stride = 1) {
  std::vector<D> out(in.size() * static_cast<size_t>(stride), D{99});
  GetRowCopy(from, to)(reinterpret_cast<const uint8_t*>(in.data()),
                       reinterpret_cast<uint8_t*>(out.data()), static_cast<int64_t>(in.size()),
                       stride);
  return out;
}

TEST(CastTest, IntegerWrapsLikeNumpyAstype) {
  // np.array([300, -1, 65535], dtype=np.int32).astype(np.uint8) -> [44, 255, 255]
  EXPECT_EQ((Convert<int32_t, uint8_t>({300, -1, 65535}, DType::kInt32, DType::kUInt8)),
            (std::vector<uint8_t>{44, 255, 255}));
  // np.array([40000], np.uint16).astype(np.int16) -> [-25536]
  EXPECT_EQ((Convert<uint16_t, int16_t>({40000}, DType::kUInt16, DType::kInt16)),
            (std::vector<int16_t>{-25536}));
}

TEST(CastTest, FloatToIntTruncatesAndSaturates) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ((Convert<double, uint16_t>({1.9, -0.5, 70000.0, nan, -5.0}, DType::kFloat64,
                                       DType::kUInt16)),
            (std::vector<uint16_t>{1, 0, 65535, 0, 0}));
  EXPECT_EQ((Convert<float, int8_t>({-1.7f, 300.0f}, DType::kFloat32, DType::kInt8)),
            (std::vector<int8_t>{-1, 127}));
}

TEST(CastTest, DoubleToFloatOverflowsToInfinity) {
  auto out = Convert<double, float>({1e300, -1e300, 0.5}, DType::kFloat64, DType::kFloat32);
  EXPECT_TRUE(std::isinf(out[0]) && out[0] > 0);
  EXPECT_TRUE(std::isinf(out[1]) && out[1] < 0);
  EXPECT_EQ(out[2], 0.5f);
}

TEST(CastTest, StridedWritesLeaveGapsUntouched) {
  auto out = Convert<uint16_t, uint16_t>({1, 2, 3}, DType::kUInt16, DType::kUInt16, 3);
  EXPECT_EQ(out, (std::vector<uint16_t>{1, 99, 99, 2, 99, 99, 3, 99, 99}));
  std::vector<float> zeros(6, 7.0f);
  ZeroRow(DType::kFloat32, reinterpret_cast<uint8_t*>(zeros.data()), 3, 2);
  EXPECT_EQ(zeros, (std::vector<float>{0, 7, 0, 7, 0, 7}));
}

TEST(CastTest, UnalignedSourceIsFine) {
  std::vector<uint8_t> raw(9);
  const uint16_t values[4] = {1, 258, 65535, 7};
  std::memcpy(raw.data() + 1, values, sizeof(values));
  std::vector<uint32_t> out(4);
  GetRowCopy(DType::kUInt16, DType::kUInt32)(raw.data() + 1,
                                              reinterpret_cast<uint8_t*>(out.data()), 4, 1);
  EXPECT_EQ(out, (std::vector<uint32_t>{1, 258, 65535, 7}));
}

}  // namespace
}  // namespace omearrow::internal
