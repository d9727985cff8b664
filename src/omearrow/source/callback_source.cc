#include "omearrow/source/callback_source.h"

#include <arrow/status.h>

namespace omearrow {

using arrow::Status;

CallbackSource::CallbackSource(PlaneLoader loader, int64_t size_y, int64_t size_x)
    : loader_(std::move(loader)), size_y_(size_y), size_x_(size_x) {}

arrow::Status CallbackSource::GetPlaneBlocks(
    const PlaneIndex& index, const Rect&, std::vector<PlaneBlock>* blocks,
    std::vector<std::shared_ptr<const void>>* pins) const {
  const int64_t t = index.t, c = index.c, z = index.z;
  // The reference's plane_loader(t, z, c) order.
  ARROW_ASSIGN_OR_RAISE(LoadedPlane plane, loader_(t, z, c));
  if (plane.num_elements != size_y_ * size_x_ ||
      (plane.data == nullptr && plane.num_elements != 0)) {
    return arrow::Status::Invalid("plane_loader returned ", plane.num_elements,
                                  " values for plane (t=", t, ", z=", z, ", c=", c,
                                  "); expected size_y*size_x = ", size_y_ * size_x_, " (",
                                  size_y_, "x", size_x_, ")");
  }
  PlaneBlock block;
  block.data = static_cast<const uint8_t*>(plane.data);
  block.dtype = plane.dtype;
  block.rect = Rect{0, 0, size_y_, size_x_};
  block.row_stride = size_x_;
  blocks->push_back(block);
  pins->push_back(std::move(plane.owner));
  return arrow::Status::OK();
}

arrow::Result<std::shared_ptr<const Image>> ImageFromPlaneLoader(
    RecordInfo info, PixelsMeta meta, std::optional<ChunkGrid> chunk_grid,
    PlaneLoader loader) {
  if (!loader) return Status::Invalid("plane_loader must be callable");
  ARROW_RETURN_NOT_OK(ValidateSizes(meta));
  auto source = std::make_shared<CallbackSource>(std::move(loader), meta.size_y, meta.size_x);
  return std::make_shared<const Image>(std::move(info), std::move(meta),
                                       std::move(chunk_grid), std::move(source),
                                       RecordOrigin::kOther);
}

}  // namespace omearrow
