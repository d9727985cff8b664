// Tests of the typed-chunk dataset reader and writer (dataset_reader.h,
// dataset_writer.h).
#include <arrow/array.h>
#include <arrow/array/builder_binary.h>
#include <arrow/array/builder_primitive.h>
#include <arrow/array/concatenate.h>
#include <arrow/buffer.h>
#include <arrow/io/file.h>
#include <arrow/memory_pool.h>
#include <arrow/table.h>
#include <arrow/util/compression.h>
#include <arrow/util/key_value_metadata.h>
#include <gtest/gtest.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/writer.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>
#include <parquet/properties.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <mutex>
#include <thread>

#include "omearrow/io/dataset_reader.h"
#include "omearrow/io/dataset_writer.h"
#include "omearrow/tensor_view.h"
#include "omearrow/testing/gtest_util.h"
#include "omearrow/testing/record_builder.h"
#include "omearrow/util/json.h"
#include "omearrow/util/struct_row.h"
#include "omearrow/util/view_limits.h"

namespace omearrow {
namespace {

namespace fs = std::filesystem;
using testing::BuildRecord;
using testing::DenseImage;
using testing::Encoding;
using testing::MakeRandomImage;
using testing::RecordSpec;

fs::path TestDataDir() {
  return fs::path(OMEARROW_SOURCE_DIR) / "testdata";
}

// A fresh directory for this test's files (not created: writers create it).
fs::path TempDir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "_" + info->name();
  for (char& ch : name) {
    if (ch == '/') ch = '_';
  }
  fs::path dir = fs::path(::testing::TempDir()) /
                 ("omearrow_dataset_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(dir);
  return dir;
}

std::shared_ptr<const Image> MakeImage(const DenseImage& dense,
                                       Encoding encoding = Encoding::kPlanes) {
  RecordSpec spec;
  spec.encoding = encoding;
  auto record = BuildRecord(dense, spec).ValueOrDie();
  return ImageFromStructArray(record).ValueOrDie();
}

// The whole image as C-order TCZYX bytes in its own dtype.
arrow::Result<std::vector<uint8_t>> ReadAllBytes(
    const std::shared_ptr<const Image>& image, DType dtype) {
  ViewOptions options;
  options.layout = "TCZYX";
  options.dtype = dtype;
  ARROW_ASSIGN_OR_RAISE(auto view, TensorView::Make(image, options));
  ARROW_ASSIGN_OR_RAISE(auto tensor, view.Materialize());
  return std::vector<uint8_t>(tensor.data,
                              tensor.data + tensor.num_elements() * ItemSize(dtype));
}

// One plane (t, c, z), optionally a window of it, through a view.
arrow::Result<Tensor> ReadPlane(const std::shared_ptr<const Image>& image, int64_t t,
                                int64_t c, int64_t z,
                                std::optional<std::vector<int64_t>> roi = std::nullopt) {
  ViewOptions options;
  options.selection.t = IndexSpec::Index(t);
  options.selection.c = IndexSpec::Index(c);
  options.selection.z = IndexSpec::Index(z);
  options.selection.roi = std::move(roi);
  options.layout = "YX";
  ARROW_ASSIGN_OR_RAISE(auto view, TensorView::Make(image, options));
  return view.Materialize();
}

arrow::Result<std::shared_ptr<arrow::Table>> ReadParquet(const fs::path& path) {
  ARROW_ASSIGN_OR_RAISE(auto file, arrow::io::ReadableFile::Open(path.string()));
  ARROW_ASSIGN_OR_RAISE(auto reader,
                        parquet::arrow::OpenFile(file, arrow::default_memory_pool()));
  return reader->ReadTable();
}

arrow::Status WriteParquet(const arrow::Table& table, const fs::path& path,
                           int64_t rows_per_group) {
  ARROW_ASSIGN_OR_RAISE(auto sink, arrow::io::FileOutputStream::Open(path.string()));
  auto arrow_props = parquet::ArrowWriterProperties::Builder().store_schema()->build();
  ARROW_RETURN_NOT_OK(parquet::arrow::WriteTable(
      table, arrow::default_memory_pool(), sink, rows_per_group,
      parquet::default_writer_properties(), arrow_props));
  return sink->Close();
}

// `table` with column `name` replaced by `column`.
std::shared_ptr<arrow::Table> ReplaceColumn(const std::shared_ptr<arrow::Table>& table,
                                            const std::string& name,
                                            std::shared_ptr<arrow::Array> column) {
  const int i = table->schema()->GetFieldIndex(name);
  EXPECT_GE(i, 0) << name;
  return table
      ->SetColumn(i, arrow::field(name, column->type()),
                  std::make_shared<arrow::ChunkedArray>(column))
      .ValueOrDie();
}

std::shared_ptr<arrow::Array> ColumnAsArray(const arrow::Table& table,
                                            const std::string& name) {
  auto column = table.GetColumnByName(name);
  return arrow::Concatenate(column->chunks()).ValueOrDie();
}

// --- round trips ----------------------------------------------------------------------

struct RoundTripCase {
  std::string label;
  DType dtype;
  std::array<int64_t, 5> shape;                       // T, C, Z, Y, X
  std::optional<std::array<int64_t, 5>> chunk_shape;  // nullopt: default choice
  std::optional<std::string> compression = "zstd";
  int64_t rows_per_group = 1;
  bool index = true;
  Encoding source = Encoding::kPlanes;
};

std::ostream& operator<<(std::ostream& os, const RoundTripCase& c) {
  return os << c.label;
}

class DatasetRoundTrip : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(DatasetRoundTrip, ReadsBackPixelExact) {
  const RoundTripCase& param = GetParam();
  const auto [st, sc, sz, sy, sx] = param.shape;
  const DenseImage dense = MakeRandomImage(st, sc, sz, sy, sx, param.dtype, 11);
  const auto source = MakeImage(dense, param.source);
  const fs::path dir = TempDir();
  DatasetWriteOptions write;
  write.chunk_shape = param.chunk_shape;
  write.compression = param.compression;
  write.chunk_rows_per_row_group = param.rows_per_group;
  write.build_physical_index = param.index;
  ASSERT_OK(WriteDataset(*source, dir.string(), write));
  EXPECT_EQ(fs::exists(dir / "index.parquet"), param.index);

  ASSERT_OK_AND_ASSIGN(auto image, OpenDataset(dir.string()));
  EXPECT_EQ(image->encoding(), PixelEncoding::kByteChunks);
  const PixelsMeta& meta = image->pixels_meta();
  EXPECT_EQ(meta.size_t, st);
  EXPECT_EQ(meta.size_c, sc);
  EXPECT_EQ(meta.size_z, sz);
  EXPECT_EQ(meta.size_y, sy);
  EXPECT_EQ(meta.size_x, sx);
  EXPECT_EQ(meta.type, std::string(DTypeName(param.dtype)));
  ASSERT_TRUE(image->chunk_grid().has_value());
  ASSERT_OK_AND_ASSIGN(auto choice,
                       ChooseDatasetChunking(param.shape, param.dtype, write));
  EXPECT_EQ(image->chunk_grid()->chunk_z, choice.chunk_shape[2]);
  EXPECT_EQ(image->chunk_grid()->chunk_y, choice.chunk_shape[3]);
  EXPECT_EQ(image->chunk_grid()->chunk_x, choice.chunk_shape[4]);

  ASSERT_OK_AND_ASSIGN(auto bytes, ReadAllBytes(image, param.dtype));
  EXPECT_TRUE(bytes == dense.bytes) << "whole image differs";

