// The task lists of the reference's iterators: iter_dlpack batches over T, 2-D tiles
// over the ROI, and iter_tiles_3d Z×Y×X tiles, each item a child view of the parent.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include <arrow/result.h>

#include "omearrow/selection.h"
#include "omearrow/tensor_view.h"

namespace omearrow {

// Returns the order in which `n` tasks are visited: a permutation p of 0..n-1, task
// p[i] going i-th (the reference shuffles with random.Random(seed).shuffle, which only
// depends on n, so shuffling range(n) gives the same order). Empty = no shuffle.
using Shuffler = std::function<arrow::Result<std::vector<int64_t>>(int64_t n)>;

// iter_dlpack(batch_size=...): the parent's T indices (shuffled when `shuffle` is set),
// cut into consecutive batches of `batch_size` (nullopt = all of them; <= 0 fails with
// "batch_size must be > 0"). Z, C and ROI stay the parent's.
arrow::Result<std::vector<Selection>> BatchSelections(const Selection& parent,
                                                      std::optional<int64_t> batch_size,
                                                      const Shuffler& shuffle = nullptr);

// iter_dlpack(tile_size=(h, w)): tiles of the parent's ROI, y-outer x-inner, edge tiles
// clipped ("tiles must be positive" for h or w <= 0). T, Z and C stay the parent's.
arrow::Result<std::vector<Selection>> TileSelections2D(const Selection& parent,
                                                       const std::vector<int64_t>& tile_size,
                                                       const Shuffler& shuffle = nullptr);

// iter_tiles_3d(tile_size=(tz, h, w)): for each selected t, each block of `tz`
// consecutive selected z indices, then y, then x (edge tiles clipped); one t per tile
// ("tile_size entries must be positive").
arrow::Result<std::vector<Selection>> TileSelections3D(const Selection& parent,
                                                       const std::vector<int64_t>& tile_size,
                                                       const Shuffler& shuffle = nullptr);

// Child views of `parent` over `selections`, with the parent's effective layout (as an
// explicit layout, as the reference passes layout=self.layout), dtype and channel policy.
arrow::Result<std::vector<TensorView>> ChildViews(const TensorView& parent,
                                                  std::vector<Selection> selections);

}  // namespace omearrow
