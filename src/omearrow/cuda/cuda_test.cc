// GPU-only tests of device="cuda" with the real CUDA runtime. Without a runtime or a
// device every test is skipped with the reason ("[  SKIPPED ]", reported by ctest as
// not run, never as passed). cuda_fake_test runs the same logic without a GPU.
#include <dlfcn.h>

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "omearrow/cuda/cuda_export.h"
#include "omearrow/cuda/cuda_runtime.h"
#include "omearrow/iter/view_iterator.h"
#include "omearrow/tensor/dlpack.h"
#include "omearrow/tensor_view.h"
#include "omearrow/testing/gtest_util.h"
#include "omearrow/testing/record_builder.h"

namespace omearrow {
namespace {

using testing::BuildRecord;
using testing::Encoding;
using testing::MakeRandomImage;
using testing::RecordSpec;

constexpr int kMemcpyDeviceToHost = 2;
constexpr int kMemoryTypeDevice = 2;

// cudaPointerAttributes (CUDA >= 11).
struct PointerAttributes {
  int type;
  int device;
  void* device_pointer;
  void* host_pointer;
};

// Runtime functions only these tests need, from the library omearrow loaded.
struct Extra {
  cuda::Error (*Memcpy)(void*, const void*, size_t, int) = nullptr;
  cuda::Error (*PointerGetAttributes)(PointerAttributes*, const void*) = nullptr;
  cuda::Error (*MemGetInfo)(size_t*, size_t*) = nullptr;
};

class CudaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto runtime = cuda::Runtime::Get();
    if (!runtime.ok()) {
      GTEST_SKIP() << "SKIPPED (GPU-only test): " << runtime.status().message();
    }
    runtime_ = *runtime;
    void* handle = dlopen(runtime_->library().c_str(), RTLD_NOW);
    ASSERT_NE(handle, nullptr);
    extra_.Memcpy = reinterpret_cast<decltype(extra_.Memcpy)>(dlsym(handle, "cudaMemcpy"));
    extra_.PointerGetAttributes = reinterpret_cast<decltype(extra_.PointerGetAttributes)>(
        dlsym(handle, "cudaPointerGetAttributes"));
    extra_.MemGetInfo =
        reinterpret_cast<decltype(extra_.MemGetInfo)>(dlsym(handle, "cudaMemGetInfo"));
    ASSERT_NE(extra_.Memcpy, nullptr);
    ASSERT_NE(extra_.PointerGetAttributes, nullptr);
    ASSERT_NE(extra_.MemGetInfo, nullptr);
  }

  std::vector<uint8_t> ToHost(const Tensor& tensor, int64_t bytes) {
    std::vector<uint8_t> host(static_cast<size_t>(bytes));
    EXPECT_OK(tensor.pending->Wait());
    EXPECT_EQ(extra_.Memcpy(host.data(), tensor.data, host.size(), kMemcpyDeviceToHost),
              cuda::kSuccess);
    return host;
  }

  std::shared_ptr<cuda::Runtime> runtime_;
  Extra extra_;
};

std::shared_ptr<const Image> MakeImage(DType dtype, Encoding encoding, int64_t sy, int64_t sx,
                                       int64_t sz = 4) {
  auto dense = MakeRandomImage(2, 3, sz, sy, sx, dtype, 11);
  RecordSpec spec;
  spec.encoding = encoding;
  spec.chunk_y = spec.chunk_x = 64;
  return ImageFromStructArray(BuildRecord(dense, spec).ValueOrDie()).ValueOrDie();
}

TEST_F(CudaTest, PointerIsDeviceMemoryOnTheCurrentDevice) {
  auto image = MakeImage(DType::kUInt16, Encoding::kPlanes, 64, 64);
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image));
  ASSERT_OK_AND_ASSIGN(Tensor tensor, view.Export("cuda", true, "numpy", nullptr));
  ASSERT_OK_AND_ASSIGN(int current, runtime_->CurrentDevice());
  PointerAttributes attributes{};
  ASSERT_EQ(extra_.PointerGetAttributes(&attributes, tensor.data), cuda::kSuccess);
  EXPECT_EQ(attributes.type, kMemoryTypeDevice);
  EXPECT_EQ(attributes.device, current);
  EXPECT_EQ(tensor.device.device_type, kDLCUDA);
  EXPECT_EQ(tensor.device.device_id, current);
}

TEST_F(CudaTest, ValuesEqualTheCpuExportForLayoutsAndDtypes) {
  for (DType dtype : {DType::kUInt8, DType::kUInt16, DType::kInt16, DType::kInt32,
                      DType::kFloat32, DType::kFloat64}) {
    for (Encoding encoding : {Encoding::kPlanes, Encoding::kByteChunksZstd}) {
      auto image = MakeImage(dtype, encoding, 200, 150);
      for (const char* layout : {"TZCYX", "ZCYX", "YXC", "TCZXY"}) {
        ViewOptions options;
        options.layout = layout;
        if (std::string(layout) != "TZCYX" && std::string(layout) != "TCZXY") {
          options.selection.t = IndexSpec::Index(1);
        }
        if (std::string(layout) == "YXC") {
          options.selection.z = IndexSpec::Index(2);
          options.selection.roi = std::vector<int64_t>{7, 5, 120, 99};
        }
        ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image, options));
        for (bool contiguous : {true, false}) {
          SCOPED_TRACE(std::string(DTypeName(dtype)) + " " + layout);
          const MemoryOrder order =
              contiguous ? MemoryOrder::kContiguous : MemoryOrder::kCanonical;
          ASSERT_OK_AND_ASSIGN(Tensor gpu, view.Export("cuda", contiguous, "numpy", nullptr));
          ASSERT_OK_AND_ASSIGN(Tensor cpu, view.Export("cpu", contiguous, "numpy", nullptr));
          ASSERT_OK_AND_ASSIGN(int64_t bytes, view.MaterializedBytes(order));
          EXPECT_EQ(gpu.strides, cpu.strides);
          std::vector<uint8_t> host = ToHost(gpu, bytes);
          EXPECT_EQ(std::memcmp(host.data(), cpu.data, host.size()), 0);
        }
      }
    }
  }
}

