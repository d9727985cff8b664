// Input files are never modified: every file under testdata/ keeps its content hash,
// size and modification time after being read through every reader (Open for Parquet,
// datasets and TIFF; OpenParquet, InspectParquet, OpenTiff, OpenDataset).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "omearrow/io/dataset_reader.h"
#include "omearrow/io/open.h"
#include "omearrow/io/parquet_source.h"
#include "omearrow/io/tiff_source.h"
#include "omearrow/tensor_view.h"
#include "omearrow/testing/gtest_util.h"

namespace omearrow {
namespace {

namespace fs = std::filesystem;

struct FileState {
  uint64_t hash = 0;
  uintmax_t size = 0;
  fs::file_time_type mtime;
  fs::perms perms;
  bool operator==(const FileState&) const = default;
};

// FNV-1a of the file's bytes, plus its size, mtime and permissions.
FileState StateOf(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  uint64_t hash = 1469598103934665603ull;
  for (std::istreambuf_iterator<char> it(in), end; it != end; ++it) {
    hash = (hash ^ static_cast<uint8_t>(*it)) * 1099511628211ull;
  }
  return FileState{hash, fs::file_size(path), fs::last_write_time(path),
                   fs::status(path).permissions()};
}

std::map<std::string, FileState> Snapshot(const fs::path& root) {
  std::map<std::string, FileState> states;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) states[entry.path().string()] = StateOf(entry.path());
  }
  return states;
}

// Materializes the whole image (every plane, every pixel) through a view; counts reads
// that succeeded (some testdata records are invalid on purpose, e.g. RGB composites
// whose planes do not match their sizes: reading them must fail, and still not write).
int reads_ok = 0;
void ReadAll(const std::shared_ptr<const Image>& image, const std::string& label) {
  ViewOptions options;
  options.layout = "TZCYX";
  auto view = TensorView::Make(image, options);
  if (view.ok() && view->Materialize().ok()) {
    ++reads_ok;
  } else {
    std::printf("%s: read failed (allowed)\n", label.c_str());
  }
}

TEST(InputImmutabilityTest, EveryReaderLeavesTestdataUnchanged) {
  const fs::path root = fs::path(OMEARROW_SOURCE_DIR) / "testdata";
  const auto before = Snapshot(root);
  ASSERT_GT(before.size(), 5u);
  int opened = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const fs::path path = entry.path();
    const std::string name = path.filename().string();
    if (entry.is_directory() && fs::exists(path / "_ome_arrow_dataset.json")) {
      ASSERT_OK_AND_ASSIGN(OpenedImage image, Open(path.string()));
      ReadAll(image.image, name);
      ASSERT_OK_AND_ASSIGN(auto direct, OpenDataset(path.string()));
      ReadAll(direct, name);
      ++opened;
    } else if (path.extension() == ".parquet" &&
               !fs::exists(path.parent_path() / "_ome_arrow_dataset.json")) {
      ASSERT_OK_AND_ASSIGN(ParquetFileInfo info, InspectParquet(path.string()));
      for (int64_t row = 0; row < std::min<int64_t>(info.num_rows, 3); ++row) {
        for (const auto& column : info.ome_columns) {
          ParquetOpenOptions options;
          options.column = column;
          options.row = row;
          ASSERT_OK_AND_ASSIGN(OpenedImage image, OpenParquet(path.string(), options));
          ReadAll(image.image, name + " " + column);
        }
      }
      ASSERT_OK_AND_ASSIGN(OpenedImage generic, Open(path.string()));
      ReadAll(generic.image, name);
      ++opened;
    } else if (name.find(".tif") != std::string::npos) {
      ASSERT_OK_AND_ASSIGN(auto image, OpenTiff(path.string()));
      ReadAll(image, name);
      ASSERT_OK_AND_ASSIGN(OpenedImage generic, Open(path.string()));
      ReadAll(generic.image, name);
      ++opened;
    }
  }
  EXPECT_GE(opened, 7);
  EXPECT_GE(reads_ok, 10);
  const auto after = Snapshot(root);
  ASSERT_EQ(after.size(), before.size()) << "files appeared or vanished under testdata/";
  for (const auto& [path, state] : before) {
    auto it = after.find(path);
    ASSERT_NE(it, after.end()) << path;
    EXPECT_EQ(it->second.hash, state.hash) << path << ": content changed";
    EXPECT_EQ(it->second.size, state.size) << path << ": size changed";
    EXPECT_TRUE(it->second.mtime == state.mtime) << path << ": mtime changed";
    EXPECT_TRUE(it->second.perms == state.perms) << path << ": permissions changed";
  }
}

}  // namespace
}  // namespace omearrow
