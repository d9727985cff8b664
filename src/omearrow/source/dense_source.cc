#include "omearrow/source/dense_source.h"

#include <algorithm>
#include <cctype>

#include <arrow/status.h>

namespace omearrow {

using arrow::Status;

namespace {

// Reads planes of a strided array; X must be the innermost contiguous axis for a block
// to point straight into it, otherwise the plane is gathered into a temporary first.
class DenseSource final : public PixelSource {
 public:
  DenseSource(DenseArray array, std::array<int64_t, 5> strides, int64_t size_y, int64_t size_x)
      : array_(std::move(array)), strides_(strides), size_y_(size_y), size_x_(size_x) {}

  PixelEncoding encoding() const override { return PixelEncoding::kPlanes; }

  Status GetPlaneBlocks(const PlaneIndex& index, const Rect&,
                        std::vector<PlaneBlock>* blocks,
                        std::vector<std::shared_ptr<const void>>* pins) const override {
    const int64_t t = index.t, c = index.c, z = index.z;
    const int64_t itemsize = ItemSize(array_.dtype);
    const auto* base = static_cast<const uint8_t*>(array_.data) + t * strides_[0] +
                       c * strides_[1] + z * strides_[2];
    PlaneBlock block;
    block.dtype = array_.dtype;
    block.rect = Rect{0, 0, size_y_, size_x_};
    if (strides_[4] == itemsize && strides_[3] % itemsize == 0) {
      block.data = base;
      block.row_stride = strides_[3] / itemsize;
    } else {
      auto plane = std::make_shared<std::vector<uint8_t>>(
          static_cast<size_t>(size_y_ * size_x_ * itemsize));
      for (int64_t y = 0; y < size_y_; ++y)
        for (int64_t x = 0; x < size_x_; ++x)
          std::copy_n(base + y * strides_[3] + x * strides_[4], itemsize,
                      plane->data() + (y * size_x_ + x) * itemsize);
      block.data = plane->data();
      block.row_stride = size_x_;
      pins->push_back(std::move(plane));
    }
    blocks->push_back(block);
    pins->push_back(array_.owner);
    return Status::OK();
  }

 private:
  DenseArray array_;
  std::array<int64_t, 5> strides_;  // bytes, per T, C, Z, Y, X
  int64_t size_y_, size_x_;
};

}  // namespace

arrow::Result<std::shared_ptr<const Image>> ImageFromDense(const DenseArray& array,
                                                           const DenseImageInfo& info) {
  std::string order;
  for (char ch : array.dim_order) order += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  const std::string letters = "TCZYX";
  for (size_t i = 0; i < order.size(); ++i) {
    if (letters.find(order[i]) == std::string::npos || order.find(order[i]) != i) {
      return Status::Invalid("dim_order must use the letters T, C, Z, Y, X without repeats, got '",
                             array.dim_order, "'");
    }
  }
  if (order.find('Y') == std::string::npos || order.find('X') == std::string::npos) {
    return Status::Invalid("dim_order must include Y and X, got '", array.dim_order, "'");
  }
  if (order.size() != array.shape.size()) {
    return Status::Invalid("dim_order '", array.dim_order, "' has ", order.size(),
                           " axes but the array has ", array.shape.size());
  }
  const int64_t itemsize = ItemSize(array.dtype);
  std::vector<int64_t> strides = array.strides;
  if (strides.empty()) {
    strides.resize(array.shape.size());
    int64_t stride = itemsize;
    for (size_t i = array.shape.size(); i-- > 0;) {
      strides[i] = stride;
      stride *= array.shape[i];
    }
  }
  if (strides.size() != array.shape.size()) {
    return Status::Invalid("array has ", array.shape.size(), " axes but ", strides.size(),
                           " strides");
  }
  std::array<int64_t, 5> sizes = {1, 1, 1, 1, 1};
  std::array<int64_t, 5> by_axis = {0, 0, 0, 0, 0};
  for (size_t i = 0; i < order.size(); ++i) {
    const auto axis = letters.find(order[i]);
    if (array.shape[i] <= 0) {
      return Status::Invalid("array axis ", order[i], " has size ", array.shape[i],
                             "; sizes must be positive");
    }
    if (strides[i] < 0) return Status::Invalid("negative strides are not supported");
    sizes[axis] = array.shape[i];
    by_axis[axis] = strides[i];
  }
  if (array.data == nullptr) return Status::Invalid("array has no data");
  PixelsMeta meta;
  meta.size_t = sizes[0], meta.size_c = sizes[1], meta.size_z = sizes[2];
  meta.size_y = sizes[3], meta.size_x = sizes[4];
  meta.type = std::string(DTypeName(array.dtype));
  meta.dimension_order = meta.size_z > 1 ? "XYZCT" : "XYCT";
  meta.physical_size_x = info.physical_size_x;
  meta.physical_size_y = info.physical_size_y;
  meta.physical_size_z = info.physical_size_z;
  meta.physical_size_x_unit = meta.physical_size_y_unit = meta.physical_size_z_unit =
      info.physical_size_unit;
  for (int64_t c = 0; c < meta.size_c; ++c) {
    Channel channel;
    channel.id = "ch-" + std::to_string(c);
    channel.name = static_cast<size_t>(c) < info.channel_names.size()
                       ? info.channel_names[static_cast<size_t>(c)]
                       : "C" + std::to_string(c);
    channel.emission_um = 0.0;
    channel.excitation_um = 0.0;
    channel.illumination = "Unknown";
    channel.color_rgba = 0xFFFFFFFF;
    meta.channels.push_back(std::move(channel));
  }
  ARROW_RETURN_NOT_OK(ValidateSizes(meta));
  RecordInfo record;
  record.type = "ome.arrow";
  record.version = "0.1.0";
  record.id = info.id;
  record.name = info.name;
  record.image_type = info.image_type;
  auto source = std::make_shared<DenseSource>(array, by_axis, meta.size_y, meta.size_x);
  return std::make_shared<const Image>(std::move(record), std::move(meta), std::nullopt,
                                       std::move(source), RecordOrigin::kOther);
}

}  // namespace omearrow
