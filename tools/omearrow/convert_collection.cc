// `omearrow convert COLLECTION OUTDIR`: every image of a collection to its own converted
// file in an output directory (local or a URI prefix), resumable.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "commands.h"
#include "omearrow/collection/collection.h"
#include "omearrow/collection/filter.h"
#include "omearrow/collection/location.h"
#include "omearrow/collection/write_uri.h"
#include "omearrow/io/dataset_writer.h"

namespace omearrow::cli {
namespace {

// The part of the source before its last '/' when that component is a glob, else the
// source itself (a directory or prefix): what output names are made relative to.
std::string SourceBase(const std::string& path) {
  std::string base = path;
  const size_t slash = base.find_last_of('/');
  if (base.find_first_of("*?[", slash == std::string::npos ? 0 : slash) != std::string::npos) {
    base = slash == std::string::npos ? "" : base.substr(0, slash);
  }
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  return base;
}

// `file` (a path inside the source's filesystem) relative to `base`, without its
// extension; its file name when it does not lie under `base`.
std::string RelativeStem(const std::string& file, const std::string& base) {
  std::string relative = file;
  if (!base.empty() && file.size() > base.size() + 1 && file.compare(0, base.size(), base) == 0 &&
      file[base.size()] == '/') {
    relative = file.substr(base.size() + 1);
  } else {
    const size_t slash = file.find_last_of('/');
    if (slash != std::string::npos) relative = file.substr(slash + 1);
  }
  const size_t dot = relative.find_last_of('.');
  const size_t slash = relative.find_last_of('/');
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) {
    relative.resize(dot);
  }
  return relative;
}

// The output of one image: <output>/<relative stem>_r<row>[_<column>].ome.parquet (or a
// dataset directory without the extension); the column is left out for "ome_arrow" and
// dataset inputs.
std::string OutputName(const Location& output, const std::string& stem, int64_t row,
                       const std::string& column, bool dataset) {
  std::string name = stem + "_r" + std::to_string(row);
  if (!column.empty() && column != "ome_arrow") name += "_" + column;
  name += dataset ? "" : ".ome.parquet";
  std::string path = output.path;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return output.Display(path + "/" + name);
}

}  // namespace

arrow::Status RunConvertCollection(const InputSelection& input, const ConvertOptions& options,
                                   const std::optional<std::string>& filter) {
  const auto start = std::chrono::steady_clock::now();
  CollectionOptions collection_options;
  collection_options.column = input.column;
  if (filter.has_value()) {
    ARROW_ASSIGN_OR_RAISE(collection_options.filter, ParseFilter(*filter));
  }
  ARROW_ASSIGN_OR_RAISE(Collection collection,
                        OpenCollection({input.path}, collection_options));
  ARROW_ASSIGN_OR_RAISE(Location source, ResolveLocation(input.path));
  ARROW_ASSIGN_OR_RAISE(Location output, ResolveLocation(options.output));
  const std::string format = options.format.empty() ? "parquet" : options.format;
  if (format != "parquet" && format != "dataset") {
    return arrow::Status::Invalid("--format must be parquet or dataset, got '", options.format,
                                  "'");
  }
  const bool dataset = format == "dataset";
  if (dataset && !output.local()) {
    return arrow::Status::NotImplemented(options.output,
                                         ": dataset directories are written to local disk only");
  }
  ParquetWriteOptions write;
  ARROW_ASSIGN_OR_RAISE(write, MakeParquetWriteOptions(options));
  DatasetWriteOptions dataset_write;
  if (dataset) {
    ARROW_ASSIGN_OR_RAISE(dataset_write, MakeDatasetWriteOptions(options));
  }
  const std::string base = SourceBase(source.path);
  const int64_t total = collection.size();
  int64_t converted = 0, skipped = 0;
  for (int64_t i = 0; i < total; ++i) {
    const std::string file_path = FileSystemPath(source, collection.path(i));
    const std::string target =
        OutputName(output, RelativeStem(file_path, base), collection.row(i),
                   collection.column(i), dataset);
    // Resumable: outputs appear only when complete (renamed into place locally, uploaded
    // in one piece remotely), so an existing one is done.
    bool exists = false;
    if (dataset) {
      std::error_code error;
      exists = std::filesystem::exists(std::filesystem::path(target) /
                                           "_ome_arrow_dataset.json",
                                       error);
    } else {
      ARROW_ASSIGN_OR_RAISE(exists, PathOrUriExists(target));
    }
    if (exists) {
      ++skipped;
    } else {
      auto opened = collection.OpenImage(i);
      if (!opened.ok()) {
        return opened.status().WithMessage("image ", i, " (", collection.path(i), " row ",
                                           collection.row(i), "): ", opened.status().message());
      }
      const arrow::Status written =
          dataset ? WriteDataset(*opened->image, target, dataset_write)
                  : WriteParquetToPathOrUri({opened->image}, target, write);
      if (!written.ok()) {
        return written.WithMessage("image ", i, " (", collection.path(i), " row ",
                                   collection.row(i), ") -> ", target, ": ", written.message());
      }
      ++converted;
    }
    if (options.progress) DrawProgress(i + 1, total);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "converted %lld images into %s (%lld already there, skipped) in %.2f s\n",
               static_cast<long long>(converted), options.output.c_str(),
               static_cast<long long>(skipped), seconds);
  return arrow::Status::OK();
}

}  // namespace omearrow::cli
