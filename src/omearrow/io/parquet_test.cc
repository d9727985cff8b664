#include <atomic>
#include <filesystem>
#include <fstream>

#include <arrow/array/concatenate.h>
#include <arrow/io/file.h>
#include <arrow/table.h>
#include <gtest/gtest.h>
#include <arrow/util/key_value_metadata.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/writer.h>

#include "omearrow/io/leaf_pages.h"
#include "omearrow/io/list_page_source.h"
#include "omearrow/io/page_stream.h"
#include "omearrow/io/parquet_source.h"
#include "omearrow/io/record_writer.h"
#include "omearrow/io/row_cache.h"
#include "omearrow/source/callback_source.h"
#include "omearrow/source/dense_source.h"
#include "omearrow/tensor_view.h"
#include "omearrow/testing/gtest_util.h"
#include "omearrow/testing/record_builder.h"
#include "omearrow/util/view_limits.h"

namespace omearrow {
namespace {

namespace fs = std::filesystem;
using testing::BuildRecord;
using testing::DenseImage;
using testing::MakeRandomImage;

fs::path TempDir() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("omearrow_parquet_test_" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenLocalFile(
    const std::string& path) {
  ARROW_ASSIGN_OR_RAISE(auto file, arrow::io::ReadableFile::Open(path));
  return file;
}

std::shared_ptr<const Image> FromDense(const DenseImage& dense) {
  return ImageFromStructArray(BuildRecord(dense, {}).ValueOrDie()).ValueOrDie();
}


// Wraps a file and counts the bytes read through it.
class CountingFile : public arrow::io::RandomAccessFile {
 public:
  CountingFile(std::shared_ptr<arrow::io::RandomAccessFile> inner, std::atomic<int64_t>* bytes)
      : inner_(std::move(inner)), bytes_(bytes) {}
  arrow::Status Close() override { return inner_->Close(); }
  bool closed() const override { return inner_->closed(); }
  arrow::Result<int64_t> Tell() const override { return inner_->Tell(); }
  arrow::Status Seek(int64_t position) override { return inner_->Seek(position); }
  arrow::Result<int64_t> GetSize() override { return inner_->GetSize(); }
  arrow::Result<int64_t> Read(int64_t n, void* out) override {
    ARROW_ASSIGN_OR_RAISE(int64_t got, inner_->Read(n, out));
    *bytes_ += got;
    return got;
  }
  arrow::Result<std::shared_ptr<arrow::Buffer>> Read(int64_t n) override {
    ARROW_ASSIGN_OR_RAISE(auto buffer, inner_->Read(n));
    *bytes_ += buffer->size();
    return buffer;
  }
  arrow::Result<int64_t> ReadAt(int64_t position, int64_t n, void* out) override {
    ARROW_ASSIGN_OR_RAISE(int64_t got, inner_->ReadAt(position, n, out));
    *bytes_ += got;
    return got;
  }
  arrow::Result<std::shared_ptr<arrow::Buffer>> ReadAt(int64_t position, int64_t n) override {
    ARROW_ASSIGN_OR_RAISE(auto buffer, inner_->ReadAt(position, n));
    *bytes_ += buffer->size();
    return buffer;
  }

 private:
  std::shared_ptr<arrow::io::RandomAccessFile> inner_;
  std::atomic<int64_t>* bytes_;
};

// Open options for row `row` whose reads are counted into `bytes`.
ParquetOpenOptions CountingOpen(int64_t row, std::atomic<int64_t>* bytes) {
  ParquetOpenOptions options;
  options.row = row;
  options.open_file = [bytes](const std::string& p)
      -> arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>> {
    ARROW_ASSIGN_OR_RAISE(auto file, arrow::io::ReadableFile::Open(p));
    return std::make_shared<CountingFile>(file, bytes);
  };
  return options;
}

// Writes three random 1x2x4xNxN uint16 images (seeds seed, seed+1, seed+2), one per row
// group, to `path`; returns their pixels.
arrow::Result<std::vector<DenseImage>> WriteThreeImages(int64_t n, uint64_t seed,
                                                        const ParquetWriteOptions& options,
                                                        const std::string& path) {
  std::vector<DenseImage> dense;
  std::vector<std::shared_ptr<const Image>> images;
  for (uint64_t i = 0; i < 3; ++i) {
    dense.push_back(MakeRandomImage(1, 2, 4, n, n, DType::kUInt16, seed + i));
    images.push_back(FromDense(dense.back()));
  }
  ARROW_RETURN_NOT_OK(WriteParquet(images, path, options));
  return dense;
}

struct RoundTrip {
  const char* name;
  ChunkEncoding encoding;
  const char* codec;
  DType dtype;
};

class ParquetRoundTripTest : public ::testing::TestWithParam<RoundTrip> {};

TEST_P(ParquetRoundTripTest, WritesAndReadsPixelExact) {
  const RoundTrip& p = GetParam();
  auto dense = MakeRandomImage(2, 3, 5, 37, 45, p.dtype, 17);
  ParquetWriteOptions options;
  options.record.encoding = p.encoding;
  options.record.chunk_compression = p.codec;
  options.record.chunk_shape = {2, 16, 32};
  const auto path = (TempDir() / (std::string(p.name) + ".ome.parquet")).string();
  ASSERT_OK(WriteParquet({FromDense(dense)}, path, options));
  ASSERT_OK_AND_ASSIGN(OpenedImage opened, OpenParquet(path));
  EXPECT_TRUE(opened.warnings.empty());
  EXPECT_EQ(opened.column, "ome_arrow");
  const auto& pm = opened.image->pixels_meta();
  EXPECT_EQ(pm.size_z, 5);
  EXPECT_EQ(pm.type, std::string(DTypeName(p.dtype)));
  ASSERT_TRUE(opened.image->chunk_grid().has_value());
  EXPECT_EQ(opened.image->chunk_grid()->chunk_x, 32);
  EXPECT_EQ(testing::ReadAllAsDoubles(opened.image), testing::DenseValues(dense));

  // The file's schema is exactly the reference's canonical struct type.
  auto file = arrow::io::ReadableFile::Open(path).ValueOrDie();
  auto reader = parquet::arrow::OpenFile(file, arrow::default_memory_pool()).ValueOrDie();
  std::shared_ptr<arrow::Schema> schema;
  ASSERT_OK(reader->GetSchema(&schema));
  EXPECT_TRUE(schema->field(0)->type()->Equals(p.encoding == ChunkEncoding::kBytes
                                                   ? OmeArrowByteStructType()
                                                   : OmeArrowStructType()))
      << schema->field(0)->type()->ToString();
  ASSERT_NE(schema->metadata(), nullptr);
  EXPECT_EQ(schema->metadata()->Get("ome.arrow.type").ValueOrDie(), "ome.arrow");
  EXPECT_EQ(schema->metadata()->Get("ome.arrow.version").ValueOrDie(), kOmeArrowFormatVersion);
}

INSTANTIATE_TEST_SUITE_P(
    Encodings, ParquetRoundTripTest,
    ::testing::Values(RoundTrip{"bytes_zstd_u16", ChunkEncoding::kBytes, "zstd", DType::kUInt16},
                      RoundTrip{"bytes_lz4_f32", ChunkEncoding::kBytes, "lz4", DType::kFloat32},
                      RoundTrip{"bytes_raw_i16", ChunkEncoding::kBytes, "none", DType::kInt16},
                      RoundTrip{"bytes_auto_u8", ChunkEncoding::kBytes, "auto", DType::kUInt8},
                      RoundTrip{"bytes_zstd_f64", ChunkEncoding::kBytes, "zstd", DType::kFloat64},
                      RoundTrip{"list_u16", ChunkEncoding::kList, "none", DType::kUInt16},
                      RoundTrip{"list_u8", ChunkEncoding::kList, "none", DType::kUInt8}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ParquetTest, ListEncodingRefusesWideDtypes) {
  auto dense = MakeRandomImage(1, 1, 1, 4, 4, DType::kFloat32, 1);
  ParquetWriteOptions options;
  options.record.encoding = ChunkEncoding::kList;
  EXPECT_STATUS_HAS(WriteParquet({FromDense(dense)}, (TempDir() / "x.parquet").string(), options),
                    "list encoding stores uint16 pixels; a float32 image needs encoding='bytes'");
}

TEST(ParquetTest, ReadingAPlaneReadsOnlyItsChunkBytes) {
  // Three images, one per row group. Opening reads metadata only; reading one plane of a
  // byte-chunked image reads at most twice that plane's chunk bytes (here exactly one
  // 1x256x256 chunk, located through the payload length prefixes), never other images'.
  ParquetWriteOptions options;
  options.record.chunk_compression = "none";
  options.record.chunk_shape = {1, 256, 256};
  const auto path = (TempDir() / "counting.ome.parquet").string();
  std::vector<DenseImage> dense;
  ASSERT_OK_AND_ASSIGN(dense, WriteThreeImages(256, 5, options, path));
  const int64_t file_size = static_cast<int64_t>(fs::file_size(path));
  std::atomic<int64_t> bytes{0};
  ASSERT_OK_AND_ASSIGN(OpenedImage opened, OpenParquet(path, CountingOpen(1, &bytes)));
  const int64_t metadata_bytes = bytes.load();
  const int64_t plane_bytes = 256 * 256 * 2;
  const int64_t row_payload = 8 * plane_bytes;
  // Parquet readers fetch the file's last 64 KiB to find the footer; beyond that,
  // opening reads only the small metadata leaves.
  EXPECT_LT(metadata_bytes, 64 * 1024 + 8 * 1024) << "opening must read metadata only";
  int64_t total = 0;
  for (auto [c, z] : {std::pair<int64_t, int64_t>{1, 3}, {0, 0}, {1, 1}}) {
    const int64_t before = bytes.load();
    ViewOptions view_options;
    view_options.selection.c = IndexSpec::Index(c);
    view_options.selection.z = IndexSpec::Index(z);
    ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(opened.image, view_options));
    ASSERT_OK_AND_ASSIGN(Tensor plane, view.Materialize());
    const auto* p = reinterpret_cast<const uint16_t*>(plane.data);
    EXPECT_EQ(p[1000], dense[1].At(0, c, z, 1000 / 256, 1000 % 256));
    const int64_t read = bytes.load() - before;
    EXPECT_LE(read, 2 * plane_bytes) << "plane c=" << c << " z=" << z << " read " << read;
    EXPECT_GE(read, plane_bytes);
    total += read;
  }
  EXPECT_LE(total, 3 * plane_bytes + row_payload / 8) << "read " << total;
  EXPECT_LT(metadata_bytes + total, file_size / 2);
  RecordProperty("metadata_bytes", std::to_string(metadata_bytes));
  RecordProperty("three_planes_bytes", std::to_string(total));
  RecordProperty("file_bytes", std::to_string(file_size));
}

TEST(ParquetTest, PagesAreBoundedByTheReaderCeiling) {
  // Four 8 KiB chunks of one image in one zstd-compressed Parquet page (not read
  // directly): the page's decompression buffer is sized by its header, so it must come
  // from the capped reader pool. Under a ceiling that fits a chunk and the view but not
  // twice the page, reading fails cleanly instead of allocating.
  auto dense = MakeRandomImage(1, 1, 4, 64, 64, DType::kUInt16, 23);
  ParquetWriteOptions options;
  options.record.chunk_compression = "none";
  options.record.chunk_shape = {1, 64, 64};
  options.parquet_compression = "zstd";
  const auto path = (TempDir() / "page_ceiling.ome.parquet").string();
  ASSERT_OK(WriteParquet({FromDense(dense)}, path, options));
  ASSERT_OK_AND_ASSIGN(OpenedImage opened, OpenParquet(path));
  ViewOptions view_options;
  view_options.selection.z = IndexSpec::Index(2);
  view_options.selection.roi = std::vector<int64_t>{0, 0, 1, 1};
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(opened.image, view_options));
  SetMaxViewBytes(10000);  // a chunk is 8192 bytes; reader buffers up to 20000 bytes
  auto refused = view.Materialize();
  SetMaxViewBytes(0);
  EXPECT_STATUS_HAS(refused, path + ": chunks[2]: ");
  EXPECT_STATUS_HAS(refused, "a file reader asked for one buffer of ");
  EXPECT_STATUS_HAS(refused, "more than the limit of 20000 bytes");
  ASSERT_OK_AND_ASSIGN(Tensor pixel, view.Materialize());
  EXPECT_EQ(reinterpret_cast<const uint16_t*>(pixel.data)[0], dense.At(0, 0, 2, 0, 0));
}

TEST(ParquetTest, UntrustedReaderPropertiesAreBoundedByTheFile) {
  // A footer of a 300-byte file cannot hold a 300-byte string or 300 list elements.
  const parquet::ReaderProperties small = internal::UntrustedReaderProperties(300);
  EXPECT_EQ(small.thrift_string_size_limit(), 300);
  EXPECT_EQ(small.thrift_container_size_limit(), 300);
  EXPECT_EQ(small.memory_pool(), ReaderMemoryPool());
  const parquet::ReaderProperties defaults;
  const parquet::ReaderProperties large = internal::UntrustedReaderProperties(int64_t{1} << 40);
  EXPECT_EQ(large.thrift_string_size_limit(), defaults.thrift_string_size_limit());
  EXPECT_EQ(large.thrift_container_size_limit(), defaults.thrift_container_size_limit());
  EXPECT_OK(internal::CheckColumnChunkRange(100, 200, 300, "f"));
  EXPECT_STATUS(internal::CheckColumnChunkRange(100, 201, 300, "f"), Invalid,
                "f: column chunk at offset 100 of 201 bytes reaches beyond the end of the "
                "file (300 bytes)");
  EXPECT_FALSE(internal::CheckColumnChunkRange(-1, 1, 300, "f").ok());
  EXPECT_FALSE(internal::CheckColumnChunkRange(1, INT64_MAX, 300, "f").ok());
}

TEST(ParquetTest, ListRowsAreReadPageByPageNotThroughTheRowCache) {
  auto dense = MakeRandomImage(2, 2, 3, 16, 16, DType::kUInt16, 5);
  ParquetWriteOptions options;
  options.record.encoding = ChunkEncoding::kList;
  const auto path = (TempDir() / "pages.ome.parquet").string();
  ASSERT_OK(WriteParquet({FromDense(dense)}, path, options));
  const int64_t misses = RowCache::Global().misses();
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(OpenedImage opened, OpenParquet(path));
    EXPECT_EQ(testing::ReadAllAsDoubles(opened.image), testing::DenseValues(dense));
  }
  // No row was decoded whole: every plane came from its pages.
  EXPECT_EQ(RowCache::Global().misses() - misses, 0);
}

TEST(ParquetTest, ListPlaneReadsOnlyItsRowsPixelPages) {
  // Three list-encoded images, one per row group. Reading three planes of row 1 reads
  // its payload leaf's page once (plus page headers), never the other rows' pixels nor
  // the duplicate planes leaf.
  ParquetWriteOptions options;
  options.record.encoding = ChunkEncoding::kList;
  options.parquet_compression = "zstd";
  const auto path = (TempDir() / "list_counting.ome.parquet").string();
  std::vector<DenseImage> dense;
  ASSERT_OK_AND_ASSIGN(dense, WriteThreeImages(128, 31, options, path));
  std::atomic<int64_t> bytes{0};
  ASSERT_OK_AND_ASSIGN(OpenedImage opened, OpenParquet(path, CountingOpen(1, &bytes)));
  const int64_t metadata_bytes = bytes.load();
  // The row's payload: the chunks' pixel leaf of row group 1.
  auto reader = parquet::ParquetFileReader::OpenFile(path);
  auto row_group = reader->metadata()->RowGroup(1);
  int64_t payload_bytes = 0, leaves_with_pixels = 0;
  bool payload_has_page_index = false;
  for (int i = 0; i < row_group->num_columns(); ++i) {
    const std::string leaf = row_group->ColumnChunk(i)->path_in_schema()->ToDotString();
    if (leaf.find("pixels.list.element") == std::string::npos) continue;
    ++leaves_with_pixels;
    if (leaf.find(".chunks.") != std::string::npos) {
      payload_bytes = row_group->ColumnChunk(i)->total_compressed_size();
      payload_has_page_index = row_group->ColumnChunk(i)->GetOffsetIndexLocation().has_value();
    }
  }
  ASSERT_EQ(leaves_with_pixels, 2);  // planes and chunks both hold the pixels
  ASSERT_GT(payload_bytes, 4 * 128 * 128);
  int64_t total = 0;
  for (auto [c, z] : {std::pair<int64_t, int64_t>{1, 3}, {0, 0}, {1, 1}}) {
    const int64_t before = bytes.load();
    ViewOptions view_options;
    view_options.selection.c = IndexSpec::Index(c);
    view_options.selection.z = IndexSpec::Index(z);
    ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(opened.image, view_options));
    ASSERT_OK_AND_ASSIGN(Tensor plane, view.Materialize());
    const auto* p = reinterpret_cast<const uint16_t*>(plane.data);
    for (int64_t i : {int64_t{0}, int64_t{777}, int64_t{128 * 128 - 1}}) {
      EXPECT_EQ(p[i], dense[1].At(0, c, z, i / 128, i % 128));
    }
    total += bytes.load() - before;
  }
  // The page is read once for all three planes (its decoded cursor is cached).
  EXPECT_GE(total, payload_bytes / 2);
  EXPECT_LE(total, payload_bytes + payload_bytes / 20 + 4096)
      << "payload page bytes " << payload_bytes;
  EXPECT_LT(metadata_bytes + total, static_cast<int64_t>(fs::file_size(path)) / 3);
  RecordProperty("payload_bytes", std::to_string(payload_bytes));
  RecordProperty("three_planes_bytes", std::to_string(total));
  // What `omearrow info` reports: the row's 8 chunks share its one page.
  ASSERT_OK_AND_ASSIGN(auto layout, DescribeListPages(opened.image->source()));
  ASSERT_TRUE(layout.has_value());
  EXPECT_EQ(layout->leaf_pages, 1);
  EXPECT_EQ(layout->row_pages, 1);
  EXPECT_EQ(layout->row_page_bytes, payload_bytes);  // no dictionary page
  EXPECT_EQ(layout->entries, 8);
  EXPECT_EQ(layout->min_pages_per_entry, 1);
  EXPECT_EQ(layout->max_pages_per_entry, 1);
  EXPECT_EQ(layout->max_entries_per_page, 8);
  EXPECT_EQ(layout->has_page_index, payload_has_page_index);
}

