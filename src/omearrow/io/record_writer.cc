#include "omearrow/io/record_writer.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <limits>

#include <arrow/array/builder_binary.h>
#include <arrow/array/builder_nested.h>
#include <arrow/array/builder_primitive.h>
#include <arrow/io/file.h>
#include <arrow/record_batch.h>
#include <arrow/status.h>
#include <arrow/table.h>
#include <arrow/util/compression.h>
#include <arrow/util/key_value_metadata.h>
#include <parquet/arrow/schema.h>
#include <parquet/arrow/writer.h>
#include <parquet/properties.h>

#include "omearrow/source/chunk_index.h"
#include "omearrow/source/meta.h"
#include "omearrow/tensor_view.h"
#include "omearrow/util/text.h"
#include "omearrow/util/view_limits.h"

namespace omearrow {

using arrow::Status;

namespace {

std::shared_ptr<arrow::DataType> PixelsMetaType() { return meta::PixelsMetaType(); }
std::shared_ptr<arrow::DataType> ChunkGridType() { return meta::ChunkGridType(); }
std::shared_ptr<arrow::DataType> RecordType(bool bytes) {
  return bytes ? meta::OmeArrowByteStruct() : meta::OmeArrowStruct();
}

// A resolved chunk codec: nullopt = raw; `opportunistic` = keep raw when not smaller.
struct ChunkCodec {
  std::optional<arrow::Compression::type> type;
  std::string name;
  int level = arrow::util::kUseDefaultCompressionLevel;
  bool opportunistic = false;
};

arrow::Result<ChunkCodec> ResolveCodec(const RecordWriteOptions& options) {
  ChunkCodec codec;
  std::string name = internal::TrimLower(options.chunk_compression);
  if (name.empty() || name == "none" || name == "null" || name == "false") return codec;
  if (name == "auto" || name == "balanced" || name == "small") {
    name = "zstd";
    codec.opportunistic = true;
    codec.level = options.compression_level.value_or(1);
  } else if (name == "fast") {
    name = "lz4";
    codec.opportunistic = true;
  } else if (name == "zstd") {
    codec.level = options.compression_level.value_or(1);
  } else if (options.compression_level.has_value()) {
    codec.level = *options.compression_level;
  }
  ARROW_ASSIGN_OR_RAISE(auto parsed, ParseChunkCompression(name, "chunk_compression"));
  codec.type = parsed;
  codec.name = name;
  return codec;
}

// Reads the Z×Y×X block of (t, c) at (z0, y0, x0) in `dtype`, C-order.
arrow::Result<Tensor> ReadBlock(const std::shared_ptr<const Image>& image, DType dtype,
                                int64_t t, int64_t c, int64_t z0, int64_t dz, int64_t y0,
                                int64_t dy, int64_t x0, int64_t dx) {
  Selection selection;
  selection.t = {t};
  selection.c = {c};
  for (int64_t z = z0; z < z0 + dz; ++z) selection.z.push_back(z);
  selection.roi = Roi{x0, y0, dx, dy};
  ARROW_ASSIGN_OR_RAISE(auto view, TensorView::FromSelection(image, std::move(selection),
                                                             std::string("ZYX"), dtype,
                                                             ChannelPolicy::kError));
  MaterializeOptions options;
  options.max_threads = 1;
  return view.Materialize(MemoryOrder::kContiguous, options);
}

template <typename Builder, typename Value>
Status AppendOptional(Builder* builder, const std::optional<Value>& value) {
  return value.has_value() ? builder->Append(*value) : builder->AppendNull();
}

}  // namespace

arrow::Result<ChunkEncoding> ParseChunkEncoding(std::string_view text) {
  const std::string value = internal::TrimLower(text);
  if (value == "bytes") return ChunkEncoding::kBytes;
  if (value == "list") return ChunkEncoding::kList;
  return Status::Invalid("encoding must be one of: bytes, list (got '", text, "')");
}

std::shared_ptr<arrow::DataType> OmeArrowStructType() { return RecordType(false); }
std::shared_ptr<arrow::DataType> OmeArrowByteStructType() { return RecordType(true); }

arrow::Result<std::shared_ptr<arrow::StructArray>> EncodeRecord(
    const Image& image_ref, const RecordWriteOptions& options) {
  // Views need a shared_ptr; wrap without taking ownership (the caller keeps `image_ref`).
  std::shared_ptr<const Image> image(&image_ref, [](const Image*) {});
  const PixelsMeta& pm = image->pixels_meta();
  const bool bytes = options.encoding == ChunkEncoding::kBytes;
  std::string warning;
  const DType dtype = DTypeFromMeta(pm.type, &warning);
  if (!bytes && dtype != DType::kUInt8 && dtype != DType::kUInt16) {
    return Status::Invalid("list encoding stores uint16 pixels; a ", DTypeName(dtype),
                           " image needs encoding='bytes'");
  }
  for (int64_t v : options.chunk_shape) {
    if (v <= 0) return Status::Invalid("chunk_shape entries must be positive");
  }
  ARROW_ASSIGN_OR_RAISE(ChunkCodec codec, ResolveCodec(options));
  const int64_t cz = std::min(options.chunk_shape[0], pm.size_z);
  const int64_t cy = std::min(options.chunk_shape[1], pm.size_y);
  const int64_t cx = std::min(options.chunk_shape[2], pm.size_x);
  auto* pool = arrow::default_memory_pool();
  auto type = std::static_pointer_cast<arrow::StructType>(RecordType(bytes));

  // Chunks (t → c → z0 → y0 → x0, edge chunks clipped), as the reference writes them.
  arrow::Int32Builder ct, cz_b, cyb, cxb, sz, sy, sx;
  arrow::Int16Builder cc;
  arrow::StringBuilder chunk_dtype, chunk_codec;
  arrow::LargeBinaryBuilder payloads;
  arrow::UInt16Builder chunk_values;
  std::vector<int32_t> chunk_value_offsets = {0};
  const int64_t total_chunks = pm.size_t * pm.size_c * ((pm.size_z + cz - 1) / cz) *
                               ((pm.size_y + cy - 1) / cy) * ((pm.size_x + cx - 1) / cx);
  const int64_t total_steps = total_chunks + (bytes ? 0 : pm.size_t * pm.size_c * pm.size_z);
  int64_t done = 0;
  std::unique_ptr<arrow::util::Codec> compressor;
  if (codec.type.has_value()) {
    ARROW_ASSIGN_OR_RAISE(compressor, arrow::util::Codec::Create(*codec.type, codec.level));
  }
  std::vector<uint8_t> scratch;
  const auto total_values =
      CheckedProduct({pm.size_t, pm.size_c, pm.size_z, pm.size_y, pm.size_x});
  if (!total_values) return Status::Invalid("image too large to encode");
  if (!bytes && *total_values > std::numeric_limits<int32_t>::max()) {
    // list<uint16> offsets are 32-bit.
    return Status::Invalid("list encoding holds at most 2147483647 pixels per image (this one has ",
                           *total_values, "); use encoding='bytes'");
  }
  if (!bytes) ARROW_RETURN_NOT_OK(chunk_values.Reserve(*total_values));
  for (int64_t t = 0; t < pm.size_t; ++t)
    for (int64_t c = 0; c < pm.size_c; ++c)
      for (int64_t z0 = 0; z0 < pm.size_z; z0 += cz)
        for (int64_t y0 = 0; y0 < pm.size_y; y0 += cy)
          for (int64_t x0 = 0; x0 < pm.size_x; x0 += cx) {
            const int64_t dz = std::min(cz, pm.size_z - z0);
            const int64_t dy = std::min(cy, pm.size_y - y0);
            const int64_t dx = std::min(cx, pm.size_x - x0);
            ARROW_RETURN_NOT_OK(ct.Append(static_cast<int32_t>(t)));
            ARROW_RETURN_NOT_OK(cc.Append(static_cast<int16_t>(c)));
            ARROW_RETURN_NOT_OK(cz_b.Append(static_cast<int32_t>(z0)));
            ARROW_RETURN_NOT_OK(cyb.Append(static_cast<int32_t>(y0)));
            ARROW_RETURN_NOT_OK(cxb.Append(static_cast<int32_t>(x0)));
            ARROW_RETURN_NOT_OK(sz.Append(static_cast<int32_t>(dz)));
            ARROW_RETURN_NOT_OK(sy.Append(static_cast<int32_t>(dy)));
            ARROW_RETURN_NOT_OK(sx.Append(static_cast<int32_t>(dx)));
            ARROW_ASSIGN_OR_RAISE(Tensor block, ReadBlock(image, bytes ? dtype : DType::kUInt16,
                                                          t, c, z0, dz, y0, dy, x0, dx));
            const int64_t nbytes = block.num_elements() * ItemSize(block.dtype);
            if (bytes) {
              ARROW_RETURN_NOT_OK(chunk_dtype.Append(std::string(DTypeName(dtype))));
              bool stored = false;
              if (compressor != nullptr) {
                const int64_t bound = compressor->MaxCompressedLen(nbytes, block.data);
                scratch.resize(static_cast<size_t>(bound));
                ARROW_ASSIGN_OR_RAISE(int64_t size, compressor->Compress(nbytes, block.data,
                                                                         bound, scratch.data()));
                if (!codec.opportunistic || size < nbytes) {
                  ARROW_RETURN_NOT_OK(chunk_codec.Append(codec.name));
                  ARROW_RETURN_NOT_OK(payloads.Append(scratch.data(), size));
                  stored = true;
                }
              }
              if (!stored) {
                ARROW_RETURN_NOT_OK(chunk_codec.AppendNull());
                ARROW_RETURN_NOT_OK(payloads.Append(block.data, nbytes));
              }
            } else {
              ARROW_RETURN_NOT_OK(chunk_values.AppendValues(
                  reinterpret_cast<const uint16_t*>(block.data), block.num_elements()));
              chunk_value_offsets.push_back(static_cast<int32_t>(chunk_values.length()));
            }
            if (options.progress) options.progress(++done, total_steps);
          }
  std::vector<std::shared_ptr<arrow::Array>> chunk_children(8);
  ARROW_RETURN_NOT_OK(ct.Finish(&chunk_children[0]));
  ARROW_RETURN_NOT_OK(cc.Finish(&chunk_children[1]));
  ARROW_RETURN_NOT_OK(cz_b.Finish(&chunk_children[2]));
  ARROW_RETURN_NOT_OK(cyb.Finish(&chunk_children[3]));
  ARROW_RETURN_NOT_OK(cxb.Finish(&chunk_children[4]));
  ARROW_RETURN_NOT_OK(sz.Finish(&chunk_children[5]));
  ARROW_RETURN_NOT_OK(sy.Finish(&chunk_children[6]));
  ARROW_RETURN_NOT_OK(sx.Finish(&chunk_children[7]));
  const auto& chunk_struct_type =
      static_cast<const arrow::ListType&>(*type->GetFieldByName("chunks")->type()).value_type();
  if (bytes) {
    std::shared_ptr<arrow::Array> a, b, p;
    ARROW_RETURN_NOT_OK(chunk_dtype.Finish(&a));
    ARROW_RETURN_NOT_OK(chunk_codec.Finish(&b));
    ARROW_RETURN_NOT_OK(payloads.Finish(&p));
    chunk_children.insert(chunk_children.end(), {a, b, p});
  } else {
    std::shared_ptr<arrow::Array> values, offsets;
    ARROW_RETURN_NOT_OK(chunk_values.Finish(&values));
    arrow::Int32Builder offset_builder;
    ARROW_RETURN_NOT_OK(offset_builder.AppendValues(chunk_value_offsets));
    ARROW_RETURN_NOT_OK(offset_builder.Finish(&offsets));
    ARROW_ASSIGN_OR_RAISE(auto pixels, arrow::ListArray::FromArrays(*offsets, *values, pool));
    chunk_children.push_back(pixels);
  }
  auto chunk_structs = std::make_shared<arrow::StructArray>(
      chunk_struct_type, chunk_children[0]->length(), chunk_children);
  arrow::Int32Builder list_offsets;
  ARROW_RETURN_NOT_OK(list_offsets.AppendValues({0, static_cast<int32_t>(chunk_structs->length())}));
  std::shared_ptr<arrow::Array> chunk_list_offsets;
  ARROW_RETURN_NOT_OK(list_offsets.Finish(&chunk_list_offsets));
  ARROW_ASSIGN_OR_RAISE(auto chunks, arrow::ListArray::FromArrays(
                                         *chunk_list_offsets, *chunk_structs, pool,
                                         nullptr, 0));
  chunks = std::make_shared<arrow::ListArray>(type->GetFieldByName("chunks")->type(), 1,
                                              chunk_list_offsets->data()->buffers[1],
                                              chunk_structs);

  // Planes: one uint16 plane per (t, c, z) for list encoding; empty for byte chunks.
  const auto& plane_struct_type =
      static_cast<const arrow::ListType&>(*type->GetFieldByName("planes")->type()).value_type();
  arrow::Int32Builder pz, pt;
  arrow::Int16Builder pc;
  arrow::UInt16Builder plane_values;
  std::vector<int32_t> plane_offsets = {0};
  if (!bytes) {
    ARROW_RETURN_NOT_OK(plane_values.Reserve(*total_values));
    for (int64_t t = 0; t < pm.size_t; ++t)
      for (int64_t c = 0; c < pm.size_c; ++c)
        for (int64_t z = 0; z < pm.size_z; ++z) {
          ARROW_RETURN_NOT_OK(pz.Append(static_cast<int32_t>(z)));
          ARROW_RETURN_NOT_OK(pt.Append(static_cast<int32_t>(t)));
          ARROW_RETURN_NOT_OK(pc.Append(static_cast<int16_t>(c)));
          ARROW_ASSIGN_OR_RAISE(Tensor plane, ReadBlock(image, DType::kUInt16, t, c, z, 1, 0,
                                                        pm.size_y, 0, pm.size_x));
          ARROW_RETURN_NOT_OK(plane_values.AppendValues(
              reinterpret_cast<const uint16_t*>(plane.data), plane.num_elements()));
          plane_offsets.push_back(static_cast<int32_t>(plane_values.length()));
          if (options.progress) options.progress(++done, total_steps);
        }
  }
  std::shared_ptr<arrow::Array> pz_a, pt_a, pc_a, pv_a, po_a;
  ARROW_RETURN_NOT_OK(pz.Finish(&pz_a));
  ARROW_RETURN_NOT_OK(pt.Finish(&pt_a));
  ARROW_RETURN_NOT_OK(pc.Finish(&pc_a));
  ARROW_RETURN_NOT_OK(plane_values.Finish(&pv_a));
  arrow::Int32Builder po_builder;
  ARROW_RETURN_NOT_OK(po_builder.AppendValues(plane_offsets));
  ARROW_RETURN_NOT_OK(po_builder.Finish(&po_a));
  ARROW_ASSIGN_OR_RAISE(auto plane_pixels, arrow::ListArray::FromArrays(*po_a, *pv_a, pool));
  auto plane_structs = std::make_shared<arrow::StructArray>(
      plane_struct_type, pz_a->length(),
      std::vector<std::shared_ptr<arrow::Array>>{pz_a, pt_a, pc_a, plane_pixels});
  std::shared_ptr<arrow::Array> plane_list_offsets;
  arrow::Int32Builder plo;
  ARROW_RETURN_NOT_OK(plo.AppendValues({0, static_cast<int32_t>(plane_structs->length())}));
  ARROW_RETURN_NOT_OK(plo.Finish(&plane_list_offsets));
  auto planes = std::make_shared<arrow::ListArray>(type->GetFieldByName("planes")->type(), 1,
                                                   plane_list_offsets->data()->buffers[1],
                                                   plane_structs);

  // pixels_meta, with channels. Values the image does not have stay null (a converted
  // TIFF without calibration must not read back as 1 µm pixels); only a channel's id is
  // filled in ("ch-<c>"), as channels are told apart by it.
  const auto pm_type_ptr = PixelsMetaType();
  const auto& pm_type = static_cast<const arrow::StructType&>(*pm_type_ptr);
  arrow::StringBuilder ch_id, ch_name, ch_illum;
  arrow::FloatBuilder ch_em, ch_ex;
  arrow::UInt32Builder ch_color;
  for (int64_t c = 0; c < pm.size_c; ++c) {
    const Channel* ch = static_cast<size_t>(c) < pm.channels.size()
                            ? &pm.channels[static_cast<size_t>(c)] : nullptr;
    ARROW_RETURN_NOT_OK(ch_id.Append(ch && ch->id ? *ch->id : "ch-" + std::to_string(c)));
    const Channel none;
    const Channel& known = ch != nullptr ? *ch : none;
    auto as_float = [](const std::optional<double>& v) -> std::optional<float> {
      if (!v) return std::nullopt;
      return static_cast<float>(*v);
    };
    auto as_color = [](const std::optional<int64_t>& v) -> std::optional<uint32_t> {
      if (!v) return std::nullopt;
      return static_cast<uint32_t>(*v);
    };
    ARROW_RETURN_NOT_OK(AppendOptional(&ch_name, known.name));
    ARROW_RETURN_NOT_OK(AppendOptional(&ch_em, as_float(known.emission_um)));
    ARROW_RETURN_NOT_OK(AppendOptional(&ch_ex, as_float(known.excitation_um)));
    ARROW_RETURN_NOT_OK(AppendOptional(&ch_illum, known.illumination));
    ARROW_RETURN_NOT_OK(AppendOptional(&ch_color, as_color(known.color_rgba)));
  }
  std::vector<std::shared_ptr<arrow::Array>> ch_children(6);
  ARROW_RETURN_NOT_OK(ch_id.Finish(&ch_children[0]));
  ARROW_RETURN_NOT_OK(ch_name.Finish(&ch_children[1]));
  ARROW_RETURN_NOT_OK(ch_em.Finish(&ch_children[2]));
  ARROW_RETURN_NOT_OK(ch_ex.Finish(&ch_children[3]));
  ARROW_RETURN_NOT_OK(ch_illum.Finish(&ch_children[4]));
  ARROW_RETURN_NOT_OK(ch_color.Finish(&ch_children[5]));
  const auto& channel_list_type = pm_type.GetFieldByName("channels")->type();
  auto channel_structs = std::make_shared<arrow::StructArray>(
      static_cast<const arrow::ListType&>(*channel_list_type).value_type(), pm.size_c,
      ch_children);
  std::shared_ptr<arrow::Array> ch_offsets;
  arrow::Int32Builder cho;
  ARROW_RETURN_NOT_OK(cho.AppendValues({0, static_cast<int32_t>(pm.size_c)}));
  ARROW_RETURN_NOT_OK(cho.Finish(&ch_offsets));
  auto channels = std::make_shared<arrow::ListArray>(channel_list_type, 1,
                                                     ch_offsets->data()->buffers[1],
                                                     channel_structs);

  auto str1 = [](const std::optional<std::string>& v) -> arrow::Result<std::shared_ptr<arrow::Array>> {
    arrow::StringBuilder b;
    ARROW_RETURN_NOT_OK(AppendOptional(&b, v));
    return b.Finish();
  };
  auto int1 = [](int64_t v, bool int16) -> arrow::Result<std::shared_ptr<arrow::Array>> {
    if (int16) {
      arrow::Int16Builder b;
      ARROW_RETURN_NOT_OK(b.Append(static_cast<int16_t>(v)));
      return b.Finish();
    }
    arrow::Int32Builder b;
    ARROW_RETURN_NOT_OK(b.Append(static_cast<int32_t>(v)));
    return b.Finish();
  };
  auto float1 = [](const std::optional<double>& v)
      -> arrow::Result<std::shared_ptr<arrow::Array>> {
    arrow::FloatBuilder b;
    ARROW_RETURN_NOT_OK(v ? b.Append(static_cast<float>(*v)) : b.AppendNull());
    return b.Finish();
  };
  std::vector<std::shared_ptr<arrow::Array>> pm_children;
  ARROW_ASSIGN_OR_RAISE(auto a0, str1(pm.dimension_order.value_or(pm.size_z > 1 ? "XYZCT" : "XYCT")));
  ARROW_ASSIGN_OR_RAISE(auto a1, str1(std::string(DTypeName(dtype))));
  ARROW_ASSIGN_OR_RAISE(auto a2, int1(pm.size_x, false));
  ARROW_ASSIGN_OR_RAISE(auto a3, int1(pm.size_y, false));
  ARROW_ASSIGN_OR_RAISE(auto a4, int1(pm.size_z, false));
  ARROW_ASSIGN_OR_RAISE(auto a5, int1(pm.size_c, true));
  ARROW_ASSIGN_OR_RAISE(auto a6, int1(pm.size_t, false));
  ARROW_ASSIGN_OR_RAISE(auto a7, float1(pm.physical_size_x));
  ARROW_ASSIGN_OR_RAISE(auto a8, float1(pm.physical_size_y));
  ARROW_ASSIGN_OR_RAISE(auto a9, float1(pm.physical_size_z));
  ARROW_ASSIGN_OR_RAISE(auto a10, str1(pm.physical_size_x_unit));
  ARROW_ASSIGN_OR_RAISE(auto a11, str1(pm.physical_size_y_unit));
  ARROW_ASSIGN_OR_RAISE(auto a12, str1(pm.physical_size_z_unit));
  pm_children = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, channels};
  auto pixels_meta = std::make_shared<arrow::StructArray>(pm_type_ptr, 1, pm_children);

