#include "omearrow/crops.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>

#include "omearrow/tensor/cast_internal.h"
#include "omearrow/util/aligned_buffer.h"
#include "omearrow/util/parallel.h"
#include "omearrow/util/text.h"
#include "omearrow/util/view_limits.h"

namespace omearrow {

using arrow::Status;

namespace {

// Centers must be exact integers once floored: beyond 2^52 a double has no fraction and
// window arithmetic (center ± 2^31) stays far from int64 overflow.
constexpr double kMaxCenter = 4503599627370496.0;  // 2^52
constexpr int64_t kMaxCropSide = int64_t{1} << 31;
// Upper bound on the grid cells used to group crops by stored chunk.
constexpr int64_t kMaxCells = int64_t{1} << 16;

// The shortest text that reads back as `value` ("2", "10.5", "nan", "-inf"), as Python
// prints floats in messages.
std::string Num(double value) {
  char text[32];
  const auto result = std::to_chars(text, text + sizeof(text), value);
  return std::string(text, result.ptr);
}

bool IsIntegerDType(DType dtype) {
  return dtype != DType::kFloat32 && dtype != DType::kFloat64;
}

bool IsSignedDType(DType dtype) {
  return dtype == DType::kInt8 || dtype == DType::kInt16 || dtype == DType::kInt32 ||
         dtype == DType::kInt64;
}

Status CheckFill(double fill, DType dtype) {
  if (!IsIntegerDType(dtype)) return Status::OK();
  const int bits = ItemSize(dtype) * 8;
  const double lo = IsSignedDType(dtype) ? -std::ldexp(1.0, bits - 1) : 0.0;
  const double hi =
      IsSignedDType(dtype) ? std::ldexp(1.0, bits - 1) : std::ldexp(1.0, bits);
  if (!std::isfinite(fill) || std::floor(fill) != fill || fill < lo || fill >= hi) {
    return Status::Invalid("crops: fill ", Num(fill), " is not representable in ",
                           DTypeName(dtype));
  }
  return Status::OK();
}

// Writes `n` copies of the element at `value` (itemsize bytes) to contiguous `dst`.
void FillRow(uint8_t* dst, int64_t n, const uint8_t* value, int itemsize) {
  if (n <= 0) return;
  switch (itemsize) {
    case 1:
      std::memset(dst, *value, static_cast<size_t>(n));
      return;
    case 2: {
      uint16_t v;
      std::memcpy(&v, value, 2);
      std::fill_n(reinterpret_cast<uint16_t*>(dst), n, v);
      return;
    }
    case 4: {
      uint32_t v;
      std::memcpy(&v, value, 4);
      std::fill_n(reinterpret_cast<uint32_t*>(dst), n, v);
      return;
    }
    default: {
      uint64_t v;
      std::memcpy(&v, value, 8);
      std::fill_n(reinterpret_cast<uint64_t*>(dst), n, v);
      return;
    }
  }
}

// The stored blocks of one plane fetched for a region, and what keeps them alive.
struct Fetched {
  std::vector<PlaneBlock> blocks;
  std::vector<std::shared_ptr<const void>> pins;
};

// A part of a stored block to copy into a crop: image rows [y0, y1), columns [x0, x1).
struct Piece {
  const PlaneBlock* block;
  int64_t y0, y1, x0, x1;
};

// Appends the part of `block` inside `inside` (unless empty); returns its pixel count.
int64_t AddPiece(const PlaneBlock& block, const Rect& inside,
                 std::vector<Piece>* pieces) {
  Piece p{&block, std::max(block.rect.y, inside.y),
          std::min(block.rect.y + block.rect.height, inside.y + inside.height),
          std::max(block.rect.x, inside.x),
          std::min(block.rect.x + block.rect.width, inside.x + inside.width)};
  if (p.y0 >= p.y1 || p.x0 >= p.x1) return 0;
  pieces->push_back(p);
  return (p.y1 - p.y0) * (p.x1 - p.x0);
}

// The plane partitioned into cells aligned with the stored chunks (when the image
// declares a chunk grid), so that crops can be grouped by the chunks they read.
struct CellGrid {
  int64_t cell_h = 1, cell_w = 1, rows = 1, cols = 1;