TEST(ParquetTest, PageCursorDecodesOnlyAsFarAsAsked) {
  // Arrow's writer never splits a record across pages, so one single-image list file
  // holds the whole pixel column of the row in one page.
  auto dense = MakeRandomImage(1, 1, 4, 96, 96, DType::kUInt16, 41);
  ParquetWriteOptions options;
  options.record.encoding = ChunkEncoding::kList;
  const auto path = (TempDir() / "cursor.ome.parquet").string();
  ASSERT_OK(WriteParquet({FromDense(dense)}, path, options));
  ASSERT_OK_AND_ASSIGN(auto file, arrow::io::ReadableFile::Open(path));
  ASSERT_OK_AND_ASSIGN(const int64_t size, file->GetSize());
  auto metadata = parquet::ParquetFileReader::OpenFile(path)->metadata();
  int leaf = -1;
  for (int i = 0; i < metadata->num_columns(); ++i) {
    if (metadata->schema()->Column(i)->path()->ToDotString().find("planes") !=
        std::string::npos &&
        metadata->schema()->Column(i)->max_repetition_level() == 2) {
      leaf = i;
    }
  }
  ASSERT_GE(leaf, 0);
  ASSERT_OK_AND_ASSIGN(auto pages, internal::LeafPages::Scan(file, size, metadata, 0, leaf,
                                                              path));
  ASSERT_EQ(pages->pages().size(), 1u);
  ASSERT_OK_AND_ASSIGN(auto cursor, pages->OpenCursor(0, DType::kUInt16));
  int64_t checked = 0;
  auto count = [&](int64_t, auto rep, auto) {
    checked += static_cast<int64_t>(rep.size());
    return arrow::Status::OK();
  };
  const int64_t plane = 96 * 96;
  ASSERT_OK(cursor->DecodeRange(0, plane, count));
  EXPECT_EQ(cursor->decoded_slots(), plane);
  EXPECT_EQ(cursor->slots_with_values(), plane);
  EXPECT_EQ(checked, plane);
  const auto* values = reinterpret_cast<const uint16_t*>(cursor->output()->data());
  EXPECT_EQ(values[plane - 1], dense.At(0, 0, 0, 95, 95));
  ASSERT_OK(cursor->DecodeRange(0, plane / 2, count));  // already decoded: nothing to do
  EXPECT_EQ(checked, plane);
  // A deep plane: the levels before it are checked, their values are not decoded.
  ASSERT_OK(cursor->DecodeRange(3 * plane, 4 * plane + 100, count));  // clamped to the page
  EXPECT_EQ(cursor->decoded_slots(), 4 * plane);
  EXPECT_EQ(checked, 4 * plane);
  EXPECT_EQ(cursor->slots_with_values(), 2 * plane);
  EXPECT_EQ(values[3 * plane + 5], dense.At(0, 0, 3, 0, 5));
  // The skipped planes decode later, in any order.
  ASSERT_OK(cursor->DecodeRange(2 * plane, 3 * plane, count));
  ASSERT_OK(cursor->DecodeRange(plane, 2 * plane, count));
  EXPECT_EQ(cursor->slots_with_values(), 4 * plane);
  EXPECT_EQ(checked, 4 * plane);
  for (int64_t z = 0; z < 4; ++z) {
    for (int64_t i = 0; i < plane; i += 97) {
      ASSERT_EQ(values[z * plane + i], dense.At(0, 0, z, i / 96, i % 96)) << z << " " << i;
    }
  }
  // A failed check fails the cursor for good, naming the page.
  ASSERT_OK_AND_ASSIGN(auto failing, pages->OpenCursor(0, DType::kUInt16));
  auto refuse = [](int64_t first, auto, auto) {
    return first > 0 ? arrow::Status::Invalid("refused") : arrow::Status::OK();
  };
  EXPECT_OK(failing->DecodeRange(0, 10, refuse));
  EXPECT_STATUS_HAS(failing->DecodeRange(0, plane, refuse), path + ": pixel page 0: refused");
  EXPECT_STATUS_HAS(failing->DecodeRange(0, plane, count), "refused");
}