  // Windows that start and end inside chunks, in the last plane.
  const int64_t t = st - 1, c = sc - 1, z = sz - 1;
  const int64_t x0 = sx / 3, y0 = sy / 4, w = std::max<int64_t>(1, sx / 2),
                h = std::max<int64_t>(1, sy / 2);
  ASSERT_OK_AND_ASSIGN(auto window,
                       ReadPlane(image, t, c, z, std::vector<int64_t>{x0, y0, w, h}));
  ASSERT_EQ(window.shape, (std::vector<int64_t>{h, w}));
  for (int64_t y = 0; y < h; ++y) {
    for (int64_t x = 0; x < w; ++x) {
      ASSERT_EQ(testing::LoadAsDouble(window.data + (y * w + x) * ItemSize(param.dtype),
                                      param.dtype),
                dense.At(t, c, z, y0 + y, x0 + x))
          << "y=" << y << " x=" << x;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DatasetRoundTrip,
    ::testing::Values(
        // The reference fixture's shape: z and y edges clipped.
        RoundTripCase{"u16_zyx_blocks",
                      DType::kUInt16,
                      {1, 2, 3, 20, 24},
                      std::array<int64_t, 5>{1, 1, 2, 8, 8}},
        RoundTripCase{"u8_clipped",
                      DType::kUInt8,
                      {2, 1, 5, 33, 17},
                      std::array<int64_t, 5>{1, 1, 3, 16, 5}},
        // 5-D blocks: shape_t and shape_c > 1, edges clipped on every axis.
        RoundTripCase{"f32_5d_blocks",
                      DType::kFloat32,
                      {3, 3, 4, 10, 12},
                      std::array<int64_t, 5>{2, 2, 3, 7, 5}},
        RoundTripCase{
            "i16_default_chunks", DType::kInt16, {2, 2, 3, 40, 30}, std::nullopt},
        RoundTripCase{"f64_none",
                      DType::kFloat64,
                      {1, 2, 2, 9, 13},
                      std::array<int64_t, 5>{1, 2, 2, 4, 4},
                      std::nullopt},
        RoundTripCase{"u32_snappy",
                      DType::kUInt32,
                      {1, 1, 3, 16, 16},
                      std::array<int64_t, 5>{1, 1, 1, 16, 16},
                      "snappy"},
        RoundTripCase{"i32_gzip_grouped",
                      DType::kInt32,
                      {2, 1, 2, 12, 12},
                      std::array<int64_t, 5>{1, 1, 1, 5, 5},
                      "gzip",
                      4},
        RoundTripCase{"i8_grouped_no_index",
                      DType::kInt8,
                      {1, 3, 2, 11, 7},
                      std::array<int64_t, 5>{1, 1, 2, 4, 4},
                      "zstd",
                      3,
                      false},
        RoundTripCase{"u64_lz4",
                      DType::kUInt64,
                      {1, 1, 2, 6, 6},
                      std::array<int64_t, 5>{1, 1, 1, 3, 6},
                      "lz4"},
        RoundTripCase{"i64_no_index",
                      DType::kInt64,
                      {2, 1, 1, 8, 8},
                      std::array<int64_t, 5>{1, 1, 1, 8, 3},
                      "zstd",
                      1,
                      false},
        // Whole image in one chunk; zero-sized requests clip to the image.
        RoundTripCase{"u16_one_chunk",
                      DType::kUInt16,
                      {2, 2, 2, 5, 5},
                      std::array<int64_t, 5>{9, 9, 9, 9, 9}},
        RoundTripCase{"u16_from_zstd_byte_chunks",
                      DType::kUInt16,
                      {1, 2, 3, 33, 70},
                      std::array<int64_t, 5>{1, 1, 2, 16, 32},
                      "zstd",
                      1,
                      true,
                      Encoding::kByteChunksZstd},
        RoundTripCase{"f32_from_list_chunks",
                      DType::kFloat32,
                      {2, 1, 3, 20, 20},
                      std::nullopt,
                      "zstd",
                      2,
                      true,
                      Encoding::kListChunks}),
    [](const ::testing::TestParamInfo<RoundTripCase>& info) { return info.param.label; });

TEST(DatasetWriter, DefaultChunkingIsTheReferenceBalancedBlock) {
  DatasetWriteOptions options;
  ASSERT_OK_AND_ASSIGN(auto small,
                       ChooseDatasetChunking({1, 2, 3, 20, 24}, DType::kUInt16, options));
  EXPECT_EQ(small.layout, "block");
  EXPECT_EQ(small.chunk_shape, (std::array<int64_t, 5>{1, 1, 3, 20, 24}));
  ASSERT_OK_AND_ASSIGN(
      auto big, ChooseDatasetChunking({3, 2, 40, 1000, 900}, DType::kUInt16, options));
  EXPECT_EQ(big.chunk_shape, (std::array<int64_t, 5>{1, 1, 16, 128, 128}));
  EXPECT_EQ(
      big.rationale,
      "Selected layout=\"block\", chunk_shape=(1, 1, 16, 128, 128), compression='zstd' "
      "because dtype=uint16, estimated chunk size is 0.5 MB, and "
      "access_pattern=\"balanced\".");
  // Above target_chunk_mb, Y and X shrink by sqrt(target / size).
  options.target_chunk_mb = 0.125;
  ASSERT_OK_AND_ASSIGN(
      auto scaled, ChooseDatasetChunking({1, 1, 40, 1000, 900}, DType::kUInt16, options));
  EXPECT_EQ(scaled.chunk_shape, (std::array<int64_t, 5>{1, 1, 16, 64, 64}));
  // Explicit shapes are clipped to [1, size], never scaled.
  options.chunk_shape = std::array<int64_t, 5>{0, 5, 100, 2000, 3};
  options.compression = std::nullopt;
  ASSERT_OK_AND_ASSIGN(
      auto explicit_shape,
      ChooseDatasetChunking({1, 2, 40, 1000, 900}, DType::kUInt16, options));
  EXPECT_EQ(explicit_shape.chunk_shape, (std::array<int64_t, 5>{1, 2, 40, 1000, 3}));
  EXPECT_NE(explicit_shape.rationale.find("compression=None"), std::string::npos);
  options.target_chunk_mb = 0;
  EXPECT_STATUS(ChooseDatasetChunking({1, 1, 1, 1, 1}, DType::kUInt8, options), Invalid,
                "target_chunk_mb must be > 0 before computing chunk scale from size_mb.");
}

TEST(DatasetWriter, WritesTheReferenceSchemasMetadataAndManifest) {
  const DenseImage dense = MakeRandomImage(1, 3, 2, 10, 9, DType::kUInt16, 3);
  const auto source = MakeImage(dense);
  const fs::path dir = TempDir();
  DatasetWriteOptions options;
  options.chunk_shape = std::array<int64_t, 5>{1, 1, 1, 4, 9};
  options.chunk_rows_per_row_group = 2;
  ASSERT_OK(WriteDataset(*source, dir.string(), options));

  const std::map<std::string, std::vector<std::string>> expected_columns = {
      {"images.parquet",
       {"image_id", "name", "image_type", "dtype", "size_t", "size_c", "size_z", "size_y",
        "size_x", "layout", "chunk_t", "chunk_c", "chunk_z", "chunk_y", "chunk_x",
        "compression", "channels_json"}},
      {"chunks.parquet",
       {"image_id", "chunk_id", "t", "c", "z", "y", "x", "shape_t", "shape_c", "shape_z",
        "shape_y", "shape_x", "dtype", "pixel_bytes"}},
      {"index.parquet",
       {"image_id", "chunk_id", "row_group_id", "row_index_in_group", "fragment_path",
        "t", "c", "z", "y", "x", "shape_t", "shape_c", "shape_z", "shape_y", "shape_x"}}};
  for (const auto& [file, columns] : expected_columns) {
    ASSERT_OK_AND_ASSIGN(auto table, ReadParquet(dir / file));
    EXPECT_EQ(table->schema()->field_names(), columns) << file;
    auto metadata = table->schema()->metadata();
    ASSERT_NE(metadata, nullptr) << file;
    EXPECT_EQ(metadata->Get("ome.arrow.type").ValueOr(""), "ome.arrow") << file;
    EXPECT_EQ(metadata->Get("ome.arrow.version").ValueOr(""), "0.1.0") << file;
    EXPECT_EQ(metadata->Get("ome.arrow.layout").ValueOr(""), "typed-chunk-dataset")
        << file;
  }
  ASSERT_OK_AND_ASSIGN(auto chunks, ReadParquet(dir / "chunks.parquet"));
  EXPECT_TRUE(chunks->schema()
                  ->GetFieldByName("pixel_bytes")
                  ->type()
                  ->Equals(arrow::large_binary()));
  EXPECT_TRUE(chunks->schema()->GetFieldByName("t")->type()->Equals(arrow::int32()));
  EXPECT_EQ(chunks->num_rows(), 3 * 2 * 3);  // C × Z × ceil(10 / 4) bands of full X
  // Row groups of chunk_rows_per_row_group rows; the index points into them.
  {
    ASSERT_OK_AND_ASSIGN(
        auto file, arrow::io::ReadableFile::Open((dir / "chunks.parquet").string()));
    auto reader = parquet::ParquetFileReader::Open(file);
    EXPECT_EQ(reader->metadata()->num_row_groups(), 9);
    EXPECT_EQ(reader->metadata()->RowGroup(0)->num_rows(), 2);
  }
  ASSERT_OK_AND_ASSIGN(auto index, ReadParquet(dir / "index.parquet"));
  auto row_group =
      std::static_pointer_cast<arrow::Int32Array>(ColumnAsArray(*index, "row_group_id"));
  auto in_group = std::static_pointer_cast<arrow::Int32Array>(
      ColumnAsArray(*index, "row_index_in_group"));
  auto chunk_id =
      std::static_pointer_cast<arrow::Int64Array>(ColumnAsArray(*index, "chunk_id"));
  for (int64_t i = 0; i < index->num_rows(); ++i) {
    EXPECT_EQ(chunk_id->Value(i), i);
    EXPECT_EQ(row_group->Value(i), i / 2);
    EXPECT_EQ(in_group->Value(i), i % 2);
  }

  ASSERT_OK_AND_ASSIGN(auto images, ReadParquet(dir / "images.parquet"));
  auto channels_json = std::static_pointer_cast<arrow::StringArray>(
      ColumnAsArray(*images, "channels_json"));
  ASSERT_OK_AND_ASSIGN(auto channels,
                       internal::ParseJson(channels_json->GetString(0), "channels_json"));
  ASSERT_TRUE(channels.is_array());
  ASSERT_EQ(channels.size(), 3u);
  EXPECT_EQ(channels[1]["id"], "ch-1");

  std::ifstream in(dir / "_ome_arrow_dataset.json");
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  ASSERT_OK_AND_ASSIGN(auto manifest, internal::ParseJson(text, "manifest"));
  EXPECT_EQ(manifest["type"], "ome.arrow");
  EXPECT_EQ(manifest["layout"], "typed-chunk-dataset");
  EXPECT_EQ(manifest["image_count"], 1);
  EXPECT_EQ(manifest["chunk_count"], 18);
  ASSERT_TRUE(manifest.contains("choice"));
  const auto& choice = manifest["choice"];
  EXPECT_EQ(choice["layout"], "block");
  EXPECT_EQ(choice["compression"], "zstd");
  ASSERT_EQ(choice["chunk_shape"].size(), 5u);
  EXPECT_EQ(choice["chunk_shape"][3], 4);
  EXPECT_TRUE(manifest.contains("package_versions"));
  // json.dumps(indent=2) style.
  EXPECT_EQ(text.substr(0, 24), "{\n  \"type\": \"ome.arrow\",");
}

TEST(DatasetReader, KeepsMetadataAndChannels) {
  const DenseImage dense = MakeRandomImage(1, 3, 1, 8, 8, DType::kUInt16, 5);
  const auto source = MakeImage(dense);
  const fs::path dir = TempDir();
  ASSERT_OK(WriteDataset(*source, dir.string()));
  ASSERT_OK_AND_ASSIGN(auto image, OpenDataset(dir.string()));
  EXPECT_EQ(image->info().type, "ome.arrow");
  EXPECT_EQ(image->info().version, "0.1.0");
  EXPECT_EQ(image->info().id, source->info().id);
  EXPECT_EQ(image->info().name, source->info().name);
  EXPECT_EQ(image->info().image_type, source->info().image_type);
  ASSERT_EQ(image->pixels_meta().channels.size(), source->pixels_meta().channels.size());
  for (size_t i = 0; i < image->pixels_meta().channels.size(); ++i) {
    const Channel& a = image->pixels_meta().channels[i];
    const Channel& b = source->pixels_meta().channels[i];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.emission_um, b.emission_um);
    EXPECT_EQ(a.excitation_um, b.excitation_um);
    EXPECT_EQ(a.illumination, b.illumination);
    EXPECT_EQ(a.color_rgba, b.color_rgba);
  }
  ASSERT_OK_AND_ASSIGN(auto ids, ListDatasetImageIds(dir.string()));
  EXPECT_EQ(ids, std::vector<std::string>{*source->info().id});
  EXPECT_TRUE(IsDatasetDirectory(dir.string()));
  EXPECT_FALSE(IsDatasetDirectory((dir / "images.parquet").string()));
  // tile= uses the chunk grid of the dataset.
  ViewOptions options;
  options.selection.tile = std::vector<int64_t>{0, 0};
  options.layout = "TZCYX";
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image, options));
  ASSERT_OK_AND_ASSIGN(auto shape, view.shape());
  EXPECT_EQ(shape.back(), image->chunk_grid()->chunk_x.value());
}

TEST(DatasetReader, MultiImageByIdAndRow) {
  const DenseImage a = MakeRandomImage(1, 2, 3, 9, 10, DType::kUInt16, 1);
  const DenseImage b = MakeRandomImage(2, 1, 2, 7, 6, DType::kFloat32, 2);
  const DenseImage c = MakeRandomImage(1, 1, 1, 5, 5, DType::kUInt8, 3);
  const fs::path dir = TempDir();
  DatasetWriteOptions options;
  options.chunk_shape = std::array<int64_t, 5>{1, 1, 2, 4, 4};
  options.chunk_rows_per_row_group = 5;  // row groups span images
  std::vector<DatasetImage> images = {
      {MakeImage(a), "a"}, {MakeImage(b), "b"}, {MakeImage(c), "c"}};
  ASSERT_OK(WriteDataset(images, dir.string(), options));
  ASSERT_OK_AND_ASSIGN(auto ids, ListDatasetImageIds(dir.string()));
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b", "c"}));
  for (bool use_index : {true, false}) {
    SCOPED_TRACE(use_index ? "index.parquet" : "chunks.parquet coordinates");
    DatasetOpenOptions open;
    open.use_index = use_index;
    open.image_id = "b";
    ASSERT_OK_AND_ASSIGN(auto image_b, OpenDataset(dir.string(), open));
    EXPECT_EQ(image_b->info().id, "b");
    ASSERT_OK_AND_ASSIGN(auto bytes_b, ReadAllBytes(image_b, DType::kFloat32));
    EXPECT_TRUE(bytes_b == b.bytes);
    open.image_id.reset();
    open.row = 2;
    ASSERT_OK_AND_ASSIGN(auto image_c, OpenDataset(dir.string(), open));
    ASSERT_OK_AND_ASSIGN(auto bytes_c, ReadAllBytes(image_c, DType::kUInt8));
    EXPECT_TRUE(bytes_c == c.bytes);
    open.row = 0;
    ASSERT_OK_AND_ASSIGN(auto image_a, OpenDataset(dir.string(), open));
    ASSERT_OK_AND_ASSIGN(auto bytes_a, ReadAllBytes(image_a, DType::kUInt16));
    EXPECT_TRUE(bytes_a == a.bytes);
  }
  // Ids default to the record id, else image-NNNNN.
  const fs::path dir2 = TempDir() / "defaults";
  auto unnamed = MakeImage(a);
  std::vector<DatasetImage> defaults = {{unnamed, std::nullopt}, {unnamed, "x"}};
  ASSERT_OK(WriteDataset(defaults, dir2.string()));
  ASSERT_OK_AND_ASSIGN(auto ids2, ListDatasetImageIds(dir2.string()));
  EXPECT_EQ(ids2, (std::vector<std::string>{*unnamed->info().id, "x"}));
  const fs::path dir3 = TempDir() / "duplicates";
  std::vector<DatasetImage> duplicates = {{unnamed, "same"}, {unnamed, "same"}};
  EXPECT_STATUS(WriteDataset(duplicates, dir3.string()), Invalid,
                "Duplicate image_id in OME-Arrow dataset write: 'same'");
  EXPECT_FALSE(fs::exists(dir3));
}

// Threads reading different chunks at once. With several chunks per row group a load
// publishes its siblings into the cache while other threads may be loading those
// siblings: publishing must not wait on another load (two loads of one row group waiting
// for each other's chunk would deadlock); a stress run, the race window is narrow.
TEST(DatasetReader, ConcurrentReadersSeeTheSamePixels) {
  const DenseImage dense = MakeRandomImage(2, 2, 4, 64, 64, DType::kUInt16, 9);
  for (int64_t rows_per_group : {1, 4}) {
    SCOPED_TRACE("chunk_rows_per_row_group " + std::to_string(rows_per_group));
    const fs::path dir = TempDir() / ("concurrent-" + std::to_string(rows_per_group));
    DatasetWriteOptions options;
    options.chunk_shape = std::array<int64_t, 5>{1, 1, 2, 32, 32};
    options.chunk_rows_per_row_group = rows_per_group;
    ASSERT_OK(WriteDataset(*MakeImage(dense), dir.string(), options));
    DatasetOpenOptions open;
    open.decoded_chunk_cache_bytes = 8 << 10;  // forces evictions and re-reads
    ASSERT_OK_AND_ASSIGN(auto image, OpenDataset(dir.string(), open));
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int k = 0; k < 4; ++k) {
      threads.emplace_back([&, k]() {
        for (int round = 0; round < 5; ++round) {
          for (int64_t plane = 0; plane < 16; ++plane) {
            const int64_t p = (plane + k * 5 + round) % 16;
            const int64_t t = p / 8, c = (p / 4) % 2, z = p % 4;
            auto tensor = ReadPlane(image, t, c, z);
            if (!tensor.ok() ||
                std::memcmp(tensor->data, dense.PlanePtr(t, c, z), 64 * 64 * 2) != 0) {
              ++failures;
            }
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0);
    ASSERT_OK_AND_ASSIGN(auto bytes, ReadAllBytes(image, DType::kUInt16));
    EXPECT_TRUE(bytes == dense.bytes);
  }
}

// --- bytes read
// -------------------------------------------------------------------------

// Counts the bytes read from each file opened through it.
class ReadCounter {
 public:
  void Add(const std::string& path, int64_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    bytes_[fs::path(path).filename().string()] += bytes;
  }
  int64_t Total() const {
    std::lock_guard<std::mutex> lock(mutex_);
    int64_t total = 0;
    for (const auto& [name, bytes] : bytes_) total += bytes;
    return total;
  }
  int64_t Of(const std::string& name) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = bytes_.find(name);
    return it == bytes_.end() ? 0 : it->second;
  }
  void Reset() {
    std::lock_guard<std::mutex> lock(mutex_);
    bytes_.clear();
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, int64_t> bytes_;
};

// A RandomAccessFile that forwards to another one and counts the bytes read.
class CountingFile final : public arrow::io::RandomAccessFile {
 public:
  CountingFile(std::shared_ptr<arrow::io::RandomAccessFile> base, std::string path,
               std::shared_ptr<ReadCounter> counter)
      : base_(std::move(base)), path_(std::move(path)), counter_(std::move(counter)) {}

  arrow::Status Close() override { return base_->Close(); }
  bool closed() const override { return base_->closed(); }
  arrow::Result<int64_t> Tell() const override { return base_->Tell(); }
  arrow::Status Seek(int64_t position) override { return base_->Seek(position); }
  arrow::Result<int64_t> GetSize() override { return base_->GetSize(); }
  arrow::Result<int64_t> Read(int64_t nbytes, void* out) override {
    return Count(base_->Read(nbytes, out));
  }
  arrow::Result<std::shared_ptr<arrow::Buffer>> Read(int64_t nbytes) override {
    return Count(base_->Read(nbytes));
  }
  arrow::Result<int64_t> ReadAt(int64_t position, int64_t nbytes, void* out) override {
    return Count(base_->ReadAt(position, nbytes, out));
  }
  arrow::Result<std::shared_ptr<arrow::Buffer>> ReadAt(int64_t position,
                                                       int64_t nbytes) override {
    return Count(base_->ReadAt(position, nbytes));
  }

 private:
  arrow::Result<int64_t> Count(arrow::Result<int64_t> n) {
    if (n.ok()) counter_->Add(path_, *n);
    return n;
  }
  arrow::Result<std::shared_ptr<arrow::Buffer>> Count(
      arrow::Result<std::shared_ptr<arrow::Buffer>> buffer) {
    if (buffer.ok()) counter_->Add(path_, (*buffer)->size());
    return buffer;
  }

  std::shared_ptr<arrow::io::RandomAccessFile> base_;
  std::string path_;
  std::shared_ptr<ReadCounter> counter_;
};

DatasetFileOpener CountingOpener(std::shared_ptr<ReadCounter> counter) {
  return [counter](const std::string& path)
             -> arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>> {
    ARROW_ASSIGN_OR_RAISE(auto file, arrow::io::ReadableFile::Open(path));
    return std::make_shared<CountingFile>(file, path, counter);
  };
}

struct CountCase {
  std::string label;
  std::array<int64_t, 5> chunk_shape;
  bool index;
};

class DatasetBytesRead : public ::testing::TestWithParam<CountCase> {};

TEST_P(DatasetBytesRead, OnePlaneReadsOnlyItsChunks) {
  // 2×3×4 planes of 256×256 random uint16 (incompressible): 3 MiB of pixels.
  const DenseImage dense = MakeRandomImage(2, 3, 4, 256, 256, DType::kUInt16, 21);
  const fs::path dir = TempDir();
  DatasetWriteOptions options;
  options.chunk_shape = GetParam().chunk_shape;
  options.compression = std::nullopt;
  options.build_physical_index = GetParam().index;
  ASSERT_OK(WriteDataset(*MakeImage(dense), dir.string(), options));
  const int64_t chunks_file_bytes =
      static_cast<int64_t>(fs::file_size(dir / "chunks.parquet"));

  auto counter = std::make_shared<ReadCounter>();
  DatasetOpenOptions open;
  open.file_opener = CountingOpener(counter);
  ASSERT_OK_AND_ASSIGN(auto image, OpenDataset(dir.string(), open));
  const int64_t open_bytes = counter->Total();
  const int64_t open_chunks_bytes = counter->Of("chunks.parquet");

  counter->Reset();
  const int64_t t = 1, c = 2, z = 1;
  ASSERT_OK_AND_ASSIGN(auto plane, ReadPlane(image, t, c, z));
  ASSERT_EQ(std::memcmp(plane.data, dense.PlanePtr(t, c, z), 256 * 256 * 2), 0);
  const int64_t plane_read = counter->Total();
  // The plane's chunks: every chunk is a T×C×Z block, so the plane's chunks hold
  // shape_t*shape_c*shape_z planes' worth of pixels.
  const auto& cs = GetParam().chunk_shape;
  const int64_t plane_chunk_bytes = int64_t{256} * 256 * 2 * cs[0] * cs[1] * cs[2];

  // Reading it again is served from the decoded cache.
  counter->Reset();
  ASSERT_OK(ReadPlane(image, t, c, z).status());
  const int64_t second_read = counter->Total();

  std::cout << "[bytes] " << GetParam().label << ": chunks.parquet " << chunks_file_bytes
            << " B; open read " << open_bytes << " B (chunks.parquet "
            << open_chunks_bytes << " B); one plane read " << plane_read << " B for "
            << plane_chunk_bytes << " B of plane chunks ("
            << static_cast<double>(plane_read) / plane_chunk_bytes << "x); second read "
            << second_read << " B\n";
  // Opening reads metadata only (the Parquet footer read-ahead is 64 KiB).
  EXPECT_LT(open_chunks_bytes, chunks_file_bytes / 8);
  EXPECT_GE(plane_read, plane_chunk_bytes);
  EXPECT_LE(plane_read, 2 * plane_chunk_bytes);
  EXPECT_EQ(second_read, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DatasetBytesRead,
    ::testing::Values(CountCase{"tiles_index", {1, 1, 1, 128, 128}, true},
                      CountCase{"tiles_no_index", {1, 1, 1, 128, 128}, false},
                      CountCase{"zblocks_index", {1, 1, 2, 256, 128}, true}),
    [](const ::testing::TestParamInfo<CountCase>& info) { return info.param.label; });

// --- the reference's own files
// ------------------------------------------------------------

// testdata/reference-dataset was written by ome_arrow.write_ome_arrow_dataset (see its
// README.md): pixel (t, c, z, y, x) = ((t*2 + c)*3 + z)*1000 + y*24 + x, uint16.
TEST(DatasetReader, ReadsTheReferenceFixturePixelExact) {
  const fs::path dir = TestDataDir() / "reference-dataset";
  for (bool use_index : {true, false}) {
    SCOPED_TRACE(use_index);
    DatasetOpenOptions open;
    open.use_index = use_index;
    ASSERT_OK_AND_ASSIGN(auto image, OpenDataset(dir.string(), open));
    EXPECT_EQ(image->info().id, "image-00000");
    EXPECT_EQ(image->info().version, "0.1.0");
    EXPECT_EQ(image->pixels_meta().type, "uint16");
    EXPECT_EQ(image->chunk_grid()->chunk_z, 2);
    EXPECT_EQ(image->chunk_grid()->chunk_y, 8);
    ASSERT_OK_AND_ASSIGN(auto bytes, ReadAllBytes(image, DType::kUInt16));
    ASSERT_EQ(bytes.size(), 1u * 2 * 3 * 20 * 24 * 2);
    const auto* values = reinterpret_cast<const uint16_t*>(bytes.data());
    int64_t mismatches = 0;
    for (int64_t c = 0; c < 2; ++c)
      for (int64_t z = 0; z < 3; ++z)
        for (int64_t y = 0; y < 20; ++y)
          for (int64_t x = 0; x < 24; ++x) {
            const int64_t expected = (c * 3 + z) * 1000 + y * 24 + x;
            if (values[((c * 3 + z) * 20 + y) * 24 + x] != expected) ++mismatches;
          }
    EXPECT_EQ(mismatches, 0);
  }
  // Rewriting it with omearrow gives the same pixels and the same chunk rows.
  ASSERT_OK_AND_ASSIGN(auto image, OpenDataset(dir.string()));
  const fs::path copy = TempDir();
  DatasetWriteOptions options;
  options.chunk_shape = std::array<int64_t, 5>{1, 1, 2, 8, 8};
  ASSERT_OK(WriteDataset(*image, copy.string(), options));
  ASSERT_OK_AND_ASSIGN(auto theirs, ReadParquet(dir / "chunks.parquet"));
  ASSERT_OK_AND_ASSIGN(auto ours, ReadParquet(copy / "chunks.parquet"));
  EXPECT_TRUE(theirs->Equals(*ours, /*check_metadata=*/false));
  ASSERT_OK_AND_ASSIGN(auto their_index, ReadParquet(dir / "index.parquet"));
  ASSERT_OK_AND_ASSIGN(auto our_index, ReadParquet(copy / "index.parquet"));
  EXPECT_TRUE(their_index->Equals(*our_index, /*check_metadata=*/false));
  ASSERT_OK_AND_ASSIGN(auto their_images, ReadParquet(dir / "images.parquet"));
  ASSERT_OK_AND_ASSIGN(auto our_images, ReadParquet(copy / "images.parquet"));
  EXPECT_TRUE(their_images->Equals(*our_images, /*check_metadata=*/false))
      << their_images->ToString() << our_images->ToString();
}

// testdata/reference-dataset-grouped: two images, 5-D chunks (shape_c = 2), five chunk
// rows per row group spanning both images, no index.parquet, uncompressed.
TEST(DatasetReader, ReadsTheGroupedReferenceFixture) {
  const fs::path dir = TestDataDir() / "reference-dataset-grouped";
  ASSERT_FALSE(fs::exists(dir / "index.parquet"));
  ASSERT_OK_AND_ASSIGN(auto ids, ListDatasetImageIds(dir.string()));
  EXPECT_EQ(ids, (std::vector<std::string>{"image-00000", "image-00001"}));
  const auto expect = [](const std::shared_ptr<const Image>& image, DType dtype,
                         std::array<int64_t, 5> shape) {
    const auto [st, sc, sz, sy, sx] = shape;
    ASSERT_EQ(image->pixels_meta().size_t, st);
    ASSERT_EQ(image->pixels_meta().size_x, sx);
    ASSERT_OK_AND_ASSIGN(auto bytes, ReadAllBytes(image, dtype));
    int64_t i = 0, mismatches = 0;
    for (int64_t t = 0; t < st; ++t)
      for (int64_t c = 0; c < sc; ++c)
        for (int64_t z = 0; z < sz; ++z)
          for (int64_t y = 0; y < sy; ++y)
            for (int64_t x = 0; x < sx; ++x, ++i) {
              const double expected = ((t * sc + c) * sz + z) * 1000 + y * sx + x;
              if (testing::LoadAsDouble(bytes.data() + i * ItemSize(dtype), dtype) !=
                  expected) {
                ++mismatches;
              }
            }
    EXPECT_EQ(mismatches, 0);
  };
  ASSERT_OK_AND_ASSIGN(auto first, OpenDataset(dir.string()));
  expect(first, DType::kUInt16, {2, 3, 2, 10, 9});
  DatasetOpenOptions open;
  open.image_id = "image-00001";
  ASSERT_OK_AND_ASSIGN(auto second, OpenDataset(dir.string(), open));
  EXPECT_EQ(second->pixels_meta().type, "float32");
  expect(second, DType::kFloat32, {1, 1, 3, 7, 5});
}

// --- bad input
// ----------------------------------------------------------------------------

class DatasetBadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    dense_ = MakeRandomImage(1, 2, 2, 8, 8, DType::kUInt16, 4);
    dir_ = TempDir();
    DatasetWriteOptions options;
    options.chunk_shape = std::array<int64_t, 5>{1, 1, 1, 4, 8};
    ASSERT_OK(WriteDataset(*MakeImage(dense_), dir_.string(), options));
  }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  // Rewrites a table of the dataset with column `name` replaced.
  void Rewrite(const std::string& file, const std::string& name,
               std::shared_ptr<arrow::Array> column) {
    auto table = ReadParquet(dir_ / file).ValueOrDie();
    ASSERT_OK(
        WriteParquet(*ReplaceColumn(table, name, std::move(column)), dir_ / file, 1));
  }

  DenseImage dense_;
  fs::path dir_;
};

TEST_F(DatasetBadInput, MissingDirectoryAndFiles) {
  EXPECT_STATUS(OpenDataset(Path("nope")), IOError, "No such dataset: " + Path("nope"));
  fs::remove(dir_ / "_ome_arrow_dataset.json");
  EXPECT_STATUS_HAS(OpenDataset(dir_.string()), Path("_ome_arrow_dataset.json"));
  ASSERT_OK(WriteDataset(*MakeImage(dense_), dir_.string(), [] {
    DatasetWriteOptions o;
    o.overwrite = true;
    return o;
  }()));
  ASSERT_OK(OpenDataset(dir_.string()).status());
  fs::remove(dir_ / "chunks.parquet");
  EXPECT_STATUS_HAS(OpenDataset(dir_.string()), Path("chunks.parquet"));
  fs::remove(dir_ / "images.parquet");
  EXPECT_STATUS_HAS(OpenDataset(dir_.string()), Path("images.parquet"));
}

TEST_F(DatasetBadInput, ManifestMustBeADatasetManifest) {
  {
    std::ofstream out(dir_ / "_ome_arrow_dataset.json");
    out << "{\"layout\": \"typed-chunk-dataset\", ";  // truncated
  }
  EXPECT_STATUS_HAS(OpenDataset(dir_.string()),
                    Path("_ome_arrow_dataset.json") + ": invalid JSON");
  {
    std::ofstream out(dir_ / "_ome_arrow_dataset.json");
    out << "{\"layout\": \"zarr\"}";
  }
  EXPECT_STATUS_HAS(OpenDataset(dir_.string()), "unsupported dataset layout 'zarr'");
  {
    std::ofstream out(dir_ / "_ome_arrow_dataset.json");
    out << "[1, 2]";
  }
  EXPECT_STATUS_HAS(OpenDataset(dir_.string()), "must be a JSON object");
}

TEST_F(DatasetBadInput, ImageSelection) {
  DatasetOpenOptions open;
  open.image_id = "missing";
  EXPECT_STATUS_HAS(OpenDataset(dir_.string(), open), "image_id not found: missing");
  open.image_id.reset();
  open.row = 1;
  EXPECT_STATUS_HAS(OpenDataset(dir_.string(), open), "row 1 out of range (1 images)");
  open.row = -1;
  EXPECT_STATUS_HAS(OpenDataset(dir_.string(), open), Path("images.parquet"));
}

TEST_F(DatasetBadInput, ChunkOutOfBounds) {
  for (const std::string file : {"index.parquet", "chunks.parquet"}) {
    SCOPED_TRACE(file);
    SetUp();
    if (file == "chunks.parquet") fs::remove(dir_ / "index.parquet");
    auto table = ReadParquet(dir_ / file).ValueOrDie();
    const int64_t n = table->num_rows();
    std::vector<int64_t> x(static_cast<size_t>(n), 0);
    x[1] = 4;  // x + shape_x = 12 > size_x = 8
    Rewrite(file, "x", testing::IntegerArray(arrow::int32(), x).ValueOrDie());
    EXPECT_STATUS_HAS(OpenDataset(dir_.string()),
                      Path(file) +
                          ": chunk_id 1 (row 1): chunk out of bounds: x+shape_x=12 > "
                          "size_x=8");
  }
  SetUp();
  auto table = ReadParquet(dir_ / "index.parquet").ValueOrDie();
  std::vector<int64_t> groups(static_cast<size_t>(table->num_rows()), 0);
  groups[2] = 99;
  Rewrite("index.parquet", "row_group_id",
          testing::IntegerArray(arrow::int32(), groups).ValueOrDie());
  EXPECT_STATUS_HAS(OpenDataset(dir_.string()), "row_group_id 99 out of range");
}

TEST_F(DatasetBadInput, PayloadLengthMismatch) {
  auto table = ReadParquet(dir_ / "chunks.parquet").ValueOrDie();
  arrow::LargeBinaryBuilder builder;
  auto payloads = std::static_pointer_cast<arrow::LargeBinaryArray>(
      ColumnAsArray(*table, "pixel_bytes"));
  for (int64_t i = 0; i < payloads->length(); ++i) {
    auto view = payloads->GetView(i);
    if (i == 3) view = view.substr(0, view.size() - 2);
    ASSERT_OK(builder.Append(view));
  }
  Rewrite("chunks.parquet", "pixel_bytes", builder.Finish().ValueOrDie());
  ASSERT_OK_AND_ASSIGN(auto image, OpenDataset(dir_.string()));  // metadata is fine
  ASSERT_OK(ReadPlane(image, 0, 0, 0).status());                 // chunks 0 and 1
  EXPECT_STATUS_HAS(ReadPlane(image, 0, 0, 1),
                    Path("chunks.parquet") +
                        ": chunk_id 3 (row group 3, row 0): pixel payload "
                        "length 62 bytes != expected 64 bytes "
                        "(1x1x1x4x8 uint16)");
}

TEST_F(DatasetBadInput, PayloadLargerThanTheReaderCeiling) {
  // Chunk 3's payload claims 1 MiB (its chunk needs 64 bytes): reading its row group must
  // be refused by the reader pool before Arrow allocates the payload.
  auto table = ReadParquet(dir_ / "chunks.parquet").ValueOrDie();
  arrow::LargeBinaryBuilder builder;
  auto payloads = std::static_pointer_cast<arrow::LargeBinaryArray>(
      ColumnAsArray(*table, "pixel_bytes"));
  const std::string huge(1 << 20, 'x');
  for (int64_t i = 0; i < payloads->length(); ++i) {
    ASSERT_OK(i == 3 ? builder.Append(huge) : builder.Append(payloads->GetView(i)));
  }
  Rewrite("chunks.parquet", "pixel_bytes", builder.Finish().ValueOrDie());
  ASSERT_OK_AND_ASSIGN(auto image, OpenDataset(dir_.string()));
  SetMaxViewBytes(100000);  // reader buffers up to 200000 bytes
  const auto plane0 = ReadPlane(image, 0, 0, 0);  // chunks 0 and 1: small row groups
  const auto plane1 = ReadPlane(image, 0, 0, 1);  // chunks 2 and 3
  SetMaxViewBytes(0);
  ASSERT_OK(plane0.status());
  EXPECT_FALSE(plane1.ok());
  EXPECT_STATUS_HAS(plane1, Path("chunks.parquet") + ": reading row group 3: ");
  EXPECT_STATUS_HAS(plane1, "a file reader asked for one buffer of ");
  EXPECT_STATUS_HAS(plane1, "more than the limit of 200000 bytes");
}

TEST_F(DatasetBadInput, UnknownDtypes) {
  auto table = ReadParquet(dir_ / "chunks.parquet").ValueOrDie();
  arrow::StringBuilder dtypes;
  for (int64_t i = 0; i < table->num_rows(); ++i)
    ASSERT_OK(dtypes.Append(i == 0 ? "foo" : "uint16"));
  Rewrite("chunks.parquet", "dtype", dtypes.Finish().ValueOrDie());
  ASSERT_OK_AND_ASSIGN(auto image, OpenDataset(dir_.string()));
  auto status = ReadPlane(image, 0, 0, 0).status();
  EXPECT_STATUS_HAS(status, Path("chunks.parquet") + ": chunk_id 0");
  EXPECT_STATUS_HAS(status, "foo");

  arrow::StringBuilder image_dtype;
  ASSERT_OK(image_dtype.Append("complex257"));
  Rewrite("images.parquet", "dtype", image_dtype.Finish().ValueOrDie());
  status = OpenDataset(dir_.string()).status();
  EXPECT_STATUS_HAS(status, Path("images.parquet"));
  EXPECT_STATUS_HAS(status, "complex257");
}

TEST_F(DatasetBadInput, TruncatedAndGarbageFiles) {
  const auto size = fs::file_size(dir_ / "chunks.parquet");
  fs::resize_file(dir_ / "chunks.parquet", size / 2);
  EXPECT_STATUS_HAS(OpenDataset(dir_.string()), Path("chunks.parquet"));
  {
    std::ofstream out(dir_ / "images.parquet", std::ios::binary | std::ios::trunc);
    out << "PAR1 not really";
  }
  EXPECT_STATUS_HAS(OpenDataset(dir_.string()), Path("images.parquet"));
}

TEST_F(DatasetBadInput, CompressedPayloadsAreDecoded) {
  // A `compression` column (no writer emits one today) is honoured per chunk.
  auto table = ReadParquet(dir_ / "chunks.parquet").ValueOrDie();
  auto payloads = std::static_pointer_cast<arrow::LargeBinaryArray>(
      ColumnAsArray(*table, "pixel_bytes"));
  auto codec = arrow::util::Codec::Create(arrow::Compression::ZSTD).ValueOrDie();
  arrow::LargeBinaryBuilder compressed;
  arrow::StringBuilder names;
  for (int64_t i = 0; i < payloads->length(); ++i) {
    auto view = payloads->GetView(i);
    const int64_t bound = codec->MaxCompressedLen(
        static_cast<int64_t>(view.size()), reinterpret_cast<const uint8_t*>(view.data()));
    std::vector<uint8_t> out(static_cast<size_t>(bound));
    const int64_t n =
        codec
            ->Compress(static_cast<int64_t>(view.size()),
                       reinterpret_cast<const uint8_t*>(view.data()), bound, out.data())
            .ValueOrDie();
    ASSERT_OK(compressed.Append(out.data(), i == 5 ? n / 2 : n));
    ASSERT_OK(names.Append("zstd"));
  }
  auto with_payload =
      ReplaceColumn(table, "pixel_bytes", compressed.Finish().ValueOrDie());
  auto with_codec =
      with_payload
          ->AddColumn(with_payload->num_columns(),
                      arrow::field("compression", arrow::utf8()),
                      std::make_shared<arrow::ChunkedArray>(names.Finish().ValueOrDie()))
          .ValueOrDie();
  ASSERT_OK(WriteParquet(*with_codec, dir_ / "chunks.parquet", 1));
  ASSERT_OK_AND_ASSIGN(auto image, OpenDataset(dir_.string()));
  ASSERT_OK_AND_ASSIGN(auto plane, ReadPlane(image, 0, 0, 0));
  EXPECT_EQ(std::memcmp(plane.data, dense_.PlanePtr(0, 0, 0), 8 * 8 * 2), 0);
  // Chunk 5 (c=1, z=0, lower half) has a truncated zstd frame.
  EXPECT_STATUS_HAS(ReadPlane(image, 0, 1, 0), Path("chunks.parquet") + ": chunk_id 5");
}

TEST_F(DatasetBadInput, WriterRefusesToClobber) {
  const DenseImage dense = MakeRandomImage(1, 1, 1, 4, 4, DType::kUInt8, 1);
  auto image = MakeImage(dense);
  EXPECT_STATUS(WriteDataset(*image, dir_.string()), AlreadyExists,
                dir_.string() +
                    ": directory is not empty (set overwrite to replace a "
                    "dataset there)");
  const fs::path file = dir_ / "images.parquet";
  EXPECT_STATUS_HAS(WriteDataset(*image, file.string()), "exists and is not a directory");
  DatasetWriteOptions options;
  options.overwrite = true;
  options.build_physical_index = false;
  ASSERT_OK(WriteDataset(*image, dir_.string(), options));
  EXPECT_FALSE(fs::exists(dir_ / "index.parquet"));  // the stale index is gone
  ASSERT_OK_AND_ASSIGN(auto reopened, OpenDataset(dir_.string()));
  ASSERT_OK_AND_ASSIGN(auto bytes, ReadAllBytes(reopened, DType::kUInt8));
  EXPECT_TRUE(bytes == dense.bytes);

  options.chunk_rows_per_row_group = 0;
  EXPECT_STATUS(WriteDataset(*image, (dir_ / "x").string(), options), Invalid,
                "chunk_rows_per_row_group must be > 0");
  options.chunk_rows_per_row_group = 1;
  options.compression = "zip";
  EXPECT_STATUS(WriteDataset(*image, (dir_ / "x").string(), options), Invalid,
                "unknown Parquet compression 'zip'");
  EXPECT_STATUS(WriteDataset(std::vector<DatasetImage>{}, (dir_ / "x").string()), Invalid,
                "images must contain at least one image");
  EXPECT_FALSE(fs::exists(dir_ / "x"));
}

// --- damaged datasets
// -------------------------------------------------------------------
//
// Every case damages a freshly written two-image dataset ("a": 1×2×3×20×24 uint16 in
// 1×1×2×8×8 chunks = 36 chunks, ids 0-35; "b": 2×1×1×10×9 float32 in 1×1×1×8×8 chunks =
// 8 chunks, ids 36-43) and then opens and reads both images in full. Each image must
// either read exactly (or with zeros exactly where the damaged dataset no longer
// declares a chunk), or fail with an error naming the files listed.

// What one image of a damaged dataset must give.
struct Outcome {
  enum Kind { kExact, kZeros, kError } kind = kExact;
  std::vector<std::string> files;  // kError: file names the message must contain
  std::string text;                // kError: and this text, when set
};
Outcome Exact() { return {}; }
Outcome Zeros() { return {Outcome::kZeros, {}, {}}; }
Outcome Error(std::vector<std::string> files, std::string text = {}) {
  return {Outcome::kError, std::move(files), std::move(text)};
}

constexpr const char* kManifest = "_ome_arrow_dataset.json";

struct DamageCase {
  std::string label;
  int64_t rows_per_group = 1;  // of the written chunks.parquet
  std::function<void(const fs::path& dir, int64_t rows_per_group)> damage;
  Outcome a, b;
  int64_t zeroed_row = -1;  // kZeros: the chunks.parquet row whose region reads as 0
};

std::ostream& operator<<(std::ostream& os, const DamageCase& c) { return os << c.label; }

// --- damage primitives (test-fatal on failure: the fixture must be damaged as meant)

std::shared_ptr<arrow::Table> LoadTable(const fs::path& path) {
  return ReadParquet(path).ValueOrDie();
}

void SaveTable(const arrow::Table& table, const fs::path& path, int64_t rows_per_group) {
  ASSERT_OK(WriteParquet(table, path, rows_per_group));
}

// The rows of `table` listed in `rows`, in that order.
std::shared_ptr<arrow::Table> TakeRows(const std::shared_ptr<arrow::Table>& table,
                                       const std::vector<int64_t>& rows) {
  std::vector<std::shared_ptr<arrow::Table>> pieces;
  for (int64_t row : rows) pieces.push_back(table->Slice(row, 1));
  if (pieces.empty()) pieces.push_back(table->Slice(0, 0));
  return arrow::ConcatenateTables(pieces).ValueOrDie()->CombineChunks().ValueOrDie();
}

std::vector<int64_t> AllRows(int64_t n) {
  std::vector<int64_t> rows(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) rows[static_cast<size_t>(i)] = i;
  return rows;
}

// Rewrites `file` of `dir` with its rows in the order `pick` returns for all rows.
void EditRows(const fs::path& dir, const std::string& file, int64_t rows_per_group,
              const std::function<std::vector<int64_t>(std::vector<int64_t>)>& pick) {
  auto table = LoadTable(dir / file);
  SaveTable(*TakeRows(table, pick(AllRows(table->num_rows()))), dir / file,
            file == "chunks.parquet" ? rows_per_group : int64_t{1} << 20);
}

std::function<std::vector<int64_t>(std::vector<int64_t>)> Without(int64_t row) {
  return [row](std::vector<int64_t> rows) {
    rows.erase(rows.begin() + row);
    return rows;
  };
}

// index.parquet as the reference writes it for the current chunks.parquet.
void RebuildIndex(const fs::path& dir, int64_t rows_per_group) {
  auto chunks = LoadTable(dir / "chunks.parquet");
  const int64_t n = chunks->num_rows();
  std::vector<int64_t> groups, in_group;
  arrow::StringBuilder fragments;
  for (int64_t i = 0; i < n; ++i) {
    groups.push_back(i / rows_per_group);
    in_group.push_back(i % rows_per_group);
    ASSERT_OK(fragments.Append("chunks.parquet"));
  }
  std::vector<std::shared_ptr<arrow::Field>> fields;
  std::vector<std::shared_ptr<arrow::Array>> columns;
  const auto add = [&](const std::string& name, std::shared_ptr<arrow::Array> column) {
    fields.push_back(arrow::field(name, column->type()));
    columns.push_back(std::move(column));
  };
  add("image_id", ColumnAsArray(*chunks, "image_id"));
  add("chunk_id", ColumnAsArray(*chunks, "chunk_id"));
  add("row_group_id", testing::IntegerArray(arrow::int32(), groups).ValueOrDie());
  add("row_index_in_group", testing::IntegerArray(arrow::int32(), in_group).ValueOrDie());
  add("fragment_path", fragments.Finish().ValueOrDie());
  for (const char* name :
       {"t", "c", "z", "y", "x", "shape_t", "shape_c", "shape_z", "shape_y", "shape_x"}) {
    add(name, ColumnAsArray(*chunks, name));
  }
  SaveTable(*arrow::Table::Make(arrow::schema(fields), columns), dir / "index.parquet",
            int64_t{1} << 20);
}

// Sets (or, with a null value, removes) manifest fields.
void EditManifest(const fs::path& dir,
                  const std::vector<std::pair<std::string, internal::Json>>& edits) {
  std::ifstream in(dir / kManifest);
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  in.close();
  auto json = internal::ParseJson(text, "manifest").ValueOrDie();
  for (const auto& [key, value] : edits) {
    if (value.is_null()) {
      json.erase(key);
    } else {
      json[key] = value;
    }
  }
  std::ofstream(dir / kManifest, std::ios::trunc) << internal::WriteJson(json, 2);
}

// Replaces an integer column of `file` (one value per row, computed from the old).
void EditInts(const fs::path& dir, const std::string& file, const std::string& name,
              int64_t rows_per_group,
              const std::function<int64_t(int64_t row, int64_t value)>& edit) {
  auto table = LoadTable(dir / file);
  auto column = ColumnAsArray(*table, name);
  std::vector<int64_t> values;
  for (int64_t i = 0; i < column->length(); ++i) {
    values.push_back(edit(i, internal::ReadInteger(*column, i, name).ValueOrDie()));
  }
  SaveTable(*ReplaceColumn(table, name,
                           testing::IntegerArray(column->type(), values).ValueOrDie()),
            dir / file, file == "chunks.parquet" ? rows_per_group : int64_t{1} << 20);
}

void NullGrid(const fs::path& dir) {
  auto table = LoadTable(dir / "images.parquet");
  for (const char* name : {"chunk_t", "chunk_c", "chunk_z", "chunk_y", "chunk_x"}) {
    table = ReplaceColumn(
        table, name,
        arrow::MakeArrayOfNull(arrow::int32(), table->num_rows()).ValueOrDie());
  }
  SaveTable(*table, dir / "images.parquet", int64_t{1} << 20);
}

void Truncate(const fs::path& path) { fs::resize_file(path, fs::file_size(path) / 2); }

using Damage = std::function<void(const fs::path&, int64_t)>;

std::vector<DamageCase> DamageCases() {
  const std::string m = kManifest, im = "images.parquet", ch = "chunks.parquet",
                    ix = "index.parquet";
  std::vector<DamageCase> cases;
  // The same damage and outcome for both row-group sizes.
  const auto both = [&](const std::string& label, Damage damage, Outcome a, Outcome b,
                        int64_t zeroed_row = -1) {
    for (int64_t rpg : {1, 5}) {
      cases.push_back(
          {label + "_rpg" + std::to_string(rpg), rpg, damage, a, b, zeroed_row});
    }
  };
  const auto one = [&](const std::string& label, int64_t rpg, Damage damage, Outcome a,
                       Outcome b) {
    cases.push_back({label + "_rpg" + std::to_string(rpg), rpg, std::move(damage), a, b});
  };
  const auto remove = [](std::string file) {
    return [file](const fs::path& d, int64_t) { fs::remove(d / file); };
  };
  const auto count = [](int64_t n) {
    return [n](const fs::path& d, int64_t) { EditManifest(d, {{"chunk_count", n}}); };
  };
  const auto then = [](std::vector<Damage> steps) -> Damage {
    return [steps](const fs::path& d, int64_t rpg) {
      for (const auto& step : steps) step(d, rpg);
    };
  };
  const auto chunk_rows =
      [](std::function<std::vector<int64_t>(std::vector<int64_t>)> pick) {
        return [pick](const fs::path& d, int64_t rpg) {
          EditRows(d, "chunks.parquet", rpg, pick);
        };
      };
  const Damage rebuild = [](const fs::path& d, int64_t rpg) { RebuildIndex(d, rpg); };
  const auto reversed = [](std::vector<int64_t> rows) {
    std::reverse(rows.begin(), rows.end());
    return rows;
  };

  // Files deleted or truncated.
  both("no_manifest", remove(m), Error({m}), Error({m}));
  both("no_images", remove(im), Error({im}), Error({im}));
  both("no_chunks", remove(ch), Error({ch}), Error({ch}));
  both("no_index", remove(ix), Exact(), Exact());
  for (const std::string& file : {m, im, ch, ix}) {
    both(
        "truncated_" +
            file.substr(file[0] == '_' ? 1 : 0, file.find('.') - (file[0] == '_')),
        [file](const fs::path& d, int64_t) { Truncate(d / file); }, Error({file}),
        Error({file}));
  }
  both(
      "chunks_empty",
      [](const fs::path& d, int64_t) { fs::resize_file(d / "chunks.parquet", 0); },
      Error({ch}), Error({ch}));

  // Chunk rows removed (row 1: chunk (c=0, z=0, y=0, x=8) of "a"; row 43: the last of
  // "b"), with the index stale, rebuilt or removed, and the manifest as written or fixed.
  both("chunk_removed_index_stale", chunk_rows(Without(1)),
       Error({m, ch}, "chunk_count 44"), Error({m, ch}));
  both("chunk_removed_index_stale_count_fixed", then({chunk_rows(Without(1)), count(43)}),
       Error({ix, ch}, "stale"), Error({ix, ch}, "stale"));
  both("chunk_removed_index_stale_no_count",
       then({chunk_rows(Without(1)),
             [](const fs::path& d, int64_t) {
               EditManifest(d, {{"chunk_count", nullptr}});
             }}),
       Error({ix, ch}, "stale"), Error({ix, ch}, "stale"));
  both("chunk_removed_index_rebuilt_count_fixed",
       then({chunk_rows(Without(1)), rebuild, count(43)}),
       Error({im, ix}, "has no chunk at t=0, c=0, z=0, y=0, x=8"), Exact());
  both("chunk_removed_no_index_count_fixed",
       then({chunk_rows(Without(1)), remove(ix), count(43)}),
       Error({im, ch}, "has no chunk at t=0, c=0, z=0, y=0, x=8"), Exact());
  both("chunk_removed_no_index", then({chunk_rows(Without(1)), remove(ix)}),
       Error({m, ch}), Error({m, ch}));
  both("last_chunk_removed_no_index_count_fixed",
       then({chunk_rows(Without(43)), remove(ix), count(43)}), Exact(),
       Error({im, ch}, "has no chunk at t=1, c=0, z=0, y=8, x=8"));
  // The issue's case with the counts kept equal: row 1 gone, the last row repeated, so
  // every index entry after row 1 points one row too far.
  both("chunk_removed_last_repeated_index_stale",
       chunk_rows([](std::vector<int64_t> rows) {
         rows.erase(rows.begin() + 1);
         rows.push_back(43);
         return rows;
       }),
       Error({ix, ch}, "Chunk not found"), Error({ix, ch}, "Chunk not found"));
  both("chunk_repeated_index_rebuilt_count_fixed",
       then({chunk_rows([](std::vector<int64_t> rows) {
               rows.push_back(3);
               return rows;
             }),
             rebuild, count(45)}),
       Exact(), Exact());
  // Rows removed from the other tables.
  both(
      "index_row_removed",
      [](const fs::path& d, int64_t rpg) {
        EditRows(d, "index.parquet", rpg, Without(1));
      },
      Error({ix, ch}, "stale"), Error({ix, ch}, "stale"));
  both(
      "image_row_removed",
      [](const fs::path& d, int64_t rpg) {
        EditRows(d, "images.parquet", rpg, Without(1));
      },
      Error({m, im}, "image_count 2"), Error({m, im}, "image_count 2"));
  both(
      "image_row_removed_no_count",
      [](const fs::path& d, int64_t rpg) {
        EditRows(d, "images.parquet", rpg, Without(1));
        EditManifest(d, {{"image_count", nullptr}});
      },
      Exact(), Error({im}, "image_id not found: b"));

  // Rows reordered.
  both("chunks_reversed_index_rebuilt", then({chunk_rows(reversed), rebuild}), Exact(),
       Exact());
  both("chunks_reversed_no_index", then({chunk_rows(reversed), remove(ix)}), Exact(),
       Exact());
  both("chunks_reversed_index_stale", chunk_rows(reversed),
       Error({ix, ch}, "Chunk not found"), Error({ix, ch}, "Chunk not found"));
  // Rows 1 and 2 swapped: in different row groups of one row, within one of five (where
  // the chunk is found by its chunk_id in the row group the index names).
  const auto swap12 = chunk_rows([](std::vector<int64_t> rows) {
    std::swap(rows[1], rows[2]);
    return rows;
  });
  one("chunks_swapped_index_stale", 1, swap12, Error({ix, ch}, "chunk_id 1 of image 'a'"),
      Exact());
  one("chunks_swapped_index_stale", 5, swap12, Exact(), Exact());
  both(
      "index_reversed",
      [reversed](const fs::path& d, int64_t rpg) {
        EditRows(d, "index.parquet", rpg, reversed);
      },
      Exact(), Exact());
  both(
      "images_reversed",
      [reversed](const fs::path& d, int64_t rpg) {
        EditRows(d, "images.parquet", rpg, reversed);
      },
      Exact(), Exact());

  // The index stale in place.
  both(
      "index_rows_in_group_zeroed",  // found by chunk_id within the named row group
      [](const fs::path& d, int64_t rpg) {
        EditInts(d, "index.parquet", "row_index_in_group", rpg,
                 [](int64_t, int64_t) { return 0; });
      },
      Exact(), Exact());
  both(
      "index_row_groups_shifted",
      [](const fs::path& d, int64_t rpg) {
        EditInts(d, "index.parquet", "row_group_id", rpg,
                 [](int64_t row, int64_t v) { return row >= 2 && row < 30 ? v + 1 : v; });
      },
      Error({ix, ch}, "Chunk not found"), Exact());
  both(
      "index_chunk_id_changed",
      [](const fs::path& d, int64_t rpg) {
        EditInts(d, "index.parquet", "chunk_id", rpg,
                 [](int64_t row, int64_t v) { return row == 3 ? 999 : v; });
      },
      Error({ix, ch}, "chunk_id 999"), Exact());
  // Chunk 3 (y=8, x=0) said to lie where chunk 4 lies: its own cell is then missing
  // from the index; with no grid declared, the row it points at does not match.
  const Damage move3 = [](const fs::path& d, int64_t rpg) {
    EditInts(d, "index.parquet", "x", rpg,
             [](int64_t row, int64_t v) { return row == 3 ? 8 : v; });
  };
  both("index_origin_changed", move3,
       Error({im, ix}, "has no chunk at t=0, c=0, z=0, y=8, x=0"), Exact());
  both("index_origin_changed_grid_undeclared",
       then({move3, [](const fs::path& d, int64_t) { NullGrid(d); }}),
       Error({ix, ch}, "Chunk not found"), Exact());

  // Manifest fields missing or wrong.
  both(
      "manifest_no_counts",
      [](const fs::path& d, int64_t) {
        EditManifest(d, {{"image_count", nullptr}, {"chunk_count", nullptr}});
      },
      Exact(), Exact());
  both(
      "manifest_empty",
      [](const fs::path& d, int64_t) {
        std::ofstream(d / kManifest, std::ios::trunc) << "{}";
      },
      Exact(), Exact());
  both("manifest_chunk_count_high", count(45), Error({m, ch}, "chunk_count 45"),
       Error({m, ch}));
  both("manifest_chunk_count_low", count(0), Error({m, ch}, "chunk_count 0"),
       Error({m, ch}));
  for (const auto& [label, value] : std::vector<std::pair<std::string, internal::Json>>{
           {"string", "44"}, {"negative", -1}, {"float", 44.5}, {"bool", true}}) {
    both(
        "manifest_chunk_count_" + label,
        [value = value](const fs::path& d, int64_t) {
          EditManifest(d, {{"chunk_count", value}});
        },
        Error({m}, "\"chunk_count\" must be a non-negative integer"),
        Error({m}, "must be a non-negative integer"));
  }
  both(
      "manifest_image_count_wrong",
      [](const fs::path& d, int64_t) { EditManifest(d, {{"image_count", 3}}); },
      Error({m, im}, "image_count 3"), Error({m, im}));
  both(
      "manifest_layout_wrong",
      [](const fs::path& d, int64_t) { EditManifest(d, {{"layout", "zarr"}}); },
      Error({m}, "unsupported dataset layout"), Error({m}));
  both(
      "manifest_type_not_a_string",
      [](const fs::path& d, int64_t) { EditManifest(d, {{"type", 7}}); }, Error({m}),
      Error({m}));

  // images.parquet: the declared grid and sizes.
  both(
      "grid_undeclared", [](const fs::path& d, int64_t) { NullGrid(d); }, Exact(),
      Exact());
  // Nothing declares chunk 1 any more: its region reads as zeros (the reference's rule).
  both("grid_undeclared_chunk_removed_nothing_declared",
       then({chunk_rows(Without(1)), remove(ix),
             [](const fs::path& d, int64_t) {
               NullGrid(d);
               EditManifest(d, {{"chunk_count", nullptr}});
             }}),
       Zeros(), Exact(), /*zeroed_row=*/1);
  both(
      "grid_wrong",
      [](const fs::path& d, int64_t rpg) {
        EditInts(d, "images.parquet", "chunk_y", rpg, [](int64_t, int64_t) { return 4; });
      },
      Error({im, ix}, "has no chunk at t=0, c=0, z=0, y=4, x=0"),
      Error({im, ix}, "has no chunk at t=0, c=0, z=0, y=4, x=0"));
  both(
      "grid_not_positive",
      [](const fs::path& d, int64_t rpg) {
        EditInts(d, "images.parquet", "chunk_x", rpg, [](int64_t, int64_t) { return 0; });
      },
      Error({im}, "chunk_x must be positive"), Error({im}, "chunk_x must be positive"));
  both(
      "size_x_larger",
      [](const fs::path& d, int64_t rpg) {
        EditInts(d, "images.parquet", "size_x", rpg,
                 [](int64_t row, int64_t v) { return row == 0 ? 32 : v; });
      },
      Error({im, ix}, "has no chunk at t=0, c=0, z=0, y=0, x=24"), Exact());
  both(
      "size_x_smaller",
      [](const fs::path& d, int64_t rpg) {
        EditInts(d, "images.parquet", "size_x", rpg,
                 [](int64_t row, int64_t v) { return row == 0 ? 20 : v; });
      },
      Error({im, ix}, "chunk out of bounds"), Exact());
  return cases;
}

class DamagedDataset : public ::testing::TestWithParam<DamageCase> {};

TEST_P(DamagedDataset, ReadsExactlyOrFailsNamingTheFile) {
  const DamageCase& param = GetParam();
  const DenseImage a = MakeRandomImage(1, 2, 3, 20, 24, DType::kUInt16, 31);
  const DenseImage b = MakeRandomImage(2, 1, 1, 10, 9, DType::kFloat32, 32);
  const fs::path dir = TempDir();
  DatasetWriteOptions options;
  options.chunk_shape = std::array<int64_t, 5>{1, 1, 2, 8, 8};
  options.chunk_rows_per_row_group = param.rows_per_group;
  ASSERT_OK(
      WriteDataset({{MakeImage(a), "a"}, {MakeImage(b), "b"}}, dir.string(), options));
  ASSERT_OK_AND_ASSIGN(auto pristine_chunks, ReadParquet(dir / "chunks.parquet"));
  ASSERT_EQ(pristine_chunks->num_rows(), 44);
  param.damage(dir, param.rows_per_group);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());

  struct Check {
    const char* id;
    const DenseImage& dense;
    const Outcome& outcome;
  };
  for (const Check& check : {Check{"a", a, param.a}, Check{"b", b, param.b}}) {
    const auto& [id, dense, outcome] = check;
    SCOPED_TRACE(std::string("image ") + id);
    DatasetOpenOptions open;
    open.image_id = id;
    auto bytes = [&]() -> arrow::Result<std::vector<uint8_t>> {
      ARROW_ASSIGN_OR_RAISE(auto image, OpenDataset(dir.string(), open));
      return ReadAllBytes(image, dense.dtype);
    }();
    if (outcome.kind == Outcome::kError) {
      ASSERT_FALSE(bytes.ok()) << "expected an error naming " << outcome.files[0];
      const std::string message = bytes.status().message();
      for (const auto& file : outcome.files) {
        EXPECT_NE(message.find((dir / file).string()), std::string::npos)
            << "the error does not name " << file << ": " << message;
      }
      EXPECT_NE(message.find(outcome.text), std::string::npos) << message;
      continue;
    }
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    std::vector<uint8_t> expected = dense.bytes;
    if (outcome.kind == Outcome::kZeros) {
      // Zero the region of pristine chunk row `zeroed_row` (an image "a" chunk).
      const auto at = [&](const char* name) {
        return std::static_pointer_cast<arrow::Int32Array>(
                   ColumnAsArray(*pristine_chunks, name))
            ->Value(param.zeroed_row);
      };
      const int64_t item = ItemSize(dense.dtype);
      for (int64_t t = at("t"); t < at("t") + at("shape_t"); ++t)
        for (int64_t c = at("c"); c < at("c") + at("shape_c"); ++c)
          for (int64_t z = at("z"); z < at("z") + at("shape_z"); ++z)
            for (int64_t y = at("y"); y < at("y") + at("shape_y"); ++y)
              for (int64_t x = at("x"); x < at("x") + at("shape_x"); ++x)
                std::memset(expected.data() + dense.Offset(t, c, z, y, x) * item, 0,
                            static_cast<size_t>(item));
      ASSERT_NE(expected, dense.bytes);
    }
    EXPECT_TRUE(*bytes == expected) << "wrong pixels";
  }
}

INSTANTIATE_TEST_SUITE_P(Matrix, DamagedDataset, ::testing::ValuesIn(DamageCases()),
                         [](const ::testing::TestParamInfo<DamageCase>& info) {
                           return info.param.label;
                         });

// --- JSON helper
// ---------------------------------------------------------------------------

TEST(DatasetJson, ParsesPythonOutputAndWritesAscii) {
  ASSERT_OK_AND_ASSIGN(
      auto value,
      internal::ParseJson(R"( {"a": [1, -2.5, 1e3, true, false, null, NaN, -Infinity],
                              "s": "q\"\\\/\n\u00e9\ud83d\ude00 NaN", "o": {}} )",
                          "doc"));
  ASSERT_TRUE(value.is_object());
  const auto& a = value["a"];
  ASSERT_EQ(a.size(), 8u);
  EXPECT_EQ(internal::JsonInt64(a[0]), 1);
  EXPECT_EQ(a[1].get<double>(), -2.5);
  EXPECT_EQ(a[2].get<double>(), 1000.0);
  EXPECT_FALSE(internal::JsonInt64(a[2]).has_value());
  EXPECT_TRUE(a[3].get<bool>());
  EXPECT_TRUE(a[5].is_null());
  // Python's non-finite literals read as null (unknown); inside strings they stay text.
  EXPECT_TRUE(a[6].is_null());
  EXPECT_TRUE(a[7].is_null());
  EXPECT_EQ(value["s"], "q\"\\/\n\xc3\xa9\xf0\x9f\x98\x80 NaN");
  // Members keep document order; output is ASCII with \u escapes.
  EXPECT_EQ(internal::WriteJson(value),
            R"({"a":[1,-2.5,1000.0,true,false,null,null,null],)"
            R"("s":"q\"\\/\n\u00e9\ud83d\ude00 NaN","o":{}})");
  EXPECT_EQ(internal::WriteJson(value["o"], 2), "{}");
  EXPECT_EQ(internal::WriteJson(internal::Json::array({1, "x"}), 2), "[\n  1,\n  \"x\"\n]");
  // Invalid UTF-8 is replaced, control characters escaped.
  EXPECT_EQ(internal::WriteJson(internal::Json("a\x01\xff")), "\"a\\u0001\\ufffd\"");
  // Integers beyond int64 are not int64.
  ASSERT_OK_AND_ASSIGN(auto big, internal::ParseJson("18446744073709551615", "doc"));
  EXPECT_FALSE(internal::JsonInt64(big).has_value());

  // Errors name the document and the byte.
  EXPECT_STATUS(internal::ParseJson("[1, 2", "doc"), Invalid,
                "doc: invalid JSON at byte 6: syntax error while parsing array - unexpected "
                "end of input; expected ']'");
  EXPECT_STATUS_HAS(internal::ParseJson("{\"a\" 1}", "doc"), "expected ':'");
  EXPECT_STATUS_HAS(internal::ParseJson("\"abc", "doc"), "missing closing quote");
  EXPECT_STATUS_HAS(internal::ParseJson("[] x", "doc"), "expected end of input");
  EXPECT_STATUS_HAS(internal::ParseJson("-", "doc"), "invalid number");
  EXPECT_STATUS_HAS(internal::ParseJson("NaNx", "doc"), "doc: invalid JSON at byte");
  EXPECT_STATUS_HAS(internal::ParseJson(std::string(100, '['), "doc"),
                    "nesting deeper than 64 levels");
  EXPECT_OK(internal::ParseJson(std::string(64, '[') + std::string(64, ']'), "doc").status());
  EXPECT_STATUS_HAS(internal::ParseJson("", "doc"), "doc: invalid JSON at byte 1");
}

}  // namespace
}  // namespace omearrow
