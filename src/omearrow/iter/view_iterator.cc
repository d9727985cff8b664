#include "omearrow/iter/view_iterator.h"

#include <algorithm>
#include <utility>

#include <arrow/status.h>

#include "omearrow/cuda/cuda_runtime.h"
#include "omearrow/iter/iteration.h"
#include "omearrow/iter/prefetch.h"
#include "omearrow/util/parallel.h"

namespace omearrow {

using arrow::Status;

namespace {

// One produced item: the export result plus the warnings it raised.
struct Produced {
  arrow::Result<Tensor> tensor;
  Warnings warnings;
  bool ok() const { return tensor.ok(); }
  static Produced FromError(arrow::Status status) { return Produced{std::move(status), {}}; }
};

Shuffler MakeShuffler(const IteratorOptions& options) {
  if (!options.shuffle) return nullptr;
  return [seed = options.seed](int64_t n) -> arrow::Result<std::vector<int64_t>> {
    return PythonShuffleOrder(n, seed);
  };
}

arrow::Result<std::vector<Selection>> Tasks(const TensorView& parent,
                                            IteratorOptions* options, Warnings* warnings) {
  const Shuffler shuffle = MakeShuffler(*options);
  if (options->kind == IteratorKind::kTiles3D) {
    const std::string mode = options->mode.value_or("numpy");
    if (mode != "numpy") {
      return Status::Invalid("iter_tiles_3d currently supports only mode='numpy'.");
    }
    options->mode = mode;
    if (options->prefetch < 0) return Status::Invalid("prefetch must be >= 0");
    if (!options->tile_size.has_value()) {
      return Status::TypeError("iter_tiles_3d() missing required argument: 'tile_size'");
    }
    return TileSelections3D(parent.selection(), *options->tile_size, shuffle);
  }
  if (!options->mode.has_value()) options->mode = "arrow";
  if (options->prefetch < 0) return Status::Invalid("prefetch must be >= 0");
  if (options->tiles.has_value()) {
    if (options->tile_size.has_value()) {
      return Status::Invalid("Provide only one of tile_size or tiles.");
    }
    if (warnings != nullptr) {
      warnings->push_back({Warning::Category::kDeprecationWarning,
                           "iter_dlpack(tiles=...) is deprecated; use tile_size=... instead."});
    }
    options->tile_size = std::move(options->tiles);
    options->tiles.reset();
  }
  if (options->tile_size.has_value()) {
    return TileSelections2D(parent.selection(), *options->tile_size, shuffle);
  }
  return BatchSelections(parent.selection(), options->batch_size, shuffle);
}

}  // namespace

struct ViewIterator::Impl {
  TensorView parent;
  IteratorOptions options;
  std::vector<Selection> tasks;
  std::unique_ptr<OrderedPrefetcher<Produced>> prefetcher;
  // device="cuda": the consumer's current device when the iterator was made; workers
  // export to it (null runtime: CPU, or CUDA unavailable and every item fails).
  std::shared_ptr<cuda::Runtime> cuda_runtime;
  int cuda_device = 0;

  Produced Produce(int64_t index) const {
    Produced out;
    std::optional<cuda::DeviceGuard> guard;
    if (cuda_runtime != nullptr) guard.emplace(*cuda_runtime, cuda_device);
    auto child = TensorView::FromSelection(parent.image(), tasks[static_cast<size_t>(index)],
                                           parent.layout(), parent.dtype(),
                                           parent.channel_policy());
    if (!child.ok()) {
      out.tensor = child.status();
      return out;
    }
    out.tensor =
        child->Export(options.device, options.contiguous, *options.mode, &out.warnings);
    return out;
  }
};

ViewIterator::ViewIterator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ViewIterator::~ViewIterator() { Close(); }

arrow::Result<std::unique_ptr<ViewIterator>> ViewIterator::Make(TensorView parent,
                                                                IteratorOptions options,
                                                                Warnings* warnings) {
  auto impl = std::make_unique<Impl>(
      Impl{std::move(parent), std::move(options), {}, nullptr, nullptr, 0});
  ARROW_ASSIGN_OR_RAISE(impl->tasks, Tasks(impl->parent, &impl->options, warnings));
  auto device = ParseDevice(impl->options.device);
  if (device.ok() && *device == Device::kCuda) {
    // Unavailable CUDA is reported by the first item, as the reference's per-item export.
    auto runtime = cuda::Runtime::Get();
    if (runtime.ok()) {
      auto current = (*runtime)->CurrentDevice();
      if (current.ok()) {
        impl->cuda_runtime = *runtime;
        impl->cuda_device = *current;
      }
    }
  }
  const int threads = impl->options.prefetch_threads > 0
                          ? impl->options.prefetch_threads
                          : DefaultParallelism();
  const Impl* raw = impl.get();
  impl->prefetcher = std::make_unique<OrderedPrefetcher<Produced>>(
      static_cast<int64_t>(impl->tasks.size()), impl->options.prefetch, threads,
      [raw](int64_t index) { return raw->Produce(index); }, kIteratorRunAheadMinNs);
  return std::unique_ptr<ViewIterator>(new ViewIterator(std::move(impl)));
}

int64_t ViewIterator::size() const { return static_cast<int64_t>(impl_->tasks.size()); }

arrow::Result<std::optional<Tensor>> ViewIterator::Next(Warnings* warnings) {
  std::optional<Produced> item = impl_->prefetcher->Next();
  if (!item.has_value()) return std::optional<Tensor>();
  if (warnings != nullptr) {
    warnings->insert(warnings->end(), item->warnings.begin(), item->warnings.end());
  }
  ARROW_ASSIGN_OR_RAISE(Tensor tensor, std::move(item->tensor));
  return std::optional<Tensor>(std::move(tensor));
}

void ViewIterator::Close() {
  if (impl_ && impl_->prefetcher) impl_->prefetcher->Stop();
}

}  // namespace omearrow
