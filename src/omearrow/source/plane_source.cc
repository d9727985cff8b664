#include "omearrow/source/plane_source.h"

#include <string>

#include <arrow/array.h>
#include <arrow/status.h>

namespace omearrow {

using arrow::Status;
using internal::ListAt;
using internal::ReadInteger;

arrow::Result<NumericValues> GetNumericValues(const arrow::Array& values,
                                              std::string_view path) {
  auto dtype = DTypeFromArrow(*values.type());
  if (!dtype.ok()) {
    return Status::TypeError(path, " must hold numeric values, got type ",
                             values.type()->ToString());
  }
  const auto& buffers = values.data()->buffers;
  if (buffers.size() < 2 || buffers[1] == nullptr) {
    if (values.length() == 0) return NumericValues{*dtype, nullptr};
    return Status::Invalid(path, " has no values buffer");
  }
  return NumericValues{*dtype, buffers[1]->data() + values.offset() * ItemSize(*dtype)};
}

Status CheckNoNulls(const arrow::Array& values, int64_t begin, int64_t end,
                    std::string_view path) {
  if (values.null_count() == 0) return Status::OK();
  for (int64_t i = begin; i < end; ++i) {
    if (values.IsNull(i)) {
      return Status::Invalid(path, " contains a null pixel at element ", i - begin);
    }
  }
  return Status::OK();
}

arrow::Result<std::shared_ptr<const ArrowPlaneSource>> ArrowPlaneSource::Make(
    const internal::ListRange& planes, const PixelsMeta& meta) {
  std::shared_ptr<ArrowPlaneSource> source(new ArrowPlaneSource());
  source->size_x_ = meta.size_x;
  source->size_y_ = meta.size_y;
  source->size_z_ = meta.size_z;
  source->size_c_ = meta.size_c;
  source->size_t_ = meta.size_t;
  source->slot_to_plane_.assign(
      static_cast<size_t>(meta.size_t * meta.size_c * meta.size_z), -1);

  if (planes.values->type_id() != arrow::Type::STRUCT) {
    return Status::TypeError("planes must be a list of structs, got list of ",
                             planes.values->type()->ToString());
  }
  const auto& plane_structs = static_cast<const arrow::StructArray&>(*planes.values);
  auto t_field = plane_structs.GetFieldByName("t");
  auto z_field = plane_structs.GetFieldByName("z");
  auto c_field = plane_structs.GetFieldByName("c");
  auto pixels_field = plane_structs.GetFieldByName("pixels");
  if (!t_field || !z_field || !c_field || !pixels_field) {
    return Status::Invalid("planes entries must have fields t, z, c and pixels; got ",
                           plane_structs.type()->ToString());
  }
  const int64_t plane_len = meta.size_x * meta.size_y;
  source->plane_start_.reserve(static_cast<size_t>(planes.size()));
  for (int64_t i = 0; i < planes.size(); ++i) {
    const int64_t row = planes.begin + i;
    const std::string label = "planes[" + std::to_string(i) + "]";
    if (plane_structs.IsNull(row)) continue;
    for (const auto* field : {&t_field, &z_field, &c_field, &pixels_field}) {
      if ((*field)->IsNull(row)) return Status::Invalid(label, " has a null field");
    }
    ARROW_ASSIGN_OR_RAISE(int64_t t, ReadInteger(*t_field, row, label + ".t"));
    ARROW_ASSIGN_OR_RAISE(int64_t z, ReadInteger(*z_field, row, label + ".z"));
    ARROW_ASSIGN_OR_RAISE(int64_t c, ReadInteger(*c_field, row, label + ".c"));
    if (!(0 <= z && z < meta.size_z && 0 <= t && t < meta.size_t && 0 <= c &&
          c < meta.size_c)) {
      return Status::Invalid(label, " index out of range: (z,t,c)=(", z, ",", t, ",", c,
                             ")");
    }
    ARROW_ASSIGN_OR_RAISE(auto pixels, ListAt(pixels_field, row, label + ".pixels"));
    if (pixels.size() != plane_len) {
      return Status::Invalid(label, ".pixels length ", pixels.size(),
                             " != size_x*size_y ", plane_len);
    }
    if (source->values_ == nullptr) {
      source->values_ = pixels.values;
      ARROW_ASSIGN_OR_RAISE(auto numeric,
                            GetNumericValues(*pixels.values, label + ".pixels"));
      source->dtype_ = numeric.dtype;
      source->base_ = numeric.base;
    }
    ARROW_RETURN_NOT_OK(CheckNoNulls(*pixels.values, pixels.begin, pixels.end,
                                     label + ".pixels"));
    source->slot_to_plane_[static_cast<size_t>(source->PlaneSlot(t, c, z))] =
        static_cast<int32_t>(source->plane_start_.size());
    source->plane_start_.push_back(pixels.begin);
  }
  return std::shared_ptr<const ArrowPlaneSource>(std::move(source));
}

Status ArrowPlaneSource::GetPlaneBlocks(const PlaneIndex& index, const Rect&,
                                        std::vector<PlaneBlock>* blocks,
                                        std::vector<std::shared_ptr<const void>>*) const {
  const int64_t t = index.t, c = index.c, z = index.z;
  const int32_t plane = slot_to_plane_[static_cast<size_t>(PlaneSlot(t, c, z))];
  if (plane < 0) return Status::OK();
  PlaneBlock block;
  block.data = base_ + plane_start_[static_cast<size_t>(plane)] * ItemSize(dtype_);
  block.dtype = dtype_;
  block.rect = Rect{0, 0, size_y_, size_x_};
  block.row_stride = size_x_;
  blocks->push_back(block);
  return Status::OK();  // values_ lives as long as this source
}

arrow::Result<StoredValues> ArrowPlaneSource::GetStoredValues(const PlaneIndex& index,
                                                              const Rect& roi) const {
  const int64_t t = index.t, c = index.c, z = index.z;
  if (!(roi.x == 0 && roi.y == 0 && roi.width == size_x_ && roi.height == size_y_)) {
    return Status::Invalid(
        "mode='arrow' requires a full-frame ROI; use mode='numpy' for crops.");
  }
  const int32_t plane = slot_to_plane_[static_cast<size_t>(PlaneSlot(t, c, z))];
  if (plane < 0) return Status::Invalid("Plane not found for the requested (t, z, c).");
  return StoredValues{
      values_->Slice(plane_start_[static_cast<size_t>(plane)], size_x_ * size_y_)};
}

}  // namespace omearrow