TEST(ParquetTest, PageTablesOfClosedFilesAreNotKeptForever) {
  // Opens through an injected opener are keyed to themselves (as every fuzz input is):
  // 600 opens must not leave 600 page table entries behind.
  auto dense = MakeRandomImage(1, 1, 2, 8, 8, DType::kUInt16, 43);
  ParquetWriteOptions options;
  options.record.encoding = ChunkEncoding::kList;
  const auto path = (TempDir() / "many_opens.ome.parquet").string();
  ASSERT_OK(WriteParquet({FromDense(dense)}, path, options));
  ParquetOpenOptions open_options;
  open_options.open_file = [](const std::string& p) { return OpenLocalFile(p); };
  const int64_t before = ListPageTableEntries();
  for (int i = 0; i < 600; ++i) {
    ASSERT_OK_AND_ASSIGN(OpenedImage opened, OpenParquet(path, open_options));
    ViewOptions view_options;
    view_options.selection.z = IndexSpec::Index(i % 2);
    ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(opened.image, view_options));
    ASSERT_OK_AND_ASSIGN(Tensor plane, view.Materialize());
    ASSERT_EQ(reinterpret_cast<const uint16_t*>(plane.data)[9], dense.At(0, 0, i % 2, 1, 1));
  }
  EXPECT_LT(ListPageTableEntries() - before, 200);
}

