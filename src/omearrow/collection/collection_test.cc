// Collections over local files: listing, the metadata table (against what Parquet holds),
// pixels of every entry, subsets and the bytes they read, and bad sources.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include <arrow/array/concatenate.h>
#include <arrow/builder.h>
#include <arrow/filesystem/localfs.h>
#include <arrow/io/file.h>
#include <arrow/io/memory.h>
#include <arrow/table.h>
#include <gtest/gtest.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/writer.h>

#include "omearrow/collection/collection.h"
#include "omearrow/testing/plate_files.h"
#include "omearrow/collection/file_metadata.h"
#include "omearrow/collection/filter.h"
#include "omearrow/collection/listing.h"
#include "omearrow/collection/location.h"
#include "omearrow/testing/gtest_util.h"
#include "omearrow/testing/record_builder.h"

namespace omearrow {
namespace {

namespace fs = std::filesystem;
using testing::BuildRecord;
using testing::DenseImage;
using testing::IntAt;
using testing::StringAt;
using testing::Written;
using testing::WritePlateFile;
using testing::Encoding;
using testing::MakeRandomImage;
using testing::RecordSpec;

fs::path FreshDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() /
                 ("omearrow_collection_test_" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

arrow::Status WritePlainParquet(const fs::path& path) {
  arrow::Int64Builder values;
  ARROW_RETURN_NOT_OK(values.AppendValues({1, 2, 3}));
  std::shared_ptr<arrow::Array> array;
  ARROW_RETURN_NOT_OK(values.Finish(&array));
  auto table = arrow::Table::Make(arrow::schema({arrow::field("x", arrow::int64())}), {array});
  ARROW_ASSIGN_OR_RAISE(auto out, arrow::io::FileOutputStream::Open(path.string()));
  return parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out, 1024);
}

// A plate of `files` files × 3 rows, encodings rotating over files.
std::vector<Written> MakePlate(const fs::path& dir, int files, int64_t size_y = 24,
                               int64_t size_x = 20) {
  std::vector<Written> written;
  const Encoding encodings[] = {Encoding::kPlanes, Encoding::kListChunks,
                                Encoding::kByteChunks, Encoding::kByteChunksZstd};
  for (int f = 0; f < files; ++f) {
    char name[32];
    std::snprintf(name, sizeof(name), "plate_%03d.parquet", f);
    const std::string well_prefix = std::string(1, static_cast<char>('A' + f % 4));
    EXPECT_OK(WritePlateFile(dir / (f % 2 ? "sub" : "") / name, "P1",
                             {well_prefix + "01", well_prefix + "02", well_prefix + "03"},
                             encodings[f % 4], 100 * f, &written, size_y, size_x));
  }
  std::sort(written.begin(), written.end(), [](const Written& a, const Written& b) {
    return std::tie(a.path, a.row) < std::tie(b.path, b.row);
  });
  return written;
}

TEST(Collection, DirectoryMetadataAndPixels) {
  const fs::path dir = FreshDir("plate");
  fs::create_directories(dir / "sub");
  const auto written = MakePlate(dir, 8);
  ASSERT_OK_AND_ASSIGN(Collection collection, OpenCollection({dir.string()}));
  ASSERT_EQ(collection.size(), 24);
  EXPECT_TRUE(collection.errors().empty());
  const arrow::Table& table = *collection.metadata();
  ASSERT_EQ(table.num_rows(), 24);
  // Fixed columns first, then the file's other columns in file order.
  const int fixed = CollectionFixedSchema()->num_fields();
  ASSERT_EQ(table.num_columns(), fixed + 3);
  EXPECT_EQ(table.schema()->field(fixed)->name(), "Metadata_Plate");
  EXPECT_EQ(table.schema()->field(fixed + 1)->name(), "Metadata_Well");
  EXPECT_EQ(table.schema()->field(fixed + 2)->name(), "Metadata_Site");
  EXPECT_TRUE(table.schema()->field(fixed + 2)->type()->Equals(arrow::int32()));
  EXPECT_GT(collection.open_bytes_read(), 0);
  for (int64_t i = 0; i < 24; ++i) {
    const Written& w = written[static_cast<size_t>(i)];
    EXPECT_EQ(StringAt(table, "path", i), w.path);
    EXPECT_EQ(IntAt(table, "row", i), w.row);
    EXPECT_EQ(StringAt(table, "column", i), "ome_arrow");
    EXPECT_EQ(StringAt(table, "Metadata_Well", i), w.well);
    EXPECT_EQ(IntAt(table, "size_c", i), 2);
    EXPECT_EQ(IntAt(table, "size_y", i), 24);
    EXPECT_EQ(IntAt(table, "size_x", i), 20);
    EXPECT_EQ(StringAt(table, "dtype", i), "uint16");
    ASSERT_OK_AND_ASSIGN(OpenedImage opened, collection.OpenImage(i));
    EXPECT_EQ(std::string(PixelEncodingName(opened.image->encoding())),
              StringAt(table, "encoding", i));
    EXPECT_EQ(testing::ReadAllAsDoubles(opened.image), testing::DenseValues(w.dense)) << i;
  }
  EXPECT_FALSE(collection.OpenImage(24).ok());
}

TEST(Collection, GlobListAndDuplicates) {
  const fs::path dir = FreshDir("glob");
  fs::create_directories(dir / "sub");
  MakePlate(dir, 4);
  ASSERT_OK_AND_ASSIGN(Collection globbed, OpenCollection({(dir / "*.parquet").string()}));
  EXPECT_EQ(globbed.size(), 6);  // files 0 and 2 sit at the top
  ASSERT_OK_AND_ASSIGN(
      Collection listed,
      OpenCollection({(dir / "plate_000.parquet").string(), (dir / "sub").string(),
                      (dir / "plate_000.parquet").string()}));
  EXPECT_EQ(listed.size(), 9);
  auto none = OpenCollection({(dir / "*.nothing").string()});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("*.nothing"), std::string::npos);
  auto missing = OpenCollection({(dir / "absent.parquet").string()});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("absent.parquet"), std::string::npos);
  EXPECT_FALSE(OpenCollection({}).ok());
}

