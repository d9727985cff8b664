// The reference's selection grammar: t/z/c indices, roi, roi3d, roi_nd, tile.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>

#include "omearrow/image.h"

namespace omearrow {

// A Python-style slice: each bound may be absent (None).
struct Slice {
  std::optional<int64_t> start;
  std::optional<int64_t> stop;
  std::optional<int64_t> step;
};

// One axis selection as the reference accepts it: None (all), an int (negative wraps),
// a slice, or a sequence of ints (order and duplicates kept). Bindings map other input
// shapes to kNonIntegerItems / kUnsupported so the core raises the reference's errors.
struct IndexSpec {
  enum class Kind { kAll, kIndex, kSlice, kList, kNonIntegerItems, kUnsupported };
  Kind kind = Kind::kAll;
  int64_t index = 0;
  Slice slice;
  std::vector<int64_t> list;

  static IndexSpec All() { return {}; }
  static IndexSpec Index(int64_t i) { return {Kind::kIndex, i, {}, {}}; }
  static IndexSpec FromSlice(Slice s) { return {Kind::kSlice, 0, s, {}}; }
  static IndexSpec List(std::vector<int64_t> items) {
    return {Kind::kList, 0, {}, std::move(items)};
  }
  static IndexSpec NonIntegerItems() { return {Kind::kNonIntegerItems, 0, {}, {}}; }
  static IndexSpec Unsupported() { return {Kind::kUnsupported, 0, {}, {}}; }
};

// The selection arguments of TensorView, unnormalized. Tuples are vectors so that
// length errors come from the core with the reference's text.
struct SelectionArgs {
  IndexSpec t;
  IndexSpec z;
  IndexSpec c;
  std::optional<std::vector<int64_t>> roi;     // (x, y, w, h)
  std::optional<std::vector<int64_t>> roi3d;   // (x, y, z, w, h, d)
  std::optional<std::vector<int64_t>> roi_nd;  // min bounds then max bounds (exclusive)
  std::optional<std::string> roi_type;         // "2d", "2d_timelapse", "3d", "4d"
  std::optional<std::vector<int64_t>> tile;    // (tile_y, tile_x)
};

// A 2-D region in pixels.
struct Roi {
  int64_t x = 0;
  int64_t y = 0;
  int64_t w = 0;
  int64_t h = 0;
  bool operator==(const Roi&) const = default;
};

// A normalized selection: explicit index lists (in bounds) and an in-bounds ROI.
struct Selection {
  std::vector<int64_t> t;
  std::vector<int64_t> z;
  std::vector<int64_t> c;
  Roi roi;
};

// The indices Python's range(*slice(start, stop, step).indices(size)) yields.
arrow::Result<std::vector<int64_t>> SliceIndices(const Slice& slice, int64_t size);

// Normalizes one axis selection against `size` (the reference's _normalize_index).
arrow::Result<std::vector<int64_t>> NormalizeIndex(const IndexSpec& spec, int64_t size,
                                                   std::string_view name);

// Normalizes all selection arguments against the image, with every conflict and bounds
// check of the reference, in its order and with its messages.
arrow::Result<Selection> NormalizeSelection(const SelectionArgs& args,
                                            const PixelsMeta& meta,
                                            const std::optional<ChunkGrid>& chunk_grid);

// Checks that every index of `selection` lies on its axis and the ROI inside the image:
// the one check every view goes through (TensorView::FromSelection), whatever built the
// selection, so no index read from a table can be out of bounds.
arrow::Status ValidateSelection(const Selection& selection, const PixelsMeta& meta);

// The ROI of tile (tile_y, tile_x) of `chunk_grid`, clipped to the image.
arrow::Result<Roi> TileToRoi(const std::optional<ChunkGrid>& chunk_grid,
                             const std::vector<int64_t>& tile, int64_t size_x,
                             int64_t size_y);

}  // namespace omearrow