TEST(ParquetTest, ListEncodingRefusesImagesBeyondInt32Offsets) {
  PixelsMeta meta;
  meta.type = "uint16";
  meta.size_t = meta.size_c = meta.size_z = 1;
  meta.size_y = 65536;
  meta.size_x = 32769;  // 2^31 + 65536 pixels
  std::atomic<int> loads{0};
  ASSERT_OK_AND_ASSIGN(auto image,
                       ImageFromPlaneLoader({}, meta, std::nullopt,
                                            [&](int64_t, int64_t, int64_t)
                                                -> arrow::Result<LoadedPlane> {
                                              ++loads;
                                              return arrow::Status::Invalid("not read");
                                            }));
  ParquetWriteOptions options;
  options.record.encoding = ChunkEncoding::kList;
  EXPECT_STATUS_HAS(WriteParquet({image}, (TempDir() / "huge.parquet").string(), options),
                    "list encoding holds at most 2147483647 pixels per image (this one has "
                    "2147549184); use encoding='bytes'");
  EXPECT_EQ(loads.load(), 0);
}

TEST(ParquetTest, MultiImageFilesAnyRowAndColumnChoice) {
  auto a = MakeRandomImage(1, 1, 2, 8, 9, DType::kUInt16, 1);
  auto b = MakeRandomImage(1, 2, 1, 5, 6, DType::kUInt8, 2);
  ParquetWriteOptions options;
  options.column = "images";
  options.record.chunk_shape = {1, 4, 4};
  const auto path = (TempDir() / "multi.ome.parquet").string();
  ASSERT_OK(WriteParquet({FromDense(a), FromDense(b)}, path, options));
  ParquetOpenOptions open_options;
  open_options.row = 1;
  ASSERT_OK_AND_ASSIGN(OpenedImage opened, OpenParquet(path, open_options));
  ASSERT_EQ(opened.warnings.size(), 1u);
  EXPECT_EQ(opened.warnings[0].message,
            "Requested column 'ome_arrow' was not usable or not found. Auto-detected "
            "OME-Arrow column 'images'.");
  EXPECT_EQ(testing::ReadAllAsDoubles(opened.image), testing::DenseValues(b));
  open_options.column = "images";
  open_options.row = 0;
  ASSERT_OK_AND_ASSIGN(opened, OpenParquet(path, open_options));
  EXPECT_TRUE(opened.warnings.empty());
  EXPECT_EQ(testing::ReadAllAsDoubles(opened.image), testing::DenseValues(a));
  open_options.row = 2;
  EXPECT_STATUS(OpenParquet(path, open_options), IndexError,
                path + ": row 2 is out of range (the file has 2 rows)");
  ASSERT_OK_AND_ASSIGN(auto info, InspectParquet(path));
  EXPECT_EQ(info.num_rows, 2);
  EXPECT_EQ(info.num_row_groups, 2);  // one row per row group

  // A required column must exist (no auto-detection); "ome_arrow" keeps the fallback.
  open_options.row = 0;
  open_options.column_required = true;
  open_options.column = "imagse";
  EXPECT_STATUS(OpenParquet(path, open_options), Invalid,
                path + ": no column 'imagse'; its OME-Arrow columns: 'images'");
  open_options.column = "ome_arrow";
  ASSERT_OK_AND_ASSIGN(opened, OpenParquet(path, open_options));
  EXPECT_EQ(opened.column, "images");
  EXPECT_EQ(opened.warnings.size(), 1u);
}