  static CellGrid Make(const Image& image) {
    const PixelsMeta& meta = image.pixels_meta();
    CellGrid g;
    g.cell_h = meta.size_y;
    g.cell_w = meta.size_x;
    const auto& grid = image.chunk_grid();
    // Plane-at-a-time sources (callbacks, TIFF IFDs) are read whole in any case.
    const bool whole_planes = image.encoding() == PixelEncoding::kCallback ||
                              image.encoding() == PixelEncoding::kTiff;
    if (!whole_planes && grid.has_value()) {
      if (grid->chunk_y.value_or(0) > 0) g.cell_h = std::min(*grid->chunk_y, meta.size_y);
      if (grid->chunk_x.value_or(0) > 0) g.cell_w = std::min(*grid->chunk_x, meta.size_x);
    }
    for (;;) {
      g.rows = (meta.size_y + g.cell_h - 1) / g.cell_h;
      g.cols = (meta.size_x + g.cell_w - 1) / g.cell_w;
      if (g.rows * g.cols <= kMaxCells) break;
      g.cell_h = std::min(meta.size_y, g.cell_h * 2);
      g.cell_w = std::min(meta.size_x, g.cell_w * 2);
    }
    return g;
  }

  Rect CellRect(int64_t cell, const PixelsMeta& meta) const {
    const int64_t r = cell / cols, col = cell % cols;
    const int64_t y = r * cell_h, x = col * cell_w;
    return Rect{y, x, std::min(cell_h, meta.size_y - y),
                std::min(cell_w, meta.size_x - x)};
  }
};

struct CropKernel {
  CropKernel(const Image& image, const CropPlan& plan)
      : image(image), plan(plan), itemsize(ItemSize(plan.dtype)) {}

  const Image& image;
  const CropPlan& plan;
  int itemsize;
  uint8_t fill_value[8] = {};
  bool per_crop_fetch = false;
  CellGrid grid;
  std::vector<int32_t> cell_slot;  // cell → index into touched cells, -1 when untouched
  std::vector<int64_t> touched;    // touched cell ids
  std::vector<Fetched> fetched;    // [channel * touched.size() + slot]

  Rect Inside(int64_t i) const {
    const PixelsMeta& meta = image.pixels_meta();
    const int64_t y0 = plan.y0[static_cast<size_t>(i)],
                  x0 = plan.x0[static_cast<size_t>(i)];
    const int64_t ya = std::clamp<int64_t>(y0, 0, meta.size_y);
    const int64_t yb = std::clamp<int64_t>(y0 + plan.height, 0, meta.size_y);
    const int64_t xa = std::clamp<int64_t>(x0, 0, meta.size_x);
    const int64_t xb = std::clamp<int64_t>(x0 + plan.width, 0, meta.size_x);
    return Rect{ya, xa, yb - ya, xb - xa};
  }

  void MarkCells() {
    cell_slot.assign(static_cast<size_t>(grid.rows * grid.cols), -1);
    for (int64_t i = 0; i < plan.num_crops(); ++i) {
      const Rect in = Inside(i);
      if (in.height <= 0 || in.width <= 0) continue;
      for (int64_t r = in.y / grid.cell_h; r <= (in.y + in.height - 1) / grid.cell_h;
           ++r) {
        for (int64_t c = in.x / grid.cell_w; c <= (in.x + in.width - 1) / grid.cell_w;
             ++c) {
          int32_t& slot = cell_slot[static_cast<size_t>(r * grid.cols + c)];
          if (slot < 0) {
            slot = static_cast<int32_t>(touched.size());
            touched.push_back(r * grid.cols + c);
          }
        }
      }
    }
  }

  PlaneIndex Plane(size_t channel) const {
    return PlaneIndex{plan.t, plan.c[channel], plan.z};
  }

  Status Fetch(int64_t task) {
    const size_t channel = static_cast<size_t>(task) / touched.size();
    const int64_t cell = touched[static_cast<size_t>(task) % touched.size()];
    Fetched& f = fetched[static_cast<size_t>(task)];
    return image.source().GetPlaneBlocks(
        Plane(channel), grid.CellRect(cell, image.pixels_meta()), &f.blocks, &f.pins);
  }

  // The pieces of channel `channel` inside `in`, gathered from the fetched cells (each
  // stored block once: non-overlapping blocks are told apart by their origin).
  int64_t GatherPieces(size_t channel, const Rect& in, std::vector<Piece>* pieces) const {
    int64_t covered = 0;
    const size_t base = channel * touched.size();
    for (int64_t r = in.y / grid.cell_h; r <= (in.y + in.height - 1) / grid.cell_h; ++r) {
      for (int64_t c = in.x / grid.cell_w; c <= (in.x + in.width - 1) / grid.cell_w;
           ++c) {
        const int32_t slot = cell_slot[static_cast<size_t>(r * grid.cols + c)];
        for (const PlaneBlock& block : fetched[base + static_cast<size_t>(slot)].blocks) {
          const bool seen =
              std::any_of(pieces->begin(), pieces->end(), [&](const Piece& p) {
                return p.block->rect.y == block.rect.y && p.block->rect.x == block.rect.x;
              });
          if (!seen) covered += AddPiece(block, in, pieces);
        }
      }
    }
    return covered;
  }

