#include "omearrow/materialize.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "omearrow/tensor/cast_internal.h"
#include "omearrow/tensor/interleave.h"
#include "omearrow/util/parallel.h"

namespace omearrow {

using arrow::Status;

namespace {

// One unit of work: rows [row_begin, row_end) of the ROI of one selected plane, or of
// all selected channels of one (t, z) when channels interleave within output rows.
struct Task {
  int64_t plane;  // index over (t, z, c) of the selection (c fastest), or over (t, z)
  int64_t row_begin;
  int64_t row_end;
};

// The stored blocks of one plane clipped to the task's window, ready to copy.
struct PlaneWork {
  struct Piece {
    const PlaneBlock* block;
    int64_t y0, y1, x0, x1;
  };
  uint8_t* out = nullptr;  // output element of (roi.y, roi.x) of this plane
  std::vector<PlaneBlock> blocks;
  std::vector<std::shared_ptr<const void>> pins;
  std::vector<Piece> pieces;
  bool needs_zero = false;
};

struct Kernel {
  const Image& image;
  const Selection& selection;
  int64_t num_channels;
  bool group_channels;
  DType out_dtype;
  uint8_t* out;
  std::array<int64_t, 5> strides;

  // Output rows per step when channels are interleaved: keeps the touched output lines
  // of all channels in cache while each channel writes its share of them.
  static constexpr int64_t kInterleaveRows = 4;
  // Most channels the one-pass interleave handles (more go channel by channel).
  static constexpr int64_t kMaxInterleave = 16;

  Status Prepare(int64_t ti, int64_t zi, int64_t ci, const Rect& window,
                 PlaneWork* work) const {
    work->out = out + (ti * strides[0] + zi * strides[1] + ci * strides[2]) *
                          ItemSize(out_dtype);
    const PlaneIndex plane{selection.t[static_cast<size_t>(ti)],
                           selection.c[static_cast<size_t>(ci)],
                           selection.z[static_cast<size_t>(zi)]};
    ARROW_RETURN_NOT_OK(
        image.source().GetPlaneBlocks(plane, window, &work->blocks, &work->pins));
    int64_t covered = 0;
    for (const auto& block : work->blocks) {
      PlaneWork::Piece p{&block, std::max(block.rect.y, window.y),
                         std::min(block.rect.y + block.rect.height, window.y + window.height),
                         std::max(block.rect.x, window.x),
                         std::min(block.rect.x + block.rect.width, window.x + window.width)};
      if (p.y0 >= p.y1 || p.x0 >= p.x1) continue;
      covered += (p.y1 - p.y0) * (p.x1 - p.x0);
      work->pieces.push_back(p);
    }
    // Zero-fill first unless the pieces provably tile the window.
    work->needs_zero = covered != window.height * window.width ||
                       (work->pieces.size() > 1 && image.source().BlocksMayOverlap());
    return Status::OK();
  }

  // Writes image rows [y_begin, y_end) of a prepared plane.
  void CopyRows(const PlaneWork& work, int64_t y_begin, int64_t y_end) const {
    const Roi& roi = selection.roi;
    const int64_t itemsize = ItemSize(out_dtype);
    const int64_t sy = strides[3], sx = strides[4];
    if (work.needs_zero) {
      for (int64_t y = y_begin; y < y_end; ++y) {
        internal::ZeroRow(out_dtype, work.out + (y - roi.y) * sy * itemsize, roi.w, sx);
      }
    }
    for (const auto& p : work.pieces) {
      const int64_t y0 = std::max(p.y0, y_begin), y1 = std::min(p.y1, y_end);
      if (y0 >= y1) continue;
      const PlaneBlock& block = *p.block;
      const int64_t src_itemsize = ItemSize(block.dtype);
      const internal::RowCopyFn copy = internal::GetRowCopy(block.dtype, out_dtype);
      const int64_t width = p.x1 - p.x0;
      const uint8_t* src = block.data + ((y0 - block.rect.y) * block.row_stride +
                                         (p.x0 - block.rect.x)) * src_itemsize;
      uint8_t* dst = work.out + ((y0 - roi.y) * sy + (p.x0 - roi.x) * sx) * itemsize;
      if (sx == 1 && width == block.row_stride && sy == width) {
        copy(src, dst, (y1 - y0) * width, 1);  // rows are back to back on both sides
        continue;
      }
      for (int64_t y = y0; y < y1; ++y) {
        copy(src, dst, width, sx);
        src += block.row_stride * src_itemsize;
        dst += sy * itemsize;
      }
    }
  }

