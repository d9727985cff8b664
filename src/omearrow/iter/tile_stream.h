// omearrow::TileStream — 2-D training tiles over many images, shuffled per epoch and
// split into shards (DataLoader workers × distributed ranks) so that every tile is
// produced exactly once per epoch across all shards. The engine of
// omearrow.data.TileDataset, usable directly from C++ trainers.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/result.h>

#include "omearrow/selection.h"
#include "omearrow/tensor/tensor.h"
#include "omearrow/tensor_view.h"

namespace omearrow {

// One tile: image `image` (index into the stream's views), one selected t and z, all
// selected channels, pixels `roi` (edge tiles clipped to the view's ROI).
struct TileTask {
  int64_t image = 0;
  int64_t t = 0;
  int64_t z = 0;
  Roi roi;
  bool operator==(const TileTask&) const = default;
};

// Options of a TileStream.
struct TileStreamOptions {
  // (tile_h, tile_w), both > 0.
  std::vector<int64_t> tile_size;
  // Shuffle all tasks of all images together; the order depends only on (seed, epoch):
  // it is Python's random.Random(seed + (epoch << 64)).shuffle(tasks).
  bool shuffle = false;
  uint64_t seed = 0;
  uint64_t epoch = 0;
  // This shard takes tasks shard_index, shard_index + shard_count, ... of the epoch's
  // order (0 <= shard_index < shard_count).
  int64_t shard_index = 0;
  int64_t shard_count = 1;
  // Tiles materialized ahead on worker threads (0 = synchronous) and their thread count
  // (0 = min(prefetch, hardware threads)).
  int64_t prefetch = 0;
  int prefetch_threads = 0;
  // Errors about an image read "<source_label> <index>: <message>".
  std::string source_label = "source";
  // Leave out the partial tiles at the right and bottom edges of each ROI (narrower or
  // shorter than tile_size), so every tile has the full size (for batching).
  bool drop_partial = false;
};

// A produced tile: C-contiguous pixels in the tile layout plus where it came from.
struct Tile {
  Tensor tensor;
  TileTask task;
};

// What the tile enumeration needs of one image: its view's selected t and z (in
// selection order) and ROI. Known from an image's sizes alone (a collection's metadata
// table), so tiles can be enumerated without opening the image.
struct TileExtent {
  std::vector<int64_t> t;
  std::vector<int64_t> z;
  Roi roi;
};

// The extent of a view (its selection's t, z and ROI).
TileExtent ExtentOf(const TensorView& view);

// Every (image, t, z, tile) task of `views` in canonical order: image, then t, z (the
// views' selection order), then tile rows (y) and columns (x) over the view's ROI.
arrow::Result<std::vector<TileTask>> AllTileTasks(const std::vector<TensorView>& views,
                                                  const std::vector<int64_t>& tile_size);
// The same over extents (image i: extents[i]); identical to AllTileTasks of views with
// those selections.
arrow::Result<std::vector<TileTask>> AllTileTasks(const std::vector<TileExtent>& extents,
                                                  const std::vector<int64_t>& tile_size);

// The tasks of one shard for one epoch (shuffled if asked), from AllTileTasks.
arrow::Result<std::vector<TileTask>> ShardTileTasks(std::vector<TileTask> all,
                                                    const TileStreamOptions& options);

// The tasks a TileStream of images with these extents yields for options' shard and
// epoch (tile_size, drop_partial, shuffle and the shard applied), in order: what
// TileStream::Make gives over views of the same selections, without any view.
arrow::Result<std::vector<TileTask>> EpochTileTasks(const std::vector<TileExtent>& extents,
                                                    const TileStreamOptions& options);

// Yields the tiles of one shard for one epoch, in order, prefetching as asked. The tile
// of a view is one (t, z) plane tile in the view's layout when it has an explicit one
// (it must keep only C, Y and X non-singleton), else in "CHW"; the view's dtype and
// channel policy apply. The destructor (or Close) stops and joins the workers.
class TileStream {
 public:
  // Validates the options ("tile_size must be (tile_h, tile_w)", "tiles must be positive",
  // "prefetch must be >= 0", shard bounds) and every view's tile layout (errors name the
  // source: "source 3: layout ...").
  static arrow::Result<std::unique_ptr<TileStream>> Make(std::vector<TensorView> views,
                                                         TileStreamOptions options);
  // The stream of given tasks (one shard's, in order, e.g. from EpochTileTasks; the
  // options' tile_size, shuffle, shard and drop_partial are not applied again): a task's
  // `image` is an image number, and views[i] is the view of image `images[i]`, so only
  // the images these tasks touch need views. Errors and tiles name image numbers.
  // Invalid when a task's image has no view or `images` and `views` differ in length.
  static arrow::Result<std::unique_ptr<TileStream>> FromTasks(std::vector<TensorView> views,
                                                              std::vector<int64_t> images,
                                                              std::vector<TileTask> tasks,
                                                              TileStreamOptions options);
  ~TileStream();
  TileStream(const TileStream&) = delete;
  TileStream& operator=(const TileStream&) = delete;

  // The tasks of this shard, in the order Next() yields them.
  const std::vector<TileTask>& tasks() const;
  int64_t size() const { return static_cast<int64_t>(tasks().size()); }

  // The next tile, or nullopt at the end; an error ends the stream.
  arrow::Result<std::optional<Tile>> Next();
  // Stops the workers and joins them. Idempotent.
  void Close();

 private:
  struct Impl;
  explicit TileStream(std::unique_ptr<Impl> impl);
  // The stream of `tasks` (task k on views[view_of_task[k]]), each view's tile layout
  // checked on its first task.
  static arrow::Result<std::unique_ptr<TileStream>> Build(std::vector<TensorView> views,
                                                          std::vector<TileTask> tasks,
                                                          std::vector<size_t> view_of_task,
                                                          TileStreamOptions options);
  std::unique_ptr<Impl> impl_;
};

}  // namespace omearrow
