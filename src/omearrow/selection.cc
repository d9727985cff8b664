#include "omearrow/selection.h"

#include <arrow/status.h>

namespace omearrow {

using arrow::Status;

namespace {

// Python's floor division and slice clamping, for slice.indices().
// True when a + b > limit (or overflows int64).
bool SumExceeds(int64_t a, int64_t b, int64_t limit) {
  int64_t sum = 0;
  return __builtin_add_overflow(a, b, &sum) || sum > limit;
}

int64_t ClampSliceBound(int64_t value, int64_t size, bool negative_step) {
  if (value < 0) {
    value += size;
    if (value < 0) value = negative_step ? -1 : 0;
  } else if (value >= size) {
    value = negative_step ? size - 1 : size;
  }
  return value;
}

arrow::Result<int64_t> WrapIndex(int64_t index, int64_t size, std::string_view name) {
  const int64_t wrapped = index < 0 ? index + size : index;
  if (wrapped < 0 || wrapped >= size) {
    return Status::Invalid(name, " index ", index, " out of range");
  }
  return wrapped;
}

// The parsed roi_nd: a spatial ROI plus optional T and Z ranges.
struct RoiNd {
  Roi roi;
  std::optional<Slice> t;
  std::optional<Slice> z;
};

arrow::Result<RoiNd> ParseRoiNd(const std::vector<int64_t>& values,
                                std::optional<std::string> roi_type,
                                const PixelsMeta& meta) {
  if (!roi_type.has_value()) {
    if (values.size() == 4) {
      roi_type = "2d";
    } else if (values.size() == 8) {
      roi_type = "4d";
    } else if (values.size() == 6) {
      return Status::Invalid(
          "roi_nd with 6 values is ambiguous; provide roi_type ('2d_timelapse' or '3d').");
    } else {
      return Status::Invalid("roi_nd must have length 4, 6, or 8.");
    }
  }
  const std::string& type = *roi_type;
  if (type != "2d" && type != "2d_timelapse" && type != "3d" && type != "4d") {
    return Status::Invalid("Unsupported roi_type: '", type, "'.");
  }
  RoiNd out;
  int64_t ymin = 0, xmin = 0, ymax = 0, xmax = 0;
  auto check_t = [&](int64_t tmin, int64_t tmax) -> Status {
    if (tmin < 0 || tmax > meta.size_t || tmax <= tmin) {
      return Status::Invalid("roi_nd time bounds are out of range.");
    }
    out.t = Slice{tmin, tmax, std::nullopt};
    return Status::OK();
  };
  auto check_z = [&](int64_t zmin, int64_t zmax) -> Status {
    if (zmin < 0 || zmax > meta.size_z || zmax <= zmin) {
      return Status::Invalid("roi_nd depth bounds are out of range.");
    }
    out.z = Slice{zmin, zmax, std::nullopt};
    return Status::OK();
  };
  const auto& v = values;
  if (type == "2d") {
    if (v.size() != 4) return Status::Invalid("roi_type='2d' requires 4 values.");
    ymin = v[0], xmin = v[1], ymax = v[2], xmax = v[3];
  } else if (type == "2d_timelapse") {
    if (v.size() != 6) return Status::Invalid("roi_type='2d_timelapse' requires 6 values.");
    ymin = v[1], xmin = v[2], ymax = v[4], xmax = v[5];
    ARROW_RETURN_NOT_OK(check_t(v[0], v[3]));
  } else if (type == "3d") {
    if (v.size() != 6) return Status::Invalid("roi_type='3d' requires 6 values.");
    ymin = v[1], xmin = v[2], ymax = v[4], xmax = v[5];
    ARROW_RETURN_NOT_OK(check_z(v[0], v[3]));
  } else {
    if (v.size() != 8) return Status::Invalid("roi_type='4d' requires 8 values.");
    ymin = v[2], xmin = v[3], ymax = v[6], xmax = v[7];
    ARROW_RETURN_NOT_OK(check_t(v[0], v[4]));
    ARROW_RETURN_NOT_OK(check_z(v[1], v[5]));
  }
  int64_t w = 0, h = 0;
  if (__builtin_sub_overflow(xmax, xmin, &w) || __builtin_sub_overflow(ymax, ymin, &h)) {
    return Status::Invalid("roi_nd spatial bounds are out of range.");
  }
  out.roi = Roi{xmin, ymin, w, h};
  if (out.roi.w <= 0 || out.roi.h <= 0) {
    return Status::Invalid("roi_nd spatial bounds must satisfy max > min.");
  }
  return out;
}

}  // namespace

arrow::Result<std::vector<int64_t>> SliceIndices(const Slice& slice, int64_t size) {
  const int64_t step = slice.step.value_or(1);
  if (step == 0) return Status::Invalid("slice step cannot be zero");
  const bool negative = step < 0;
  const int64_t start = slice.start.has_value() ? ClampSliceBound(*slice.start, size, negative)
                                                : (negative ? size - 1 : 0);
  const int64_t stop = slice.stop.has_value() ? ClampSliceBound(*slice.stop, size, negative)
                                              : (negative ? -1 : size);
  // The element count as slice.indices()/range() give it, in unsigned arithmetic: the
  // distance is at most size + 1 and a step may be as large as |INT64_MIN|, so neither
  // `i += step` nor `-step` may be evaluated in int64.
  const uint64_t magnitude = negative ? uint64_t{0} - static_cast<uint64_t>(step)
                                      : static_cast<uint64_t>(step);
  uint64_t count = 0;
  if (negative ? start > stop : start < stop) {
    const uint64_t distance = negative ? static_cast<uint64_t>(start - stop)
                                       : static_cast<uint64_t>(stop - start);
    count = (distance - 1) / magnitude + 1;
  }
  std::vector<int64_t> out(static_cast<size_t>(count));
  for (uint64_t k = 0; k < count; ++k) {
    // |k * step| < distance <= size + 1 for every k < count: no overflow.
    const uint64_t offset = k * magnitude;
    out[static_cast<size_t>(k)] = negative ? start - static_cast<int64_t>(offset)
                                           : start + static_cast<int64_t>(offset);
  }
  return out;
}

arrow::Result<std::vector<int64_t>> NormalizeIndex(const IndexSpec& spec, int64_t size,
                                                   std::string_view name) {
  if (size <= 0) return Status::Invalid(name, " size must be positive");
  switch (spec.kind) {
    case IndexSpec::Kind::kAll: {
      std::vector<int64_t> out(static_cast<size_t>(size));
      for (int64_t i = 0; i < size; ++i) out[static_cast<size_t>(i)] = i;
      return out;
    }
    case IndexSpec::Kind::kIndex: {
      ARROW_ASSIGN_OR_RAISE(int64_t index, WrapIndex(spec.index, size, name));
      return std::vector<int64_t>{index};
    }
    case IndexSpec::Kind::kSlice:
      return SliceIndices(spec.slice, size);
    case IndexSpec::Kind::kList: {
      std::vector<int64_t> out;
      out.reserve(spec.list.size());
      for (int64_t item : spec.list) {
        ARROW_ASSIGN_OR_RAISE(int64_t index, WrapIndex(item, size, name));
        out.push_back(index);
      }
      return out;
    }
    case IndexSpec::Kind::kNonIntegerItems:
      return Status::Invalid(name, " indices must be integers");
    case IndexSpec::Kind::kUnsupported:
      break;
  }
  return Status::Invalid("Unsupported ", name, " index type");
}

arrow::Result<Roi> TileToRoi(const std::optional<ChunkGrid>& chunk_grid,
                             const std::vector<int64_t>& tile, int64_t size_x,
                             int64_t size_y) {
  if (tile.size() != 2) return Status::Invalid("tile must be (tile_y, tile_x)");
  const int64_t tile_y = tile[0], tile_x = tile[1];
  if (!chunk_grid.has_value()) {
    return Status::Invalid("tile selection requires chunk_grid metadata");
  }
  if (!chunk_grid->chunk_y.has_value() || !chunk_grid->chunk_x.has_value()) {
    return Status::Invalid("chunk_grid is missing chunk_x/chunk_y");
  }
  const int64_t chunk_y = *chunk_grid->chunk_y, chunk_x = *chunk_grid->chunk_x;
  if (chunk_x <= 0 || chunk_y <= 0) {
    return Status::Invalid("chunk_grid chunk sizes must be positive");
  }
  if (tile_x < 0 || tile_y < 0) return Status::Invalid("tile indices must be non-negative");
  int64_t x = 0, y = 0;
  if (__builtin_mul_overflow(tile_x, chunk_x, &x) ||
      __builtin_mul_overflow(tile_y, chunk_y, &y) || x >= size_x || y >= size_y) {
    return Status::Invalid("tile indices out of bounds");
  }
  return Roi{x, y, std::min(chunk_x, size_x - x), std::min(chunk_y, size_y - y)};
}

arrow::Result<Selection> NormalizeSelection(const SelectionArgs& args,
                                            const PixelsMeta& meta,
                                            const std::optional<ChunkGrid>& chunk_grid) {
  IndexSpec t = args.t, z = args.z;
  std::optional<Roi> roi;
  if (args.roi_nd.has_value()) {
    if (args.roi.has_value() || args.roi3d.has_value() || args.tile.has_value()) {
      return Status::Invalid("Provide only one of roi_nd, roi3d, roi, or tile.");
    }
    ARROW_ASSIGN_OR_RAISE(RoiNd parsed, ParseRoiNd(*args.roi_nd, args.roi_type, meta));
    roi = parsed.roi;
    if (parsed.t.has_value()) {
      if (t.kind != IndexSpec::Kind::kAll) {
        return Status::Invalid("Provide either t or roi_nd time bounds, not both.");
      }
      t = IndexSpec::FromSlice(*parsed.t);
    }
    if (parsed.z.has_value()) {
      if (z.kind != IndexSpec::Kind::kAll) {
        return Status::Invalid("Provide either z or roi_nd depth bounds, not both.");
      }
      z = IndexSpec::FromSlice(*parsed.z);
    }
  } else if (args.roi_type.has_value()) {
    return Status::Invalid("roi_type requires roi_nd.");
  }
  if (args.roi3d.has_value()) {
    if (args.roi.has_value() || args.tile.has_value()) {
      return Status::Invalid("Provide only one of roi3d, roi, or tile.");
    }
    if (z.kind != IndexSpec::Kind::kAll) {
      return Status::Invalid("Provide either z or roi3d, not both.");
    }
    const auto& r = *args.roi3d;
    if (r.size() != 6) return Status::Invalid("roi3d must be (x, y, z, w, h, d)");
    if (r[5] <= 0) return Status::Invalid("roi3d depth must be positive");
    if (r[2] < 0) return Status::Invalid("roi3d z origin must be non-negative");
    if (SumExceeds(r[2], r[5], meta.size_z)) return Status::Invalid("roi3d depth is out of bounds");
    roi = Roi{r[0], r[1], r[3], r[4]};
    z = IndexSpec::FromSlice(Slice{r[2], r[2] + r[5], std::nullopt});  // checked above
  }
  Selection out;
  ARROW_ASSIGN_OR_RAISE(out.t, NormalizeIndex(t, meta.size_t, "t"));
  ARROW_ASSIGN_OR_RAISE(out.z, NormalizeIndex(z, meta.size_z, "z"));
  ARROW_ASSIGN_OR_RAISE(out.c, NormalizeIndex(args.c, meta.size_c, "c"));
  // An explicit roi together with tile; a roi derived from roi_nd/roi3d was rejected above.
  if (args.roi.has_value() && args.tile.has_value()) {
    return Status::Invalid("Provide either roi or tile, not both.");
  }
  if (args.tile.has_value()) {
    ARROW_ASSIGN_OR_RAISE(roi, TileToRoi(chunk_grid, *args.tile, meta.size_x, meta.size_y));
  }
  if (args.roi.has_value()) {
    if (args.roi->size() != 4) return Status::Invalid("roi must be (x, y, w, h)");
    roi = Roi{(*args.roi)[0], (*args.roi)[1], (*args.roi)[2], (*args.roi)[3]};
  }
  if (!roi.has_value()) roi = Roi{0, 0, meta.size_x, meta.size_y};
  if (roi->w <= 0 || roi->h <= 0) {
    return Status::Invalid("roi width and height must be positive");
  }
  if (roi->x < 0 || roi->y < 0) return Status::Invalid("roi origin must be non-negative");
  if (SumExceeds(roi->x, roi->w, meta.size_x) || SumExceeds(roi->y, roi->h, meta.size_y)) {
    return Status::Invalid("roi is out of bounds");
  }
  out.roi = *roi;
  return out;
}

Status ValidateSelection(const Selection& selection, const PixelsMeta& meta) {
  const auto check = [](const std::vector<int64_t>& indices, int64_t size,
                        std::string_view name) -> Status {
    for (int64_t index : indices) {
      if (index < 0 || index >= size) {
        return Status::Invalid("internal error: normalized ", name, " index ", index,
                               " is outside [0, ", size, ")");
      }
    }
    return Status::OK();
  };
  ARROW_RETURN_NOT_OK(check(selection.t, meta.size_t, "t"));
  ARROW_RETURN_NOT_OK(check(selection.z, meta.size_z, "z"));
  ARROW_RETURN_NOT_OK(check(selection.c, meta.size_c, "c"));
  const Roi& roi = selection.roi;
  if (roi.x < 0 || roi.y < 0 || roi.w <= 0 || roi.h <= 0 ||
      SumExceeds(roi.x, roi.w, meta.size_x) || SumExceeds(roi.y, roi.h, meta.size_y)) {
    return Status::Invalid("internal error: normalized roi (", roi.x, ", ", roi.y, ", ",
                           roi.w, ", ", roi.h, ") is outside the ", meta.size_x, "x",
                           meta.size_y, " image");
  }
  return Status::OK();
}

}  // namespace omearrow