  ARROW_ASSIGN_OR_RAISE(auto g0, str1(std::string("TCZYX")));
  ARROW_ASSIGN_OR_RAISE(auto g1, int1(1, false));
  ARROW_ASSIGN_OR_RAISE(auto g2, int1(1, true));
  ARROW_ASSIGN_OR_RAISE(auto g3, int1(cz, false));
  ARROW_ASSIGN_OR_RAISE(auto g4, int1(cy, false));
  ARROW_ASSIGN_OR_RAISE(auto g5, int1(cx, false));
  ARROW_ASSIGN_OR_RAISE(auto g6, str1(std::string("ZYX")));
  auto chunk_grid = std::make_shared<arrow::StructArray>(
      ChunkGridType(), 1, std::vector<std::shared_ptr<arrow::Array>>{g0, g1, g2, g3, g4, g5, g6});

  const RecordInfo& info = image->info();
  ARROW_ASSIGN_OR_RAISE(auto r0, str1(std::string("ome.arrow")));
  ARROW_ASSIGN_OR_RAISE(auto r1, str1(std::string(kOmeArrowFormatVersion)));
  ARROW_ASSIGN_OR_RAISE(auto r2, str1(info.id.value_or("unnamed")));
  ARROW_ASSIGN_OR_RAISE(auto r3, str1(info.name.value_or("unknown")));
  ARROW_ASSIGN_OR_RAISE(auto r4, str1(info.image_type.value_or("image")));
  arrow::TimestampBuilder ts(arrow::timestamp(arrow::TimeUnit::MICRO), pool);
  ARROW_RETURN_NOT_OK(ts.AppendNull());
  std::shared_ptr<arrow::Array> r5;
  ARROW_RETURN_NOT_OK(ts.Finish(&r5));
  auto masks = std::make_shared<arrow::NullArray>(1);
  auto record = std::make_shared<arrow::StructArray>(
      type, 1,
      std::vector<std::shared_ptr<arrow::Array>>{r0, r1, r2, r3, r4, r5, pixels_meta,
                                                 chunk_grid, chunks, planes, masks});
  ARROW_RETURN_NOT_OK(record->ValidateFull());
  return record;
}

