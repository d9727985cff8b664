#include "omearrow/iter/view_iterator.h"

#include <chrono>
#include <cstring>
#include <thread>

#include <gtest/gtest.h>

#include "omearrow/iter/iteration.h"
#include "omearrow/iter/prefetch.h"
#include "omearrow/testing/gtest_util.h"
#include "omearrow/testing/record_builder.h"

namespace omearrow {
namespace {

using testing::BuildRecord;
using testing::DenseImage;
using testing::Encoding;
using testing::MakeRandomImage;
using testing::RecordSpec;

RecordSpec Chunked(Encoding encoding, int64_t chunk) {
  RecordSpec spec;
  spec.encoding = encoding;
  spec.chunk_y = spec.chunk_x = chunk;
  return spec;
}

std::shared_ptr<const Image> MakeImage(const DenseImage& dense, RecordSpec spec = {},
                                       RecordOptions options = {}) {
  auto record = BuildRecord(dense, spec).ValueOrDie();
  return ImageFromStructArray(record, 0, options).ValueOrDie();
}

TensorView MakeView(std::shared_ptr<const Image> image, ViewOptions options = {}) {
  return TensorView::Make(std::move(image), options).ValueOrDie();
}

std::vector<Tensor> Drain(ViewIterator* it) {
  std::vector<Tensor> out;
  for (;;) {
    auto next = it->Next();
    EXPECT_TRUE(next.ok()) << next.status().ToString();
    if (!next.ok() || !next->has_value()) return out;
    out.push_back(std::move(**next));
  }
}

bool SameTensor(const Tensor& a, const Tensor& b) {
  if (a.shape != b.shape || a.dtype != b.dtype || !a.is_c_contiguous() ||
      !b.is_c_contiguous()) {
    return false;
  }
  return std::memcmp(a.data, b.data,
                     static_cast<size_t>(a.num_elements() * ItemSize(a.dtype))) == 0;
}

// The value of a C-contiguous uint16 CHW tensor at (c, y, x).
uint16_t At(const Tensor& tensor, int64_t c, int64_t y, int64_t x) {
  uint16_t v;
  const int64_t offset = (c * tensor.shape[1] + y) * tensor.shape[2] + x;
  std::memcpy(&v, tensor.data + offset * 2, 2);
  return v;
}

IteratorOptions Tiles2D(std::vector<int64_t> tile, bool shuffle = false, int64_t seed = 0,
                        int64_t prefetch = 0) {
  IteratorOptions options;
  options.tile_size = std::move(tile);
  options.shuffle = shuffle;
  options.seed = PythonSeed::FromInt(seed);
  options.prefetch = prefetch;
  options.mode = "numpy";
  return options;
}

TEST(ViewIteratorTest, TilesMatchTheDenseImageInTheReferenceOrder) {
  auto dense = MakeRandomImage(2, 3, 2, 19, 23, DType::kUInt16, 3);
  ViewOptions vo;
  vo.selection.t = IndexSpec::Index(1);
  vo.selection.z = IndexSpec::Index(0);
  vo.selection.roi = std::vector<int64_t>{2, 1, 17, 15};
  TensorView view = MakeView(MakeImage(dense), vo);
  for (int64_t prefetch : {0, 3}) {
    ASSERT_OK_AND_ASSIGN(auto it, ViewIterator::Make(view, Tiles2D({4, 6}, false, 0, prefetch)));
    EXPECT_EQ(it->size(), 4 * 3);
    std::vector<Tensor> items = Drain(it.get());
    ASSERT_EQ(items.size(), 12u);
    size_t k = 0;
    for (int64_t y = 1; y < 16; y += 4) {
      for (int64_t x = 2; x < 19; x += 6, ++k) {
        const Tensor& tile = items[k];
        const int64_t h = std::min<int64_t>(4, 16 - y), w = std::min<int64_t>(6, 19 - x);
        ASSERT_EQ(tile.shape, (std::vector<int64_t>{3, h, w}));
        for (int64_t c = 0; c < 3; ++c) {
          for (int64_t yy = 0; yy < h; ++yy) {
            for (int64_t xx = 0; xx < w; ++xx) {
              ASSERT_EQ(At(tile, c, yy, xx), dense.At(1, c, 0, y + yy, x + xx));
            }
          }
        }
      }
    }
  }
}

TEST(ViewIteratorTest, ShuffleFollowsPythonRandomAndPrefetchChangesNothing) {
  auto dense = MakeRandomImage(5, 2, 3, 20, 20, DType::kUInt16, 4);
  TensorView view = MakeView(MakeImage(dense, Chunked(Encoding::kByteChunksZstd, 8)));
  for (int64_t seed : {0, 1, 7, 42, 1234567}) {
    ASSERT_OK_AND_ASSIGN(auto sync, ViewIterator::Make(view, Tiles2D({6, 7}, true, seed, 0)));
    std::vector<Tensor> expected = Drain(sync.get());
    ASSERT_OK_AND_ASSIGN(auto tiles, TileSelections2D(view.selection(), {6, 7}));
    const std::vector<int64_t> order =
        PythonShuffleOrder(static_cast<int64_t>(tiles.size()), PythonSeed::FromInt(seed));
    ASSERT_EQ(expected.size(), order.size());
    for (size_t i = 0; i < order.size(); ++i) {
      const Roi& roi = tiles[static_cast<size_t>(order[i])].roi;
      EXPECT_EQ(expected[i].shape.back(), roi.w);
      EXPECT_EQ(expected[i].shape[expected[i].shape.size() - 2], roi.h);
    }
    for (int64_t prefetch : {1, 2, 5}) {
      ASSERT_OK_AND_ASSIGN(auto it,
                           ViewIterator::Make(view, Tiles2D({6, 7}, true, seed, prefetch)));
      std::vector<Tensor> got = Drain(it.get());
      ASSERT_EQ(got.size(), expected.size());
      for (size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(SameTensor(got[i], expected[i]));
    }
  }
  EXPECT_EQ(LivePrefetchWorkers(), 0);
}

TEST(ViewIteratorTest, BatchesAnd3DTiles) {
  auto dense = MakeRandomImage(5, 2, 3, 8, 9, DType::kUInt16, 5);
  TensorView view = MakeView(MakeImage(dense));
  IteratorOptions batches;
  batches.batch_size = 2;
  batches.mode = "numpy";
  batches.prefetch = 2;
  ASSERT_OK_AND_ASSIGN(auto it, ViewIterator::Make(view, batches));
  std::vector<Tensor> items = Drain(it.get());
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].shape, (std::vector<int64_t>{2, 3, 2, 8, 9}));
  EXPECT_EQ(items[2].shape, (std::vector<int64_t>{1, 3, 2, 8, 9}));

