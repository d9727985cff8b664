// CPU-only tests of the CUDA runtime loader and of device="cuda" when no runtime can be
// loaded (this binary points the loader at a library that does not exist).
#include "omearrow/cuda/cuda_runtime.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "omearrow/cuda/cuda_export.h"
#include "omearrow/iter/view_iterator.h"
#include "omearrow/tensor_view.h"
#include "omearrow/testing/gtest_util.h"
#include "omearrow/testing/record_builder.h"

namespace omearrow {
namespace {

constexpr const char* kBogus = "libomearrow-no-such-cudart.so";

// Before anything asks for the process's runtime (static initialization).
const bool kEnvironmentSet = [] {
  setenv(cuda::kRuntimeLibraryEnv, kBogus, 1);
  return true;
}();

std::string Unavailable(const std::string& reason) {
  return std::string(kCudaUnavailable) + " (" +
         (cuda::BuiltWithCuda() ? reason : "omearrow was built without CUDA support") + ")";
}

const std::string kBogusReason =
    std::string(kBogus) + ": cannot open shared object file: No such file or directory";

TEST(CudaRuntimeTest, MissingLibraryIsReportedWithItsName) {
  ASSERT_TRUE(kEnvironmentSet);
  EXPECT_STATUS(cuda::Runtime::Load({kBogus}), ExecutionError, Unavailable(kBogusReason));
  EXPECT_STATUS(cuda::Runtime::Get(), ExecutionError, Unavailable(kBogusReason));
  EXPECT_STATUS(CudaAvailable(), ExecutionError, Unavailable(kBogusReason));
}

TEST(CudaRuntimeTest, EveryCandidateIsTried) {
  if (!cuda::BuiltWithCuda()) GTEST_SKIP() << "SKIPPED: built without OMEARROW_WITH_CUDA";
  EXPECT_STATUS(cuda::Runtime::Load({kBogus, "libomearrow-other.so"}), ExecutionError,
                Unavailable(kBogusReason +
                            "; libomearrow-other.so: cannot open shared object file: No "
                            "such file or directory"));
  ASSERT_OK_AND_ASSIGN(auto runtime, cuda::Runtime::Load({kBogus, FAKE_CUDART_PATH}));
  EXPECT_EQ(runtime->library(), FAKE_CUDART_PATH);
  EXPECT_EQ(runtime->device_count(), 1);
}

TEST(CudaRuntimeTest, LibraryWithoutTheRuntimeApi) {
  EXPECT_STATUS(cuda::Runtime::Load({"libm.so.6"}), ExecutionError,
                Unavailable("libm.so.6 has no symbol cudaGetDeviceCount"));
}

TEST(CudaRuntimeTest, RuntimeWithoutDevices) {
  setenv("FAKE_CUDART_DEVICES", "0", 1);
  EXPECT_STATUS(cuda::Runtime::Load({FAKE_CUDART_PATH}), ExecutionError,
                Unavailable(std::string(FAKE_CUDART_PATH) +
                            ": cudaGetDeviceCount failed: no CUDA-capable device is detected"));
  unsetenv("FAKE_CUDART_DEVICES");
}

TEST(CudaRuntimeTest, EmptyCandidateList) {
  EXPECT_STATUS(cuda::Runtime::Load({}), ExecutionError, Unavailable("no runtime library named"));
}

TensorView MakeView() {
  auto dense = testing::MakeRandomImage(2, 2, 3, 8, 6, DType::kUInt16, 5);
  auto record = testing::BuildRecord(dense, {}).ValueOrDie();
  auto image = ImageFromStructArray(record).ValueOrDie();
  return TensorView::Make(image).ValueOrDie();
}

TEST(CudaRuntimeTest, ExportsFailWithTheUnavailableError) {
  TensorView view = MakeView();
  const std::string expected = Unavailable(kBogusReason);
  EXPECT_STATUS(view.Export("cuda", true, "numpy", nullptr), ExecutionError, expected);
  EXPECT_STATUS(view.Export(" CUDA ", false, "numpy", nullptr), ExecutionError, expected);
  // The reference checks CUDA before mode='arrow'.
  EXPECT_STATUS(view.Export("cuda", true, "arrow", nullptr), ExecutionError, expected);
  EXPECT_STATUS(view.ToDLPackVersioned("cuda", true, "numpy", nullptr), ExecutionError,
                expected);
  EXPECT_STATUS(view.ToDLPackLegacy("cuda", true, "numpy", nullptr), ExecutionError, expected);
  // Device and mode names are still checked first.
  EXPECT_STATUS(view.Export("cuda", true, "torch", nullptr), Invalid, "Unsupported mode 'torch'.");
  // CPU exports are unaffected.
  EXPECT_OK(view.Export("cpu", true, "numpy", nullptr));
}

TEST(CudaRuntimeTest, IteratorsFailAtTheFirstItem) {
  TensorView view = MakeView();
  const std::string expected = Unavailable(kBogusReason);
  for (IteratorKind kind : {IteratorKind::kDLPack, IteratorKind::kTiles3D}) {
    for (int64_t prefetch : {0, 2}) {
      IteratorOptions options;
      options.kind = kind;
      options.device = "cuda";
      options.mode = "numpy";
      options.prefetch = prefetch;
      if (kind == IteratorKind::kTiles3D) options.tile_size = std::vector<int64_t>{1, 4, 4};
      ASSERT_OK_AND_ASSIGN(auto iterator, ViewIterator::Make(view, options));
      EXPECT_STATUS(iterator->Next(), ExecutionError, expected);
      ASSERT_OK_AND_ASSIGN(auto end, iterator->Next());
      EXPECT_FALSE(end.has_value());
    }
  }
}

}  // namespace
}  // namespace omearrow