// Counts bytes read per file through OpenCollection's opener.
struct ByteCounter {
  std::mutex mutex;
  std::map<std::string, int64_t> bytes;
};

class CountingFile final : public arrow::io::RandomAccessFile {
 public:
  CountingFile(std::shared_ptr<arrow::io::RandomAccessFile> inner, ByteCounter* counter,
               std::string path)
      : inner_(std::move(inner)), counter_(counter), path_(std::move(path)) {}
  arrow::Status Close() override { return inner_->Close(); }
  bool closed() const override { return inner_->closed(); }
  arrow::Result<int64_t> Tell() const override { return inner_->Tell(); }
  arrow::Status Seek(int64_t position) override { return inner_->Seek(position); }
  arrow::Result<int64_t> GetSize() override { return inner_->GetSize(); }
  arrow::Result<int64_t> Read(int64_t n, void* out) override {
    ARROW_ASSIGN_OR_RAISE(int64_t got, inner_->Read(n, out));
    Add(got);
    return got;
  }
  arrow::Result<std::shared_ptr<arrow::Buffer>> Read(int64_t n) override {
    ARROW_ASSIGN_OR_RAISE(auto buffer, inner_->Read(n));
    Add(buffer->size());
    return buffer;
  }
  arrow::Result<int64_t> ReadAt(int64_t position, int64_t n, void* out) override {
    ARROW_ASSIGN_OR_RAISE(int64_t got, inner_->ReadAt(position, n, out));
    Add(got);
    return got;
  }
  arrow::Result<std::shared_ptr<arrow::Buffer>> ReadAt(int64_t position, int64_t n) override {
    ARROW_ASSIGN_OR_RAISE(auto buffer, inner_->ReadAt(position, n));
    Add(buffer->size());
    return buffer;
  }

 private:
  void Add(int64_t n) {
    std::lock_guard<std::mutex> lock(counter_->mutex);
    counter_->bytes[path_] += n;
  }
  std::shared_ptr<arrow::io::RandomAccessFile> inner_;
  ByteCounter* counter_;
  std::string path_;
};

