// The whole device="cuda" path against testing/fake_cudart.cc (ctest sets
// OMEARROW_CUDART to it): host memory stands in for device memory and every copy is
// delayed on a stream thread, so a staging buffer reused too early, a missing event or a
// leaked allocation shows up without a GPU. cuda_test runs the same checks on a GPU.
#include <dlfcn.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

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

const bool kEnvironmentSet = [] {
  setenv(cuda::kRuntimeLibraryEnv, FAKE_CUDART_PATH, 1);
  setenv("FAKE_CUDART_DEVICES", "2", 1);
  setenv("FAKE_CUDART_DELAY_US", "200", 1);
  setenv(kPinnedPoolBytesEnv, "524288", 1);  // small: forces reuse and fence waits
  return true;
}();

// The fake's counters.
struct Fake {
  void* handle = dlopen(FAKE_CUDART_PATH, RTLD_NOW);
  int64_t (*device_bytes)() = reinterpret_cast<int64_t (*)()>(dlsym(handle, "fake_cudart_device_bytes"));
  int64_t (*host_bytes)() = reinterpret_cast<int64_t (*)()>(dlsym(handle, "fake_cudart_host_bytes"));
  int64_t (*host_allocations)() =
      reinterpret_cast<int64_t (*)()>(dlsym(handle, "fake_cudart_host_allocations"));
  int64_t (*waits_on)(uintptr_t) =
      reinterpret_cast<int64_t (*)(uintptr_t)>(dlsym(handle, "fake_cudart_waits_on"));
};

const Fake& GetFake() {
  static const Fake fake;
  return fake;
}

class CudaFakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(kEnvironmentSet);
    if (!cuda::BuiltWithCuda()) GTEST_SKIP() << "SKIPPED: built without OMEARROW_WITH_CUDA";
    ASSERT_OK(CudaAvailable());
    ASSERT_NE(GetFake().device_bytes, nullptr);
  }
};

std::shared_ptr<const Image> MakeImage(DType dtype, Encoding encoding, int64_t sy = 24,
                                       int64_t sx = 20) {
  auto dense = MakeRandomImage(2, 3, 4, sy, sx, dtype, 11);
  RecordSpec spec;
  spec.encoding = encoding;
  spec.chunk_y = spec.chunk_x = 8;
  return ImageFromStructArray(BuildRecord(dense, spec).ValueOrDie()).ValueOrDie();
}

// Compares a finished device tensor (host memory under the fake) with the CPU export.
void ExpectSameAsCpu(const TensorView& view, bool contiguous, const Tensor& device) {
  ASSERT_OK_AND_ASSIGN(Tensor cpu, view.Export("cpu", contiguous, "numpy", nullptr));
  EXPECT_EQ(device.shape, cpu.shape);
  EXPECT_EQ(device.strides, cpu.strides);
  EXPECT_EQ(device.dtype, cpu.dtype);
  ASSERT_OK_AND_ASSIGN(int64_t bytes, view.MaterializedBytes(contiguous
                                                                 ? MemoryOrder::kContiguous
                                                                 : MemoryOrder::kCanonical));
  EXPECT_EQ(std::memcmp(device.data, cpu.data, static_cast<size_t>(bytes)), 0);
}

TEST_F(CudaFakeTest, ValuesEqualTheCpuExportForLayoutsDtypesAndEncodings) {
  for (DType dtype : {DType::kUInt8, DType::kUInt16, DType::kInt32, DType::kFloat32,
                      DType::kFloat64}) {
    for (Encoding encoding : {Encoding::kPlanes, Encoding::kByteChunksZstd}) {
      auto image = MakeImage(dtype, encoding);
      for (const char* layout : {"TZCYX", "CYX", "YXC", "ZYX", "TCZXY"}) {
        ViewOptions options;
        options.layout = layout;
        if (std::string(layout) == "CYX") {
          options.selection.t = IndexSpec::Index(1);
          options.selection.z = IndexSpec::Index(2);
        } else if (std::string(layout) == "ZYX") {
          options.selection.t = IndexSpec::Index(0);
          options.selection.c = IndexSpec::Index(1);
        } else if (std::string(layout) == "YXC") {
          options.selection.t = IndexSpec::Index(0);
          options.selection.z = IndexSpec::Index(3);
          options.selection.roi = std::vector<int64_t>{3, 2, 13, 9};
        }
        options.dtype = dtype == DType::kUInt8 ? DType::kFloat32 : dtype;  // a cast too
        ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image, options));
        for (bool contiguous : {true, false}) {
          SCOPED_TRACE(std::string(DTypeName(dtype)) + " " + layout +
                       (contiguous ? " contiguous" : " canonical"));
          ASSERT_OK_AND_ASSIGN(Tensor tensor, view.Export("cuda", contiguous, "numpy", nullptr));
          EXPECT_EQ(tensor.device.device_type, kDLCUDA);
          EXPECT_EQ(tensor.device.device_id, 0);
          EXPECT_TRUE(tensor.is_copy);
          EXPECT_FALSE(tensor.read_only);
          ASSERT_NE(tensor.pending, nullptr);
          ASSERT_OK(tensor.pending->Wait());
          ExpectSameAsCpu(view, contiguous, tensor);
        }
      }
    }
  }
}

