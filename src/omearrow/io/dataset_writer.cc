#include "omearrow/io/dataset_writer.h"

#include <arrow/array/builder_binary.h>
#include <arrow/array/builder_primitive.h>
#include <arrow/io/file.h>
#include <arrow/memory_pool.h>
#include <arrow/record_batch.h>
#include <arrow/table.h>
#include <arrow/table_builder.h>
#include <arrow/type.h>
#include <arrow/util/compression.h>
#include <arrow/util/config.h>
#include <arrow/util/key_value_metadata.h>
#include <parquet/arrow/writer.h>
#include <parquet/properties.h>
#include <parquet/types.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <numeric>
#include <set>
#include <system_error>
#include <utility>

#include "omearrow/io/dataset_reader.h"
#include "omearrow/tensor_view.h"
#include "omearrow/util/json.h"
#include "omearrow/util/text.h"

namespace omearrow {

using arrow::Status;
using internal::Json;

namespace {

namespace fs = std::filesystem;

std::string JoinPath(const std::string& dir, std::string_view name) {
  return (fs::path(dir) / std::string(name)).string();
}

Status WithPath(const Status& status, const std::string& path) {
  if (status.ok() || status.message().find(path) != std::string::npos) return status;
  return status.WithMessage(path + ": " + status.message());
}

std::shared_ptr<const arrow::KeyValueMetadata> TableMetadata() {
  return arrow::key_value_metadata(
      {"ome.arrow.type", "ome.arrow.version", "ome.arrow.layout"},
      {"ome.arrow", std::string(kDatasetFormatVersion), std::string(kDatasetLayout)});
}

std::shared_ptr<arrow::Schema> ImagesSchema() {
  using arrow::field;
  return arrow::schema(
      {field("image_id", arrow::utf8()), field("name", arrow::utf8()),
       field("image_type", arrow::utf8()), field("dtype", arrow::utf8()),
       field("size_t", arrow::int32()), field("size_c", arrow::int32()),
       field("size_z", arrow::int32()), field("size_y", arrow::int32()),
       field("size_x", arrow::int32()), field("layout", arrow::utf8()),
       field("chunk_t", arrow::int32()), field("chunk_c", arrow::int32()),
       field("chunk_z", arrow::int32()), field("chunk_y", arrow::int32()),
       field("chunk_x", arrow::int32()), field("compression", arrow::utf8()),
       field("channels_json", arrow::utf8())},
      TableMetadata());
}

std::shared_ptr<arrow::Schema> ChunksSchema() {
  using arrow::field;
  return arrow::schema(
      {field("image_id", arrow::utf8()), field("chunk_id", arrow::int64()),
       field("t", arrow::int32()), field("c", arrow::int32()), field("z", arrow::int32()),
       field("y", arrow::int32()), field("x", arrow::int32()),
       field("shape_t", arrow::int32()), field("shape_c", arrow::int32()),
       field("shape_z", arrow::int32()), field("shape_y", arrow::int32()),
       field("shape_x", arrow::int32()), field("dtype", arrow::utf8()),
       field("pixel_bytes", arrow::large_binary())},
      TableMetadata());
}

std::shared_ptr<arrow::Schema> IndexSchema() {
  using arrow::field;
  return arrow::schema(
      {field("image_id", arrow::utf8()), field("chunk_id", arrow::int64()),
       field("row_group_id", arrow::int32()), field("row_index_in_group", arrow::int32()),
       field("fragment_path", arrow::utf8()), field("t", arrow::int32()),
       field("c", arrow::int32()), field("z", arrow::int32()), field("y", arrow::int32()),
       field("x", arrow::int32()), field("shape_t", arrow::int32()),
       field("shape_c", arrow::int32()), field("shape_z", arrow::int32()),
       field("shape_y", arrow::int32()), field("shape_x", arrow::int32())},
      TableMetadata());
}

// The Parquet codec named like pyarrow's `compression=` argument.
arrow::Result<arrow::Compression::type> ParquetCodec(
    const std::optional<std::string>& name) {
  if (!name.has_value()) return arrow::Compression::UNCOMPRESSED;
  const std::string value = internal::TrimLower(*name);
  if (value == "none" || value == "uncompressed") return arrow::Compression::UNCOMPRESSED;
  arrow::Compression::type type = arrow::Compression::UNCOMPRESSED;
  if (value == "lz4" || value == "lz4_raw") {
    type = arrow::Compression::LZ4;  // Parquet LZ4_RAW
  } else {
    auto parsed = arrow::util::Codec::GetCompressionType(value);
    if (!parsed.ok()) {
      return Status::Invalid("unknown Parquet compression '", *name, "'");
    }
    type = *parsed;
  }
  if (!parquet::IsCodecSupported(type) || !arrow::util::Codec::IsAvailable(type)) {
    return Status::Invalid("unsupported Parquet compression '", *name, "'");
  }
  return type;
}

std::string PythonTuple(const std::array<int64_t, 5>& values) {
  std::string out = "(";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(values[i]);
  }
  return out + ")";
}

// Python's repr() of a str, for the simple names used here.
std::string PythonRepr(const std::optional<std::string>& value) {
  if (!value.has_value()) return "None";
  std::string out = "'";
  for (char ch : *value) {
    if (ch == '\'' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "'";
}

// The channels list as the reference's json.dumps(pixels_meta.channels).
std::string ChannelsJson(const std::vector<Channel>& channels) {
  const auto value_or_null = [](const auto& v) {
    return v.has_value() ? Json(*v) : Json(nullptr);
  };
  Json list = Json::array();
  for (const Channel& channel : channels) {
    Json entry = Json::object();
    entry["id"] = value_or_null(channel.id);
    entry["name"] = value_or_null(channel.name);
    entry["emission_um"] = value_or_null(channel.emission_um);
    entry["excitation_um"] = value_or_null(channel.excitation_um);
    entry["illumination"] = value_or_null(channel.illumination);
    entry["color_rgba"] = value_or_null(channel.color_rgba);
    list.push_back(std::move(entry));
  }
  return internal::WriteJson(list);
}

// Prepares `dir` for writing: creates it, or (with `overwrite`) clears the dataset files
// of an existing one. Refuses non-empty directories and files otherwise.
Status PrepareDirectory(const std::string& dir, bool overwrite) {
  std::error_code error;
  const fs::path path(dir);
  const auto status = fs::status(path, error);
  if (fs::exists(status)) {
    if (!fs::is_directory(status)) {
      if (!overwrite) {
        return Status::AlreadyExists(dir,
                                     ": exists and is not a directory (set overwrite "
                                     "to replace it)");
      }
      if (!fs::remove(path, error)) {
        return Status::IOError(dir, ": cannot remove: ", error.message());
      }
    } else if (!fs::is_empty(path, error)) {
      if (!overwrite) {
        return Status::AlreadyExists(dir,
                                     ": directory is not empty (set overwrite to "
                                     "replace a dataset there)");
      }
      // The manifest goes first, so an interrupted rewrite never looks complete.
      for (std::string_view name : {kDatasetManifestFile, kDatasetImagesFile,
                                    kDatasetChunksFile, kDatasetIndexFile}) {
        fs::remove(path / std::string(name), error);
        if (error) {
          return Status::IOError(JoinPath(dir, name),
                                 ": cannot remove: ", error.message());
        }
      }
    }
  }
  fs::create_directories(path, error);
  if (error) return Status::IOError(dir, ": cannot create directory: ", error.message());
  return Status::OK();
}

struct WriterSetup {
  std::shared_ptr<parquet::WriterProperties> properties;
  std::shared_ptr<parquet::ArrowWriterProperties> arrow_properties;
};

WriterSetup MakeWriterSetup(arrow::Compression::type codec) {
  parquet::WriterProperties::Builder builder;
  builder.compression(codec);
  // Pixel payloads: no dictionary (values are unique) and no min/max statistics (they
  // would copy pixel bytes into the footer).
  builder.disable_dictionary("pixel_bytes");
  builder.disable_statistics("pixel_bytes");
  parquet::ArrowWriterProperties::Builder arrow_builder;
  arrow_builder.store_schema();  // keeps large_binary, as pyarrow writes it
  return {builder.build(), arrow_builder.build()};
}

Status WriteTableFile(const arrow::Table& table, const std::string& path,
                      const WriterSetup& setup) {
  auto sink = arrow::io::FileOutputStream::Open(path);
  if (!sink.ok()) return WithPath(sink.status(), path);
  auto status = parquet::arrow::WriteTable(table, arrow::default_memory_pool(), *sink,
                                           parquet::DEFAULT_MAX_ROW_GROUP_LENGTH,
                                           setup.properties, setup.arrow_properties);
  if (status.ok()) status = (*sink)->Close();
  return WithPath(status, path);
}

// Rows of one table, built column by column.
class TableRows {
 public:
  static arrow::Result<TableRows> Make(std::shared_ptr<arrow::Schema> schema) {
    TableRows rows;
    rows.schema_ = schema;
    ARROW_ASSIGN_OR_RAISE(rows.builder_, arrow::RecordBatchBuilder::Make(
                                             schema, arrow::default_memory_pool()));
    return rows;
  }
  template <typename Builder>
  Builder* column(int i) {
    return builder_->GetFieldAs<Builder>(i);
  }
  int64_t num_rows() const { return builder_->GetField(0)->length(); }
  arrow::Result<std::shared_ptr<arrow::Table>> Flush() {
    ARROW_ASSIGN_OR_RAISE(auto batch, builder_->Flush());
    return arrow::Table::FromRecordBatches(schema_, {batch});
  }

 private:
  std::shared_ptr<arrow::Schema> schema_;
  std::unique_ptr<arrow::RecordBatchBuilder> builder_;
};

Status AppendString(arrow::StringBuilder* builder,
                    const std::optional<std::string>& value) {
  return value.has_value() ? builder->Append(*value) : builder->AppendNull();
}

// chunks.parquet, written as chunk rows arrive: one row group per `rows_per_group` rows.
class ChunkFileWriter {
 public:
  static arrow::Result<std::unique_ptr<ChunkFileWriter>> Open(const std::string& path,
                                                              const WriterSetup& setup,
                                                              int64_t rows_per_group) {
    std::unique_ptr<ChunkFileWriter> out(new ChunkFileWriter());
    out->path_ = path;
    out->rows_per_group_ = rows_per_group;
    auto sink = arrow::io::FileOutputStream::Open(path);
    if (!sink.ok()) return WithPath(sink.status(), path);
    out->sink_ = *sink;
    auto writer = parquet::arrow::FileWriter::Open(
        *ChunksSchema(), arrow::default_memory_pool(), out->sink_, setup.properties,
        setup.arrow_properties);
    if (!writer.ok()) return WithPath(writer.status(), path);
    out->writer_ = std::move(writer).ValueUnsafe();
    ARROW_ASSIGN_OR_RAISE(out->rows_, TableRows::Make(ChunksSchema()));
    return out;
  }

  // Appends one chunk row (the payload is copied).
  Status Append(const std::string& image_id, int64_t chunk_id,
                const std::array<int64_t, 5>& origin, const std::array<int64_t, 5>& shape,
                DType dtype, const uint8_t* payload, int64_t payload_bytes) {
    ARROW_RETURN_NOT_OK(rows_.column<arrow::StringBuilder>(0)->Append(image_id));
    ARROW_RETURN_NOT_OK(rows_.column<arrow::Int64Builder>(1)->Append(chunk_id));
    for (int k = 0; k < 5; ++k) {
      ARROW_RETURN_NOT_OK(rows_.column<arrow::Int32Builder>(2 + k)->Append(
          static_cast<int32_t>(origin[k])));
      ARROW_RETURN_NOT_OK(rows_.column<arrow::Int32Builder>(7 + k)->Append(
          static_cast<int32_t>(shape[k])));
    }
    ARROW_RETURN_NOT_OK(
        rows_.column<arrow::StringBuilder>(12)->Append(std::string(DTypeName(dtype))));
    ARROW_RETURN_NOT_OK(
        rows_.column<arrow::LargeBinaryBuilder>(13)->Append(payload, payload_bytes));
    if (rows_.num_rows() >= rows_per_group_) return FlushGroup();
    return Status::OK();
  }

  Status Close() {
    if (rows_.num_rows() > 0) ARROW_RETURN_NOT_OK(FlushGroup());
    auto status = writer_->Close();
    if (status.ok()) status = sink_->Close();
    return WithPath(status, path_);
  }

 private:
  ChunkFileWriter() = default;
  Status FlushGroup() {
    ARROW_ASSIGN_OR_RAISE(auto table, rows_.Flush());
    return WithPath(writer_->WriteTable(*table, rows_per_group_), path_);
  }

  std::string path_;
  int64_t rows_per_group_ = 1;
  std::shared_ptr<arrow::io::FileOutputStream> sink_;
  std::unique_ptr<parquet::arrow::FileWriter> writer_;
  TableRows rows_;
};

std::vector<int64_t> Range(int64_t begin, int64_t count) {
  std::vector<int64_t> out(static_cast<size_t>(count));
  std::iota(out.begin(), out.end(), begin);
  return out;
}

}  // namespace

arrow::Result<DatasetChunkChoice> ChooseDatasetChunking(
    const std::array<int64_t, 5>& shape, DType dtype,
    const DatasetWriteOptions& options) {
  for (int64_t v : shape) {
    if (v <= 0) return Status::Invalid("shape values must be positive");
  }
  if (!(options.target_chunk_mb > 0)) {
    return Status::Invalid(
        "target_chunk_mb must be > 0 before computing chunk scale from size_mb.");
  }
  const auto [st, sc, sz, sy, sx] = shape;
  std::array<int64_t, 5> chunk = options.chunk_shape.value_or(
      std::array<int64_t, 5>{1, 1, std::min<int64_t>(sz, 16), std::min<int64_t>(sy, 128),
                             std::min<int64_t>(sx, 128)});
  for (size_t k = 0; k < 5; ++k)
    chunk[k] = std::max<int64_t>(1, std::min(chunk[k], shape[k]));
  const auto size_mb = [&]() {
    double elements = 1;
    for (int64_t v : chunk) elements *= static_cast<double>(v);
    return elements * ItemSize(dtype) / (1024.0 * 1024.0);
  };
  double mb = size_mb();
  if (!options.chunk_shape.has_value() && mb > options.target_chunk_mb) {
    const double scale = std::sqrt(options.target_chunk_mb / mb);
    chunk[3] = std::max<int64_t>(
        1, std::min<int64_t>(
               sy, static_cast<int64_t>(static_cast<double>(chunk[3]) * scale)));
    chunk[4] = std::max<int64_t>(
        1, std::min<int64_t>(
               sx, static_cast<int64_t>(static_cast<double>(chunk[4]) * scale)));
    mb = size_mb();
  }
  (void)st, (void)sc;
  DatasetChunkChoice choice;
  choice.layout = "block";
  choice.chunk_shape = chunk;
  choice.compression = options.compression;
  char mb_text[32];
  std::snprintf(mb_text, sizeof(mb_text), "%.3g", mb);
  choice.rationale = "Selected layout=\"block\", chunk_shape=" + PythonTuple(chunk) +
                     ", compression=" + PythonRepr(options.compression) +
                     " because dtype=" + std::string(DTypeName(dtype)) +
                     ", estimated chunk size is " + mb_text +
                     " MB, and access_pattern=\"balanced\".";
  return choice;
}

arrow::Status WriteDataset(const Image& image, const std::string& dir,
                           const DatasetWriteOptions& options) {
  // A non-owning handle: `image` outlives this call.
  std::shared_ptr<const Image> handle(std::shared_ptr<const Image>(), &image);
  return WriteDataset(std::vector<DatasetImage>{DatasetImage{handle, std::nullopt}}, dir,
                      options);
}

arrow::Status WriteDataset(const std::vector<DatasetImage>& images,
                           const std::string& dir, const DatasetWriteOptions& options) {
  if (images.empty()) return Status::Invalid("images must contain at least one image");
  if (options.chunk_rows_per_row_group <= 0) {
    return Status::Invalid("chunk_rows_per_row_group must be > 0");
  }
  for (const auto& entry : images) {
    if (entry.image == nullptr)
      return Status::Invalid("images must not contain null images");
  }
  ARROW_ASSIGN_OR_RAISE(auto codec, ParquetCodec(options.compression));
  const int64_t rows_per_group = options.chunk_rows_per_row_group;

  // Resolve ids, dtypes and chunking before touching the directory.
  struct Plan {
    std::string image_id;
    DType dtype;
    std::array<int64_t, 5> shape;
    DatasetChunkChoice choice;
  };
  std::vector<Plan> plans;
  std::set<std::string> ids;
  for (size_t i = 0; i < images.size(); ++i) {
    const Image& image = *images[i].image;
    Plan plan;
    if (images[i].image_id.has_value()) {
      plan.image_id = *images[i].image_id;
    } else if (image.info().id.has_value() && !image.info().id->empty()) {
      plan.image_id = *image.info().id;
    } else {
      char text[32];
      std::snprintf(text, sizeof(text), "image-%05zu", i);
      plan.image_id = text;
    }
    if (!ids.insert(plan.image_id).second) {
      return Status::Invalid("Duplicate image_id in OME-Arrow dataset write: '",
                             plan.image_id, "'");
    }
    std::string warning;
    plan.dtype = DTypeFromMeta(image.pixels_meta().type, &warning);
    const PixelsMeta& m = image.pixels_meta();
    plan.shape = {m.size_t, m.size_c, m.size_z, m.size_y, m.size_x};
    for (int64_t v : plan.shape) {
      if (v > std::numeric_limits<int32_t>::max()) {
        return Status::Invalid("image '", plan.image_id, "': size ", v,
                               " does not fit the dataset's int32 columns");
      }
    }
    ARROW_ASSIGN_OR_RAISE(plan.choice,
                          ChooseDatasetChunking(plan.shape, plan.dtype, options));
    plans.push_back(std::move(plan));
  }

  ARROW_RETURN_NOT_OK(PrepareDirectory(dir, options.overwrite));
  const WriterSetup setup = MakeWriterSetup(codec);

  // images.parquet
  {
    ARROW_ASSIGN_OR_RAISE(auto rows, TableRows::Make(ImagesSchema()));
    for (size_t i = 0; i < images.size(); ++i) {
      const Image& image = *images[i].image;
      const Plan& plan = plans[i];
      const auto& name = image.info().name;
      ARROW_RETURN_NOT_OK(rows.column<arrow::StringBuilder>(0)->Append(plan.image_id));
      ARROW_RETURN_NOT_OK(rows.column<arrow::StringBuilder>(1)->Append(
          name.has_value() && !name->empty() ? *name : plan.image_id));
      ARROW_RETURN_NOT_OK(
          AppendString(rows.column<arrow::StringBuilder>(2), image.info().image_type));
      ARROW_RETURN_NOT_OK(rows.column<arrow::StringBuilder>(3)->Append(
          std::string(DTypeName(plan.dtype))));
      for (int k = 0; k < 5; ++k) {
        ARROW_RETURN_NOT_OK(rows.column<arrow::Int32Builder>(4 + k)->Append(
            static_cast<int32_t>(plan.shape[static_cast<size_t>(k)])));
      }
      ARROW_RETURN_NOT_OK(
          rows.column<arrow::StringBuilder>(9)->Append(plan.choice.layout));
      for (int k = 0; k < 5; ++k) {
        ARROW_RETURN_NOT_OK(rows.column<arrow::Int32Builder>(10 + k)->Append(
            static_cast<int32_t>(plan.choice.chunk_shape[static_cast<size_t>(k)])));
      }
      ARROW_RETURN_NOT_OK(
          AppendString(rows.column<arrow::StringBuilder>(15), plan.choice.compression));
      ARROW_RETURN_NOT_OK(rows.column<arrow::StringBuilder>(16)->Append(
          ChannelsJson(image.pixels_meta().channels)));
    }
    ARROW_ASSIGN_OR_RAISE(auto table, rows.Flush());
    ARROW_RETURN_NOT_OK(WriteTableFile(*table, JoinPath(dir, kDatasetImagesFile), setup));
  }

  // chunks.parquet, streamed band by band; index rows collected on the way.
  ARROW_ASSIGN_OR_RAISE(auto index_rows, TableRows::Make(IndexSchema()));
  const std::string chunks_path = JoinPath(dir, kDatasetChunksFile);
  ARROW_ASSIGN_OR_RAISE(auto chunk_writer,
                        ChunkFileWriter::Open(chunks_path, setup, rows_per_group));
  int64_t chunk_id = 0;
  std::vector<uint8_t> scratch;
  for (size_t i = 0; i < images.size(); ++i) {
    const Plan& plan = plans[i];
    const auto [st, sc, sz, sy, sx] = plan.shape;
    const auto [ct, cc, cz, cy, cx] = plan.choice.chunk_shape;
    const int64_t itemsize = ItemSize(plan.dtype);
    for (int64_t t0 = 0; t0 < st; t0 += ct) {
      const int64_t nt = std::min(ct, st - t0);
      for (int64_t c0 = 0; c0 < sc; c0 += cc) {
        const int64_t nc = std::min(cc, sc - c0);
        for (int64_t z0 = 0; z0 < sz; z0 += cz) {
          const int64_t nz = std::min(cz, sz - z0);
          for (int64_t y0 = 0; y0 < sy; y0 += cy) {
            const int64_t ny = std::min(cy, sy - y0);
            // One band: nt×nc×nz×ny×X, C-contiguous TCZYX in the source dtype.
            Selection selection;
            selection.t = Range(t0, nt);
            selection.c = Range(c0, nc);
            selection.z = Range(z0, nz);
            selection.roi = Roi{0, y0, sx, ny};
            ARROW_ASSIGN_OR_RAISE(
                auto view, TensorView::FromSelection(
                               images[i].image, std::move(selection),
                               std::string("TCZYX"), plan.dtype, ChannelPolicy::kError));
            ARROW_ASSIGN_OR_RAISE(Tensor band, view.Materialize());
            const int64_t rows = nt * nc * nz * ny;
            for (int64_t x0 = 0; x0 < sx; x0 += cx) {
              const int64_t nx = std::min(cx, sx - x0);
              const int64_t row_bytes = nx * itemsize;
              const uint8_t* payload = band.data;
              if (nx != sx) {
                scratch.resize(static_cast<size_t>(rows * row_bytes));
                for (int64_t r = 0; r < rows; ++r) {
                  std::memcpy(scratch.data() + r * row_bytes,
                              band.data + (r * sx + x0) * itemsize,
                              static_cast<size_t>(row_bytes));
                }
                payload = scratch.data();
              }
              const std::array<int64_t, 5> origin{t0, c0, z0, y0, x0};
              const std::array<int64_t, 5> shape{nt, nc, nz, ny, nx};
              ARROW_RETURN_NOT_OK(chunk_writer->Append(plan.image_id, chunk_id, origin,
                                                       shape, plan.dtype, payload,
                                                       rows * row_bytes));
              if (options.build_physical_index) {
                ARROW_RETURN_NOT_OK(
                    index_rows.column<arrow::StringBuilder>(0)->Append(plan.image_id));
                ARROW_RETURN_NOT_OK(
                    index_rows.column<arrow::Int64Builder>(1)->Append(chunk_id));
                ARROW_RETURN_NOT_OK(index_rows.column<arrow::Int32Builder>(2)->Append(
                    static_cast<int32_t>(chunk_id / rows_per_group)));
                ARROW_RETURN_NOT_OK(index_rows.column<arrow::Int32Builder>(3)->Append(
                    static_cast<int32_t>(chunk_id % rows_per_group)));
                ARROW_RETURN_NOT_OK(index_rows.column<arrow::StringBuilder>(4)->Append(
                    std::string(kDatasetChunksFile)));
                for (int k = 0; k < 5; ++k) {
                  ARROW_RETURN_NOT_OK(
                      index_rows.column<arrow::Int32Builder>(5 + k)->Append(
                          static_cast<int32_t>(origin[static_cast<size_t>(k)])));
                  ARROW_RETURN_NOT_OK(
                      index_rows.column<arrow::Int32Builder>(10 + k)->Append(
                          static_cast<int32_t>(shape[static_cast<size_t>(k)])));
                }
              }
              ++chunk_id;
            }
          }
        }
      }
    }
  }
  ARROW_RETURN_NOT_OK(chunk_writer->Close());

  if (options.build_physical_index) {
    ARROW_ASSIGN_OR_RAISE(auto table, index_rows.Flush());
    ARROW_RETURN_NOT_OK(WriteTableFile(*table, JoinPath(dir, kDatasetIndexFile), setup));
  }

  // The manifest, last: its presence marks a complete dataset.
  const DatasetChunkChoice& first = plans.front().choice;
  Json choice = Json::object();
  choice["layout"] = first.layout;
  choice["chunk_shape"] = first.chunk_shape;
  choice["compression"] =
      first.compression.has_value() ? Json(*first.compression) : Json(nullptr);
  choice["rationale"] = first.rationale;
  Json versions = Json::object();
  versions["omearrow"] = std::string(kDatasetFormatVersion);
  versions["arrow-cpp"] = ARROW_VERSION_STRING;
  Json manifest = Json::object();
  manifest["type"] = "ome.arrow";
  manifest["version"] = std::string(kDatasetFormatVersion);
  manifest["layout"] = std::string(kDatasetLayout);
  manifest["image_count"] = static_cast<int64_t>(images.size());
  manifest["chunk_count"] = chunk_id;
  manifest["choice"] = std::move(choice);
  manifest["package_versions"] = std::move(versions);
  const std::string manifest_path = JoinPath(dir, kDatasetManifestFile);
  auto out = arrow::io::FileOutputStream::Open(manifest_path);
  if (!out.ok()) return WithPath(out.status(), manifest_path);
  const std::string text = internal::WriteJson(manifest, 2);
  auto status = (*out)->Write(text.data(), static_cast<int64_t>(text.size()));
  if (status.ok()) status = (*out)->Close();
  return WithPath(status, manifest_path);
}

}  // namespace omearrow
