// Where `omearrow preview` / `omearrow montage` put their PNG: the -o file, stdout when
// it is piped, else a default file name in the current directory (its path printed).
#pragma once

#include <cstdint>
#include <string>

#include <arrow/status.h>

namespace omearrow::cli {

// Writes `png` (a width×height picture) to `output`; with `output` empty, to stdout when
// stdout is not a terminal, else to `default_name`. A written file is reported on stdout
// as "wrote PATH (WxH)". Errors name the file.
arrow::Status WritePngOutput(const std::string& png, const std::string& output,
                             const std::string& default_name, int64_t width,
                             int64_t height);

// "dir/plate.ome.parquet" → "plate" (".parquet", ".tiff", ".tif", ".ome" dropped; a
// trailing "/" ignored): the stem of default output names.
std::string OutputStem(const std::string& path);

}  // namespace omearrow::cli
