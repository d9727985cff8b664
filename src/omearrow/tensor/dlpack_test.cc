#include "omearrow/tensor/dlpack.h"

#include <gtest/gtest.h>

#include "omearrow/cuda/cuda_export.h"
#include "omearrow/tensor_view.h"
#include "omearrow/testing/gtest_util.h"
#include "omearrow/testing/record_builder.h"

namespace omearrow {
namespace {

using testing::BuildRecord;
using testing::MakeRandomImage;

std::shared_ptr<const Image> MakeImage() {
  auto dense = MakeRandomImage(2, 2, 1, 6, 5, DType::kInt16, 3);
  return ImageFromStructArray(BuildRecord(dense, {}).ValueOrDie()).ValueOrDie();
}

TEST(DLPackTest, VersionedMaterializedTensorIsCopiedAndOwned) {
  auto image = MakeImage();
  ViewOptions options;
  options.layout = "CTHW";
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image, options));
  std::weak_ptr<const Image> weak = image;
  Warnings warnings;
  ASSERT_OK_AND_ASSIGN(DLManagedTensorVersioned * managed,
                       view.ToDLPackVersioned("cpu", true, "numpy", &warnings));
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(managed->version.major, DLPACK_MAJOR_VERSION);
  EXPECT_EQ(managed->flags, DLPACK_FLAG_BITMASK_IS_COPIED);
  const DLTensor& dl = managed->dl_tensor;
  EXPECT_EQ(dl.device.device_type, kDLCPU);
  EXPECT_EQ(dl.ndim, 4);
  EXPECT_EQ(dl.dtype.code, kDLInt);
  EXPECT_EQ(dl.dtype.bits, 16);
  EXPECT_EQ(dl.shape[0], 2);
  EXPECT_EQ(dl.shape[1], 2);
  EXPECT_EQ(dl.strides[3], 1);
  EXPECT_EQ(dl.strides[0], 2 * 6 * 5);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(dl.data) % 64, 0u);
  // The pixels stay valid after the view and image are gone, until the deleter runs.
  view = TensorView::Make(MakeImage()).ValueOrDie();
  image.reset();
  volatile int16_t first = static_cast<const int16_t*>(dl.data)[0];
  (void)first;
  managed->deleter(managed);
}

TEST(DLPackTest, ArrowModeIsZeroCopyAndReadOnly) {
  auto dense = MakeRandomImage(1, 1, 1, 6, 5, DType::kUInt16, 3);
  auto record = BuildRecord(dense, {}).ValueOrDie();
  ASSERT_OK_AND_ASSIGN(auto image, ImageFromStructArray(record));
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image));
  Warnings warnings;
  ASSERT_OK_AND_ASSIGN(DLManagedTensorVersioned * managed,
                       view.ToDLPackVersioned("cpu", true, "arrow", &warnings));
  EXPECT_EQ(managed->flags, DLPACK_FLAG_BITMASK_READ_ONLY);
  auto planes = std::static_pointer_cast<arrow::ListArray>(record->GetFieldByName("planes"));
  auto pixels = std::static_pointer_cast<arrow::ListArray>(
      std::static_pointer_cast<arrow::StructArray>(planes->values())->GetFieldByName("pixels"));
  EXPECT_EQ(managed->dl_tensor.data, pixels->values()->data()->buffers[1]->data());
  EXPECT_EQ(managed->dl_tensor.ndim, 1);
  EXPECT_EQ(managed->dl_tensor.shape[0], 30);
  record.reset();
  image.reset();
  view = TensorView::Make(MakeImage()).ValueOrDie();
  EXPECT_EQ(static_cast<const uint16_t*>(managed->dl_tensor.data)[7], dense.At(0, 0, 0, 1, 2));
  managed->deleter(managed);
}

TEST(DLPackTest, LegacyTensorAndCanonicalStrides) {
  auto image = MakeImage();
  ViewOptions options;
  options.layout = "HWCT";
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image, options));
  ASSERT_OK_AND_ASSIGN(DLManagedTensor * managed,
                       view.ToDLPackLegacy("CPU", false, "NumPy", nullptr));
  // Non-contiguous export keeps the reference's strides (TZCHW-contiguous, permuted).
  ASSERT_OK_AND_ASSIGN(auto strides, view.strides());
  for (int i = 0; i < 4; ++i) EXPECT_EQ(managed->dl_tensor.strides[i] * 2, strides[static_cast<size_t>(i)]);
  managed->deleter(managed);
}

TEST(DLPackTest, DeviceAndModeErrors) {
  auto image = MakeImage();
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image));
  EXPECT_STATUS(view.Export("tpu", true, "numpy", nullptr), Invalid, "Unsupported device 'tpu'.");
  EXPECT_STATUS(view.Export(" CPU ", true, "zero", nullptr), Invalid, "Unsupported mode 'zero'.");
  // Without a CUDA runtime or device, device="cuda" fails with kCudaUnavailable and the
  // reason (cuda_runtime_test pins the full text; cuda_test covers a real device).
  const arrow::Status cuda = CudaAvailable();
  if (!cuda.ok()) {
    EXPECT_STATUS(view.Export("cuda", true, "numpy", nullptr), ExecutionError, cuda.message());
    EXPECT_EQ(cuda.message().rfind(std::string(kCudaUnavailable) + " (", 0), 0u)
        << cuda.message();
  }
}

TEST(DLPackTest, DTypeCodes) {
  EXPECT_EQ(ToDLDataType(DType::kUInt8).code, kDLUInt);
  EXPECT_EQ(ToDLDataType(DType::kFloat64).code, kDLFloat);
  EXPECT_EQ(ToDLDataType(DType::kFloat64).bits, 64);
  EXPECT_EQ(ToDLDataType(DType::kInt32).code, kDLInt);
  EXPECT_EQ(ToDLDataType(DType::kInt32).lanes, 1);
}

}  // namespace
}  // namespace omearrow