  // Fills crop `i`, channel `channel` (its h×w output at `dst`).
  Status CopyCrop(int64_t i, size_t channel, uint8_t* dst, std::vector<Piece>* pieces,
                  Fetched* scratch) const {
    const int64_t h = plan.height, w = plan.width;
    const int64_t y0 = plan.y0[static_cast<size_t>(i)],
                  x0 = plan.x0[static_cast<size_t>(i)];
    const Rect in = Inside(i);
    if (in.height <= 0 || in.width <= 0) {
      FillRow(dst, h * w, fill_value, itemsize);
      return Status::OK();
    }
    // Padding: whole rows above and below the image, then the sides of the inside rows.
    const int64_t top = in.y - y0, bottom = y0 + h - (in.y + in.height);
    const int64_t left = in.x - x0, right = x0 + w - (in.x + in.width);
    FillRow(dst, top * w, fill_value, itemsize);
    FillRow(dst + (h - bottom) * w * itemsize, bottom * w, fill_value, itemsize);
    if (left > 0 || right > 0) {
      for (int64_t r = top; r < h - bottom; ++r) {
        uint8_t* row = dst + r * w * itemsize;
        FillRow(row, left, fill_value, itemsize);
        FillRow(row + (w - right) * itemsize, right, fill_value, itemsize);
      }
    }
    pieces->clear();
    int64_t covered = 0;
    bool may_overlap = false;
    if (per_crop_fetch) {
      scratch->blocks.clear();
      scratch->pins.clear();
      ARROW_RETURN_NOT_OK(image.source().GetPlaneBlocks(
          Plane(channel), in, &scratch->blocks, &scratch->pins));
      for (const PlaneBlock& block : scratch->blocks)
        covered += AddPiece(block, in, pieces);
      may_overlap = pieces->size() > 1;
    } else {
      covered = GatherPieces(channel, in, pieces);
    }
    uint8_t* inside = dst + (top * w + left) * itemsize;
    if (covered != in.height * in.width || may_overlap) {
      for (int64_t r = 0; r < in.height; ++r) {
        internal::ZeroRow(plan.dtype, inside + r * w * itemsize, in.width, 1);
      }
    }
    for (const Piece& p : *pieces) {
      const PlaneBlock& block = *p.block;
      const int64_t src_itemsize = ItemSize(block.dtype);
      const internal::RowCopyFn copy = internal::GetRowCopy(block.dtype, plan.dtype);
      const int64_t width = p.x1 - p.x0;
      const uint8_t* src = block.data + ((p.y0 - block.rect.y) * block.row_stride +
                                         (p.x0 - block.rect.x)) *
                                            src_itemsize;
      uint8_t* d = inside + ((p.y0 - in.y) * w + (p.x0 - in.x)) * itemsize;
      for (int64_t y = p.y0; y < p.y1; ++y) {
        copy(src, d, width, 1);
        src += block.row_stride * src_itemsize;
        d += w * itemsize;
      }
    }
    scratch->pins.clear();
    return Status::OK();
  }
};

}  // namespace

arrow::Result<CropBoundary> ParseCropBoundary(std::string_view text) {
  const std::string value = internal::TrimLower(text);
  if (value == "pad") return CropBoundary::kPad;
  if (value == "shift") return CropBoundary::kShift;
  if (value == "error") return CropBoundary::kError;
  return Status::Invalid("crops: boundary must be 'pad', 'shift' or 'error', got '",
                         std::string(text), "'");
}

std::vector<int64_t> CropPlan::shape() const {
  return {num_crops(), static_cast<int64_t>(c.size()), height, width};
}

arrow::Result<CropPlan> PlanCrops(const Image& image, std::span<const double> centers_yx,
                                  const CropOptions& options) {
  const PixelsMeta& meta = image.pixels_meta();
  if (options.height < 1 || options.width < 1 || options.height > kMaxCropSide ||
      options.width > kMaxCropSide) {
    return Status::Invalid("crops: size must be (h, w) with 1 <= h, w <= 2**31, got (",
                           options.height, ", ", options.width, ")");
  }
  if (centers_yx.size() % 2 != 0) {
    return Status::Invalid("crops: centers must be (y, x) pairs, got ", centers_yx.size(),
                           " values");
  }
  CropPlan plan;
  ARROW_ASSIGN_OR_RAISE(std::vector<int64_t> t,
                        NormalizeIndex(options.t, meta.size_t, "t"));
  ARROW_ASSIGN_OR_RAISE(std::vector<int64_t> z,
                        NormalizeIndex(options.z, meta.size_z, "z"));
  if (t.size() != 1) {
    return Status::Invalid("crops: t must select one time point, got ", t.size());
  }
  if (z.size() != 1) {
    return Status::Invalid("crops: z must select one z slice, got ", z.size());
  }
  plan.t = t[0];
  plan.z = z[0];
  ARROW_ASSIGN_OR_RAISE(plan.c, NormalizeIndex(options.c, meta.size_c, "c"));
  if (options.dtype.has_value()) {
    plan.dtype = *options.dtype;
  } else {
    std::string warning;
    plan.dtype = DTypeFromMeta(meta.type, &warning);
    if (!warning.empty()) {
      plan.warnings.push_back({Warning::Category::kRuntimeWarning, std::move(warning)});
    }
  }
  ARROW_RETURN_NOT_OK(CheckFill(options.fill, plan.dtype));
  plan.height = options.height;
  plan.width = options.width;
  plan.boundary = options.boundary;
  plan.fill = options.fill;
  if (options.boundary == CropBoundary::kShift &&
      (options.height > meta.size_y || options.width > meta.size_x)) {
    return Status::Invalid("crops: size (", options.height, ", ", options.width,
                           ") is larger than the image (", meta.size_y, ", ", meta.size_x,
                           "); boundary='shift' cannot move a crop inside it");
  }
  const size_t n = centers_yx.size() / 2;
  plan.y0.resize(n);
  plan.x0.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const double cy = centers_yx[2 * i], cx = centers_yx[2 * i + 1];
    if (!std::isfinite(cy) || !std::isfinite(cx)) {
      return Status::Invalid("crops: centers[", i, "] = (", Num(cy), ", ", Num(cx),
                             ") is not finite");
    }
    if (std::fabs(cy) > kMaxCenter || std::fabs(cx) > kMaxCenter) {
      return Status::Invalid("crops: centers[", i, "] = (", Num(cy), ", ", Num(cx),
                             ") is out of range (|y|, |x| <= 2**52)");
    }
    int64_t y0 = static_cast<int64_t>(std::floor(cy)) - options.height / 2;
    int64_t x0 = static_cast<int64_t>(std::floor(cx)) - options.width / 2;
    switch (options.boundary) {
      case CropBoundary::kPad:
        break;
      case CropBoundary::kShift:
        y0 = std::clamp<int64_t>(y0, 0, meta.size_y - options.height);
        x0 = std::clamp<int64_t>(x0, 0, meta.size_x - options.width);
        break;
      case CropBoundary::kError:
        if (y0 < 0 || x0 < 0 || y0 + options.height > meta.size_y ||
            x0 + options.width > meta.size_x) {
          return Status::Invalid(
              "crops: crop ", i, " (center y=", Num(cy), ", x=", Num(cx),
              ") covers rows [", y0, ", ", y0 + options.height, ") and columns [", x0,
              ", ", x0 + options.width, "), outside the image of ", meta.size_y,
              " rows and ", meta.size_x, " columns (boundary='error')");
        }
        break;
    }
    plan.y0[i] = y0;
    plan.x0[i] = x0;
  }
  return plan;
}