  IteratorOptions tiles3d;
  tiles3d.kind = IteratorKind::kTiles3D;
  tiles3d.tile_size = std::vector<int64_t>{2, 8, 5};
  tiles3d.prefetch = 3;
  ASSERT_OK_AND_ASSIGN(it, ViewIterator::Make(view, tiles3d));
  items = Drain(it.get());
  ASSERT_EQ(items.size(), 5u * 2 * 2);  // t × z blocks {0,1},{2} × x bands
  EXPECT_EQ(items[0].shape, (std::vector<int64_t>{1, 2, 2, 8, 5}));
  EXPECT_EQ(items[1].shape, (std::vector<int64_t>{1, 2, 2, 8, 4}));
  EXPECT_EQ(items[2].shape, (std::vector<int64_t>{1, 1, 2, 8, 5}));
}

TEST(ViewIteratorTest, ValidationErrorsInTheReferenceOrder) {
  auto dense = MakeRandomImage(2, 1, 2, 8, 8, DType::kUInt16, 6);
  TensorView view = MakeView(MakeImage(dense));
  IteratorOptions o;
  o.prefetch = -1;
  o.tile_size = std::vector<int64_t>{1, 1};
  o.tiles = std::vector<int64_t>{1, 1};
  EXPECT_STATUS(ViewIterator::Make(view, o), Invalid, "prefetch must be >= 0");
  o.prefetch = 0;
  EXPECT_STATUS(ViewIterator::Make(view, o), Invalid, "Provide only one of tile_size or tiles.");
  o.tile_size.reset();
  o.tiles = std::vector<int64_t>{0, 2};
  Warnings warnings;
  EXPECT_STATUS(ViewIterator::Make(view, o, &warnings), Invalid, "tiles must be positive");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].category, Warning::Category::kDeprecationWarning);
  EXPECT_EQ(warnings[0].message,
            "iter_dlpack(tiles=...) is deprecated; use tile_size=... instead.");
  o.tiles.reset();
  o.batch_size = 0;
  EXPECT_STATUS(ViewIterator::Make(view, o), Invalid, "batch_size must be > 0");

  IteratorOptions t3;
  t3.kind = IteratorKind::kTiles3D;
  t3.mode = "arrow";
  t3.prefetch = -1;
  t3.tile_size = std::vector<int64_t>{1, 0, 1};
  EXPECT_STATUS(ViewIterator::Make(view, t3), Invalid,
                "iter_tiles_3d currently supports only mode='numpy'.");
  t3.mode.reset();
  EXPECT_STATUS(ViewIterator::Make(view, t3), Invalid, "prefetch must be >= 0");
  t3.prefetch = 0;
  EXPECT_STATUS(ViewIterator::Make(view, t3), Invalid, "tile_size entries must be positive");
  t3.tile_size = std::vector<int64_t>{1, 2};
  EXPECT_STATUS(ViewIterator::Make(view, t3), Invalid,
                "not enough values to unpack (expected 3, got 2)");
}

