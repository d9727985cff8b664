#include "omearrow/tensor_view.h"

#include <cstring>

#include <gtest/gtest.h>

#include "omearrow/testing/gtest_util.h"
#include "omearrow/testing/record_builder.h"

namespace omearrow {
namespace {

using testing::BuildRecord;
using testing::DenseImage;
using testing::Encoding;
using testing::MakeRandomImage;
using testing::RecordSpec;

std::shared_ptr<const Image> MakeImage(const DenseImage& dense, RecordSpec spec = {}) {
  auto record = BuildRecord(dense, spec).ValueOrDie();
  return ImageFromStructArray(record).ValueOrDie();
}

template <typename T>
T ValueAt(const Tensor& tensor, const std::vector<int64_t>& index) {
  int64_t offset = 0;
  for (size_t i = 0; i < index.size(); ++i) offset += index[i] * tensor.strides[i];
  T value;
  std::memcpy(&value, tensor.data + offset, sizeof(T));
  return value;
}

TEST(TensorViewTest, DefaultLayoutIsChwForOnePlaneElseTzchw) {
  auto dense = MakeRandomImage(2, 3, 4, 5, 6, DType::kUInt16, 1);
  auto image = MakeImage(dense);
  ASSERT_OK_AND_ASSIGN(auto all, TensorView::Make(image));
  EXPECT_EQ(all.layout(), "TZCHW");
  ASSERT_OK_AND_ASSIGN(auto shape, all.shape());
  EXPECT_EQ(shape, (std::vector<int64_t>{2, 4, 3, 5, 6}));
  ASSERT_OK_AND_ASSIGN(auto strides, all.strides());
  EXPECT_EQ(strides, (std::vector<int64_t>{4 * 3 * 30 * 2, 3 * 30 * 2, 30 * 2, 12, 2}));

  ViewOptions one;
  one.selection.t = IndexSpec::Index(1);
  one.selection.z = IndexSpec::Index(-1);
  ASSERT_OK_AND_ASSIGN(auto plane, TensorView::Make(image, one));
  EXPECT_EQ(plane.layout(), "CHW");
  ASSERT_OK_AND_ASSIGN(shape, plane.shape());
  EXPECT_EQ(shape, (std::vector<int64_t>{3, 5, 6}));
}

TEST(TensorViewTest, MaterializeMatchesDenseInPermutedLayout) {
  auto dense = MakeRandomImage(2, 3, 4, 5, 6, DType::kUInt16, 2);
  auto image = MakeImage(dense);
  ViewOptions options;
  options.layout = "yxzct";
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image, options));
  EXPECT_EQ(view.layout(), "HWZCT");
  ASSERT_OK_AND_ASSIGN(Tensor tensor, view.Materialize());
  EXPECT_TRUE(tensor.is_c_contiguous());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(tensor.data) % 64, 0u);
  for (int64_t t = 0; t < 2; ++t)
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t z = 0; z < 4; ++z)
        for (int64_t y = 0; y < 5; ++y)
          for (int64_t x = 0; x < 6; ++x)
            ASSERT_EQ(ValueAt<uint16_t>(tensor, {y, x, z, c, t}), dense.At(t, c, z, y, x));
}

}  // namespace
}  // namespace omearrow
