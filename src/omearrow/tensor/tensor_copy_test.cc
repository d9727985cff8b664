#include "omearrow/tensor/tensor_copy.h"

#include <gtest/gtest.h>

#include "omearrow/testing/gtest_util.h"

namespace omearrow {
namespace {

TEST(TensorCopyTest, CopiesStridedTensorIntoCOrder) {
  // A 3x2 transposed view of a 2x3 int32 matrix [[0,1,2],[3,4,5]].
  auto values = std::make_shared<std::vector<int32_t>>(std::vector<int32_t>{0, 1, 2, 3, 4, 5});
  Tensor view;
  view.owner = values;
  view.data = reinterpret_cast<const uint8_t*>(values->data());
  view.dtype = DType::kInt32;
  view.shape = {3, 2};
  view.strides = {4, 12};
  view.read_only = true;
  ASSERT_OK_AND_ASSIGN(Tensor copy, CopyTensor(view));
  EXPECT_TRUE(copy.is_c_contiguous());
  EXPECT_TRUE(copy.is_copy);
  EXPECT_FALSE(copy.read_only);
  EXPECT_NE(copy.data, view.data);
  const auto* p = reinterpret_cast<const int32_t*>(copy.data);
  EXPECT_EQ(std::vector<int32_t>(p, p + 6), (std::vector<int32_t>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(copy.data) % 64, 0u);
}

TEST(TensorCopyTest, EmptyAndScalarTensors) {
  Tensor empty;
  empty.dtype = DType::kUInt8;
  empty.shape = {0, 4};
  empty.strides = {4, 1};
  ASSERT_OK_AND_ASSIGN(Tensor copy, CopyTensor(empty));
  EXPECT_EQ(copy.num_elements(), 0);
  double value = 2.5;
  Tensor scalar;
  scalar.data = reinterpret_cast<const uint8_t*>(&value);
  scalar.dtype = DType::kFloat64;
  ASSERT_OK_AND_ASSIGN(copy, CopyTensor(scalar));
  EXPECT_EQ(*reinterpret_cast<const double*>(copy.data), 2.5);
}

}  // namespace
}  // namespace omearrow
