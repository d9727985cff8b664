#include "omearrow/materialize.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "omearrow/cast_internal.h"
#include "omearrow/parallel.h"

namespace omearrow {

using arrow::Status;

namespace {

// One unit of work: rows [row_begin, row_end) of the ROI of one selected plane.
struct Task {
  int64_t plane;  // index over (t, z, c) of the selection, c fastest
  int64_t row_begin;
  int64_t row_end;
};

struct Kernel {
  const Image& image;
  const Selection& selection;
  int64_t num_channels;
  DType out_dtype;
  uint8_t* out;
  std::array<int64_t, 5> strides;

  Status Run(const Task& task) const {
    const int64_t per_t = static_cast<int64_t>(selection.z.size()) * num_channels;
    const int64_t ti = task.plane / per_t;
    const int64_t zi = (task.plane / num_channels) % static_cast<int64_t>(selection.z.size());
    const int64_t ci = task.plane % num_channels;
    const int64_t itemsize = ItemSize(out_dtype);
    uint8_t* plane_out =
        out + (ti * strides[0] + zi * strides[1] + ci * strides[2]) * itemsize;
    const Roi& roi = selection.roi;
    const Rect window{roi.y + task.row_begin, roi.x, task.row_end - task.row_begin, roi.w};

    std::vector<PlaneBlock> blocks;
    std::vector<std::shared_ptr<const void>> pins;
    ARROW_RETURN_NOT_OK(image.source().GetPlaneBlocks(
        selection.t[static_cast<size_t>(ti)], selection.c[static_cast<size_t>(ci)],
        selection.z[static_cast<size_t>(zi)], window, &blocks, &pins));

    // Intersections of blocks with the window; zero-fill first unless they tile it.
    struct Piece {
      const PlaneBlock* block;
      int64_t y0, y1, x0, x1;
    };
    std::vector<Piece> pieces;
    int64_t covered = 0;
    for (const auto& block : blocks) {
      Piece p{&block, std::max(block.rect.y, window.y),
              std::min(block.rect.y + block.rect.height, window.y + window.height),
              std::max(block.rect.x, window.x),
              std::min(block.rect.x + block.rect.width, window.x + window.width)};
      if (p.y0 >= p.y1 || p.x0 >= p.x1) continue;
      covered += (p.y1 - p.y0) * (p.x1 - p.x0);
      pieces.push_back(p);
    }
    const int64_t sy = strides[3], sx = strides[4];
    if (covered != window.height * window.width ||
        (pieces.size() > 1 && image.source().BlocksMayOverlap())) {
      for (int64_t y = window.y; y < window.y + window.height; ++y) {
        internal::ZeroRow(out_dtype, plane_out + (y - roi.y) * sy * itemsize, window.width,
                          sx);
      }
    }
    for (const Piece& p : pieces) {
      const PlaneBlock& block = *p.block;
      const int64_t src_itemsize = ItemSize(block.dtype);
      const internal::RowCopyFn copy = internal::GetRowCopy(block.dtype, out_dtype);
      const int64_t width = p.x1 - p.x0;
      const uint8_t* src = block.data + ((p.y0 - block.rect.y) * block.row_stride +
                                         (p.x0 - block.rect.x)) * src_itemsize;
      uint8_t* dst = plane_out + ((p.y0 - roi.y) * sy + (p.x0 - roi.x) * sx) * itemsize;
      if (sx == 1 && width == block.row_stride && sy == width) {
        copy(src, dst, (p.y1 - p.y0) * width, 1);  // rows are back to back on both sides
        continue;
      }
      for (int64_t y = p.y0; y < p.y1; ++y) {
        copy(src, dst, width, sx);
        src += block.row_stride * src_itemsize;
        dst += sy * itemsize;
      }
    }
    return Status::OK();
  }
};

}  // namespace

Status MaterializeInto(const Image& image, const Selection& selection,
                       bool first_channel_only, DType out_dtype, uint8_t* out,
                       const std::array<int64_t, 5>& element_strides,
                       const MaterializeOptions& options) {
  const int64_t num_channels =
      first_channel_only ? std::min<int64_t>(1, static_cast<int64_t>(selection.c.size()))
                         : static_cast<int64_t>(selection.c.size());
  const int64_t num_planes = static_cast<int64_t>(selection.t.size()) *
                             static_cast<int64_t>(selection.z.size()) * num_channels;
  const int64_t rows = selection.roi.h;
  if (num_planes == 0 || rows == 0 || selection.roi.w == 0) return Status::OK();
  Kernel kernel{image, selection, num_channels, out_dtype, out, element_strides};

  const int64_t total_bytes = num_planes * rows * selection.roi.w * ItemSize(out_dtype);
  int threads = options.max_threads <= 0 ? DefaultParallelism() : options.max_threads;
  if (total_bytes < options.parallel_threshold_bytes) threads = 1;

  // Split into about 4 tasks per thread; split planes into row bands only when there
  // are few planes (a plane loader is asked for each plane once, so never split those).
  int64_t bands = 1;
  const int64_t wanted = int64_t{4} * threads;
  if (threads > 1 && num_planes < wanted && image.encoding() != PixelEncoding::kCallback) {
    bands = std::min<int64_t>((wanted + num_planes - 1) / num_planes,
                              std::max<int64_t>(1, rows / 16));
  }
  const int64_t band_rows = (rows + bands - 1) / bands;
  bands = (rows + band_rows - 1) / band_rows;
  return ParallelFor(num_planes * bands, threads, [&](int64_t i) {
    const int64_t plane = i / bands, band = i % bands;
    const int64_t begin = band * band_rows;
    return kernel.Run(Task{plane, begin, std::min(rows, begin + band_rows)});
  });
}

}  // namespace omearrow