TEST(Collection, SubsetReadsOnlyItsFiles) {
  const fs::path dir = FreshDir("subset");
  fs::create_directories(dir / "sub");
  const auto written = MakePlate(dir, 8, 128, 128);
  int64_t file_bytes = 0;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    if (it->is_regular_file()) file_bytes += static_cast<int64_t>(it->file_size());
  }
  ByteCounter counter;
  CollectionOptions options;
  options.open_file = [&counter](const std::string& path)
      -> arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>> {
    ARROW_ASSIGN_OR_RAISE(auto file, arrow::io::ReadableFile::Open(path));
    return std::make_shared<CountingFile>(file, &counter, path);
  };
  ASSERT_OK_AND_ASSIGN(Collection collection, OpenCollection({dir.string()}, options));
  int64_t open_total = 0;
  for (const auto& [path, bytes] : counter.bytes) open_total += bytes;
  EXPECT_EQ(open_total, collection.open_bytes_read());
  // Opening read footers and metadata only: well under the files' pixels.
  EXPECT_LT(open_total * 2, file_bytes);
  counter.bytes.clear();
  // Wells starting with 'B' live in files 1 and 5 only.
  std::vector<int64_t> indices;
  std::set<std::string> matching_files;
  for (int64_t i = 0; i < collection.size(); ++i) {
    if (StringAt(*collection.metadata(), "Metadata_Well", i)[0] == 'B') {
      indices.push_back(i);
      matching_files.insert(collection.path(i));
    }
  }
  ASSERT_EQ(indices.size(), 6u);
  ASSERT_EQ(matching_files.size(), 2u);
  ASSERT_OK_AND_ASSIGN(Collection subset, collection.Take(indices));
  ASSERT_EQ(subset.size(), 6);
  ASSERT_EQ(subset.metadata()->num_rows(), 6);
  for (int64_t k = 0; k < subset.size(); ++k) {
    EXPECT_EQ(StringAt(*subset.metadata(), "Metadata_Well", k)[0], 'B');
    ASSERT_OK_AND_ASSIGN(OpenedImage opened, subset.OpenImage(k));
    const Written& w = written[static_cast<size_t>(indices[static_cast<size_t>(k)])];
    EXPECT_EQ(testing::ReadAllAsDoubles(opened.image), testing::DenseValues(w.dense));
  }
  ASSERT_FALSE(counter.bytes.empty());
  for (const auto& [path, bytes] : counter.bytes) {
    EXPECT_TRUE(matching_files.count(path)) << path << " was read (" << bytes << " bytes)";
  }
  auto bad = collection.Take({0, 24});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("24"), std::string::npos);
}

