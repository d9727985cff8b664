// `omearrow convert`.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "commands.h"
#include "omearrow/collection/location.h"
#include "omearrow/collection/open_uri.h"
#include "omearrow/collection/source_kind.h"
#include "omearrow/collection/write_uri.h"
#include "omearrow/io/dataset_writer.h"
#include "omearrow/io/open.h"
#include "omearrow/io/record_writer.h"
#include "omearrow/util/text.h"

namespace omearrow::cli {
namespace {

arrow::Result<std::vector<int64_t>> ParseShape(const std::string& text, size_t expected) {
  std::vector<int64_t> values;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      size_t used = 0;
      values.push_back(std::stoll(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      return arrow::Status::Invalid("--chunk-shape: '", text, "' is not a list of integers");
    }
  }
  if (values.size() != expected) {
    return arrow::Status::Invalid("--chunk-shape needs ", expected, " comma-separated values, got '",
                                  text, "'");
  }
  return values;
}

}  // namespace

void DrawProgress(int64_t done, int64_t total) {
  static int64_t last_percent = -1;
  const int64_t percent = 100 * done / std::max<int64_t>(1, total);
  if (percent == last_percent && done != total) return;  // redraw only when it changes
  last_percent = done == total ? -1 : percent;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * done / std::max<int64_t>(1, total));
  std::fprintf(stderr, "\r[%.*s%.*s] %3lld%% (%lld/%lld)", filled,
               "##############################", kWidth - filled,
               "..............................",
               static_cast<long long>(100 * done / std::max<int64_t>(1, total)),
               static_cast<long long>(done), static_cast<long long>(total));
  if (done == total) std::fprintf(stderr, "\n");
}

arrow::Result<ParquetWriteOptions> MakeParquetWriteOptions(const ConvertOptions& options) {
  ParquetWriteOptions write;
  write.column = options.column;
  ARROW_ASSIGN_OR_RAISE(write.record.encoding, ParseChunkEncoding(options.encoding));
  write.record.chunk_compression = options.compression;
  write.record.compression_level = options.level;
  write.parquet_compression = options.parquet_compression;
  if (!options.chunk_shape.empty()) {
    ARROW_ASSIGN_OR_RAISE(auto shape, ParseShape(options.chunk_shape, 3));
    write.record.chunk_shape = {shape[0], shape[1], shape[2]};
  }
  return write;
}

arrow::Result<DatasetWriteOptions> MakeDatasetWriteOptions(const ConvertOptions& options) {
  DatasetWriteOptions write;
  if (!options.chunk_shape.empty()) {
    ARROW_ASSIGN_OR_RAISE(auto shape, ParseShape(options.chunk_shape, 5));
    write.chunk_shape = std::array<int64_t, 5>{shape[0], shape[1], shape[2], shape[3], shape[4]};
  }
  if (options.parquet_compression) write.compression = *options.parquet_compression;
  return write;
}

arrow::Status RunConvert(const InputSelection& input, const ConvertOptions& options,
                         const std::optional<std::string>& filter) {
  ARROW_ASSIGN_OR_RAISE(const bool many, IsCollectionSource(input.path));
  if (many) return RunConvertCollection(input, options, filter);
  if (filter.has_value()) {
    return arrow::Status::Invalid("--filter selects images of a collection (a directory, "
                                  "glob or URI prefix); ", input.path, " is one file");
  }
  const auto start = std::chrono::steady_clock::now();
  OpenOptions open_options;
  open_options.column = input.column;
  open_options.row = input.row;
  open_options.image_id = input.image_id;
  ARROW_ASSIGN_OR_RAISE(OpenedImage opened, OpenPathOrUri(input.path, open_options));
  for (const auto& warning : opened.warnings) {
    std::fprintf(stderr, "warning: %s\n", warning.message.c_str());
  }
  std::string format = internal::TrimLower(options.format);
  if (format.empty()) {
    const std::string extension = internal::TrimLower(
        std::filesystem::path(options.output.substr(0, options.output.find('?')))
            .extension()
            .string());
    format = (extension == ".parquet" || extension == ".pq") ? "parquet" : "dataset";
  }
  const PixelsMeta& pm = opened.image->pixels_meta();
  const bool many_planes = pm.size_t * pm.size_c * pm.size_z > 1;
  if (format == "parquet") {
    ARROW_ASSIGN_OR_RAISE(ParquetWriteOptions write, MakeParquetWriteOptions(options));
    if (options.progress && many_planes) write.record.progress = DrawProgress;
    ARROW_RETURN_NOT_OK(WriteParquetToPathOrUri({opened.image}, options.output, write));
  } else if (format == "dataset") {
    if (IsUri(options.output) && options.output.rfind("file://", 0) != 0) {
      return arrow::Status::NotImplemented(
          options.output, ": dataset directories are written to local disk only");
    }
    ARROW_ASSIGN_OR_RAISE(DatasetWriteOptions write, MakeDatasetWriteOptions(options));
    ARROW_RETURN_NOT_OK(WriteDataset(*opened.image, options.output, write));
  } else {
    return arrow::Status::Invalid("--format must be parquet or dataset, got '", options.format,
                                  "'");
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "wrote %s (%s, T=%lld C=%lld Z=%lld Y=%lld X=%lld) in %.2f s\n",
               options.output.c_str(), format.c_str(), static_cast<long long>(pm.size_t),
               static_cast<long long>(pm.size_c), static_cast<long long>(pm.size_z),
               static_cast<long long>(pm.size_y), static_cast<long long>(pm.size_x), seconds);
  return arrow::Status::OK();
}

}  // namespace omearrow::cli