arrow::Result<int64_t> CropBytes(const CropPlan& plan) {
  const std::optional<int64_t> bytes =
      CheckedProduct({plan.num_crops(), static_cast<int64_t>(plan.c.size()), plan.height,
                      plan.width, ItemSize(plan.dtype)});
  if (!bytes.has_value()) {
    return Status::Invalid("crops: ", plan.num_crops(), " crops of ", plan.c.size(),
                           " channels of ", plan.height, "x", plan.width,
                           " overflow the addressable size");
  }
  return *bytes;
}

Status CropsInto(const Image& image, const CropPlan& plan, uint8_t* out, int64_t capacity,
                 const CropOptions& options) {
  ARROW_ASSIGN_OR_RAISE(const int64_t bytes, CropBytes(plan));
  if (capacity < bytes || (out == nullptr && bytes > 0)) {
    return Status::Invalid("crops need ", bytes, " bytes of output, got ", capacity);
  }
  const int64_t n = plan.num_crops();
  const size_t channels = plan.c.size();
  if (bytes == 0) return Status::OK();
  CropKernel kernel(image, plan);
  const double fill = plan.fill;
  internal::GetRowCopy(DType::kFloat64, plan.dtype)(
      reinterpret_cast<const uint8_t*>(&fill), kernel.fill_value, 1, 1);
  int threads = options.max_threads <= 0 ? DefaultParallelism() : options.max_threads;
  if (bytes < options.parallel_threshold_bytes) threads = 1;

  kernel.per_crop_fetch = image.source().BlocksMayOverlap();
  if (!kernel.per_crop_fetch) {
    kernel.grid = CellGrid::Make(image);
    kernel.MarkCells();
    const int64_t fetches = static_cast<int64_t>(channels * kernel.touched.size());
    kernel.fetched.resize(static_cast<size_t>(fetches));
    ARROW_RETURN_NOT_OK(
        ParallelFor(fetches, threads, [&](int64_t task) { return kernel.Fetch(task); }));
  }
  const int64_t crop_bytes = plan.height * plan.width * kernel.itemsize;
  // Groups of crops per task: about 8 tasks per thread, at least 64 KiB of output each.
  const int64_t per_task = std::max<int64_t>(
      {1, (n + 8 * threads - 1) / (8 * threads),
       (int64_t{64} << 10) / std::max<int64_t>(1, crop_bytes * channels)});
  const int64_t tasks = (n + per_task - 1) / per_task;
  return ParallelFor(tasks, threads, [&](int64_t task) -> Status {
    std::vector<Piece> pieces;
    Fetched scratch;
    const int64_t end = std::min(n, (task + 1) * per_task);
    for (int64_t i = task * per_task; i < end; ++i) {
      for (size_t ch = 0; ch < channels; ++ch) {
        uint8_t* dst =
            out +
            (i * static_cast<int64_t>(channels) + static_cast<int64_t>(ch)) * crop_bytes;
        ARROW_RETURN_NOT_OK(kernel.CopyCrop(i, ch, dst, &pieces, &scratch));
      }
    }
    return Status::OK();
  });
}