TEST(Collection, BadFilesRaiseOrAreReported) {
  const fs::path dir = FreshDir("bad");
  fs::create_directories(dir / "sub");
  MakePlate(dir, 3);
  ASSERT_OK(WritePlainParquet(dir / "plain.parquet"));
  // A truncated copy of a good file.
  {
    std::ifstream in(dir / "plate_000.parquet", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream out(dir / "truncated.parquet", std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  }
  auto raised = OpenCollection({dir.string()});
  ASSERT_FALSE(raised.ok());
  // The first failing file in listing order.
  EXPECT_NE(raised.status().message().find("plain.parquet"), std::string::npos)
      << raised.status().ToString();
  EXPECT_NE(raised.status().message().find("not an OME-Arrow Parquet file"), std::string::npos);

  CollectionOptions skip;
  skip.on_error = OnError::kSkip;
  ASSERT_OK_AND_ASSIGN(Collection collection, OpenCollection({dir.string()}, skip));
  EXPECT_EQ(collection.size(), 9);
  ASSERT_EQ(collection.errors().size(), 2u);
  EXPECT_EQ(collection.errors()[0].path, (dir / "plain.parquet").string());
  EXPECT_EQ(collection.errors()[1].path, (dir / "truncated.parquet").string());
  EXPECT_NE(collection.errors()[1].message.find("truncated.parquet"), std::string::npos);
  // The files left are whole, and nothing was written into the directory.
  int files = 0;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    files += it->is_regular_file();
  }
  EXPECT_EQ(files, 5);
}

TEST(Collection, MixedSchemasNameTheFile) {
  const fs::path dir = FreshDir("mixed");
  std::vector<Written> written;
  ASSERT_OK(WritePlateFile(dir / "a.parquet", "P1", {"A01"}, Encoding::kPlanes, 1, &written));
  // Same record column, but no Metadata_Site.
  DenseImage dense = MakeRandomImage(1, 1, 1, 8, 8, DType::kUInt16, 5);
  ASSERT_OK_AND_ASSIGN(auto record, BuildRecord(dense, {}));
  auto table = arrow::Table::Make(arrow::schema({arrow::field("ome_arrow", record->type())}),
                                  {std::shared_ptr<arrow::Array>(record)});
  {
    auto out = arrow::io::FileOutputStream::Open((dir / "b.parquet").string()).ValueOrDie();
    ASSERT_OK(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out, 1));
  }
  auto raised = OpenCollection({dir.string()});
  ASSERT_FALSE(raised.ok());
  EXPECT_NE(raised.status().message().find("b.parquet"), std::string::npos);
  EXPECT_NE(raised.status().message().find("Metadata_Plate"), std::string::npos)
      << raised.status().ToString();
  CollectionOptions skip;
  skip.on_error = OnError::kSkip;
  ASSERT_OK_AND_ASSIGN(Collection collection, OpenCollection({dir.string()}, skip));
  EXPECT_EQ(collection.size(), 1);
  ASSERT_EQ(collection.errors().size(), 1u);
  EXPECT_EQ(collection.errors()[0].path, (dir / "b.parquet").string());
}

TEST(Collection, SeveralRecordColumnsAndNullRecords) {
  const fs::path dir = FreshDir("columns");
  DenseImage a = MakeRandomImage(1, 1, 1, 8, 8, DType::kUInt16, 11);
  DenseImage b = MakeRandomImage(1, 1, 1, 6, 4, DType::kUInt8, 12);
  ASSERT_OK_AND_ASSIGN(auto ra, BuildRecord(a, {}));
  ASSERT_OK_AND_ASSIGN(auto rb, BuildRecord(b, {}));
  arrow::Int64Builder ids;
  ASSERT_OK(ids.Append(7));
  std::shared_ptr<arrow::Array> id_array;
  ASSERT_OK(ids.Finish(&id_array));
  auto table = arrow::Table::Make(
      arrow::schema({arrow::field("cell", arrow::int64()), arrow::field("dna", ra->type()),
                     arrow::field("rna", rb->type())}),
      {id_array, std::shared_ptr<arrow::Array>(ra), std::shared_ptr<arrow::Array>(rb)});
  {
    auto out = arrow::io::FileOutputStream::Open((dir / "cells.parquet").string()).ValueOrDie();
    ASSERT_OK(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out, 1));
  }
  ASSERT_OK_AND_ASSIGN(Collection all, OpenCollection({dir.string()}));
  ASSERT_EQ(all.size(), 2);
  EXPECT_EQ(StringAt(*all.metadata(), "column", 0), "dna");
  EXPECT_EQ(StringAt(*all.metadata(), "column", 1), "rna");
  EXPECT_EQ(StringAt(*all.metadata(), "cell", 1), "7");
  EXPECT_EQ(StringAt(*all.metadata(), "dtype", 1), "uint8");
  ASSERT_OK_AND_ASSIGN(OpenedImage opened, all.OpenImage(1));
  EXPECT_EQ(testing::ReadAllAsDoubles(opened.image), testing::DenseValues(b));
  CollectionOptions one;
  one.column = "rna";
  ASSERT_OK_AND_ASSIGN(Collection rna, OpenCollection({dir.string()}, one));
  ASSERT_EQ(rna.size(), 1);
  one.column = "cell";
  auto not_ome = OpenCollection({dir.string()}, one);
  ASSERT_FALSE(not_ome.ok());
  EXPECT_NE(not_ome.status().message().find("cells.parquet"), std::string::npos);
  EXPECT_NE(not_ome.status().message().find("'cell'"), std::string::npos);

  // A null record is an error naming the file, row and column, never a dropped row.
  auto nulls = arrow::MakeArrayOfNull(rb->type(), 1).ValueOrDie();
  auto with_null = arrow::Table::Make(
      arrow::schema({arrow::field("dna", ra->type()), arrow::field("rna", rb->type())}),
      {std::shared_ptr<arrow::Array>(ra), nulls});
  const fs::path null_dir = FreshDir("nulls");
  {
    auto out = arrow::io::FileOutputStream::Open((null_dir / "n.parquet").string()).ValueOrDie();
    ASSERT_OK(parquet::arrow::WriteTable(*with_null, arrow::default_memory_pool(), out, 1));
  }
  auto null_error = OpenCollection({null_dir.string()});
  ASSERT_FALSE(null_error.ok());
  EXPECT_NE(null_error.status().message().find("n.parquet: row 0: column 'rna'"),
            std::string::npos)
      << null_error.status().ToString();
}

