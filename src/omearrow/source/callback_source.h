// Pixels produced by a user plane loader, one whole plane per call.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include <arrow/result.h>

#include "omearrow/image.h"
#include "omearrow/pixel_source.h"

namespace omearrow {

// A plane produced by a plane loader: `num_elements` contiguous values of `dtype` at
// `data`, kept alive by `owner`.
struct LoadedPlane {
  std::shared_ptr<const void> owner;
  const void* data = nullptr;
  DType dtype = DType::kUInt16;
  int64_t num_elements = 0;
};

// A user callback returning the Y×X plane at (t, z, c); the reference's plane_loader.
using PlaneLoader = std::function<arrow::Result<LoadedPlane>(int64_t t, int64_t z, int64_t c)>;

// An image whose pixels come from `loader`, one plane per call (sizes from `meta`).
// The returned plane must hold exactly size_y * size_x values.
arrow::Result<std::shared_ptr<const Image>> ImageFromPlaneLoader(
    RecordInfo info, PixelsMeta meta, std::optional<ChunkGrid> chunk_grid,
    PlaneLoader loader);

// Calls `loader(t, z, c)` for each plane a view needs and checks that it returned
// exactly size_y * size_x values. The loader may be called from worker threads; it must
// be thread-safe (the Python binding serializes calls through the GIL).
class CallbackSource final : public PixelSource {
 public:
  CallbackSource(PlaneLoader loader, int64_t size_y, int64_t size_x);

  PixelEncoding encoding() const override { return PixelEncoding::kCallback; }
  arrow::Status GetPlaneBlocks(const PlaneIndex& index, const Rect& window,
                               std::vector<PlaneBlock>* blocks,
                               std::vector<std::shared_ptr<const void>>* pins) const override;

 private:
  PlaneLoader loader_;
  int64_t size_y_;
  int64_t size_x_;
};

}  // namespace omearrow
