// Google Benchmark: the fused copy kernel against memcpy of the same number of bytes.
//
// Image: T=4, C=3, Z=16, 512x512 uint16 (96 MiB) stored as uncompressed byte chunks of
// one plane each. Views: the full 5-D selection in the canonical layout (TZCYX), a
// plane-permuting layout (CTZYX: whole planes in another order) and channels-last
// (TZYXC: every pixel scattered with stride C), on 1 and 2 threads.
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "omearrow/tensor/interleave.h"
#include "omearrow/tensor_view.h"
#include "omearrow/testing/record_builder.h"
#include "omearrow/util/aligned_buffer.h"

namespace omearrow {
namespace {

constexpr int64_t kT = 4, kC = 3, kZ = 16, kY = 512, kX = 512;
constexpr int64_t kBytes = kT * kC * kZ * kY * kX * 2;

// Microscopy-like 12-bit pixels: a smooth ramp plus a little noise (compressible, as real
// images are; full-range random pixels would be stored raw by zstd).
testing::DenseImage MicroscopyLike() {
  auto dense = testing::MakeRandomImage(kT, kC, kZ, kY, kX, DType::kUInt16, 42);
  auto* p = reinterpret_cast<uint16_t*>(dense.bytes.data());
  for (int64_t plane = 0; plane < kT * kC * kZ; ++plane)
    for (int64_t y = 0; y < kY; ++y)
      for (int64_t x = 0; x < kX; ++x, ++p) {
        *p = static_cast<uint16_t>((y * 3 + x * 5 + plane * 17) % 4096 + (*p & 15));
      }
  return dense;
}

std::shared_ptr<const Image> BenchImage(testing::Encoding encoding,
                                        int64_t cache_bytes = int64_t{256} << 20) {
  auto dense = MicroscopyLike();
  testing::RecordSpec spec;
  spec.encoding = encoding;
  spec.chunk_z = 1, spec.chunk_y = kY, spec.chunk_x = kX;
  spec.planes_with_chunks = false;
  RecordOptions options;
  options.decoded_chunk_cache_bytes = cache_bytes;
  return ImageFromStructArray(testing::BuildRecord(dense, spec).ValueOrDie(), 0, options)
      .ValueOrDie();
}

const std::shared_ptr<const Image>& ByteChunkImage() {
  static const auto image = BenchImage(testing::Encoding::kByteChunks);
  return image;
}

void BM_Memcpy(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  auto src = AllocateAligned(kBytes).ValueOrDie();
  auto dst = AllocateAligned(kBytes).ValueOrDie();
  std::memset(src->mutable_data(), 1, kBytes);
  std::memset(dst->mutable_data(), 0, kBytes);
  for (auto _ : state) {
    std::vector<std::thread> workers;
    const int64_t part = kBytes / threads;
    for (int i = 0; i < threads; ++i) {
      workers.emplace_back([&, i] {
        std::memcpy(dst->mutable_data() + i * part, src->data() + i * part,
                    static_cast<size_t>(part));
      });
    }
    for (auto& worker : workers) worker.join();
    benchmark::DoNotOptimize(dst->data());
  }
  state.SetBytesProcessed(state.iterations() * kBytes);
}
BENCHMARK(BM_Memcpy)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// zstd byte chunks with the decoded-chunk cache off: every view decompresses (decode-bound).
const std::shared_ptr<const Image>& ZstdImage() {
  static const auto image = BenchImage(testing::Encoding::kByteChunksZstd, 0);
  return image;
}

void Materialize(benchmark::State& state, const char* layout, DType dtype,
                 const std::shared_ptr<const Image>& image = ByteChunkImage()) {
  ViewOptions options;
  options.layout = layout;
  options.dtype = dtype;
  auto view = TensorView::Make(image, options).ValueOrDie();
  MaterializeOptions mopts;
  mopts.max_threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    auto tensor = view.Materialize(MemoryOrder::kContiguous, mopts);
    if (!tensor.ok()) state.SkipWithError(tensor.status().ToString().c_str());
    benchmark::DoNotOptimize(tensor->data);
  }
  state.SetBytesProcessed(state.iterations() * kBytes / 2 * ItemSize(dtype));
}

void BM_Materialize_TZCYX(benchmark::State& state) { Materialize(state, "TZCYX", DType::kUInt16); }
void BM_Materialize_CTZYX(benchmark::State& state) { Materialize(state, "CTZYX", DType::kUInt16); }
void BM_Materialize_TZYXC(benchmark::State& state) { Materialize(state, "TZYXC", DType::kUInt16); }
void BM_Materialize_TZCYX_Float32(benchmark::State& state) {
  Materialize(state, "TZCYX", DType::kFloat32);
}
BENCHMARK(BM_Materialize_TZCYX)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Materialize_CTZYX)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Materialize_TZYXC)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
void BM_Materialize_Zstd_TZCYX(benchmark::State& state) {
  Materialize(state, "TZCYX", DType::kUInt16, ZstdImage());
}
BENCHMARK(BM_Materialize_Zstd_TZCYX)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Materialize_TZCYX_Float32)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// One 512x512 plane, the per-view overhead path (no threading).
void BM_OnePlaneView(benchmark::State& state) {
  const auto& image = ByteChunkImage();
  for (auto _ : state) {
    ViewOptions options;
    options.selection.t = IndexSpec::Index(1);
    options.selection.z = IndexSpec::Index(3);
    options.selection.c = IndexSpec::Index(2);
    auto view = TensorView::Make(image, options).ValueOrDie();
    auto tensor = view.Materialize().ValueOrDie();
    benchmark::DoNotOptimize(tensor.data);
  }
  state.SetBytesProcessed(state.iterations() * kY * kX * 2);
}
BENCHMARK(BM_OnePlaneView)->Unit(benchmark::kMicrosecond);