TEST(ViewIteratorTest, ItemErrorsSurfaceAtTheirItemWithPrefetch) {
  // mode="arrow" (the default) over 2-D tiles of a full frame: the first tile is not a
  // stored plane, so the first Next() fails with the export's message.
  auto dense = MakeRandomImage(1, 1, 1, 8, 8, DType::kUInt16, 7);
  TensorView view = MakeView(MakeImage(dense));
  for (int64_t prefetch : {0, 2}) {
    IteratorOptions o;
    o.tile_size = std::vector<int64_t>{4, 4};
    o.prefetch = prefetch;
    ASSERT_OK_AND_ASSIGN(auto it, ViewIterator::Make(view, o));
    auto first = it->Next();
    ASSERT_FALSE(first.ok());
    EXPECT_EQ(first.status().message(),
              "mode='arrow' requires a full-frame ROI; use mode='numpy' for crops.");
    ASSERT_OK_AND_ASSIGN(auto after, it->Next());
    EXPECT_FALSE(after.has_value());
  }
  // A plane loader failing for t == 3: batches of one t fail exactly at item 3 with the
  // loader's error, whatever the prefetch depth.
  PixelsMeta meta;
  meta.size_t = 6;
  meta.size_y = 4;
  meta.size_x = 4;
  meta.type = "uint16";
  auto zeros = std::make_shared<std::vector<uint16_t>>(16, 7);
  ASSERT_OK_AND_ASSIGN(
      auto loaded,
      ImageFromPlaneLoader({}, meta, std::nullopt,
                           [zeros](int64_t t, int64_t, int64_t) -> arrow::Result<LoadedPlane> {
                             if (t == 3) return arrow::Status::IOError("cannot read t=3");
                             return LoadedPlane{zeros, zeros->data(), DType::kUInt16, 16};
                           }));
  TensorView loader_view = MakeView(loaded);
  for (int64_t prefetch : {0, 1, 4}) {
    IteratorOptions o;
    o.batch_size = 1;
    o.mode = "numpy";
    o.prefetch = prefetch;
    ASSERT_OK_AND_ASSIGN(auto it, ViewIterator::Make(loader_view, o));
    for (int i = 0; i < 3; ++i) {
      ASSERT_OK_AND_ASSIGN(auto item, it->Next());
      ASSERT_TRUE(item.has_value());
    }
    auto failed = it->Next();
    ASSERT_FALSE(failed.ok());
    EXPECT_TRUE(failed.status().IsIOError());
    EXPECT_EQ(failed.status().message(), "cannot read t=3");
    ASSERT_OK_AND_ASSIGN(auto end, it->Next());
    EXPECT_FALSE(end.has_value());
  }
  EXPECT_EQ(LivePrefetchWorkers(), 0);
}

// An image whose planes take `delay` each to load: items far above the iterators'
// adaptive run-ahead threshold.
std::shared_ptr<const Image> SlowImage(int64_t size_t, std::chrono::microseconds delay) {
  PixelsMeta meta;
  meta.size_t = size_t;
  meta.size_y = 8;
  meta.size_x = 8;
  meta.type = "uint16";
  auto values = std::make_shared<std::vector<uint16_t>>(64, 5);
  return ImageFromPlaneLoader({}, meta, std::nullopt,
                              [values, delay](int64_t, int64_t,
                                              int64_t) -> arrow::Result<LoadedPlane> {
                                std::this_thread::sleep_for(delay);
                                return LoadedPlane{values, values->data(), DType::kUInt16,
                                                   64};
                              })
      .ValueOrDie();
}

