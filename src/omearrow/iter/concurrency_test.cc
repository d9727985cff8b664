// Concurrency: many threads viewing and materializing one shared image (in-memory
// record, lazily read Parquet file, TIFF file: one shared file handle each), racing
// LazyTensorView::Collect(), and iterators dropped on other threads. Run under TSan too
// (Makefile TSAN_TESTS).
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <barrier>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>
#include <vector>

#include "omearrow/io/parquet_source.h"
#include "omearrow/io/record_writer.h"
#include "omearrow/io/tiff_source.h"
#include "omearrow/iter/view_iterator.h"
#include "omearrow/lazy_tensor_view.h"
#include "omearrow/tensor_view.h"
#include "omearrow/testing/gtest_util.h"
#include "omearrow/testing/record_builder.h"

namespace omearrow {
namespace {

namespace fs = std::filesystem;
using testing::DenseImage;

constexpr int kThreads = 8;
constexpr int kViewsPerThread = 12;

std::shared_ptr<const Image> MemoryImage() {
  DenseImage dense = testing::MakeRandomImage(3, 2, 4, 40, 50, DType::kUInt16, 7);
  testing::RecordSpec spec;
  spec.encoding = testing::Encoding::kByteChunksZstd;
  spec.chunk_z = 2, spec.chunk_y = 16, spec.chunk_x = 16;
  auto record = testing::BuildRecord(dense, spec);
  EXPECT_TRUE(record.ok());
  auto image = ImageFromStructArray(*record, 0);
  EXPECT_TRUE(image.ok());
  return *image;
}

fs::path TempDir() {
  fs::path dir = fs::temp_directory_path() /
                 ("omearrow-concurrency-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

// The whole image in TZCYX order (single-threaded), the reference for every crop.
Tensor Reference(const std::shared_ptr<const Image>& image) {
  ViewOptions options;
  options.layout = "TZCYX";
  auto view = TensorView::Make(image, options);
  EXPECT_TRUE(view.ok()) << view.status().ToString();
  MaterializeOptions single;
  single.max_threads = 1;
  auto tensor = view->Materialize(MemoryOrder::kContiguous, single);
  EXPECT_TRUE(tensor.ok()) << tensor.status().ToString();
  return *tensor;
}

// kThreads threads each make kViewsPerThread random views (one t, z, c and an ROI) of
// `image`, materialize them (2 kernel threads each) and compare with `reference`.
void HammerViews(const std::shared_ptr<const Image>& image) {
  const Tensor reference = Reference(image);
  const auto& meta = image->pixels_meta();
  const int64_t item = ItemSize(reference.dtype);
  std::atomic<int> mismatches{0}, failures{0};
  std::barrier start(kThreads);
  std::vector<std::thread> threads;
  for (int id = 0; id < kThreads; ++id) {
    threads.emplace_back([&, id] {
      std::mt19937_64 rng(static_cast<uint64_t>(id) * 7919 + 1);
      auto pick = [&](int64_t n) { return static_cast<int64_t>(rng() % static_cast<uint64_t>(n)); };
      start.arrive_and_wait();
      for (int k = 0; k < kViewsPerThread; ++k) {
        const int64_t t = pick(meta.size_t), z = pick(meta.size_z), c = pick(meta.size_c);
        const int64_t x = pick(meta.size_x), y = pick(meta.size_y);
        const int64_t w = 1 + pick(meta.size_x - x), h = 1 + pick(meta.size_y - y);
        ViewOptions options;
        options.layout = "TZCYX";
        options.selection.t = IndexSpec::List({t});
        options.selection.z = IndexSpec::List({z});
        options.selection.c = IndexSpec::List({c});
        options.selection.roi = std::vector<int64_t>{x, y, w, h};
        auto view = TensorView::Make(image, options);
        if (!view.ok()) { ++failures; continue; }
        MaterializeOptions kernel;
        kernel.max_threads = 2;
        kernel.parallel_threshold_bytes = 0;
        auto tensor = view->Materialize(MemoryOrder::kContiguous, kernel);
        if (!tensor.ok()) { ++failures; continue; }
        const auto* got = static_cast<const uint8_t*>(tensor->data);
        const auto* want = static_cast<const uint8_t*>(reference.data);
        for (int64_t row = 0; row < h; ++row) {
          const int64_t offset =
              (((t * meta.size_z + z) * meta.size_c + c) * meta.size_y + y + row) *
                  meta.size_x + x;
          if (std::memcmp(got + row * w * item, want + offset * item,
                          static_cast<size_t>(w * item)) != 0) {
            ++mismatches;
          }
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(ConcurrencyTest, SharedInMemoryImage) { HammerViews(MemoryImage()); }

TEST(ConcurrencyTest, SharedParquetFileHandle) {
  const fs::path path = TempDir() / "shared.ome.parquet";
  ParquetWriteOptions write;
  write.record.chunk_shape = {1, 16, 16};
  ASSERT_OK(WriteParquet({MemoryImage()}, path.string(), write));
  ASSERT_OK_AND_ASSIGN(OpenedImage opened, OpenParquet(path.string()));
  HammerViews(opened.image);
  write.record.encoding = ChunkEncoding::kList;  // planes/list chunks: the row cache
  ASSERT_OK(WriteParquet({MemoryImage()}, path.string(), write));
  ASSERT_OK_AND_ASSIGN(OpenedImage list, OpenParquet(path.string()));
  HammerViews(list.image);
  fs::remove_all(path.parent_path());
}

TEST(ConcurrencyTest, SharedTiffFileHandle) {
  for (const char* name : {"multi-channel.ome.tiff", "z-series.ome.tiff"}) {
    TiffOptions options;
    options.max_open_handles = 2;  // threads wait for the shared handles
    options.decoded_plane_cache_bytes = 1 << 16;  // evictions while others read
    ASSERT_OK_AND_ASSIGN(auto image,
                         OpenTiff(std::string(OMEARROW_SOURCE_DIR) + "/testdata/" + name,
                                  options));
    HammerViews(image);
  }
}

TEST(ConcurrencyTest, RacingLazyCollect) {
  for (int round = 0; round < 10; ++round) {
    auto image = MemoryImage();
    std::atomic<int> loads{0};
    LazyTensorView lazy([&]() -> arrow::Result<std::shared_ptr<const Image>> {
      ++loads;
      return image;
    });
    std::barrier start(kThreads);
    std::vector<const Image*> seen(kThreads, nullptr);
    std::vector<std::thread> threads;
    for (int id = 0; id < kThreads; ++id) {
      threads.emplace_back([&, id] {
        LazyTensorView copy = lazy;  // copies share the memo
        start.arrive_and_wait();
        auto view = (id % 2 ? copy : lazy).Collect();
        if (view.ok()) {
          seen[static_cast<size_t>(id)] = view->image().get();
          auto shape = (id % 2 ? copy : lazy).shape();
          (void)shape;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(loads.load(), 1);
    for (const Image* got : seen) EXPECT_EQ(got, image.get());
    EXPECT_TRUE(lazy.is_collected());
  }
}

TEST(ConcurrencyTest, IteratorsDroppedOnOtherThreads) {
  const fs::path path = TempDir() / "iter.ome.parquet";
  ParquetWriteOptions write;
  write.record.chunk_shape = {1, 16, 16};
  ASSERT_OK(WriteParquet({MemoryImage()}, path.string(), write));
  ASSERT_OK_AND_ASSIGN(OpenedImage opened, OpenParquet(path.string()));
  ASSERT_OK_AND_ASSIGN(auto parent, TensorView::Make(opened.image));
  for (int round = 0; round < 12; ++round) {
    IteratorOptions options;
    options.batch_size = 1;
    options.prefetch = 1 + round % 4;
    options.mode = "numpy";
    if (round % 3 == 2) {
      options.kind = IteratorKind::kTiles3D;
      options.batch_size.reset();
      options.tile_size = std::vector<int64_t>{1, 8, 8};
    }
    ASSERT_OK_AND_ASSIGN(auto iterator, ViewIterator::Make(parent, options));
    for (int taken = 0; taken < round % 3; ++taken) {
      ASSERT_OK_AND_ASSIGN(auto item, iterator->Next());
      ASSERT_TRUE(item.has_value());
    }
    // Workers are (likely) mid-item: the owner changes thread and drops it there.
    std::thread dropper([it = std::move(iterator), round]() mutable {
      if (round % 2) it->Close();
      it.reset();
    });
    dropper.join();
  }
  fs::remove_all(path.parent_path());
}

}  // namespace
}  // namespace omearrow