fs::path TestData(const std::string& name) {
  return fs::path(OMEARROW_SOURCE_DIR) / "testdata" / name;
}

TEST(ParquetTest, JumpFileLooselyTypedRowsMatchAFullRead) {
  const auto path = TestData("BR00117006.ome.parquet").string();
  // Independent read: the whole table through parquet::arrow, then the in-memory parser.
  auto file = arrow::io::ReadableFile::Open(path).ValueOrDie();
  auto reader = parquet::arrow::OpenFile(file, arrow::default_memory_pool()).ValueOrDie();
  std::shared_ptr<arrow::Table> table;
  ASSERT_OK(reader->ReadTable(&table));
  for (const char* column : {"Image_FileName_OrigDNA_OMEArrow_ORIG",
                             "Image_FileName_OrigRNA_OMEArrow_ORIG",
                             "Image_FileName_OrigAGP_OMEArrow_ORIG"}) {
    for (int64_t row = 0; row < 3; ++row) {
      SCOPED_TRACE(std::string(column) + " row " + std::to_string(row));
      auto full = table->GetColumnByName(column)->Slice(row, 1)->chunk(0);
      ASSERT_OK_AND_ASSIGN(auto expected, ImageFromArray(full, 0));
      ParquetOpenOptions options;
      options.column = column;
      options.row = row;
      ASSERT_OK_AND_ASSIGN(OpenedImage opened, OpenParquet(path, options));
      EXPECT_EQ(opened.image->pixels_meta().type, "uint16");
      EXPECT_EQ(opened.image->pixels_meta().size_x, expected->pixels_meta().size_x);
      EXPECT_EQ(testing::ReadAllAsDoubles(opened.image), testing::ReadAllAsDoubles(expected));
    }
  }
  ParquetOpenOptions options;
  options.column = "Image_FileName_OrigDNA_OMEArrow_ORIG";
  ASSERT_OK_AND_ASSIGN(OpenedImage first, OpenParquet(path, options));
  EXPECT_EQ(first.image->pixels_meta().size_y, 72);
  EXPECT_EQ(first.image->pixels_meta().size_x, 84);
  // The COMP columns hold 3 samples per pixel under size_c=1: a clear error, as in the
  // reference (which fails to reshape them).
  options.column = "Image_FileName_OrigRNA_OMEArrow_COMP";
  ASSERT_OK_AND_ASSIGN(OpenedImage comp, OpenParquet(path, options));
  EXPECT_STATUS_HAS(TensorView::Make(comp.image).ValueOrDie().Materialize(),
                    "planes[0].pixels length 18144 != size_x*size_y 6048");
  // The all-null struct column is not an image; the default column falls back.
  ASSERT_OK_AND_ASSIGN(OpenedImage fallback, OpenParquet(path));
  ASSERT_EQ(fallback.warnings.size(), 1u);
  // A requested column that exists but holds no records is an error (the reference's
  // ValueError text), not a fallback.
  options.column = "Image_FileName_OrigDNA";
  EXPECT_STATUS(OpenParquet(path, options), Invalid,
                path + ": Column 'Image_FileName_OrigDNA' is not a Struct; got string.");
  options.column = "Image_FileName_OrigAGP_OMEArrow_LABL";
  EXPECT_STATUS(OpenParquet(path, options), Invalid,
                path + ": Column 'Image_FileName_OrigAGP_OMEArrow_LABL' is not a Struct; "
                       "got null.");
}

