#include "omearrow/testing/record_builder.h"

#include "omearrow/tensor_view.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <random>

#include <arrow/array/builder_binary.h>
#include <arrow/array/array_dict.h>
#include <arrow/array/builder_primitive.h>
#include <arrow/buffer.h>
#include <arrow/status.h>
#include <arrow/type.h>
#include <arrow/util/compression.h>

namespace omearrow::testing {

using arrow::Status;

namespace {

template <typename ArrowT>
arrow::Result<std::shared_ptr<arrow::Array>> Numeric(const std::vector<int64_t>& values) {
  arrow::NumericBuilder<ArrowT> builder;
  for (int64_t v : values) ARROW_RETURN_NOT_OK(builder.Append(static_cast<typename ArrowT::c_type>(v)));
  return builder.Finish();
}

arrow::Result<std::shared_ptr<arrow::Array>> Strings(const std::vector<std::string>& values) {
  arrow::StringBuilder builder;
  for (const auto& v : values) ARROW_RETURN_NOT_OK(builder.Append(v));
  return builder.Finish();
}

arrow::Result<std::shared_ptr<arrow::Array>> Doubles(const std::shared_ptr<arrow::DataType>& type,
                                                     const std::vector<double>& values) {
  if (type->id() == arrow::Type::FLOAT) {
    arrow::FloatBuilder builder;
    for (double v : values) ARROW_RETURN_NOT_OK(builder.Append(static_cast<float>(v)));
    return builder.Finish();
  }
  arrow::DoubleBuilder builder;
  for (double v : values) ARROW_RETURN_NOT_OK(builder.Append(v));
  return builder.Finish();
}

// A struct array from named children, in the given order (or alphabetical if `sorted`).
arrow::Result<std::shared_ptr<arrow::StructArray>> Struct(
    std::vector<std::pair<std::string, std::shared_ptr<arrow::Array>>> children,
    bool sorted) {
  if (sorted) {
    std::sort(children.begin(), children.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  std::vector<std::shared_ptr<arrow::Array>> arrays;
  std::vector<std::string> names;
  for (auto& [name, array] : children) {
    names.push_back(name);
    arrays.push_back(array);
  }
  ARROW_ASSIGN_OR_RAISE(auto out, arrow::StructArray::Make(arrays, names));
  return out;
}

// A list array with one element per entry of `lengths`, over `values`.
arrow::Result<std::shared_ptr<arrow::Array>> List(const std::vector<int32_t>& lengths,
                                                  const std::shared_ptr<arrow::Array>& values) {
  arrow::Int32Builder offsets;
  int32_t offset = 0;
  ARROW_RETURN_NOT_OK(offsets.Append(0));
  for (int32_t length : lengths) {
    offset += length;
    ARROW_RETURN_NOT_OK(offsets.Append(offset));
  }
  ARROW_ASSIGN_OR_RAISE(auto offsets_array, offsets.Finish());
  ARROW_ASSIGN_OR_RAISE(auto list, arrow::ListArray::FromArrays(*offsets_array, *values));
  return list;
}

std::shared_ptr<arrow::Array> WrapValues(DType dtype, std::vector<uint8_t> bytes) {
  const int64_t length = static_cast<int64_t>(bytes.size()) / ItemSize(dtype);
  auto owned = arrow::AllocateBuffer(static_cast<int64_t>(bytes.size())).ValueOrDie();
  if (!bytes.empty()) std::memcpy(owned->mutable_data(), bytes.data(), bytes.size());
  return arrow::MakeArray(arrow::ArrayData::Make(ArrowType(dtype), length,
                                                 {nullptr, std::move(owned)}));
}

}  // namespace

std::shared_ptr<arrow::DataType> ArrowType(DType dtype) {
  switch (dtype) {
    case DType::kUInt8: return arrow::uint8();
    case DType::kInt8: return arrow::int8();
    case DType::kUInt16: return arrow::uint16();
    case DType::kInt16: return arrow::int16();
    case DType::kUInt32: return arrow::uint32();
    case DType::kInt32: return arrow::int32();
    case DType::kUInt64: return arrow::uint64();
    case DType::kInt64: return arrow::int64();
    case DType::kFloat32: return arrow::float32();
    case DType::kFloat64: return arrow::float64();
  }
  return arrow::uint16();
}

arrow::Result<std::shared_ptr<arrow::Array>> IntegerArray(
    const std::shared_ptr<arrow::DataType>& type, const std::vector<int64_t>& values) {
  switch (type->id()) {
    case arrow::Type::INT8: return Numeric<arrow::Int8Type>(values);
    case arrow::Type::INT16: return Numeric<arrow::Int16Type>(values);
    case arrow::Type::INT32: return Numeric<arrow::Int32Type>(values);
    case arrow::Type::INT64: return Numeric<arrow::Int64Type>(values);
    case arrow::Type::UINT8: return Numeric<arrow::UInt8Type>(values);
    case arrow::Type::UINT16: return Numeric<arrow::UInt16Type>(values);
    case arrow::Type::UINT32: return Numeric<arrow::UInt32Type>(values);
    case arrow::Type::UINT64: return Numeric<arrow::UInt64Type>(values);
    case arrow::Type::DOUBLE: return Numeric<arrow::DoubleType>(values);
    case arrow::Type::FLOAT: return Numeric<arrow::FloatType>(values);
    default: return Status::TypeError("not a numeric type: ", type->ToString());
  }
}

int64_t DenseImage::Offset(int64_t t, int64_t c, int64_t z, int64_t y, int64_t x) const {
  return (((t * size_c + c) * size_z + z) * size_y + y) * size_x + x;
}

const uint8_t* DenseImage::PlanePtr(int64_t t, int64_t c, int64_t z) const {
  return bytes.data() + Offset(t, c, z, 0, 0) * ItemSize(dtype);
}

double LoadAsDouble(const uint8_t* p, DType dtype) {
  auto load = [p](auto zero) {
    decltype(zero) v;
    std::memcpy(&v, p, sizeof(v));
    return static_cast<double>(v);
  };
  switch (dtype) {
    case DType::kUInt8: return load(uint8_t{});
    case DType::kInt8: return load(int8_t{});
    case DType::kUInt16: return load(uint16_t{});
    case DType::kInt16: return load(int16_t{});
    case DType::kUInt32: return load(uint32_t{});
    case DType::kInt32: return load(int32_t{});
    case DType::kUInt64: return load(uint64_t{});
    case DType::kInt64: return load(int64_t{});
    case DType::kFloat32: return load(float{});
    case DType::kFloat64: return load(double{});
  }
  return 0;
}

double DenseImage::At(int64_t t, int64_t c, int64_t z, int64_t y, int64_t x) const {
  return LoadAsDouble(bytes.data() + Offset(t, c, z, y, x) * ItemSize(dtype), dtype);
}

DenseImage MakeRandomImage(int64_t st, int64_t sc, int64_t sz, int64_t sy, int64_t sx,
                           DType dtype, uint64_t seed) {
  DenseImage image{st, sc, sz, sy, sx, dtype, {}};
  const int64_t n = st * sc * sz * sy * sx;
  image.bytes.resize(static_cast<size_t>(n * ItemSize(dtype)));
  std::mt19937_64 rng(seed);
  auto fill = [&](auto zero, double lo, double hi, bool integral) {
    using T = decltype(zero);
    std::uniform_real_distribution<double> dist(lo, hi);
    for (int64_t i = 0; i < n; ++i) {
      double v = dist(rng);
      if (integral) v = std::floor(v);
      T value = static_cast<T>(v);
      std::memcpy(image.bytes.data() + i * static_cast<int64_t>(sizeof(T)), &value, sizeof(T));
    }
  };
  switch (dtype) {
    case DType::kUInt8: fill(uint8_t{}, 0, 256, true); break;
    case DType::kInt8: fill(int8_t{}, -128, 128, true); break;
    case DType::kUInt16: fill(uint16_t{}, 0, 65536, true); break;
    case DType::kInt16: fill(int16_t{}, -32768, 32768, true); break;
    case DType::kUInt32: fill(uint32_t{}, 0, 16777216, true); break;
    case DType::kInt32: fill(int32_t{}, -16777216, 16777216, true); break;
    case DType::kUInt64: fill(uint64_t{}, 0, 16777216, true); break;
    case DType::kInt64: fill(int64_t{}, -16777216, 16777216, true); break;
    case DType::kFloat32: fill(float{}, -70000, 70000, false); break;
    case DType::kFloat64: fill(double{}, -70000, 70000, false); break;
  }
  return image;
}

std::vector<double> DenseValues(const DenseImage& d) {
  std::vector<double> out;
  out.reserve(static_cast<size_t>(d.size_t * d.size_c * d.size_z * d.size_y * d.size_x));
  for (int64_t t = 0; t < d.size_t; ++t)
    for (int64_t c = 0; c < d.size_c; ++c)
      for (int64_t z = 0; z < d.size_z; ++z)
        for (int64_t y = 0; y < d.size_y; ++y)
          for (int64_t x = 0; x < d.size_x; ++x) out.push_back(d.At(t, c, z, y, x));
  return out;
}

std::vector<double> ReadAllAsDoubles(const std::shared_ptr<const Image>& image) {
  ViewOptions options;
  options.layout = "TCZYX";
  options.dtype = DType::kFloat64;
  auto tensor = TensorView::Make(image, options).ValueOrDie().Materialize().ValueOrDie();
  const auto* p = reinterpret_cast<const double*>(tensor.data);
  return {p, p + tensor.num_elements()};
}

std::string EncodingLabel(Encoding encoding) {
  switch (encoding) {
    case Encoding::kPlanes: return "planes";
    case Encoding::kListChunks: return "list_chunks";
    case Encoding::kByteChunks: return "byte_chunks";
    case Encoding::kByteChunksZstd: return "byte_chunks_zstd";
    case Encoding::kByteChunksLz4: return "byte_chunks_lz4";
  }
  return "?";
}

arrow::Result<std::shared_ptr<arrow::StructArray>> BuildRecord(const DenseImage& image,
                                                               const RecordSpec& spec) {
  const bool loose = spec.loose;
  const auto index_type = loose ? arrow::int64() : arrow::int32();
  const auto c_type = loose ? arrow::int64() : arrow::int16();
  const auto real_type = loose ? arrow::float64() : arrow::float32();
  const int64_t itemsize = ItemSize(image.dtype);
  auto is_missing = [&](int64_t t, int64_t c, int64_t z) {
    for (const auto& m : spec.missing) {
      if (m[0] == t && m[1] == c && m[2] == z) return true;
    }
    return false;
  };

  // pixels_meta
  auto one_int = [&](const std::shared_ptr<arrow::DataType>& type, int64_t v) {
    return IntegerArray(type, {v});
  };
  std::vector<std::pair<std::string, std::shared_ptr<arrow::Array>>> pm;
  ARROW_ASSIGN_OR_RAISE(auto dim_order, Strings({image.size_z > 1 ? "XYZCT" : "XYCT"}));
  pm.emplace_back("dimension_order", dim_order);
  ARROW_ASSIGN_OR_RAISE(auto type_name,
                        Strings({spec.meta_type.value_or(std::string(DTypeName(image.dtype)))}));
  pm.emplace_back("type", type_name);
  ARROW_ASSIGN_OR_RAISE(auto sx, one_int(index_type, image.size_x));
  ARROW_ASSIGN_OR_RAISE(auto sy, one_int(index_type, image.size_y));
  ARROW_ASSIGN_OR_RAISE(auto sz, one_int(index_type, image.size_z));
  ARROW_ASSIGN_OR_RAISE(auto sc, one_int(c_type, image.size_c));
  ARROW_ASSIGN_OR_RAISE(auto st, one_int(index_type, image.size_t));
  pm.emplace_back("size_x", sx);
  pm.emplace_back("size_y", sy);
  pm.emplace_back("size_z", sz);
  pm.emplace_back("size_c", sc);
  pm.emplace_back("size_t", st);
  for (const char* axis : {"x", "y", "z"}) {
    ARROW_ASSIGN_OR_RAISE(auto size, Doubles(real_type, {0.65}));
    ARROW_ASSIGN_OR_RAISE(auto unit, Strings({"µm"}));
    pm.emplace_back(std::string("physical_size_") + axis, size);
    pm.emplace_back(std::string("physical_size_") + axis + "_unit", unit);
  }
  {
    std::vector<std::string> ids, names, illum;
    std::vector<double> em, ex;
    std::vector<int64_t> colors;
    for (int64_t c = 0; c < image.size_c; ++c) {
      ids.push_back(std::string("ch-").append(std::to_string(c)));
      names.push_back(std::string("C").append(std::to_string(c)));
      illum.push_back("Unknown");
      em.push_back(0.5 + 0.01 * static_cast<double>(c));
      ex.push_back(0.4);
      colors.push_back(0xFFFFFFFF);
    }
    ARROW_ASSIGN_OR_RAISE(auto id_arr, Strings(ids));
    ARROW_ASSIGN_OR_RAISE(auto name_arr, Strings(names));
    ARROW_ASSIGN_OR_RAISE(auto em_arr, Doubles(real_type, em));
    ARROW_ASSIGN_OR_RAISE(auto ex_arr, Doubles(real_type, ex));
    ARROW_ASSIGN_OR_RAISE(auto il_arr, Strings(illum));
    ARROW_ASSIGN_OR_RAISE(auto co_arr, IntegerArray(loose ? arrow::int64() : arrow::uint32(), colors));
    ARROW_ASSIGN_OR_RAISE(auto channel_structs,
                          Struct({{"id", id_arr}, {"name", name_arr}, {"emission_um", em_arr},
                                  {"excitation_um", ex_arr}, {"illumination", il_arr},
                                  {"color_rgba", co_arr}},
                                 loose));
    ARROW_ASSIGN_OR_RAISE(auto channels,
                          List({static_cast<int32_t>(image.size_c)}, channel_structs));
    pm.emplace_back("channels", channels);
  }
  ARROW_ASSIGN_OR_RAISE(auto pixels_meta, Struct(pm, loose));

  std::vector<std::pair<std::string, std::shared_ptr<arrow::Array>>> record;
  ARROW_ASSIGN_OR_RAISE(auto type_arr, Strings({"ome.arrow"}));
  ARROW_ASSIGN_OR_RAISE(auto version_arr, Strings({"1.0.0"}));
  ARROW_ASSIGN_OR_RAISE(auto id_arr, Strings({"img-0"}));
  ARROW_ASSIGN_OR_RAISE(auto name_arr, Strings({"generated"}));
  record.emplace_back("type", type_arr);
  record.emplace_back("version", version_arr);
  record.emplace_back("id", id_arr);
  record.emplace_back("name", name_arr);
  if (!loose) {
    ARROW_ASSIGN_OR_RAISE(auto image_type, Strings({"image"}));
    record.emplace_back("image_type", image_type);
  }
  record.emplace_back("pixels_meta", pixels_meta);

  const bool chunked = spec.encoding != Encoding::kPlanes;
  const int64_t cz = std::min(spec.chunk_z, image.size_z);
  const int64_t cy = std::min(spec.chunk_y, image.size_y);
  const int64_t cx = std::min(spec.chunk_x, image.size_x);
  if (chunked && spec.with_chunk_grid && !loose) {
    ARROW_ASSIGN_OR_RAISE(auto order, Strings({"TCZYX"}));
    ARROW_ASSIGN_OR_RAISE(auto chunk_order, Strings({"ZYX"}));
    ARROW_ASSIGN_OR_RAISE(auto ct, one_int(arrow::int32(), 1));
    ARROW_ASSIGN_OR_RAISE(auto cc, one_int(arrow::int16(), 1));
    ARROW_ASSIGN_OR_RAISE(auto czz, one_int(arrow::int32(), cz));
    ARROW_ASSIGN_OR_RAISE(auto cyy, one_int(arrow::int32(), cy));
    ARROW_ASSIGN_OR_RAISE(auto cxx, one_int(arrow::int32(), cx));
    ARROW_ASSIGN_OR_RAISE(auto grid, Struct({{"order", order}, {"chunk_t", ct}, {"chunk_c", cc},
                                             {"chunk_z", czz}, {"chunk_y", cyy},
                                             {"chunk_x", cxx}, {"chunk_order", chunk_order}},
                                            false));
    record.emplace_back("chunk_grid", grid);
  }

  const bool want_planes = !chunked || (spec.encoding == Encoding::kListChunks &&
                                        spec.planes_with_chunks);
  // planes
  {
    std::vector<int64_t> zs, ts, cs;
    std::vector<int32_t> lengths;
    std::vector<uint8_t> values;
    if (want_planes) {
      for (int64_t t = 0; t < image.size_t; ++t)
        for (int64_t c = 0; c < image.size_c; ++c)
          for (int64_t z = 0; z < image.size_z; ++z) {
            if (is_missing(t, c, z)) continue;
            zs.push_back(z), ts.push_back(t), cs.push_back(c);
            const int64_t n = image.size_y * image.size_x;
            lengths.push_back(static_cast<int32_t>(n));
            const uint8_t* p = image.PlanePtr(t, c, z);
            values.insert(values.end(), p, p + n * itemsize);
          }
    }
    ARROW_ASSIGN_OR_RAISE(auto z_arr, IntegerArray(index_type, zs));
    ARROW_ASSIGN_OR_RAISE(auto t_arr, IntegerArray(index_type, ts));
    ARROW_ASSIGN_OR_RAISE(auto c_arr, IntegerArray(c_type, cs));
    ARROW_ASSIGN_OR_RAISE(auto pixels, List(lengths, WrapValues(image.dtype, values)));
    ARROW_ASSIGN_OR_RAISE(auto plane_structs,
                          Struct({{"z", z_arr}, {"t", t_arr}, {"c", c_arr}, {"pixels", pixels}},
                                 loose));
    ARROW_ASSIGN_OR_RAISE(auto planes,
                          List({static_cast<int32_t>(zs.size())}, plane_structs));
    record.emplace_back("planes", planes);
  }

  if (chunked) {
    std::map<std::string, std::vector<int64_t>> coords;
    std::vector<int32_t> lengths;
    std::vector<uint8_t> values;
    arrow::LargeBinaryBuilder payloads;
    arrow::StringBuilder dtypes, compressions;
    std::optional<arrow::Compression::type> codec;
    if (spec.encoding == Encoding::kByteChunksZstd) codec = arrow::Compression::ZSTD;
    if (spec.encoding == Encoding::kByteChunksLz4) codec = arrow::Compression::LZ4_FRAME;
    for (int64_t t = 0; t < image.size_t; ++t)
      for (int64_t c = 0; c < image.size_c; ++c)
        for (int64_t z0 = 0; z0 < image.size_z; z0 += cz)
          for (int64_t y0 = 0; y0 < image.size_y; y0 += cy)
            for (int64_t x0 = 0; x0 < image.size_x; x0 += cx) {
              if (is_missing(t, c, z0)) continue;
              const int64_t dz = std::min(cz, image.size_z - z0);
              const int64_t dy = std::min(cy, image.size_y - y0);
              const int64_t dx = std::min(cx, image.size_x - x0);
              for (auto [k, v] : std::initializer_list<std::pair<const char*, int64_t>>{
                       {"t", t}, {"c", c}, {"z", z0}, {"y", y0}, {"x", x0},
                       {"shape_z", dz}, {"shape_y", dy}, {"shape_x", dx}}) {
                coords[k].push_back(v);
              }
              std::vector<uint8_t> slab;
              for (int64_t z = z0; z < z0 + dz; ++z)
                for (int64_t y = y0; y < y0 + dy; ++y) {
                  const uint8_t* p = image.bytes.data() + image.Offset(t, c, z, y, x0) * itemsize;
                  slab.insert(slab.end(), p, p + dx * itemsize);
                }
              lengths.push_back(static_cast<int32_t>(dz * dy * dx));
              if (spec.encoding == Encoding::kListChunks) {
                values.insert(values.end(), slab.begin(), slab.end());
                continue;
              }
              ARROW_RETURN_NOT_OK(dtypes.Append(std::string(DTypeName(image.dtype))));
              if (!codec.has_value()) {
                ARROW_RETURN_NOT_OK(compressions.AppendNull());
                ARROW_RETURN_NOT_OK(payloads.Append(slab.data(), static_cast<int64_t>(slab.size())));
                continue;
              }
              ARROW_ASSIGN_OR_RAISE(auto compressor, arrow::util::Codec::Create(*codec));
              const int64_t bound = compressor->MaxCompressedLen(
                  static_cast<int64_t>(slab.size()), slab.data());
              std::vector<uint8_t> compressed(static_cast<size_t>(bound));
              ARROW_ASSIGN_OR_RAISE(int64_t size,
                                    compressor->Compress(static_cast<int64_t>(slab.size()),
                                                         slab.data(), bound, compressed.data()));
              ARROW_RETURN_NOT_OK(compressions.Append(
                  *codec == arrow::Compression::ZSTD ? "zstd" : "lz4"));
              ARROW_RETURN_NOT_OK(payloads.Append(compressed.data(), size));
            }
    std::vector<std::pair<std::string, std::shared_ptr<arrow::Array>>> fields;
    for (const char* k : {"t", "c", "z", "y", "x", "shape_z", "shape_y", "shape_x"}) {
      auto type = std::string(k) == "c" ? c_type : index_type;
      ARROW_ASSIGN_OR_RAISE(auto arr, IntegerArray(type, coords[k]));
      fields.emplace_back(k, arr);
    }
    if (spec.encoding == Encoding::kListChunks) {
      ARROW_ASSIGN_OR_RAISE(auto pixels, List(lengths, WrapValues(image.dtype, values)));
      fields.emplace_back("pixels", pixels);
    } else {
      ARROW_ASSIGN_OR_RAISE(auto dtype_arr, dtypes.Finish());
      ARROW_ASSIGN_OR_RAISE(auto comp_arr, compressions.Finish());
      ARROW_ASSIGN_OR_RAISE(auto payload_arr, payloads.Finish());
      fields.emplace_back("dtype", dtype_arr);
      fields.emplace_back("compression", comp_arr);
      fields.emplace_back("pixel_bytes", payload_arr);
    }
    ARROW_ASSIGN_OR_RAISE(auto chunk_structs, Struct(fields, loose));
    ARROW_ASSIGN_OR_RAISE(auto chunks,
                          List({static_cast<int32_t>(lengths.size())}, chunk_structs));
    record.emplace_back("chunks", chunks);
  }
  return Struct(record, loose);
}

std::string TextFormLabel(TextForm form) {
  switch (form) {
    case TextForm::kString: return "string";
    case TextForm::kDictionary: return "dictionary";
    case TextForm::kLargeString: return "large_string";
    case TextForm::kStringView: return "string_view";
  }
  return "?";
}

std::string ListFormLabel(ListForm form) {
  switch (form) {
    case ListForm::kList: return "list";
    case ListForm::kLargeList: return "large_list";
    case ListForm::kListView: return "list_view";
    case ListForm::kLargeListView: return "large_list_view";
  }
  return "?";
}

namespace {

template <typename Builder>
arrow::Result<std::shared_ptr<arrow::Array>> RebuildStrings(const arrow::StringArray& strings) {
  Builder builder;
  for (int64_t i = 0; i < strings.length(); ++i) {
    if (strings.IsNull(i)) {
      ARROW_RETURN_NOT_OK(builder.AppendNull());
    } else {
      ARROW_RETURN_NOT_OK(builder.Append(strings.GetView(i)));
    }
  }
  return builder.Finish();
}

}  // namespace

arrow::Result<std::shared_ptr<arrow::Array>> Retype(const std::shared_ptr<arrow::Array>& array,
                                                    TextForm text, ListForm list) {
  switch (array->type_id()) {
    case arrow::Type::STRUCT: {
      const auto& s = static_cast<const arrow::StructArray&>(*array);
      std::vector<std::shared_ptr<arrow::Array>> children;
      std::vector<std::shared_ptr<arrow::Field>> fields;
      for (int i = 0; i < s.num_fields(); ++i) {
        ARROW_ASSIGN_OR_RAISE(auto child, Retype(s.field(i), text, list));
        fields.push_back(s.type()->field(i)->WithType(child->type()));
        children.push_back(std::move(child));
      }
      return arrow::StructArray::Make(children, fields, s.null_bitmap(), s.null_count(),
                                      s.offset());
    }
    case arrow::Type::LIST: {
      const auto& l = static_cast<const arrow::ListArray&>(*array);
      ARROW_ASSIGN_OR_RAISE(auto values, Retype(l.values(), text, list));
      auto value_field = l.list_type()->value_field()->WithType(values->type());
      auto same = std::make_shared<arrow::ListArray>(arrow::list(value_field), l.length(),
                                                     l.value_offsets(), values,
                                                     l.null_bitmap(), l.null_count(),
                                                     l.offset());
      if (list == ListForm::kList) return same;
      if (list == ListForm::kListView) {
        ARROW_ASSIGN_OR_RAISE(
            auto view, arrow::ListViewArray::FromList(*same, arrow::default_memory_pool()));
        return view;
      }
      arrow::Int64Builder offsets;
      for (int64_t i = 0; i <= l.length(); ++i) {
        ARROW_RETURN_NOT_OK(offsets.Append(l.value_offset(i)));
      }
      ARROW_ASSIGN_OR_RAISE(auto offset_array, offsets.Finish());
      auto large = std::make_shared<arrow::LargeListArray>(
          arrow::large_list(value_field), l.length(), offset_array->data()->buffers[1],
          values, l.null_bitmap(), l.null_count(), l.offset());
      if (list == ListForm::kLargeList) return large;
      ARROW_ASSIGN_OR_RAISE(
          auto view, arrow::LargeListViewArray::FromList(*large, arrow::default_memory_pool()));
      return view;
    }
    case arrow::Type::STRING: {
      const auto& strings = static_cast<const arrow::StringArray&>(*array);
      switch (text) {
        case TextForm::kString: return array;
        case TextForm::kLargeString:
          return RebuildStrings<arrow::LargeStringBuilder>(strings);
        case TextForm::kStringView: return RebuildStrings<arrow::StringViewBuilder>(strings);
        case TextForm::kDictionary: {
          // A decoy entry, then the values reversed: a reader that ignores the indices
          // reads the wrong text.
          arrow::Int32Builder indices;
          arrow::StringBuilder dictionary;
          const int64_t n = strings.length();
          ARROW_RETURN_NOT_OK(dictionary.Append("decoy"));
          for (int64_t i = n - 1; i >= 0; --i) {
            ARROW_RETURN_NOT_OK(strings.IsNull(i) ? dictionary.Append("")
                                                  : dictionary.Append(strings.GetView(i)));
          }
          for (int64_t i = 0; i < n; ++i) {
            ARROW_RETURN_NOT_OK(strings.IsNull(i)
                                    ? indices.AppendNull()
                                    : indices.Append(static_cast<int32_t>(n - i)));
          }
          ARROW_ASSIGN_OR_RAISE(auto index_array, indices.Finish());
          ARROW_ASSIGN_OR_RAISE(auto dictionary_array, dictionary.Finish());
          return arrow::DictionaryArray::FromArrays(
              arrow::dictionary(arrow::int32(), arrow::utf8()), index_array,
              dictionary_array);
        }
      }
      return array;
    }
    default:
      return array;
  }
}

}  // namespace omearrow::testing
