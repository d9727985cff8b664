#include "omearrow/iter/tile_stream.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <tuple>

#include <gtest/gtest.h>

#include "omearrow/iter/prefetch.h"
#include "omearrow/iter/python_random.h"
#include "omearrow/testing/gtest_util.h"
#include "omearrow/testing/record_builder.h"

namespace omearrow {
namespace {

using testing::BuildRecord;
using testing::DenseImage;
using testing::Encoding;
using testing::MakeRandomImage;
using testing::RecordSpec;

struct Fixture {
  std::vector<DenseImage> dense;
  std::vector<TensorView> views;
};

// Three images of different sizes and encodings; image 1 selects z=[2, 0] and an ROI.
Fixture MakeFixture() {
  Fixture f;
  f.dense.push_back(MakeRandomImage(1, 2, 1, 10, 12, DType::kUInt16, 1));
  f.dense.push_back(MakeRandomImage(2, 2, 3, 17, 9, DType::kUInt16, 2));
  f.dense.push_back(MakeRandomImage(1, 2, 2, 8, 8, DType::kUInt16, 3));
  const Encoding encodings[] = {Encoding::kPlanes, Encoding::kByteChunksZstd,
                                Encoding::kListChunks};
  for (size_t i = 0; i < 3; ++i) {
    RecordSpec spec;
    spec.encoding = encodings[i];
    spec.chunk_y = spec.chunk_x = 5;
    auto image = ImageFromStructArray(BuildRecord(f.dense[i], spec).ValueOrDie()).ValueOrDie();
    ViewOptions options;
    if (i == 1) {
      options.selection.z = IndexSpec::List({2, 0});
      options.selection.roi = std::vector<int64_t>{1, 2, 7, 14};
    }
    f.views.push_back(TensorView::Make(image, options).ValueOrDie());
  }
  return f;
}

TileStreamOptions Options(int64_t index = 0, int64_t count = 1, bool shuffle = false,
                          uint64_t seed = 0, uint64_t epoch = 0, int64_t prefetch = 0) {
  TileStreamOptions o;
  o.tile_size = {4, 4};
  o.shuffle = shuffle;
  o.seed = seed;
  o.epoch = epoch;
  o.shard_index = index;
  o.shard_count = count;
  o.prefetch = prefetch;
  return o;
}

void ExpectTileValues(const Fixture& f, const Tile& tile) {
  const DenseImage& dense = f.dense[static_cast<size_t>(tile.task.image)];
  const Roi& roi = tile.task.roi;
  ASSERT_EQ(tile.tensor.shape, (std::vector<int64_t>{2, roi.h, roi.w}));
  for (int64_t c = 0; c < 2; ++c) {
    for (int64_t y = 0; y < roi.h; ++y) {
      for (int64_t x = 0; x < roi.w; ++x) {
        uint16_t v;
        std::memcpy(&v, tile.tensor.data + ((c * roi.h + y) * roi.w + x) * 2, 2);
        ASSERT_EQ(v, dense.At(tile.task.t, c, tile.task.z, roi.y + y, roi.x + x));
      }
    }
  }
}

TEST(TileStreamTest, CanonicalTaskOrder) {
  Fixture f = MakeFixture();
  ASSERT_OK_AND_ASSIGN(auto tasks, AllTileTasks(f.views, {4, 4}));
  // image 0: 3×3 tiles; image 1: t 2 × z 2 × 4 rows × 2 cols; image 2: z 2 × 2×2.
  ASSERT_EQ(tasks.size(), 9u + 2 * 2 * 4 * 2 + 2 * 4);
  EXPECT_EQ(tasks[0], (TileTask{0, 0, 0, Roi{0, 0, 4, 4}}));
  EXPECT_EQ(tasks[2], (TileTask{0, 0, 0, Roi{8, 0, 4, 4}}));
  EXPECT_EQ(tasks[9], (TileTask{1, 0, 2, Roi{1, 2, 4, 4}}));
  EXPECT_EQ(tasks[10], (TileTask{1, 0, 2, Roi{5, 2, 3, 4}}));
  EXPECT_EQ(tasks[15], (TileTask{1, 0, 2, Roi{1, 14, 4, 2}}));
  EXPECT_EQ(tasks[16], (TileTask{1, 0, 2, Roi{5, 14, 3, 2}}));
  EXPECT_EQ(tasks[17], (TileTask{1, 0, 0, Roi{1, 2, 4, 4}}));
  EXPECT_STATUS(AllTileTasks(f.views, {4}), Invalid, "tile_size must be (tile_h, tile_w)");
  EXPECT_STATUS(AllTileTasks(f.views, {4, 0}), Invalid, "tiles must be positive");
}

TEST(TileStreamTest, EveryTileExactlyOncePerEpochAcrossShards) {
  Fixture f = MakeFixture();
  ASSERT_OK_AND_ASSIGN(auto all, AllTileTasks(f.views, {4, 4}));
  for (uint64_t epoch : {0, 1, 2}) {
    std::map<std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t>, int> seen;
    for (int64_t shard = 0; shard < 4; ++shard) {
      ASSERT_OK_AND_ASSIGN(auto stream,
                           TileStream::Make(f.views, Options(shard, 4, true, 9, epoch,
                                                             shard % 3)));
      for (;;) {
        ASSERT_OK_AND_ASSIGN(auto tile, stream->Next());
        if (!tile.has_value()) break;
        ExpectTileValues(f, *tile);
        ++seen[{tile->task.image, tile->task.t, tile->task.z, tile->task.roi.y,
                tile->task.roi.x}];
      }
    }
    EXPECT_EQ(seen.size(), all.size());
    for (const auto& [key, count] : seen) EXPECT_EQ(count, 1);
  }
  EXPECT_EQ(LivePrefetchWorkers(), 0);
}

TEST(TileStreamTest, DropPartialKeepsOnlyFullTiles) {
  Fixture f = MakeFixture();
  ASSERT_OK_AND_ASSIGN(auto all, AllTileTasks(f.views, {4, 4}));
  std::vector<TileTask> full;
  for (const TileTask& task : all) {
    if (task.roi.w == 4 && task.roi.h == 4) full.push_back(task);
  }
  // image 0 (10×12): 2 rows × 3 cols; image 1 (ROI 14×7): 3 × 1 per (t, z); image 2: 2×2.
  ASSERT_EQ(full.size(), 6u + 2 * 2 * 3 + 2 * 4);
  TileStreamOptions options = Options();
  options.drop_partial = true;
  ASSERT_OK_AND_ASSIGN(auto stream, TileStream::Make(f.views, options));
  EXPECT_EQ(stream->tasks(), full);
  for (;;) {
    ASSERT_OK_AND_ASSIGN(auto tile, stream->Next());
    if (!tile.has_value()) break;
    ExpectTileValues(f, *tile);
  }
}

TEST(TileStreamTest, ShuffleDependsOnSeedAndEpochLikePythonRandom) {
  Fixture f = MakeFixture();
  ASSERT_OK_AND_ASSIGN(auto all, AllTileTasks(f.views, {4, 4}));
  ASSERT_OK_AND_ASSIGN(auto e0, ShardTileTasks(all, Options(0, 1, true, 5, 0)));
  ASSERT_OK_AND_ASSIGN(auto e0b, ShardTileTasks(all, Options(0, 1, true, 5, 0)));
  ASSERT_OK_AND_ASSIGN(auto e1, ShardTileTasks(all, Options(0, 1, true, 5, 1)));
  EXPECT_EQ(e0, e0b);
  EXPECT_NE(e0, e1);
  // Epoch 0 is random.Random(seed); epoch e is random.Random(seed + (e << 64)).
  const auto order = PythonShuffleOrder(static_cast<int64_t>(all.size()), PythonSeed::FromInt(5));
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(e0[i], all[static_cast<size_t>(order[i])]);
  const uint32_t words[] = {5, 0, 1};
  const auto order1 = PythonShuffleOrder(static_cast<int64_t>(all.size()), PythonSeed::FromWords(words));
  for (size_t i = 0; i < order1.size(); ++i) EXPECT_EQ(e1[i], all[static_cast<size_t>(order1[i])]);
  ASSERT_OK_AND_ASSIGN(auto odd, ShardTileTasks(all, Options(1, 2, true, 5, 0)));
  ASSERT_EQ(odd.size(), all.size() / 2);
  for (size_t i = 0; i < odd.size(); ++i) EXPECT_EQ(odd[i], e0[2 * i + 1]);
  EXPECT_STATUS(ShardTileTasks(all, Options(2, 2)), Invalid,
                "shard_index must be in [0, 2), got 2");
  EXPECT_STATUS(ShardTileTasks(all, Options(0, 0)), Invalid, "shard_count must be > 0");
}

TEST(TileStreamTest, ErrorsNameTheSource) {
  Fixture f = MakeFixture();
  // "YX" drops C, which has 2 channels.
  f.views[2] = f.views[2].WithLayout("YX").ValueOrDie();
  TileStreamOptions o = Options();
  o.source_label = "TileDataset source";
  auto made = TileStream::Make(f.views, o);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().message(),
            "TileDataset source 2: layout 'HW' drops non-singleton dimension 'C'.");  // reported with H/W letters
  o.prefetch = -1;
  EXPECT_STATUS(TileStream::Make(f.views, o), Invalid, "prefetch must be >= 0");
}

TEST(TileStreamTest, ExtentsGiveTheTasksOfViewsAndFromTasksNeedsOnlyTheirViews) {
  Fixture f = MakeFixture();
  std::vector<TileExtent> extents;
  for (const TensorView& view : f.views) extents.push_back(ExtentOf(view));
  for (bool drop : {false, true}) {
    for (uint64_t epoch : {0, 3}) {
      for (int64_t shard = 0; shard < 3; ++shard) {
        TileStreamOptions o = Options(shard, 3, true, 11, epoch, shard % 2);
        o.drop_partial = drop;
        ASSERT_OK_AND_ASSIGN(auto made, TileStream::Make(f.views, o));
        ASSERT_OK_AND_ASSIGN(auto tasks, EpochTileTasks(extents, o));
        EXPECT_EQ(tasks, made->tasks());
        // Only the views of the images this shard's tasks touch, in another order.
        std::vector<int64_t> images;
        for (const TileTask& task : tasks) {
          if (std::find(images.begin(), images.end(), task.image) == images.end()) {
            images.insert(images.begin(), task.image);
          }
        }
        std::vector<TensorView> views;
        for (int64_t image : images) views.push_back(f.views[static_cast<size_t>(image)]);
        ASSERT_OK_AND_ASSIGN(auto stream, TileStream::FromTasks(views, images, tasks, o));
        EXPECT_EQ(stream->tasks(), tasks);
        size_t produced = 0;
        for (;; ++produced) {
          ASSERT_OK_AND_ASSIGN(auto tile, stream->Next());
          if (!tile.has_value()) break;
          EXPECT_EQ(tile->task, tasks[produced]);
          ExpectTileValues(f, *tile);
        }
        EXPECT_EQ(produced, tasks.size());
      }
    }
  }
  // A task whose image has no view, and mismatched lengths.
  ASSERT_OK_AND_ASSIGN(auto tasks, EpochTileTasks(extents, Options()));
  EXPECT_STATUS(TileStream::FromTasks({f.views[0]}, {0}, tasks, Options()), Invalid,
                "TileStream::FromTasks: a task of image 1 but no view of it");
  EXPECT_STATUS(TileStream::FromTasks({f.views[0]}, {0, 1}, tasks, Options()), Invalid,
                "TileStream::FromTasks: 1 views but 2 image numbers");
  // Errors name the image number, not the view's position.
  std::vector<TensorView> views = {f.views[2].WithLayout("YX").ValueOrDie()};
  std::vector<TileTask> of_two;
  for (const TileTask& task : tasks) {
    if (task.image == 2) of_two.push_back(task);
  }
  TileStreamOptions o = Options();
  o.source_label = "TileDataset image";
  auto made = TileStream::FromTasks(views, {2}, of_two, o);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().message(),
            "TileDataset image 2: layout 'HW' drops non-singleton dimension 'C'.");
}

}  // namespace
}  // namespace omearrow
