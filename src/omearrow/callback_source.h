// Pixels produced by a user plane loader, one whole plane per call.
#pragma once

#include <memory>

#include "omearrow/image.h"
#include "omearrow/pixel_source.h"

namespace omearrow {

// Calls `loader(t, z, c)` for each plane a view needs and checks that it returned
// exactly size_y * size_x values. The loader may be called from worker threads; it must
// be thread-safe (the Python binding serializes calls through the GIL).
class CallbackSource final : public PixelSource {
 public:
  CallbackSource(PlaneLoader loader, int64_t size_y, int64_t size_x);

  PixelEncoding encoding() const override { return PixelEncoding::kCallback; }
  arrow::Status GetPlaneBlocks(int64_t t, int64_t c, int64_t z, const Rect& window,
                               std::vector<PlaneBlock>* blocks,
                               std::vector<std::shared_ptr<const void>>* pins) const override;

 private:
  PlaneLoader loader_;
  int64_t size_y_;
  int64_t size_x_;
};

}  // namespace omearrow