TEST(Location, UrisAndDisplay) {
  EXPECT_TRUE(IsUri("s3://bucket/key"));
  EXPECT_TRUE(IsUri("file:///tmp/x"));
  EXPECT_FALSE(IsUri("/tmp/x"));
  EXPECT_FALSE(IsUri("relative/s3://x"));
  EXPECT_FALSE(IsUri("://x"));
  ASSERT_OK_AND_ASSIGN(Location local, ResolveLocation("file:///tmp/some/file.parquet"));
  EXPECT_TRUE(local.local());
  EXPECT_EQ(local.path, "/tmp/some/file.parquet");
  Location remote;
  remote.prefix = "s3://";
  remote.query = "endpoint_override=127.0.0.1:9&scheme=http";
  remote.path = "bucket/a.parquet";
  EXPECT_EQ(remote.Display(), "bucket/a.parquet");  // no filesystem: a local path
  remote.fs = std::make_shared<arrow::fs::LocalFileSystem>();
  EXPECT_EQ(remote.Display(), "s3://bucket/a.parquet?endpoint_override=127.0.0.1:9&scheme=http");
  EXPECT_EQ(FileSystemPath(remote, remote.Display()), "bucket/a.parquet");
  EXPECT_EQ(FileSystemPath(remote, "bucket/b.parquet"), "bucket/b.parquet");
  EXPECT_FALSE(ResolveLocation("nosuchscheme://x/y").ok());
}

}  // namespace
}  // namespace omearrow

namespace omearrow {
namespace {

TEST(Collection, FilterExpressions) {
  const fs::path dir = FreshDir("filter");
  fs::create_directories(dir / "sub");
  const auto written = MakePlate(dir, 8);
  ASSERT_OK_AND_ASSIGN(Collection collection, OpenCollection({dir.string()}));
  auto count = [&](const std::string& text) -> int64_t {
    auto expr = ParseFilter(text);
    EXPECT_TRUE(expr.ok()) << expr.status().ToString();
    auto filtered = collection.Filter(*expr);
    EXPECT_TRUE(filtered.ok()) << filtered.status().ToString();
    return filtered.ok() ? filtered->size() : -1;
  };
  int64_t b_wells = 0, site_two = 0;
  for (const Written& w : written) {
    b_wells += w.well == "B02";
    site_two += w.row == 2;
  }
  EXPECT_EQ(count("Metadata_Well == 'B02'"), b_wells);
  EXPECT_EQ(count("Metadata_Site >= 2"), site_two);
  EXPECT_EQ(count("Metadata_Site >= 2 and not (Metadata_Well == \"A03\")"), site_two - 2);
  EXPECT_EQ(count("`Metadata_Plate` != 'P1' or size_x < 0"), 0);
  EXPECT_EQ(count("size_y == 24 and dtype == 'uint16'"), 24);
  ASSERT_OK_AND_ASSIGN(auto expr, ParseFilter("Metadata_Well == 'B02'"));
  ASSERT_OK_AND_ASSIGN(Collection b02, collection.Filter(expr));
  for (int64_t k = 0; k < b02.size(); ++k) {
    EXPECT_EQ(StringAt(*b02.metadata(), "Metadata_Well", k), "B02");
  }
  for (const char* bad : {"Metadata_Well = 'B02'", "Metadata_Well == 'B02", "(size_x > 1",
                          "== 3", "size_x > "}) {
    auto parsed = ParseFilter(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.status().message().find(bad), std::string::npos);
  }
  ASSERT_OK_AND_ASSIGN(auto unknown, ParseFilter("no_such_column == 1"));
  auto failed = collection.Filter(unknown);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("no_such_column"), std::string::npos);
}

}  // namespace
}  // namespace omearrow