TEST(ParquetTest, BadFilesGiveErrorsNamingTheFile) {
  const auto missing = (TempDir() / "missing.parquet").string();
  EXPECT_STATUS_HAS(OpenParquet(missing), missing);
  const auto garbage = (TempDir() / "garbage.parquet").string();
  std::ofstream(garbage) << "this is not parquet at all, just some bytes";
  EXPECT_STATUS_HAS(OpenParquet(garbage), garbage + ": not a readable Parquet file");

  auto dense = MakeRandomImage(1, 1, 2, 64, 64, DType::kUInt16, 3);
  ParquetWriteOptions options;
  options.record.chunk_shape = {1, 32, 32};
  const auto good = (TempDir() / "good.ome.parquet").string();
  ASSERT_OK(WriteParquet({FromDense(dense)}, good, options));
  std::ifstream in(good, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto truncated = (TempDir() / "truncated.ome.parquet").string();
  std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  EXPECT_STATUS_HAS(OpenParquet(truncated), truncated);

  // Corrupt one payload byte in the middle of the file: opening works (metadata intact),
  // reading the chunk fails with a clear error (zstd frame checks), never a crash.
  std::string corrupt = bytes;
  const size_t middle = corrupt.size() / 2;
  for (size_t i = middle; i < middle + 64; ++i) corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5A);
  const auto corrupted = (TempDir() / "corrupt.ome.parquet").string();
  std::ofstream(corrupted, std::ios::binary) << corrupt;
  auto opened = OpenParquet(corrupted);
  if (opened.ok()) {
    auto view = TensorView::Make(opened->image).ValueOrDie();
    auto status = view.Materialize().status();
    if (!status.ok()) EXPECT_NE(status.message().find(corrupted), std::string::npos) << status;
  } else {
    EXPECT_NE(opened.status().message().find(corrupted), std::string::npos);
  }

  auto table = arrow::Table::Make(arrow::schema({arrow::field("x", arrow::int32())}),
                                  {testing::IntegerArray(arrow::int32(), {1}).ValueOrDie()});
  const auto plain = (TempDir() / "plain.parquet").string();
  {
    auto out = arrow::io::FileOutputStream::Open(plain).ValueOrDie();
    ASSERT_OK(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out, 1));
  }
  EXPECT_STATUS(OpenParquet(plain), Invalid,
                plain + ": no OME-Arrow struct column (with pixels_meta and planes or chunks) "
                        "found; columns: x");
}

TEST(ParquetTest, InputFilesAreNotModified) {
  const auto path = TestData("BR00117006.ome.parquet");
  const auto before_time = fs::last_write_time(path);
  const auto before_size = fs::file_size(path);
  ParquetOpenOptions options;
  options.column = "Image_FileName_OrigDNA_OMEArrow_ORIG";
  ASSERT_OK_AND_ASSIGN(OpenedImage opened, OpenParquet(path.string(), options));
  testing::ReadAllAsDoubles(opened.image);
  EXPECT_EQ(fs::last_write_time(path), before_time);
  EXPECT_EQ(fs::file_size(path), before_size);
}

TEST(DenseImageTest, DimOrderAndStrides) {
  std::vector<uint16_t> data(2 * 3 * 4);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint16_t>(i);
  DenseArray array{data.data(), DType::kUInt16, {2, 3, 4}, {}, "CYX", nullptr};
  ASSERT_OK_AND_ASSIGN(auto image, ImageFromDense(array));
  EXPECT_EQ(image->pixels_meta().size_c, 2);
  EXPECT_EQ(image->pixels_meta().size_t, 1);
  auto values = testing::ReadAllAsDoubles(image);
  EXPECT_EQ(values[1 * 12 + 2 * 4 + 3], 23);
  // A transposed (Fortran-order) view: X not innermost.
  DenseArray transposed{data.data(), DType::kUInt16, {4, 3}, {2, 8}, "XY", nullptr};
  ASSERT_OK_AND_ASSIGN(image, ImageFromDense(transposed));
  values = testing::ReadAllAsDoubles(image);
  EXPECT_EQ(values[1 * 4 + 2], 6);  // (y=1, x=2) -> byte offset 2*2 + 1*8 -> data[6]
  array.dim_order = "CYQ";
  EXPECT_STATUS_HAS(ImageFromDense(array), "dim_order must use the letters T, C, Z, Y, X");
  array.dim_order = "TCY";
  EXPECT_STATUS_HAS(ImageFromDense(array), "dim_order must include Y and X");
  array.dim_order = "YX";
  EXPECT_STATUS_HAS(ImageFromDense(array), "has 2 axes but the array has 3");
}

}  // namespace
}  // namespace omearrow