namespace {

// Writes each record as its own row group, so reading one image touches no other.
// Turns off min/max statistics for the pixel leaves (`pixel_bytes`, `pixels`) of
// `schema`, and level histograms everywhere: no reader prunes an image by its pixel range,
// and for list pixels both cost a pass over every value and its levels. Statistics of the
// metadata leaves (ids, names, plane indices) stay, for readers that prune row groups.
Status DisablePixelLeafStatistics(const arrow::Schema& schema,
                                  const parquet::ArrowWriterProperties& arrow_properties,
                                  parquet::WriterProperties::Builder& properties) {
  std::shared_ptr<parquet::SchemaDescriptor> leaves;
  ARROW_RETURN_NOT_OK(parquet::arrow::ToParquetSchema(&schema, *properties.build(),
                                                      arrow_properties, &leaves));
  for (int i = 0; i < leaves->num_columns(); ++i) {
    const auto path = leaves->Column(i)->path();
    const auto& names = path->ToDotVector();
    const bool pixel_leaf = std::find(names.begin(), names.end(), "pixels") != names.end() ||
                            names.back() == "pixel_bytes";
    if (pixel_leaf) properties.disable_statistics(path);
  }
  properties.set_size_statistics_level(parquet::SizeStatisticsLevel::None);
  return Status::OK();
}

Status WriteOneRowGroupPerRecord(
    const std::shared_ptr<arrow::Schema>& schema, const arrow::ArrayVector& records,
    std::shared_ptr<parquet::WriterProperties> properties,
    std::shared_ptr<parquet::ArrowWriterProperties> arrow_properties,
    std::shared_ptr<arrow::io::OutputStream> out) {
  ARROW_ASSIGN_OR_RAISE(auto writer,
                        parquet::arrow::FileWriter::Open(*schema, arrow::default_memory_pool(),
                                                         std::move(out), std::move(properties),
                                                         std::move(arrow_properties)));
  // Unbuffered row groups: each column chunk's pages go to `out` as soon as the column is
  // encoded. A buffered row group would hold every column chunk of the image in memory
  // until the row group ends (a second copy of the pixels).
  for (const auto& record : records) {
    ARROW_RETURN_NOT_OK(writer->NewRowGroup());
    ARROW_RETURN_NOT_OK(writer->WriteColumnChunk(*record));
  }
  return writer->Close();
}

}  // namespace

