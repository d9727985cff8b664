#include "omearrow/iter/tile_stream.h"

#include <algorithm>
#include <unordered_map>
#include <utility>

#include <arrow/status.h>

#include "omearrow/iter/prefetch.h"
#include "omearrow/iter/python_random.h"
#include "omearrow/util/parallel.h"

namespace omearrow {

using arrow::Status;

namespace {

// The view of one task: a single (t, z) over the tile.
arrow::Result<TensorView> TileView(const TensorView& parent, const TileTask& task) {
  Selection selection;
  selection.t = {task.t};
  selection.z = {task.z};
  selection.c = parent.selection().c;
  selection.roi = task.roi;
  std::optional<std::string> layout;
  if (parent.has_layout_override()) layout = parent.layout();
  return TensorView::FromSelection(parent.image(), std::move(selection), std::move(layout),
                                   parent.dtype(), parent.channel_policy());
}

Status Labeled(const Status& status, const std::string& label, int64_t index) {
  return status.WithMessage(label, " ", index, ": ", status.message());
}

// One produced tile (or the error producing it).
struct Produced {
  arrow::Result<Tensor> tensor;
  bool ok() const { return tensor.ok(); }
  static Produced FromError(arrow::Status status) { return Produced{std::move(status)}; }
};

}  // namespace

TileExtent ExtentOf(const TensorView& view) {
  const Selection& s = view.selection();
  return TileExtent{s.t, s.z, s.roi};
}

arrow::Result<std::vector<TileTask>> AllTileTasks(const std::vector<TensorView>& views,
                                                  const std::vector<int64_t>& tile_size) {
  std::vector<TileExtent> extents;
  extents.reserve(views.size());
  for (const TensorView& view : views) extents.push_back(ExtentOf(view));
  return AllTileTasks(extents, tile_size);
}

arrow::Result<std::vector<TileTask>> AllTileTasks(const std::vector<TileExtent>& extents,
                                                  const std::vector<int64_t>& tile_size) {
  if (tile_size.size() != 2) return Status::Invalid("tile_size must be (tile_h, tile_w)");
  const int64_t tile_h = tile_size[0], tile_w = tile_size[1];
  if (tile_h <= 0 || tile_w <= 0) return Status::Invalid("tiles must be positive");
  std::vector<TileTask> tasks;
  for (size_t i = 0; i < extents.size(); ++i) {
    const TileExtent& s = extents[i];
    const Roi& roi = s.roi;
    if (roi.x < 0 || roi.y < 0 || roi.w < 0 || roi.h < 0) {
      return Status::Invalid("image ", i, ": negative roi");
    }
    for (int64_t t : s.t) {
      for (int64_t z : s.z) {
        for (int64_t y = roi.y; y < roi.y + roi.h; y += tile_h) {
          for (int64_t x = roi.x; x < roi.x + roi.w; x += tile_w) {
            tasks.push_back(TileTask{static_cast<int64_t>(i), t, z,
                                     Roi{x, y, std::min(tile_w, roi.x + roi.w - x),
                                         std::min(tile_h, roi.y + roi.h - y)}});
          }
        }
      }
    }
  }
  return tasks;
}

arrow::Result<std::vector<TileTask>> ShardTileTasks(std::vector<TileTask> all,
                                                    const TileStreamOptions& options) {
  if (options.shard_count <= 0) return Status::Invalid("shard_count must be > 0");
  if (options.shard_index < 0 || options.shard_index >= options.shard_count) {
    return Status::Invalid("shard_index must be in [0, ", options.shard_count, "), got ",
                           options.shard_index);
  }
  if (options.shuffle) {
    // random.Random(seed + (epoch << 64)): the int's 32-bit words, least significant first.
    const uint32_t words[4] = {
        static_cast<uint32_t>(options.seed), static_cast<uint32_t>(options.seed >> 32),
        static_cast<uint32_t>(options.epoch), static_cast<uint32_t>(options.epoch >> 32)};
    PythonRandom random(PythonSeed::FromWords(words));
    random.Shuffle(&all);
  }
  std::vector<TileTask> shard;
  for (size_t i = static_cast<size_t>(options.shard_index); i < all.size();
       i += static_cast<size_t>(options.shard_count)) {
    shard.push_back(all[i]);
  }
  return shard;
}

namespace {

void DropPartial(const TileStreamOptions& options, std::vector<TileTask>* all) {
  if (!options.drop_partial) return;
  const int64_t tile_h = options.tile_size[0], tile_w = options.tile_size[1];
  std::erase_if(*all, [&](const TileTask& task) {
    return task.roi.h < tile_h || task.roi.w < tile_w;
  });
}

}  // namespace

arrow::Result<std::vector<TileTask>> EpochTileTasks(const std::vector<TileExtent>& extents,
                                                    const TileStreamOptions& options) {
  ARROW_ASSIGN_OR_RAISE(std::vector<TileTask> all, AllTileTasks(extents, options.tile_size));
  DropPartial(options, &all);
  return ShardTileTasks(std::move(all), options);
}

struct TileStream::Impl {
  std::vector<TensorView> views;
  TileStreamOptions options;
  std::vector<TileTask> tasks;
  std::vector<size_t> view_of_task;  // tasks[i]'s view: views[view_of_task[i]]
  std::unique_ptr<OrderedPrefetcher<Produced>> prefetcher;

