// `omearrow preview`.
#include "omearrow/preview.h"

#include <cstdio>

#include "commands.h"
#include "omearrow/io/open.h"
#include "png_output.h"

namespace omearrow::cli {
namespace {

// "plate.ome.parquet" row 3 → "plate.row3.preview.png" (in the current directory).
std::string DefaultOutput(const InputSelection& input) {
  std::string stem = OutputStem(input.path);
  if (input.row != 0) stem += ".row" + std::to_string(input.row);
  if (input.column) stem += "." + *input.column;
  return stem + ".preview.png";
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
  return WritePngOutput(png, cli.output, DefaultOutput(input), picture.width,
                        picture.height);
}

}  // namespace omearrow::cli