arrow::Status WriteParquet(const std::vector<std::shared_ptr<const Image>>& images,
                           const std::string& path, const ParquetWriteOptions& options) {
  if (images.empty()) return Status::Invalid(path, ": no images to write");
  const bool bytes = options.record.encoding == ChunkEncoding::kBytes;
  arrow::ArrayVector records;
  for (const auto& image : images) {
    auto record = EncodeRecord(*image, options.record);
    if (!record.ok()) return record.status().WithMessage(path, ": ", record.status().message());
    records.push_back(*record);
  }
  auto metadata = arrow::key_value_metadata({"ome.arrow.type", "ome.arrow.version"},
                                            {"ome.arrow", kOmeArrowFormatVersion});
  auto schema = arrow::schema({arrow::field(options.column, records.front()->type())}, metadata);

  parquet::WriterProperties::Builder properties;
  std::string codec_name = options.parquet_compression.value_or(bytes ? "none" : "zstd");
  codec_name = internal::TrimLower(codec_name);
  arrow::Compression::type codec = arrow::Compression::UNCOMPRESSED;
  if (!codec_name.empty() && codec_name != "none") {
    auto parsed = arrow::util::Codec::GetCompressionType(codec_name);
    if (!parsed.ok()) {
      return Status::Invalid("unknown parquet_compression '", codec_name, "'");
    }
    codec = *parsed;
  }
  properties.compression(codec);

  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code made;
    std::filesystem::create_directories(parent, made);
    if (made) return Status::IOError(path, ": cannot create its directory: ", made.message());
  }
  const std::string temporary = path + ".omearrow-tmp";
  {
    auto out = arrow::io::FileOutputStream::Open(temporary);
    if (!out.ok()) return Status::IOError(path, ": cannot write: ", out.status().message());
    // No dictionary encoding: pixel values (and payloads) gain nothing from it and it
    // slows decoding of list<uint16> pixels several-fold.
    properties.disable_dictionary();
    parquet::ArrowWriterProperties::Builder arrow_properties;
    arrow_properties.store_schema();
    const Status pixel_statistics_off =
        DisablePixelLeafStatistics(*schema, *arrow_properties.build(), properties);
    if (!pixel_statistics_off.ok()) return pixel_statistics_off.WithMessage(path, ": ", pixel_statistics_off.message());
    // Columns are written one after the other: Arrow's parallel column writing (its own
    // thread pool, uninstrumented) gained little here and trips ThreadSanitizer.
    const Status written = WriteOneRowGroupPerRecord(schema, records, properties.build(),
                                                     arrow_properties.build(), *out);
    auto closed = (*out)->Close();
    if (!written.ok() || !closed.ok()) {
      std::remove(temporary.c_str());
      return Status::IOError(path, ": ", (written.ok() ? closed : written).message());
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    std::remove(temporary.c_str());
    return Status::IOError(path, ": cannot move the written file into place: ", error.message());
  }
  return Status::OK();
}

}  // namespace omearrow
