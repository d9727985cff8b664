// Filters pushed down to Parquet row-group statistics when opening a collection: the row
// groups they rule out are never read (every read is recorded), the result equals the
// unfiltered collection filtered afterwards; and the metadata cache: reopening unchanged
// files reads nothing, a rewritten file is read again.
#include <unistd.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <set>

#include <arrow/io/file.h>
#include <gtest/gtest.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>

#include "omearrow/collection/collection.h"
#include "omearrow/testing/plate_files.h"
#include "omearrow/collection/filter.h"
#include "omearrow/collection/metadata_cache.h"
#include "omearrow/testing/gtest_util.h"

namespace omearrow {
namespace {

namespace fs = std::filesystem;
using testing::Encoding;
using testing::StringAt;
using testing::Written;

fs::path FreshDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() /
                 ("omearrow_pushdown_test_" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Every read (offset, length) of every file opened through `Opener()`.
struct ReadLog {
  std::mutex mutex;
  std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> reads;

  FileOpener Opener() {
    return [this](const std::string& path)
               -> arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>> {
      ARROW_ASSIGN_OR_RAISE(auto file, arrow::io::ReadableFile::Open(path));
      return std::make_shared<File>(file, this, path);
    };
  }

  class File final : public arrow::io::RandomAccessFile {
   public:
    File(std::shared_ptr<arrow::io::RandomAccessFile> inner, ReadLog* log, std::string path)
        : inner_(std::move(inner)), log_(log), path_(std::move(path)) {}
    arrow::Status Close() override { return inner_->Close(); }
    bool closed() const override { return inner_->closed(); }
    arrow::Result<int64_t> Tell() const override { return inner_->Tell(); }
    arrow::Status Seek(int64_t position) override { return inner_->Seek(position); }
    arrow::Result<int64_t> GetSize() override { return inner_->GetSize(); }
    arrow::Result<int64_t> Read(int64_t, void*) override {
      return arrow::Status::NotImplemented("stream reads are not logged");
    }
    arrow::Result<std::shared_ptr<arrow::Buffer>> Read(int64_t) override {
      return arrow::Status::NotImplemented("stream reads are not logged");
    }
    arrow::Result<int64_t> ReadAt(int64_t position, int64_t n, void* out) override {
      ARROW_ASSIGN_OR_RAISE(int64_t got, inner_->ReadAt(position, n, out));
      std::lock_guard<std::mutex> lock(log_->mutex);
      log_->reads[path_].emplace_back(position, got);
      return got;
    }
    arrow::Result<std::shared_ptr<arrow::Buffer>> ReadAt(int64_t position, int64_t n) override {
      ARROW_ASSIGN_OR_RAISE(auto buffer, inner_->ReadAt(position, n));
      std::lock_guard<std::mutex> lock(log_->mutex);
      log_->reads[path_].emplace_back(position, buffer->size());
      return buffer;
    }

   private:
    std::shared_ptr<arrow::io::RandomAccessFile> inner_;
    ReadLog* log_;
    std::string path_;
  };
};

// The byte range [begin, end) of each row group's column chunks, from the file's footer.
std::vector<std::pair<int64_t, int64_t>> RowGroupRanges(const std::string& path) {
  auto reader = parquet::ParquetFileReader::OpenFile(path);
  auto metadata = reader->metadata();
  std::vector<std::pair<int64_t, int64_t>> out;
  for (int rg = 0; rg < metadata->num_row_groups(); ++rg) {
    auto group = metadata->RowGroup(rg);
    int64_t begin = INT64_MAX, end = 0;
    for (int c = 0; c < group->num_columns(); ++c) {
      auto chunk = group->ColumnChunk(c);
      const int64_t start = chunk->has_dictionary_page()
                                ? std::min(chunk->dictionary_page_offset(),
                                           chunk->data_page_offset())
                                : chunk->data_page_offset();
      begin = std::min(begin, start);
      end = std::max(end, start + chunk->total_compressed_size());
    }
    out.emplace_back(begin, end);
  }
  return out;
}

// 12 files × 4 rows (one row group each); file f holds wells W<f%6>a (rows 0, 1) and
// W<f%6>b (rows 2, 3). Large enough (96 × 96 uint16 × 2 channels a row) that the 64 KiB
// footer request does not hold the row groups.
std::vector<Written> WritePlate(const fs::path& dir) {
  std::vector<Written> written;
  const Encoding encodings[] = {Encoding::kPlanes, Encoding::kListChunks,
                                Encoding::kByteChunks, Encoding::kByteChunksZstd};
  for (int f = 0; f < 12; ++f) {
    char name[32];
    std::snprintf(name, sizeof(name), "plate_%02d.parquet", f);
    std::string w = "W";
    w += std::to_string(f % 6);
    EXPECT_OK(testing::WritePlateFile(dir / name, "P1", {w + "a", w + "a", w + "b", w + "b"},
                                      encodings[f % 4], 10 * f, &written, 96, 96));
  }
  return written;
}

// Opens `dir` with `filter` through a read log (no cache); checks the result against the
// unfiltered collection filtered afterwards, the row groups left unread, and (when
// `only_matching`: the statistics decide the filter) that no read other than the
// footer's touched a row group that holds no match. Returns the collection.
Collection OpenFiltered(const fs::path& dir, const std::string& filter, int64_t expected_skipped,
                        bool only_matching = true) {
  auto parsed = ParseFilter(filter);
  EXPECT_OK(parsed.status());
  const arrow::compute::Expression expression = *parsed;
  CollectionOptions plain;
  plain.cache = false;
  auto all = OpenCollection({dir.string()}, plain);
  EXPECT_OK(all.status());
  auto expected = all->Filter(expression);
  EXPECT_OK(expected.status());
  ReadLog log;
  CollectionOptions options;
  options.filter = expression;
  options.open_file = log.Opener();
  auto filtered = OpenCollection({dir.string()}, options);
  EXPECT_OK(filtered.status());
  EXPECT_TRUE(filtered->metadata()->Equals(*expected->metadata()))
      << filter << "\n" << filtered->metadata()->ToString() << "\n"
      << expected->metadata()->ToString();
  EXPECT_EQ(filtered->row_groups(), 48);
  EXPECT_EQ(filtered->row_groups_skipped(), expected_skipped) << filter;
  // The row groups holding matches, per file.
  std::map<std::string, std::set<int64_t>> matching;
  for (int64_t i = 0; i < expected->size(); ++i) {
    matching[expected->path(i)].insert(expected->row(i));
  }
  int64_t logged = 0;
  for (const auto& [path, reads] : log.reads) {
    const auto ranges = RowGroupRanges(path);
    const int64_t size = static_cast<int64_t>(fs::file_size(path));
    for (const auto& [offset, length] : reads) {
      logged += length;
      if (offset + length == size) continue;  // the footer request
      for (size_t rg = 0; rg < ranges.size(); ++rg) {
        const bool overlaps = offset < ranges[rg].second && ranges[rg].first < offset + length;
        if (overlaps && only_matching) {
          EXPECT_TRUE(matching[path].count(static_cast<int64_t>(rg)))
              << filter << ": " << path << " row group " << rg << " was read at " << offset;
        }
      }
    }
  }
  EXPECT_EQ(logged, filtered->open_bytes_read());
  return std::move(*filtered);
}

TEST(Pushdown, OnlyMatchingRowGroupsAreRead) {
  const fs::path dir = FreshDir("rowgroups");
  WritePlate(dir);
  // A string column: wells W3a (files 3 and 9, rows 0 and 1).
  Collection w3a = OpenFiltered(dir, "Metadata_Well == 'W3a'", 44);
  EXPECT_EQ(w3a.size(), 4);
  // An int32 column against an integer; with a string column.
  EXPECT_EQ(OpenFiltered(dir, "Metadata_Site >= 3", 36).size(), 12);
  EXPECT_EQ(OpenFiltered(dir, "Metadata_Site == 1 and Metadata_Well == 'W0a'", 46).size(), 2);
  // W0a, W0b (files 0, 6) and W5b (files 5, 11, rows 2 and 3).
  EXPECT_EQ(OpenFiltered(dir, "Metadata_Well < 'W1' or Metadata_Well > 'W5a'", 36).size(), 12);
  // Fixed columns known per row group: row, path.
  EXPECT_EQ(OpenFiltered(dir, "row == 2", 36).size(), 12);
  EXPECT_EQ(OpenFiltered(dir, "path == '" + (dir / "plate_05.parquet").string() + "'", 44)
                .size(),
            4);
  // Columns without statistics (from the records) rule nothing out; the exact filter
  // still applies.
  EXPECT_EQ(OpenFiltered(dir, "size_y == 96 and Metadata_Well == 'W1b'", 44).size(), 4);
  EXPECT_EQ(OpenFiltered(dir, "size_z > 1", 0, /*only_matching=*/false).size(), 0);
  EXPECT_EQ(OpenFiltered(dir, "not (Metadata_Plate == 'P1')", 48).size(), 0);
}

TEST(Pushdown, FilterErrorsAreRaisedEvenWhenSkipping) {
  const fs::path dir = FreshDir("errors");
  WritePlate(dir);
  for (const char* text : {"no_such_column == 1", "Metadata_Well > 3"}) {
    ASSERT_OK_AND_ASSIGN(auto expression, ParseFilter(text));
    CollectionOptions options;
    options.filter = expression;
    options.on_error = OnError::kSkip;
    auto opened = OpenCollection({dir.string()}, options);
    ASSERT_FALSE(opened.ok()) << text;
    EXPECT_NE(opened.status().message().find("plate_"), std::string::npos)
        << opened.status().ToString();
    EXPECT_NE(opened.status().message().find("filter"), std::string::npos);
  }
}

TEST(Collection, ImagesReuseTheFootersReadAtOpen) {
  const fs::path dir = FreshDir("footers");
  const auto written = WritePlate(dir);
  ReadLog log;
  CollectionOptions options;
  options.open_file = log.Opener();
  ASSERT_OK_AND_ASSIGN(Collection collection, OpenCollection({dir.string()}, options));
  ASSERT_EQ(collection.size(), 48);
  {
    std::lock_guard<std::mutex> lock(log.mutex);
    log.reads.clear();
  }
  for (int64_t i : {0, 5, 47}) {
    ASSERT_OK_AND_ASSIGN(OpenedImage opened, collection.OpenImage(i));
    const Written* truth = nullptr;
    for (const Written& w : written) {
      if (w.path == collection.path(i) && w.row == collection.row(i)) truth = &w;
    }
    ASSERT_NE(truth, nullptr);
    EXPECT_EQ(testing::ReadAllAsDoubles(opened.image), testing::DenseValues(truth->dense));
  }
  {
    std::lock_guard<std::mutex> lock(log.mutex);
    ASSERT_FALSE(log.reads.empty());
    for (const auto& [path, reads] : log.reads) {
      const int64_t size = static_cast<int64_t>(fs::file_size(path));
      for (const auto& [offset, length] : reads) {
        EXPECT_LT(offset + length, size) << path << ": the footer was read again";
      }
    }
  }
  // A file changed since the open is opened with its own (new) footer.
  std::vector<Written> rewritten;
  ASSERT_OK(testing::WritePlateFile(collection.path(0), "P1", {"X"}, Encoding::kPlanes, 7,
                                    &rewritten, 96, 96));
  ASSERT_OK_AND_ASSIGN(OpenedImage changed, collection.OpenImage(0));
  EXPECT_EQ(testing::ReadAllAsDoubles(changed.image), testing::DenseValues(rewritten[0].dense));
}

TEST(MetadataCache, ReopeningUnchangedFilesReadsNothing) {
  const fs::path dir = FreshDir("cache");
  WritePlate(dir);
  ASSERT_OK_AND_ASSIGN(Collection first, OpenCollection({dir.string()}));
  EXPECT_GT(first.open_bytes_read(), 0);
  ASSERT_OK_AND_ASSIGN(Collection again, OpenCollection({dir.string()}));
  EXPECT_EQ(again.open_bytes_read(), 0);
  EXPECT_TRUE(again.metadata()->Equals(*first.metadata()));
  // A filtered open of cached files reads nothing either, and gives the same rows.
  ASSERT_OK_AND_ASSIGN(auto expression, ParseFilter("Metadata_Well == 'W2b'"));
  CollectionOptions filtered;
  filtered.filter = expression;
  ASSERT_OK_AND_ASSIGN(Collection w2b, OpenCollection({dir.string()}, filtered));
  EXPECT_EQ(w2b.open_bytes_read(), 0);
  ASSERT_OK_AND_ASSIGN(Collection expected, first.Filter(expression));
  EXPECT_TRUE(w2b.metadata()->Equals(*expected.metadata()));
  // A rewritten file (other wells) is read again; the others are not.
  std::vector<Written> written;
  ASSERT_OK(testing::WritePlateFile(dir / "plate_04.parquet", "P1", {"X", "X", "Y", "Y"},
                                    Encoding::kPlanes, 999, &written, 96, 96));
  ASSERT_OK_AND_ASSIGN(Collection changed, OpenCollection({dir.string()}));
  EXPECT_GT(changed.open_bytes_read(), 0);
  EXPECT_LT(changed.open_bytes_read(), first.open_bytes_read() / 6);
  int64_t x = 0;
  for (int64_t i = 0; i < changed.size(); ++i) {
    x += StringAt(*changed.metadata(), "Metadata_Well", i) == "X";
  }
  EXPECT_EQ(x, 2);
  // Without the cache everything is read.
  CollectionOptions uncached;
  uncached.cache = false;
  ASSERT_OK_AND_ASSIGN(Collection cold, OpenCollection({dir.string()}, uncached));
  EXPECT_GT(cold.open_bytes_read(), first.open_bytes_read() / 2);
  EXPECT_GT(CollectionMetadataCache::Global().bytes_cached(), 0);
}

}  // namespace
}  // namespace omearrow
