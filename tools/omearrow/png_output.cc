#include "png_output.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace omearrow::cli {
namespace {

arrow::Status WriteFile(const std::string& path, const std::string& bytes) {
  FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr)
    return arrow::Status::IOError(path,
                                  ": cannot open for writing: ", std::strerror(errno));
  const size_t written = std::fwrite(bytes.data(), 1, bytes.size(), file);
  const bool closed = std::fclose(file) == 0;
  if (written != bytes.size() || !closed) {
    return arrow::Status::IOError(path, ": write failed");
  }
  return arrow::Status::OK();
}

}  // namespace

std::string OutputStem(const std::string& input) {
  std::filesystem::path path(input);
  if (path.filename().empty()) path = path.parent_path();  // "dir/" → "dir"
  std::string stem = path.filename().string();
  for (const char* suffix : {".parquet", ".tiff", ".tif", ".ome"}) {
    const std::string s = suffix;
    if (stem.size() > s.size() &&
        stem.compare(stem.size() - s.size(), s.size(), s) == 0) {
      stem.resize(stem.size() - s.size());
    }
  }
  return stem;
}

arrow::Status WritePngOutput(const std::string& png, const std::string& output,
                             const std::string& default_name, int64_t width,
                             int64_t height) {
  if (output.empty() && !isatty(STDOUT_FILENO)) {
    // Piped: the PNG bytes go to stdout.
    if (std::fwrite(png.data(), 1, png.size(), stdout) != png.size() ||
        std::fflush(stdout) != 0) {
      return arrow::Status::IOError("writing the PNG to stdout failed");
    }
    return arrow::Status::OK();
  }
  const std::string path = output.empty() ? default_name : output;
  ARROW_RETURN_NOT_OK(WriteFile(path, png));
  std::fprintf(stdout, "wrote %s (%lldx%lld)\n", path.c_str(),
               static_cast<long long>(width), static_cast<long long>(height));
  return arrow::Status::OK();
}

}  // namespace omearrow::cli