arrow::Result<Tensor> Crops(const Image& image, std::span<const double> centers_yx,
                            const CropOptions& options, Warnings* warnings) {
  ARROW_ASSIGN_OR_RAISE(CropPlan plan, PlanCrops(image, centers_yx, options));
  if (warnings != nullptr) {
    warnings->insert(warnings->end(), plan.warnings.begin(), plan.warnings.end());
  }
  ARROW_ASSIGN_OR_RAISE(const int64_t bytes, CropBytes(plan));
  const std::vector<int64_t> shape = plan.shape();
  ARROW_RETURN_NOT_OK(CheckAllocationBytes(
      bytes,
      "crops of shape (" + std::to_string(shape[0]) + ", " + std::to_string(shape[1]) +
          ", " + std::to_string(shape[2]) + ", " + std::to_string(shape[3]) + ") " +
          std::string(DTypeName(plan.dtype)),
      options.max_output_bytes));
  ARROW_ASSIGN_OR_RAISE(std::shared_ptr<arrow::Buffer> buffer, AllocateAligned(bytes));
  ARROW_RETURN_NOT_OK(CropsInto(image, plan, buffer->mutable_data(), bytes, options));
  Tensor tensor;
  tensor.data = buffer->data();
  tensor.owner = std::move(buffer);
  tensor.dtype = plan.dtype;
  tensor.shape = shape;
  const int64_t itemsize = ItemSize(plan.dtype);
  tensor.strides = {shape[1] * shape[2] * shape[3] * itemsize,
                    shape[2] * shape[3] * itemsize, shape[3] * itemsize, itemsize};
  tensor.is_copy = true;
  return tensor;
}

Status CropsIntoBuffer(const Image& image, std::span<const double> centers_yx,
                       const CropOptions& options, uint8_t* out, int64_t capacity,
                       std::span<const int64_t> out_shape, DType out_dtype,
                       Warnings* warnings) {
  ARROW_ASSIGN_OR_RAISE(CropPlan plan, PlanCrops(image, centers_yx, options));
  if (warnings != nullptr) {
    warnings->insert(warnings->end(), plan.warnings.begin(), plan.warnings.end());
  }
  const std::vector<int64_t> shape = plan.shape();
  if (out_dtype != plan.dtype ||
      !std::equal(shape.begin(), shape.end(), out_shape.begin(), out_shape.end())) {
    std::string got;
    for (size_t i = 0; i < out_shape.size(); ++i) {
      got += (i ? ", " : "") + std::to_string(out_shape[i]);
    }
    return Status::Invalid("crops: out must be a C-contiguous array of shape (", shape[0],
                           ", ", shape[1], ", ", shape[2], ", ", shape[3], ") and dtype ",
                           DTypeName(plan.dtype), ", got shape (", got, ") and dtype ",
                           DTypeName(out_dtype));
  }
  return CropsInto(image, plan, out, capacity, options);
}

}  // namespace omearrow
