// The `omearrow` command-line tool's subcommands.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <arrow/result.h>
#include <arrow/status.h>

#include "omearrow/io/dataset_writer.h"
#include "omearrow/io/record_writer.h"

namespace omearrow::cli {

// Which image of a file to open (--column, --row, --image-id).
struct InputSelection {
  std::string path;
  std::optional<std::string> column;
  int64_t row = 0;
  std::optional<std::string> image_id;
};

// `omearrow info FILE [--json]`: shape, dtype, channels, encoding, chunking and physical
// sizes, as text or JSON on stdout. FILE may be a URI; a collection (directory of Parquet
// files, glob, URI prefix) gets RunCollectionInfo.

arrow::Status RunInfo(const InputSelection& input, bool json);
// `omearrow info COLLECTION`: files, images, skipped files and the images grouped by
// shape, dtype and encoding (counts), as text or JSON.
arrow::Status RunCollectionInfo(const InputSelection& input, bool json);
// `omearrow info --validate`: prints every problem of every record of the Parquet
// column ("row N: field.path: message") or "valid: N records"; returns the problem count.
arrow::Result<int64_t> RunValidate(const InputSelection& input, bool strict);

// Options of `omearrow convert`.
struct ConvertOptions {
  std::string output;
  std::string format;  // "parquet" or "dataset"; empty: from the output's extension
  std::string encoding = "bytes";
  std::string chunk_shape;  // "Z,Y,X" (parquet) or "T,C,Z,Y,X" (dataset); empty: default
  std::string compression = "zstd";
  std::optional<int> level;
  std::string column = "ome_arrow";
  std::optional<std::string> parquet_compression;
  bool progress = true;
};

// `omearrow convert IN OUT`: any readable image (a local path or a URI) → OME-Arrow
// Parquet (a local path or a URI) or a dataset directory. When IN names a collection (a
// directory of Parquet files, a glob, a URI prefix), RunConvertCollection.
arrow::Status RunConvert(const InputSelection& input, const ConvertOptions& options,
                         const std::optional<std::string>& filter = std::nullopt);

// `omearrow convert COLLECTION OUTDIR [--filter EXPR]`: every image of the collection (the
// filter pushed down as in `ls`) into OUTDIR (a local directory or a URI prefix) as
// <file stem relative to the source>_r<row>[_<column>].ome.parquet (or dataset
// directories without the extension), a progress bar over images on stderr. Resumable:
// outputs appear only once complete, and existing ones are skipped.
arrow::Status RunConvertCollection(const InputSelection& input, const ConvertOptions& options,
                                   const std::optional<std::string>& filter);

// Options for the writers from the convert options (no progress callback).
arrow::Result<ParquetWriteOptions> MakeParquetWriteOptions(const ConvertOptions& options);
arrow::Result<DatasetWriteOptions> MakeDatasetWriteOptions(const ConvertOptions& options);

// Draws "[#####.....] 45% (123/256)" on stderr, redrawing in place.
void DrawProgress(int64_t done, int64_t total);

// Options of `omearrow ls`.
struct LsOptions {
  std::vector<std::string> sources;
  std::optional<std::string> column;
  std::optional<std::string> filter;  // collection/filter.h syntax
  bool json = false;
  bool csv = false;
  bool skip_errors = false;
};

// `omearrow ls SOURCE...`: the collection's metadata table (one row per image), as
// tab-separated text (default), CSV or JSON on stdout; skipped files on stderr.
arrow::Status RunLs(const LsOptions& options);

// `omearrow demo`: generates a synthetic multi-channel 3-D time series, converts it to
// OME-Arrow Parquet, opens it lazily, reads planes, crops and tiles, and reports timings.
arrow::Status RunDemo(const std::string& directory, bool small);

// `omearrow bench FILE`: times opening, one plane, a crop, the full image and tiles.
arrow::Status RunBench(const InputSelection& input, int repeats);

// Options of `omearrow preview`.
struct PreviewCliOptions {
  int64_t t = 0;
  std::optional<int64_t> z;  // default: the middle z
  std::vector<int64_t> c;    // empty: every channel
  int64_t size = 512;
  double low = 0.5;
  double high = 99.5;
  std::string output;  // empty: stdout when piped, else <name>.preview.png here
};

// `omearrow preview FILE`: a PNG channel composite of one plane (core preview.h),
// written to -o, or to stdout when piped, or next to the current directory with its
// path printed.
arrow::Status RunPreview(const InputSelection& input, const PreviewCliOptions& options);

// Options of `omearrow montage`.
struct MontageCliOptions {
  std::vector<std::string> sources;
  std::optional<std::string> column;
  std::optional<std::string> filter;  // collection/filter.h syntax
  bool skip_errors = false;
  int64_t n = 16;
  std::vector<std::string> by;  // caption columns; empty: the image name
  int64_t size = 128;
  std::optional<int64_t> columns;
  int64_t t = 0;
  std::optional<int64_t> z;
  std::vector<int64_t> c;
  double low = 0.5;
  double high = 99.5;
  bool no_captions = false;
  std::string output;  // empty: stdout when piped, else <name>.montage.png here
};

// `omearrow montage SOURCE...`: a PNG grid of the first n images of a collection
// (optionally filtered) with captions (collection/montage.h), written like a preview.
arrow::Status RunMontage(const MontageCliOptions& options);

}  // namespace omearrow::cli