TEST_F(CudaFakeTest, ArrowModeIsRejectedAfterTheAvailabilityCheck) {
  auto image = MakeImage(DType::kUInt16, Encoding::kPlanes);
  ViewOptions options;
  options.selection.t = IndexSpec::Index(0);
  options.selection.z = IndexSpec::Index(0);
  options.selection.c = IndexSpec::Index(0);
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image, options));
  EXPECT_OK(view.Export("cpu", true, "arrow", nullptr));
  EXPECT_STATUS(view.Export("cuda", true, "arrow", nullptr), Invalid,
                "mode='arrow' does not support device='cuda'.");
}

TEST_F(CudaFakeTest, DLPackCarriesTheDeviceAndFreesDeviceMemory) {
  auto image = MakeImage(DType::kInt16, Encoding::kPlanes);
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image));
  const int64_t before = GetFake().device_bytes();
  ASSERT_OK_AND_ASSIGN(DLManagedTensorVersioned * managed,
                       view.ToDLPackVersioned("cuda", true, "numpy", nullptr));
  EXPECT_EQ(managed->dl_tensor.device.device_type, kDLCUDA);
  EXPECT_EQ(managed->dl_tensor.device.device_id, 0);
  EXPECT_EQ(managed->flags, DLPACK_FLAG_BITMASK_IS_COPIED);
  EXPECT_EQ(GetFake().device_bytes(), before + 2 * 3 * 4 * 24 * 20 * 2);
  managed->deleter(managed);
  EXPECT_EQ(GetFake().device_bytes(), before);

  ASSERT_OK_AND_ASSIGN(DLManagedTensor * legacy,
                       view.ToDLPackLegacy("cuda", true, "numpy", nullptr));
  EXPECT_EQ(legacy->dl_tensor.device.device_type, kDLCUDA);
  legacy->deleter(legacy);
  EXPECT_EQ(GetFake().device_bytes(), before);
}

TEST_F(CudaFakeTest, PendingWorkOrdersTheConsumersStream) {
  auto image = MakeImage(DType::kUInt16, Encoding::kPlanes);
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image));
  ASSERT_OK_AND_ASSIGN(Tensor tensor, view.Export("cuda", true, "numpy", nullptr));
  const uintptr_t stream = 0x1;  // the legacy default stream
  const int64_t waits = GetFake().waits_on(stream);
  ASSERT_OK(tensor.pending->OrderBefore(stream));
  EXPECT_EQ(GetFake().waits_on(stream), waits + 1);
}

TEST_F(CudaFakeTest, UsesTheCallersCurrentDeviceAndRestoresIt) {
  ASSERT_OK_AND_ASSIGN(auto runtime, cuda::Runtime::Get());
  ASSERT_EQ(runtime->device_count(), 2);
  ASSERT_EQ(runtime->api().SetDevice(1), cuda::kSuccess);
  auto image = MakeImage(DType::kUInt16, Encoding::kPlanes);
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image));
  ASSERT_OK_AND_ASSIGN(Tensor tensor, view.Export("cuda", true, "numpy", nullptr));
  EXPECT_EQ(tensor.device.device_id, 1);
  ASSERT_OK_AND_ASSIGN(int64_t bytes, view.MaterializedBytes(MemoryOrder::kContiguous));
  ASSERT_OK_AND_ASSIGN(Tensor explicit0,
                       ExportToCuda(
                           bytes,
                           [&](uint8_t* destination, int64_t capacity) {
                             return view.MaterializeTo(destination, capacity,
                                                       MemoryOrder::kContiguous);
                           },
                           0));
  EXPECT_EQ(explicit0.device.device_id, 0);
  EXPECT_EQ(runtime->CurrentDevice().ValueOrDie(), 1);
  // Iterators made on device 1 export there from their workers too.
  IteratorOptions options;
  options.device = "cuda";
  options.mode = "numpy";
  options.batch_size = 1;
  options.prefetch = 2;
  ASSERT_OK_AND_ASSIGN(auto iterator, ViewIterator::Make(view, options));
  ASSERT_OK_AND_ASSIGN(auto item, iterator->Next());
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(item->device.device_id, 1);
  ASSERT_EQ(runtime->api().SetDevice(0), cuda::kSuccess);
}