namespace omearrow {
namespace {

// Records every ReadAt reaching the wrapped file.
class RecordingFile final : public arrow::io::RandomAccessFile {
 public:
  explicit RecordingFile(std::shared_ptr<arrow::Buffer> data)
      : inner_(std::make_shared<arrow::io::BufferReader>(std::move(data))) {}
  std::vector<std::pair<int64_t, int64_t>> reads;
  arrow::Status Close() override { return inner_->Close(); }
  bool closed() const override { return inner_->closed(); }
  arrow::Result<int64_t> Tell() const override { return inner_->Tell(); }
  arrow::Status Seek(int64_t position) override { return inner_->Seek(position); }
  arrow::Result<int64_t> GetSize() override { return inner_->GetSize(); }
  arrow::Result<int64_t> Read(int64_t n, void* out) override { return inner_->Read(n, out); }
  arrow::Result<std::shared_ptr<arrow::Buffer>> Read(int64_t n) override {
    return inner_->Read(n);
  }
  arrow::Result<std::shared_ptr<arrow::Buffer>> ReadAt(int64_t position, int64_t n) override {
    reads.emplace_back(position, n);
    return inner_->ReadAt(position, n);
  }

 private:
  std::shared_ptr<arrow::io::BufferReader> inner_;
};

TEST(ReadAhead, WindowsStitchingAndClipping) {
  const int64_t size = 300 * 1024;
  std::string bytes(static_cast<size_t>(size), '\0');
  for (int64_t i = 0; i < size; ++i) bytes[static_cast<size_t>(i)] = static_cast<char>(i * 7 % 251);
  auto recording = std::make_shared<RecordingFile>(arrow::Buffer::FromString(bytes));
  auto file = MakeReadAheadFile(recording);
  auto expect = [&](int64_t position, int64_t n) {
    ASSERT_OK_AND_ASSIGN(auto buffer, file->ReadAt(position, n));
    const int64_t want = std::max<int64_t>(0, std::min(n, size - position));
    ASSERT_EQ(buffer->size(), want) << position;
    if (want > 0) {
      EXPECT_EQ(buffer->ToString(), bytes.substr(static_cast<size_t>(position),
                                                 static_cast<size_t>(want)));
    }
  };
  expect(1000, 10);  // fetches [1000, 1000 + 64 KiB)
  ASSERT_EQ(recording->reads.size(), 1u);
  EXPECT_EQ(recording->reads[0], std::make_pair(int64_t{1000}, kRemoteReadAheadBytes));
  expect(1010, 5000);  // inside the window: no request
  EXPECT_EQ(recording->reads.size(), 1u);
  expect(60000, 20000);  // starts inside, ends past: only the rest is fetched
  ASSERT_EQ(recording->reads.size(), 2u);
  EXPECT_EQ(recording->reads[1].first, 1000 + kRemoteReadAheadBytes);
  // A read before a kept window does not fetch into it.
  expect(size - 1000, 1000);
  expect(size - 40000, 100);
  ASSERT_EQ(recording->reads.size(), 4u);
  EXPECT_EQ(recording->reads[3].first + recording->reads[3].second, size - 1000);
  expect(size - 10, 100);  // clipped at the end of the file
  expect(size + 5, 10);    // past the end: empty
  // Reading through the stream interface gives the same bytes.
  ASSERT_OK(file->Seek(2000));
  ASSERT_OK_AND_ASSIGN(auto streamed, file->Read(100));
  EXPECT_EQ(streamed->ToString(), bytes.substr(2000, 100));
  ASSERT_OK_AND_ASSIGN(int64_t position, file->Tell());
  EXPECT_EQ(position, 2100);
}

}  // namespace
}  // namespace omearrow
