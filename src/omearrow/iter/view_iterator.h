// omearrow::ViewIterator — the reference's iter_dlpack / iter_tiles_3d in C++, with real
// prefetch: items are child views of a parent view, materialized (or exported zero-copy)
// ahead of the consumer on worker threads and handed out in task order.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/result.h>

#include "omearrow/iter/python_random.h"
#include "omearrow/tensor/tensor.h"
#include "omearrow/tensor_view.h"
#include "omearrow/util/warning.h"

namespace omearrow {

// Which of the reference's iterators: iter_dlpack (batches over T, or 2-D tiles when a
// tile size is given) or iter_tiles_3d.
enum class IteratorKind { kDLPack, kTiles3D };

// The iterator's keyword arguments, as the reference's.
struct IteratorOptions {
  IteratorKind kind = IteratorKind::kDLPack;
  // iter_dlpack: T indices per batch (nullopt = all).
  std::optional<int64_t> batch_size;
  // iter_dlpack: (tile_h, tile_w); iter_tiles_3d: (tile_z, tile_h, tile_w) (required).
  std::optional<std::vector<int64_t>> tile_size;
  // iter_dlpack's deprecated alias of tile_size (gives a DeprecationWarning).
  std::optional<std::vector<int64_t>> tiles;
  // Visit the tasks in the order random.Random(seed).shuffle gives (seed nullopt =
  // seed=None: a fresh random order each time).
  bool shuffle = false;
  std::optional<PythonSeed> seed;
  // Items produced ahead of the consumer on worker threads (0 = synchronous).
  int64_t prefetch = 0;
  // Worker threads for prefetch (0 = min(prefetch, hardware threads)).
  int prefetch_threads = 0;
  // "cpu" or "cuda": device memory on the current CUDA device of the thread calling Make
  // (pinned staging from the shared pool, asynchronous copies, so prefetch overlaps
  // materialization, the host→device copy and the consumer's work; at most `prefetch`
  // device tensors are held ahead of the consumer).
  std::string device = "cpu";
  bool contiguous = true;
  // Export mode; nullopt = the iterator's default ("arrow" for iter_dlpack, "numpy" for
  // iter_tiles_3d).
  std::optional<std::string> mode;
};

// Iterates the exported tensors of a parent view's batches or tiles, in the reference's
// order, with its errors. Each item is TensorView::Export(device, contiguous, mode) of a
// child view (the parent's image, layout, dtype and channel policy over one task's
// selection). Errors building or exporting an item are returned by Next() at that item's
// position, after which the iterator is finished. The destructor (or Close) stops the
// prefetch workers and joins them. Not thread-safe: one consumer at a time; several
// iterators may share one parent view or image.
class ViewIterator {
 public:
  // Validates the options in the reference's order and builds the task list:
  //   iter_dlpack: "prefetch must be >= 0", "Provide only one of tile_size or tiles.",
  //   (tiles alias: a DeprecationWarning appended to `warnings`), tile_size unpacking,
  //   "tiles must be positive" or "batch_size must be > 0";
  //   iter_tiles_3d: "iter_tiles_3d currently supports only mode='numpy'.",
  //   "prefetch must be >= 0", unpacking, "tile_size entries must be positive".
  // `warnings` (may be null) receives warnings even when Make fails.
  static arrow::Result<std::unique_ptr<ViewIterator>> Make(TensorView parent,
                                                           IteratorOptions options,
                                                           Warnings* warnings = nullptr);

  ~ViewIterator();
  ViewIterator(const ViewIterator&) = delete;
  ViewIterator& operator=(const ViewIterator&) = delete;

  // Number of items the iterator yields when nothing fails.
  int64_t size() const;

  // The next item, or nullopt at the end. Warnings raised producing the item (mode="arrow"
  // on non-Arrow inputs) are appended to `warnings` (may be null), also when it fails.
  // Blocks while a prefetched item is not ready yet.
  arrow::Result<std::optional<Tensor>> Next(Warnings* warnings = nullptr);

  // Stops the workers and joins them; Next() then returns nullopt. Idempotent.
  void Close();

 private:
  struct Impl;
  explicit ViewIterator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace omearrow