TEST(ViewIteratorTest, EarlyExitJoinsWorkers) {
  // Expensive items (slow loads): workers start after the first and run ahead.
  TensorView view = MakeView(SlowImage(40, std::chrono::microseconds(2000)));
  IteratorOptions o;
  o.batch_size = 1;
  o.mode = "numpy";
  o.prefetch = 4;
  {
    ASSERT_OK_AND_ASSIGN(auto it, ViewIterator::Make(view, o));
    ASSERT_OK_AND_ASSIGN(auto item, it->Next());
    ASSERT_TRUE(item.has_value());
    EXPECT_GT(LivePrefetchWorkers(), 0);
  }
  EXPECT_EQ(LivePrefetchWorkers(), 0);
  ASSERT_OK_AND_ASSIGN(auto it, ViewIterator::Make(view, o));
  it->Close();
  EXPECT_EQ(LivePrefetchWorkers(), 0);
  ASSERT_OK_AND_ASSIGN(auto end, it->Next());
  EXPECT_FALSE(end.has_value());
}

TEST(ViewIteratorTest, CheapItemsComeInOrderWhoeverProducesThem) {
  // 2x2 tiles from memory cost far less than a thread hand-off: the consumer usually
  // produces them itself (workers start only if an item proves expensive); either way
  // the items and their order are those of prefetch=0.
  auto dense = MakeRandomImage(1, 1, 1, 64, 64, DType::kUInt16, 9);
  TensorView view = MakeView(MakeImage(dense));
  ASSERT_OK_AND_ASSIGN(auto sync, ViewIterator::Make(view, Tiles2D({2, 2}, true, 5, 0)));
  const std::vector<Tensor> expected = Drain(sync.get());
  ASSERT_OK_AND_ASSIGN(auto it, ViewIterator::Make(view, Tiles2D({2, 2}, true, 5, 4)));
  int64_t count = 0;
  for (;; ++count) {
    ASSERT_OK_AND_ASSIGN(auto item, it->Next());
    if (!item.has_value()) break;
    ASSERT_LT(count, static_cast<int64_t>(expected.size()));
    EXPECT_TRUE(SameTensor(*item, expected[static_cast<size_t>(count)])) << count;
  }
  EXPECT_EQ(count, static_cast<int64_t>(expected.size()));
  it.reset();
  EXPECT_EQ(LivePrefetchWorkers(), 0);
}

TEST(ViewIteratorTest, ConcurrentIteratorsOverOneSharedSource) {
  // zstd chunks with a small decoded-chunk cache: the cache is shared and contended.
  auto dense = MakeRandomImage(3, 2, 4, 40, 40, DType::kUInt16, 10);
  RecordOptions ro;
  ro.decoded_chunk_cache_bytes = 4 * 16 * 16 * 2;
  TensorView view = MakeView(MakeImage(dense, Chunked(Encoding::kByteChunksZstd, 16), ro));
  ASSERT_OK_AND_ASSIGN(auto sync, ViewIterator::Make(view, Tiles2D({7, 9}, true, 3, 0)));
  const std::vector<Tensor> expected = Drain(sync.get());
  std::vector<std::thread> threads;
  std::vector<int> mismatches(6, 0);
  for (int k = 0; k < 6; ++k) {
    threads.emplace_back([&, k] {
      for (int round = 0; round < 3; ++round) {
        auto it = ViewIterator::Make(view, Tiles2D({7, 9}, true, 3, 1 + k % 3)).ValueOrDie();
        std::vector<Tensor> got = Drain(it.get());
        if (got.size() != expected.size()) ++mismatches[k];
        for (size_t i = 0; i < got.size() && i < expected.size(); ++i) {
          if (!SameTensor(got[i], expected[i])) ++mismatches[k];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int k = 0; k < 6; ++k) EXPECT_EQ(mismatches[k], 0) << "iterator " << k;
  EXPECT_EQ(LivePrefetchWorkers(), 0);
}

}  // namespace
}  // namespace omearrow
