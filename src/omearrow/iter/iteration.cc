#include "omearrow/iter/iteration.h"

#include <algorithm>
#include <string>

#include <arrow/status.h>

namespace omearrow {

using arrow::Status;

namespace {

// Python's message for unpacking a tuple of the wrong length.
Status UnpackError(size_t expected, size_t got) {
  if (got > expected) {
    return Status::Invalid("too many values to unpack (expected ", expected, ")");
  }
  return Status::Invalid("not enough values to unpack (expected ", expected, ", got ", got,
                         ")");
}

// Reorders `items` by the shuffler's permutation (no-op without a shuffler).
template <typename T>
Status Reorder(std::vector<T>* items, const Shuffler& shuffle) {
  if (!shuffle) return Status::OK();
  const auto n = static_cast<int64_t>(items->size());
  ARROW_ASSIGN_OR_RAISE(std::vector<int64_t> order, shuffle(n));
  if (static_cast<int64_t>(order.size()) != n) {
    return Status::Invalid("shuffle returned ", order.size(), " positions for ", n,
                           " tasks");
  }
  std::vector<bool> seen(static_cast<size_t>(n), false);
  std::vector<T> out;
  out.reserve(items->size());
  for (int64_t index : order) {
    if (index < 0 || index >= n || seen[static_cast<size_t>(index)]) {
      return Status::Invalid("shuffle did not return a permutation of ", n, " tasks");
    }
    seen[static_cast<size_t>(index)] = true;
    out.push_back(std::move((*items)[static_cast<size_t>(index)]));
  }
  *items = std::move(out);
  return Status::OK();
}

// Tile origins and sizes covering [start, start + length) in steps of `tile` (> 0). The
// range lies inside the image, so start + length fits; `pos + tile` may not, so the loop
// compares the remaining length instead.
std::vector<std::pair<int64_t, int64_t>> Spans(int64_t start, int64_t length, int64_t tile) {
  std::vector<std::pair<int64_t, int64_t>> spans;
  for (int64_t done = 0; done < length;) {
    const int64_t size = std::min(tile, length - done);
    spans.emplace_back(start + done, size);
    done += size;
  }
  return spans;
}

}  // namespace

arrow::Result<std::vector<Selection>> BatchSelections(const Selection& parent,
                                                      std::optional<int64_t> batch_size,
                                                      const Shuffler& shuffle) {
  std::vector<int64_t> t = parent.t;
  if (t.empty()) return std::vector<Selection>{};
  const int64_t size = batch_size.value_or(static_cast<int64_t>(t.size()));
  if (size <= 0) return Status::Invalid("batch_size must be > 0");
  ARROW_RETURN_NOT_OK(Reorder(&t, shuffle));
  std::vector<Selection> out;
  for (size_t begin = 0; begin < t.size(); begin += static_cast<size_t>(size)) {
    const size_t end = std::min(t.size(), begin + static_cast<size_t>(size));
    Selection child = parent;
    child.t.assign(t.begin() + static_cast<std::ptrdiff_t>(begin),
                   t.begin() + static_cast<std::ptrdiff_t>(end));
    out.push_back(std::move(child));
  }
  return out;
}

arrow::Result<std::vector<Selection>> TileSelections2D(const Selection& parent,
                                                       const std::vector<int64_t>& tile_size,
                                                       const Shuffler& shuffle) {
  if (tile_size.size() != 2) return UnpackError(2, tile_size.size());
  const int64_t tile_h = tile_size[0], tile_w = tile_size[1];
  if (tile_h <= 0 || tile_w <= 0) return Status::Invalid("tiles must be positive");
  const Roi& roi = parent.roi;
  std::vector<Selection> out;
  for (const auto& [y, h] : Spans(roi.y, roi.h, tile_h)) {
    for (const auto& [x, w] : Spans(roi.x, roi.w, tile_w)) {
      Selection child = parent;
      child.roi = Roi{x, y, w, h};
      out.push_back(std::move(child));
    }
  }
  ARROW_RETURN_NOT_OK(Reorder(&out, shuffle));
  return out;
}

arrow::Result<std::vector<Selection>> TileSelections3D(const Selection& parent,
                                                       const std::vector<int64_t>& tile_size,
                                                       const Shuffler& shuffle) {
  if (tile_size.size() != 3) return UnpackError(3, tile_size.size());
  const int64_t tile_z = tile_size[0], tile_h = tile_size[1], tile_w = tile_size[2];
  if (tile_z <= 0 || tile_h <= 0 || tile_w <= 0) {
    return Status::Invalid("tile_size entries must be positive");
  }
  std::vector<Selection> out;
  if (parent.t.empty() || parent.z.empty()) return out;
  const Roi& roi = parent.roi;
  const auto y_spans = Spans(roi.y, roi.h, tile_h);
  const auto x_spans = Spans(roi.x, roi.w, tile_w);
  for (int64_t t : parent.t) {
    for (size_t z0 = 0; z0 < parent.z.size();) {
      // min() first: z0 + tile_z may not fit.
      const size_t z1 = z0 + std::min(parent.z.size() - z0, static_cast<size_t>(tile_z));
      for (const auto& [y, h] : y_spans) {
        for (const auto& [x, w] : x_spans) {
          Selection child;
          child.t = {t};
          child.z.assign(parent.z.begin() + static_cast<std::ptrdiff_t>(z0),
                         parent.z.begin() + static_cast<std::ptrdiff_t>(z1));
          child.c = parent.c;
          child.roi = Roi{x, y, w, h};
          out.push_back(std::move(child));
        }
      }
      z0 = z1;
    }
  }
  ARROW_RETURN_NOT_OK(Reorder(&out, shuffle));
  return out;
}

arrow::Result<std::vector<TensorView>> ChildViews(const TensorView& parent,
                                                  std::vector<Selection> selections) {
  std::vector<TensorView> out;
  out.reserve(selections.size());
  for (Selection& selection : selections) {
    ARROW_ASSIGN_OR_RAISE(
        TensorView child,
        TensorView::FromSelection(parent.image(), std::move(selection),
                                  std::string(parent.layout()), parent.dtype(),
                                  parent.channel_policy()));
    out.push_back(std::move(child));
  }
  return out;
}

}  // namespace omearrow