  // True when the channels of one (t, z) can be written in one pass per output row:
  // adjacent channels in the output (channel stride 1, pixel stride = channels), same
  // dtype as stored, and every channel's stored pieces cover the window alike (no zero
  // fill) — e.g. channels-last layouts over planes or chunks of one grid.
  bool CanInterleave(const std::vector<PlaneWork>& works) const {
    if (strides[2] != 1 || strides[4] != num_channels || num_channels > kMaxInterleave) {
      return false;
    }
    const PlaneWork& first = works[0];
    for (const PlaneWork& work : works) {
      if (work.needs_zero || work.pieces.size() != first.pieces.size()) return false;
      for (size_t p = 0; p < work.pieces.size(); ++p) {
        const PlaneWork::Piece& a = work.pieces[p];
        const PlaneWork::Piece& b = first.pieces[p];
        if (a.block->dtype != out_dtype || a.y0 != b.y0 || a.y1 != b.y1 || a.x0 != b.x0 ||
            a.x1 != b.x1) {
          return false;
        }
      }
    }
    return true;
  }

  // Writes image rows [y_begin, y_end) of all channels, interleaved (CanInterleave).
  void Interleave(const std::vector<PlaneWork>& works, int64_t y_begin,
                  int64_t y_end) const {
    const Roi& roi = selection.roi;
    const int64_t itemsize = ItemSize(out_dtype);
    const int64_t sy = strides[3], sx = strides[4];
    const internal::InterleaveFn interleave = internal::GetInterleave(out_dtype);
    std::array<const uint8_t*, kMaxInterleave> rows{};
    for (size_t p = 0; p < works[0].pieces.size(); ++p) {
      const PlaneWork::Piece& piece = works[0].pieces[p];
      const int64_t y0 = std::max(piece.y0, y_begin), y1 = std::min(piece.y1, y_end);
      const int64_t width = piece.x1 - piece.x0;
      for (int64_t y = y0; y < y1; ++y) {
        for (size_t c = 0; c < works.size(); ++c) {
          const PlaneBlock& block = *works[c].pieces[p].block;
          rows[c] = block.data +
                    ((y - block.rect.y) * block.row_stride + (piece.x0 - block.rect.x)) *
                        itemsize;
        }
        uint8_t* dst =
            works[0].out + ((y - roi.y) * sy + (piece.x0 - roi.x) * sx) * itemsize;
        interleave(rows.data(), static_cast<int>(works.size()), dst, width);
      }
    }
  }

  Status Run(const Task& task) const {
    const Roi& roi = selection.roi;
    const Rect window{roi.y + task.row_begin, roi.x, task.row_end - task.row_begin, roi.w};
    const int64_t y_begin = window.y, y_end = window.y + window.height;
    const int64_t nz = static_cast<int64_t>(selection.z.size());
    if (!group_channels) {
      const int64_t ti = task.plane / (nz * num_channels);
      const int64_t zi = (task.plane / num_channels) % nz;
      PlaneWork work;
      ARROW_RETURN_NOT_OK(Prepare(ti, zi, task.plane % num_channels, window, &work));
      CopyRows(work, y_begin, y_end);
      return Status::OK();
    }
    const int64_t ti = task.plane / nz, zi = task.plane % nz;
    std::vector<PlaneWork> works(static_cast<size_t>(num_channels));
    for (int64_t ci = 0; ci < num_channels; ++ci) {
      ARROW_RETURN_NOT_OK(Prepare(ti, zi, ci, window, &works[static_cast<size_t>(ci)]));
    }
    if (CanInterleave(works)) {
      Interleave(works, y_begin, y_end);
      return Status::OK();
    }
    for (int64_t y = y_begin; y < y_end; y += kInterleaveRows) {
      const int64_t y_stop = std::min(y_end, y + kInterleaveRows);
      for (const auto& work : works) CopyRows(work, y, y_stop);
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
  // Channels that interleave within output rows (e.g. YXC) are copied together, a few
  // rows at a time, so each output cache line is filled while it is hot.
  const bool group_channels = num_channels > 1 && element_strides[2] < element_strides[3];
  const int64_t num_planes = static_cast<int64_t>(selection.t.size()) *
                             static_cast<int64_t>(selection.z.size()) *
                             (group_channels ? 1 : num_channels);
  const int64_t rows = selection.roi.h;
  if (num_planes == 0 || rows == 0 || selection.roi.w == 0) return Status::OK();
  Kernel kernel{image, selection, num_channels, group_channels, out_dtype, out,
                element_strides};

  const int64_t total_bytes = static_cast<int64_t>(selection.t.size()) *
                              static_cast<int64_t>(selection.z.size()) * num_channels *
                              rows * selection.roi.w * ItemSize(out_dtype);
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