TEST_F(CudaFakeTest, IteratorsMatchTheCpuIteratorsAndBoundDeviceMemory) {
  auto image = MakeImage(DType::kUInt16, Encoding::kByteChunksLz4, 64, 48);
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image));
  for (IteratorKind kind : {IteratorKind::kDLPack, IteratorKind::kTiles3D}) {
    for (int64_t prefetch : {0, 2, 4}) {
      SCOPED_TRACE("prefetch " + std::to_string(prefetch));
      IteratorOptions options;
      options.kind = kind;
      options.mode = "numpy";
      options.prefetch = prefetch;
      options.shuffle = true;
      options.seed = PythonSeed::FromInt(7);
      if (kind == IteratorKind::kTiles3D) {
        options.tile_size = std::vector<int64_t>{2, 16, 16};
      } else {
        options.tile_size = std::vector<int64_t>{16, 16};
      }
      IteratorOptions cpu_options = options;
      options.device = "cuda";
      ASSERT_OK_AND_ASSIGN(auto gpu_it, ViewIterator::Make(view, options));
      ASSERT_OK_AND_ASSIGN(auto cpu_it, ViewIterator::Make(view, cpu_options));
      const int64_t tile_bytes = 2 * 3 * (kind == IteratorKind::kTiles3D ? 2 : 4) * 16 * 16 * 2;
      int64_t count = 0;
      for (;;) {
        ASSERT_OK_AND_ASSIGN(auto gpu, gpu_it->Next());
        ASSERT_OK_AND_ASSIGN(auto cpu, cpu_it->Next());
        ASSERT_EQ(gpu.has_value(), cpu.has_value());
        if (!gpu.has_value()) break;
        ASSERT_OK(gpu->pending->Wait());
        EXPECT_EQ(gpu->shape, cpu->shape);
        EXPECT_EQ(std::memcmp(gpu->data, cpu->data,
                              static_cast<size_t>(cpu->num_elements() * 2)), 0);
        // Held: this item plus at most `prefetch` ahead.
        EXPECT_LE(GetCudaExportStats().live_allocations, prefetch + 1);
        EXPECT_LE(GetCudaExportStats().live_bytes, (prefetch + 1) * tile_bytes);
        ++count;
      }
      EXPECT_EQ(count, gpu_it->size());
      EXPECT_EQ(GetCudaExportStats().live_allocations, 0);
    }
  }
}

TEST_F(CudaFakeTest, NoLeaksAndBoundedPinnedMemoryOverManyExports) {
  auto image = MakeImage(DType::kFloat32, Encoding::kPlanes, 96, 80);
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image));
  ASSERT_OK_AND_ASSIGN(auto pool, PinnedPool());
  const int64_t device_before = GetFake().device_bytes();
  // Several exports in flight at once (each copy is delayed), sizes from 64 KiB classes
  // to one above the pool's bound (a one-off buffer).
  for (int round = 0; round < 300; ++round) {
    std::vector<Tensor> held;
    for (int64_t t = 0; t < 2; ++t) {
      ViewOptions options;
      options.selection.t = IndexSpec::Index(t);
      options.selection.c = IndexSpec::Index(round % 3);
      options.layout = "ZYX";
      ASSERT_OK_AND_ASSIGN(auto small, TensorView::Make(image, options));
      ASSERT_OK_AND_ASSIGN(Tensor a, small.Export("cuda", true, "numpy", nullptr));
      held.push_back(std::move(a));
    }
    if (round % 50 == 0) {
      ASSERT_OK_AND_ASSIGN(Tensor all, view.Export("cuda", true, "numpy", nullptr));
      ASSERT_OK(all.pending->Wait());
      ExpectSameAsCpu(view, true, all);
    }
    for (Tensor& tensor : held) ASSERT_OK(tensor.pending->Wait());
    if (round % 30 == 0) {
      ViewOptions options;
      options.selection.t = IndexSpec::Index(1);
      options.selection.c = IndexSpec::Index(round % 3);
      options.layout = "ZYX";
      ExpectSameAsCpu(TensorView::Make(image, options).ValueOrDie(), true, held[1]);
    }
  }
  EXPECT_EQ(GetFake().device_bytes(), device_before);
  EXPECT_EQ(GetCudaExportStats().live_allocations, 0);
  const PoolStats stats = pool->stats();
  EXPECT_EQ(stats.leased_bytes, 0);
  EXPECT_LE(stats.allocated_bytes, pool->max_bytes());
  EXPECT_LE(GetFake().host_bytes(), pool->max_bytes());
  EXPECT_LT(stats.allocations, 20);  // reused, not one per export
  EXPECT_GT(stats.reuses, 500);
}

}  // namespace
}  // namespace omearrow