  Produced Produce(int64_t index) const {
    const TileTask& task = tasks[static_cast<size_t>(index)];
    auto view = TileView(views[view_of_task[static_cast<size_t>(index)]], task);
    if (!view.ok()) return {Labeled(view.status(), options.source_label, task.image)};
    auto tensor = view->Materialize(MemoryOrder::kContiguous);
    if (!tensor.ok()) return {Labeled(tensor.status(), options.source_label, task.image)};
    return {std::move(tensor)};
  }
};

TileStream::TileStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TileStream::~TileStream() { Close(); }

arrow::Result<std::unique_ptr<TileStream>> TileStream::Build(std::vector<TensorView> views,
                                                             std::vector<TileTask> tasks,
                                                             std::vector<size_t> view_of_task,
                                                             TileStreamOptions options) {
  std::vector<bool> checked(views.size(), false);
  for (size_t k = 0; k < tasks.size(); ++k) {
    const size_t i = view_of_task[k];
    if (checked[i]) continue;
    checked[i] = true;
    auto view = TileView(views[i], tasks[k]);
    Status status = view.ok() ? view->geometry().status() : view.status();
    if (!status.ok()) return Labeled(status, options.source_label, tasks[k].image);
  }
  auto impl = std::make_unique<Impl>(Impl{std::move(views), std::move(options), std::move(tasks),
                                          std::move(view_of_task), nullptr});
  const int threads = impl->options.prefetch_threads > 0 ? impl->options.prefetch_threads
                                                          : DefaultParallelism();
  const Impl* raw = impl.get();
  impl->prefetcher = std::make_unique<OrderedPrefetcher<Produced>>(
      static_cast<int64_t>(impl->tasks.size()), impl->options.prefetch, threads,
      [raw](int64_t index) { return raw->Produce(index); }, kIteratorRunAheadMinNs);
  return std::unique_ptr<TileStream>(new TileStream(std::move(impl)));
}

arrow::Result<std::unique_ptr<TileStream>> TileStream::Make(std::vector<TensorView> views,
                                                            TileStreamOptions options) {
  if (options.prefetch < 0) return Status::Invalid("prefetch must be >= 0");
  ARROW_ASSIGN_OR_RAISE(std::vector<TileTask> all, AllTileTasks(views, options.tile_size));
  DropPartial(options, &all);
  // Check each view's tile layout on its first tile, over every shard's tiles.
  {
    std::vector<size_t> all_views;
    all_views.reserve(all.size());
    for (const TileTask& task : all) all_views.push_back(static_cast<size_t>(task.image));
    std::vector<bool> checked(views.size(), false);
    for (size_t k = 0; k < all.size(); ++k) {
      const size_t i = all_views[k];
      if (checked[i]) continue;
      checked[i] = true;
      auto view = TileView(views[i], all[k]);
      Status status = view.ok() ? view->geometry().status() : view.status();
      if (!status.ok()) return Labeled(status, options.source_label, all[k].image);
    }
  }
  ARROW_ASSIGN_OR_RAISE(std::vector<TileTask> shard, ShardTileTasks(std::move(all), options));
  std::vector<size_t> view_of_task;
  view_of_task.reserve(shard.size());
  for (const TileTask& task : shard) view_of_task.push_back(static_cast<size_t>(task.image));
  return Build(std::move(views), std::move(shard), std::move(view_of_task),
               std::move(options));
}

arrow::Result<std::unique_ptr<TileStream>> TileStream::FromTasks(std::vector<TensorView> views,
                                                                 std::vector<int64_t> images,
                                                                 std::vector<TileTask> tasks,
                                                                 TileStreamOptions options) {
  if (options.prefetch < 0) return Status::Invalid("prefetch must be >= 0");
  if (images.size() != views.size()) {
    return Status::Invalid("TileStream::FromTasks: ", views.size(), " views but ",
                           images.size(), " image numbers");
  }
  std::unordered_map<int64_t, size_t> view_of_image;
  for (size_t i = 0; i < images.size(); ++i) {
    if (!view_of_image.emplace(images[i], i).second) {
      return Status::Invalid("TileStream::FromTasks: image ", images[i], " has two views");
    }
  }
  std::vector<size_t> view_of_task;
  view_of_task.reserve(tasks.size());
  for (const TileTask& task : tasks) {
    auto it = view_of_image.find(task.image);
    if (it == view_of_image.end()) {
      return Status::Invalid("TileStream::FromTasks: a task of image ", task.image,
                             " but no view of it");
    }
    view_of_task.push_back(it->second);
  }
  return Build(std::move(views), std::move(tasks), std::move(view_of_task),
               std::move(options));
}

const std::vector<TileTask>& TileStream::tasks() const { return impl_->tasks; }

arrow::Result<std::optional<Tile>> TileStream::Next() {
  const int64_t index = impl_->prefetcher->next_index();
  std::optional<Produced> item = impl_->prefetcher->Next();
  if (!item.has_value()) return std::optional<Tile>();
  ARROW_ASSIGN_OR_RAISE(Tensor tensor, std::move(item->tensor));
  return std::optional<Tile>(
      Tile{std::move(tensor), impl_->tasks[static_cast<size_t>(index)]});
}

void TileStream::Close() {
  if (impl_ && impl_->prefetcher) impl_->prefetcher->Stop();
}

}  // namespace omearrow
