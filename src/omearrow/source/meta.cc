#include "omearrow/source/meta.h"

namespace omearrow::meta {

namespace {

arrow::FieldVector ChunkCoordinateFields() {
  return {arrow::field("t", arrow::int32()),       arrow::field("c", arrow::int16()),
          arrow::field("z", arrow::int32()),       arrow::field("y", arrow::int32()),
          arrow::field("x", arrow::int32()),       arrow::field("shape_z", arrow::int32()),
          arrow::field("shape_y", arrow::int32()), arrow::field("shape_x", arrow::int32())};
}

std::shared_ptr<arrow::DataType> RecordType(bool bytes) {
  auto chunk_fields = ChunkCoordinateFields();
  if (bytes) {
    chunk_fields.push_back(arrow::field("dtype", arrow::utf8()));
    chunk_fields.push_back(arrow::field("compression", arrow::utf8()));
    chunk_fields.push_back(arrow::field("pixel_bytes", arrow::large_binary()));
  } else {
    chunk_fields.push_back(arrow::field("pixels", arrow::list(arrow::uint16())));
  }
  auto plane = arrow::struct_({arrow::field("z", arrow::int32()), arrow::field("t", arrow::int32()),
                               arrow::field("c", arrow::int16()),
                               arrow::field("pixels", arrow::list(arrow::uint16()))});
  return arrow::struct_({arrow::field("type", arrow::utf8()),
                         arrow::field("version", arrow::utf8()),
                         arrow::field("id", arrow::utf8()),
                         arrow::field("name", arrow::utf8()),
                         arrow::field("image_type", arrow::utf8()),
                         arrow::field("acquisition_datetime", arrow::timestamp(arrow::TimeUnit::MICRO)),
                         arrow::field("pixels_meta", PixelsMetaType()),
                         arrow::field("chunk_grid", ChunkGridType()),
                         arrow::field("chunks", arrow::list(arrow::struct_(chunk_fields))),
                         arrow::field("planes", arrow::list(plane)),
                         arrow::field("masks", arrow::null())});
}

}  // namespace

std::shared_ptr<arrow::DataType> PixelsMetaType() {
  auto channel = arrow::struct_({arrow::field("id", arrow::utf8()),
                                 arrow::field("name", arrow::utf8()),
                                 arrow::field("emission_um", arrow::float32()),
                                 arrow::field("excitation_um", arrow::float32()),
                                 arrow::field("illumination", arrow::utf8()),
                                 arrow::field("color_rgba", arrow::uint32())});
  return arrow::struct_({arrow::field("dimension_order", arrow::utf8()),
                         arrow::field("type", arrow::utf8()),
                         arrow::field("size_x", arrow::int32()),
                         arrow::field("size_y", arrow::int32()),
                         arrow::field("size_z", arrow::int32()),
                         arrow::field("size_c", arrow::int16()),
                         arrow::field("size_t", arrow::int32()),
                         arrow::field("physical_size_x", arrow::float32()),
                         arrow::field("physical_size_y", arrow::float32()),
                         arrow::field("physical_size_z", arrow::float32()),
                         arrow::field("physical_size_x_unit", arrow::utf8()),
                         arrow::field("physical_size_y_unit", arrow::utf8()),
                         arrow::field("physical_size_z_unit", arrow::utf8()),
                         arrow::field("channels", arrow::list(channel))});
}

std::shared_ptr<arrow::DataType> ChunkGridType() {
  return arrow::struct_({arrow::field("order", arrow::utf8()),
                         arrow::field("chunk_t", arrow::int32()),
                         arrow::field("chunk_c", arrow::int16()),
                         arrow::field("chunk_z", arrow::int32()),
                         arrow::field("chunk_y", arrow::int32()),
                         arrow::field("chunk_x", arrow::int32()),
                         arrow::field("chunk_order", arrow::utf8())});
}

std::shared_ptr<arrow::DataType> OmeArrowStruct() {
  static const auto type = RecordType(false);
  return type;
}

std::shared_ptr<arrow::DataType> OmeArrowByteStruct() {
  static const auto type = RecordType(true);
  return type;
}

std::vector<std::shared_ptr<arrow::DataType>> KnownStructs() {
  return {OmeArrowStruct(), OmeArrowByteStruct()};
}

}  // namespace omearrow::meta