namespace omearrow {
namespace {

TEST(ParquetTest, ReopeningReusesMetadataButSeesChangedFiles) {
  const auto path = (TempDir() / "reopen.ome.parquet").string();
  auto first = testing::MakeRandomImage(1, 1, 2, 16, 16, DType::kUInt16, 1);
  ASSERT_OK(WriteParquet({FromDense(first)}, path));
  ASSERT_OK_AND_ASSIGN(OpenedImage a, OpenParquet(path));
  ASSERT_OK_AND_ASSIGN(OpenedImage b, OpenParquet(path));
  EXPECT_NE(a.image.get(), b.image.get());  // fresh images (and pixel caches) each time
  EXPECT_EQ(testing::ReadAllAsDoubles(b.image), testing::DenseValues(first));
  // Replace the file with a different image: the next open must see it.
  auto second = testing::MakeRandomImage(1, 2, 2, 16, 16, DType::kUInt16, 2);
  ASSERT_OK(WriteParquet({FromDense(second)}, path));
  ASSERT_OK_AND_ASSIGN(OpenedImage c, OpenParquet(path));
  EXPECT_EQ(c.image->pixels_meta().size_c, 2);
  EXPECT_EQ(testing::ReadAllAsDoubles(c.image), testing::DenseValues(second));
}

// Rewrite-then-read (review finding): a list-encoded file rewritten at the same path with
// other values of the same shape (the same file size) must not be served from the
// process-wide row cache; nor a multi-row file whose rows changed places.
TEST(ParquetTest, RewrittenListFilesNeverReturnStalePixels) {
  for (ChunkEncoding encoding : {ChunkEncoding::kList, ChunkEncoding::kBytes}) {
    ParquetWriteOptions options;
    options.record.encoding = encoding;
    options.record.chunk_compression = "none";  // same size for same-shape rewrites
    options.parquet_compression = "none";
    const auto path = (TempDir() / "rewrite.ome.parquet").string();
    for (int round = 0; round < 3; ++round) {
      auto dense = testing::MakeRandomImage(1, 2, 3, 8, 8, DType::kUInt16,
                                            static_cast<uint64_t>(100 + round));
      ASSERT_OK(WriteParquet({FromDense(dense)}, path, options));
      ASSERT_OK_AND_ASSIGN(OpenedImage opened, OpenParquet(path));
      EXPECT_EQ(testing::ReadAllAsDoubles(opened.image), testing::DenseValues(dense))
          << "round " << round << " encoding " << static_cast<int>(encoding);
    }
    // A larger T·C·Z at the same path: the old tables must not index the new rows.
    auto bigger = testing::MakeRandomImage(2, 3, 3, 8, 8, DType::kUInt16, 7);
    ASSERT_OK(WriteParquet({FromDense(bigger)}, path, options));
    ASSERT_OK_AND_ASSIGN(OpenedImage opened, OpenParquet(path));
    EXPECT_EQ(testing::ReadAllAsDoubles(opened.image), testing::DenseValues(bigger));
    // Two rows, then the same rows swapped: each row keeps its own pixels.
    auto a = testing::MakeRandomImage(1, 1, 2, 8, 8, DType::kUInt16, 11);
    auto b = testing::MakeRandomImage(1, 1, 2, 8, 8, DType::kUInt16, 12);
    for (bool swapped : {false, true}) {
      ASSERT_OK(WriteParquet(swapped ? std::vector{FromDense(b), FromDense(a)}
                                     : std::vector{FromDense(a), FromDense(b)},
                             path, options));
      ParquetOpenOptions row1;
      row1.row = 1;
      ASSERT_OK_AND_ASSIGN(OpenedImage second, OpenParquet(path, row1));
      EXPECT_EQ(testing::ReadAllAsDoubles(second.image), testing::DenseValues(swapped ? a : b));
    }
  }
}

// Byte chunks read through their Parquet page (Parquet-level compression rules out the
// direct payload read) with caches too small to keep anything (review finding: "payload
// not found").
TEST(ParquetTest, PageReadFallbackWorksWithoutCacheRoom) {
  auto dense = testing::MakeRandomImage(1, 2, 3, 16, 16, DType::kUInt16, 21);
  ParquetWriteOptions write;
  write.record.chunk_shape = {1, 8, 8};
  write.parquet_compression = "zstd";
  const auto path = (TempDir() / "fallback.ome.parquet").string();
  ASSERT_OK(WriteParquet({FromDense(dense)}, path, write));
  for (int64_t cache_bytes : {int64_t{0}, int64_t{1}, int64_t{100}}) {
    ParquetOpenOptions open;
    open.record.decoded_chunk_cache_bytes = cache_bytes;
    ASSERT_OK_AND_ASSIGN(OpenedImage opened, OpenParquet(path, open));
    EXPECT_EQ(testing::ReadAllAsDoubles(opened.image), testing::DenseValues(dense))
        << "cache " << cache_bytes;
  }
}

// Writes `records` as the only column `name` of a Parquet file (Arrow schema stored, so
// dictionary / large / view types come back as written), `rows_per_group` per row group.
arrow::Status WriteRecordColumn(const std::string& path, const std::string& name,
                                const std::shared_ptr<arrow::Array>& records,
                                int64_t rows_per_group) {
  auto table = arrow::Table::Make(arrow::schema({arrow::field(name, records->type())}),
                                  {records});
  ARROW_ASSIGN_OR_RAISE(auto out, arrow::io::FileOutputStream::Open(path));
  auto arrow_properties = parquet::ArrowWriterProperties::Builder().store_schema()->build();
  ARROW_RETURN_NOT_OK(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out,
                                                 rows_per_group,
                                                 parquet::default_writer_properties(),
                                                 arrow_properties));
  return out->Close();
}

// Issue 23: the record column may carry any name, OME field names included ("pixels"
// crashed the reader, "planes"/"chunks" failed): leaves are resolved by their path below
// the column. Two rows in one row group, so the second row's payload offsets count too.
TEST(ParquetTest, ColumnsNamedLikeOmeFieldsRead) {
  const std::vector<std::string> names = {
      "pixels", "pixel_bytes", "planes", "chunks", "pixels_meta", "chunk_grid", "t", "c",
      "z", "y", "x", "type", "version", "id", "name", "image_type", "channels", "size_x",
      "size_t", "dtype", "compression", "shape_z", "order", "chunk_order",
      "dimension_order", "element", "item", "list", "ome_arrow"};
  auto a = MakeRandomImage(1, 2, 3, 9, 10, DType::kUInt16, 31);
  auto b = MakeRandomImage(1, 2, 3, 9, 10, DType::kUInt16, 32);
  for (auto encoding : {testing::Encoding::kPlanes, testing::Encoding::kListChunks,
                        testing::Encoding::kByteChunks, testing::Encoding::kByteChunksZstd}) {
    testing::RecordSpec spec;
    spec.encoding = encoding;
    spec.chunk_z = 2, spec.chunk_y = 4, spec.chunk_x = 8;
    spec.planes_with_chunks = false;
    ASSERT_OK_AND_ASSIGN(auto ra, BuildRecord(a, spec));
    ASSERT_OK_AND_ASSIGN(auto rb, BuildRecord(b, spec));
    ASSERT_OK_AND_ASSIGN(auto both, arrow::Concatenate({ra, rb}));
    for (const auto& name : names) {
      SCOPED_TRACE(testing::EncodingLabel(encoding) + " column " + name);
      const auto path =
          (TempDir() / ("named_" + testing::EncodingLabel(encoding) + "_" + name + ".parquet"))
              .string();
      ASSERT_OK(WriteRecordColumn(path, name, both, 2));
      for (int64_t row : {0, 1}) {
        ParquetOpenOptions options;
        options.column = name;
        options.row = row;
        ASSERT_OK_AND_ASSIGN(OpenedImage opened, OpenParquet(path, options));
        EXPECT_EQ(opened.column, name);
        EXPECT_TRUE(opened.warnings.empty());
        EXPECT_EQ(opened.image->pixels_meta().size_z, 3);
        EXPECT_EQ(testing::ReadAllAsDoubles(opened.image),
                  testing::DenseValues(row == 0 ? a : b));
      }
    }
  }
}

// Issue 23: records whose text is dictionary-encoded or large_string and whose lists are
// large_list or (large_)list_view (what pandas, Polars and Arrow writers store) read from
// files like canonical ones, pixels from every encoding included.
TEST(ParquetTest, TextAndListFormsReadFromFiles) {
  auto a = MakeRandomImage(2, 2, 3, 9, 10, DType::kUInt16, 41);
  auto b = MakeRandomImage(2, 2, 3, 9, 10, DType::kUInt16, 42);
  for (auto encoding : {testing::Encoding::kPlanes, testing::Encoding::kListChunks,
                        testing::Encoding::kByteChunksZstd}) {
    testing::RecordSpec spec;
    spec.encoding = encoding;
    spec.chunk_z = 2, spec.chunk_y = 4, spec.chunk_x = 8;
    ASSERT_OK_AND_ASSIGN(auto ra, BuildRecord(a, spec));
    ASSERT_OK_AND_ASSIGN(auto rb, BuildRecord(b, spec));
    ASSERT_OK_AND_ASSIGN(auto both, arrow::Concatenate({ra, rb}));
    // string_view is left out: Arrow's Parquet writer cannot write it inside a struct.
    for (auto text : {testing::TextForm::kString, testing::TextForm::kDictionary,
                      testing::TextForm::kLargeString}) {
      for (auto list : {testing::ListForm::kList, testing::ListForm::kLargeList,
                        testing::ListForm::kListView, testing::ListForm::kLargeListView}) {
        if (text == testing::TextForm::kString && list == testing::ListForm::kList) continue;
        const std::string label = testing::EncodingLabel(encoding) + "_" +
                                  testing::TextFormLabel(text) + "_" +
                                  testing::ListFormLabel(list);
        SCOPED_TRACE(label);
        ASSERT_OK_AND_ASSIGN(auto retyped, testing::Retype(both, text, list));
        const auto path = (TempDir() / ("forms_" + label + ".parquet")).string();
        ASSERT_OK(WriteRecordColumn(path, "ome_arrow", retyped, 2));
        for (int64_t row : {0, 1}) {
          ParquetOpenOptions options;
          options.row = row;
          ASSERT_OK_AND_ASSIGN(OpenedImage opened, OpenParquet(path, options));
          EXPECT_EQ(opened.image->pixels_meta().type, "uint16");
          ASSERT_EQ(opened.image->pixels_meta().channels.size(), 2u);
          EXPECT_EQ(opened.image->pixels_meta().channels[1].id, "ch-1");
          EXPECT_EQ(testing::ReadAllAsDoubles(opened.image),
                    testing::DenseValues(row == 0 ? a : b));
        }
      }
    }
  }
}

// Errors from an injected opener name the file (review finding).
TEST(ParquetTest, OpenerErrorsNameTheFile) {
  ParquetOpenOptions options;
  options.open_file = [](const std::string&)
      -> arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>> {
    return arrow::Status::IOError("object store said no");
  };
  EXPECT_STATUS(OpenParquet("s3-like/bucket/image.ome.parquet", options), IOError,
                "s3-like/bucket/image.ome.parquet: object store said no");
}

}  // namespace
}  // namespace omearrow