// The interleave kernels alone, against memcpy of the same bytes: 3 channels of 256-pixel
// rows into a 6 MiB channels-last output (cache-resident on most servers, as in the
// Python layout benchmark). Arg 0: 0 = portable loop, 1 = AVX-512 (skipped, with a
// message, on CPUs without it); arg 1: bytes per element.
constexpr int64_t kRowPixels = 256, kInterleaveBytes = int64_t{6} << 20;

void BM_InterleaveKernel(benchmark::State& state) {
  const auto isa = state.range(0) == 0 ? internal::InterleaveIsa::kPortable
                                       : internal::InterleaveIsa::kAvx512;
  const int64_t itemsize = state.range(1);
  const DType dtype = itemsize == 1 ? DType::kUInt8 : DType::kUInt16;
  const internal::InterleaveFn kernel = internal::GetInterleaveFor(dtype, isa);
  if (kernel == nullptr) {
    state.SkipWithError("this CPU has no AVX-512 kernel for this element size");
    return;
  }
  constexpr int kChannels = 3;
  const int64_t row_bytes = kRowPixels * itemsize;
  const int64_t rows = kInterleaveBytes / (row_bytes * kChannels);
  std::vector<uint8_t> src(static_cast<size_t>(rows * row_bytes * kChannels), 7);
  std::vector<uint8_t> dst(src.size());
  for (auto _ : state) {
    for (int64_t r = 0; r < rows; ++r) {
      const uint8_t* channel_rows[kChannels];
      for (int c = 0; c < kChannels; ++c) {
        channel_rows[c] = src.data() + (c * rows + r) * row_bytes;
      }
      kernel(channel_rows, kChannels, dst.data() + r * row_bytes * kChannels, kRowPixels);
    }
    benchmark::DoNotOptimize(dst.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(dst.size()));
}
BENCHMARK(BM_InterleaveKernel)
    ->ArgsProduct({{0, 1}, {1, 2}})
    ->Unit(benchmark::kMicrosecond);

void BM_MemcpyCacheResident(benchmark::State& state) {
  std::vector<uint8_t> src(static_cast<size_t>(kInterleaveBytes), 7);
  std::vector<uint8_t> dst(src.size());
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), src.size());
    benchmark::DoNotOptimize(dst.data());
  }
  state.SetBytesProcessed(state.iterations() * kInterleaveBytes);
}
BENCHMARK(BM_MemcpyCacheResident)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace omearrow

BENCHMARK_MAIN();