TEST_F(CudaTest, ConsumerStreamSeesCompleteData) {
  // 64 MiB: the copy takes milliseconds, so an unordered read would see stale data.
  auto image = MakeImage(DType::kUInt16, Encoding::kPlanes, 2048, 2048, 4);
  ViewOptions options;
  options.selection.t = IndexSpec::Index(0);
  options.layout = "ZCYX";
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image, options));
  ASSERT_OK_AND_ASSIGN(Tensor cpu, view.Export("cpu", true, "numpy", nullptr));
  const size_t bytes = static_cast<size_t>(cpu.num_elements() * 2);
  cuda::Stream consumer = nullptr;
  ASSERT_EQ(runtime_->api().StreamCreateWithFlags(&consumer, cuda::kStreamNonBlocking),
            cuda::kSuccess);
  void* host = nullptr;
  ASSERT_EQ(runtime_->api().MallocHost(&host, bytes), cuda::kSuccess);
  for (int round = 0; round < 5; ++round) {
    std::memset(host, 0xAB, bytes);
    ASSERT_OK_AND_ASSIGN(Tensor gpu, view.Export("cuda", true, "numpy", nullptr));
    ASSERT_OK(gpu.pending->OrderBefore(reinterpret_cast<uintptr_t>(consumer)));
    ASSERT_EQ(runtime_->api().MemcpyAsync(host, gpu.data, bytes, kMemcpyDeviceToHost,
                                          consumer),
              cuda::kSuccess);
    ASSERT_EQ(runtime_->api().StreamSynchronize(consumer), cuda::kSuccess);
    EXPECT_EQ(std::memcmp(host, cpu.data, bytes), 0) << "round " << round;
  }
  runtime_->api().FreeHost(host);
  runtime_->api().StreamDestroy(consumer);
}

TEST_F(CudaTest, NoLeakOfPinnedOrDeviceMemoryOver10000Exports) {
  auto image = MakeImage(DType::kUInt16, Encoding::kPlanes, 256, 256, 2);
  ViewOptions options;
  options.selection.t = IndexSpec::Index(0);
  options.selection.z = IndexSpec::Index(0);
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image, options));
  { ASSERT_OK_AND_ASSIGN(Tensor warm, view.Export("cuda", true, "numpy", nullptr)); }
  size_t free_before = 0, total = 0;
  ASSERT_EQ(extra_.MemGetInfo(&free_before, &total), cuda::kSuccess);
  ASSERT_OK_AND_ASSIGN(auto pool, PinnedPool());
  for (int i = 0; i < 10000; ++i) {
    ASSERT_OK_AND_ASSIGN(Tensor tensor, view.Export("cuda", true, "numpy", nullptr));
  }
  EXPECT_EQ(GetCudaExportStats().live_allocations, 0);
  EXPECT_EQ(GetCudaExportStats().live_bytes, 0);
  const PoolStats stats = pool->stats();
  EXPECT_EQ(stats.leased_bytes, 0);
  EXPECT_LE(stats.allocated_bytes, pool->max_bytes());
  EXPECT_LT(stats.allocations, 64);
  size_t free_after = 0;
  ASSERT_EQ(extra_.MemGetInfo(&free_after, &total), cuda::kSuccess);
  EXPECT_LE(free_before - std::min(free_before, free_after), size_t{16} << 20);
}

TEST_F(CudaTest, PrefetchingIteratorsMatchTheCpu) {
  auto image = MakeImage(DType::kUInt16, Encoding::kByteChunksLz4, 512, 512, 4);
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image));
  for (int64_t prefetch : {0, 2, 4}) {
    IteratorOptions options;
    options.mode = "numpy";
    options.tile_size = std::vector<int64_t>{128, 128};
    options.prefetch = prefetch;
    IteratorOptions cpu_options = options;
    options.device = "cuda";
    ASSERT_OK_AND_ASSIGN(auto gpu_it, ViewIterator::Make(view, options));
    ASSERT_OK_AND_ASSIGN(auto cpu_it, ViewIterator::Make(view, cpu_options));
    for (;;) {
      ASSERT_OK_AND_ASSIGN(auto gpu, gpu_it->Next());
      ASSERT_OK_AND_ASSIGN(auto cpu, cpu_it->Next());
      ASSERT_EQ(gpu.has_value(), cpu.has_value());
      if (!gpu.has_value()) break;
      std::vector<uint8_t> host = ToHost(*gpu, cpu->num_elements() * 2);
      EXPECT_EQ(std::memcmp(host.data(), cpu->data, host.size()), 0);
      EXPECT_LE(GetCudaExportStats().live_allocations, prefetch + 1);
    }
  }
}

}  // namespace
}  // namespace omearrow
