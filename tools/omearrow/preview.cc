// `omearrow preview`.
#include "omearrow/preview.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "commands.h"
#include "omearrow/io/open.h"

namespace omearrow::cli {
namespace {

// "plate.ome.parquet" row 3 → "plate.row3.preview.png" (extensions dropped, in the
// current directory).
std::string DefaultOutput(const InputSelection& input) {
  std::filesystem::path path(input.path);
  if (path.filename().empty()) path = path.parent_path();  // "dir/" → "dir"
  std::string stem = path.filename().string();
  for (const char* suffix : {".parquet", ".tiff", ".tif", ".ome"}) {
    const std::string s = suffix;
    if (stem.size() > s.size() &&
        stem.compare(stem.size() - s.size(), s.size(), s) == 0) {
      stem.resize(stem.size() - s.size());
    }
  }
  if (input.row != 0) stem += ".row" + std::to_string(input.row);
  if (input.column) stem += "." + *input.column;
  return stem + ".preview.png";
}

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

arrow::Status RunPreview(const InputSelection& input, const PreviewCliOptions& cli) {
  OpenOptions open_options;
  open_options.column = input.column;
  open_options.row = input.row;
  open_options.image_id = input.image_id;
  ARROW_ASSIGN_OR_RAISE(OpenedImage opened, Open(input.path, open_options));
  for (const auto& warning : opened.warnings) {
    std::fprintf(stderr, "warning: %s\n", warning.message.c_str());
  }
  PreviewOptions options;
  options.t = cli.t;
  options.z = cli.z;
  if (!cli.c.empty()) options.c = cli.c;
  options.size = cli.size;
  options.low_percentile = cli.low;
  options.high_percentile = cli.high;
  ARROW_ASSIGN_OR_RAISE(RgbImage picture, RenderPreview(opened.image, options));
  ARROW_ASSIGN_OR_RAISE(std::string png, EncodePng(picture));
  std::string output = cli.output;
  if (output.empty() && !isatty(STDOUT_FILENO)) {
    // Piped: the PNG bytes go to stdout.
    if (std::fwrite(png.data(), 1, png.size(), stdout) != png.size() ||
        std::fflush(stdout) != 0) {
      return arrow::Status::IOError("writing the PNG to stdout failed");
    }
    return arrow::Status::OK();
  }
  if (output.empty()) output = DefaultOutput(input);
  ARROW_RETURN_NOT_OK(WriteFile(output, png));
  std::fprintf(stdout, "wrote %s (%lldx%lld)\n", output.c_str(),
               static_cast<long long>(picture.width),
               static_cast<long long>(picture.height));
  return arrow::Status::OK();
}

}  // namespace omearrow::cli
