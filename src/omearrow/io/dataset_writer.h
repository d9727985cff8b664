// Writing ome-arrow "typed-chunk dataset" directories (the format dataset_reader.h
// reads and ome_arrow.write_ome_arrow_dataset writes).
#pragma once

#include <arrow/result.h>
#include <arrow/status.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "omearrow/image.h"
#include "omearrow/tensor/dtype.h"

namespace omearrow {

// The version written to `ome.arrow.version` (schema metadata and manifest): the
// ome-arrow release whose dataset format this writer reproduces.
inline constexpr std::string_view kDatasetFormatVersion = "0.1.0";

// How a dataset is written. Defaults are the reference's write_ome_arrow_dataset
// defaults.
struct DatasetWriteOptions {
  // Chunk shape (T, C, Z, Y, X); each entry is clipped to [1, image size] as the
  // reference does. nullopt: the reference's default choice (layout="auto",
  // access_pattern="balanced" → layout "block"): (1, 1, min(Z, 16), min(Y, 128),
  // min(X, 128)), with Y and X scaled by sqrt(target / size) when a chunk would exceed
  // `target_chunk_mb`.
  std::optional<std::array<int64_t, 5>> chunk_shape;
  double target_chunk_mb = 4.0;
  // Parquet codec of all three tables: "zstd", "snappy", "gzip", "brotli", "lz4",
  // "none"; nullopt writes uncompressed files and a null `compression` in images.parquet.
  std::optional<std::string> compression = "zstd";
  // Chunk rows per row group of chunks.parquet (1: one chunk per row group, the fastest
  // direct chunk reads).
  int64_t chunk_rows_per_row_group = 1;
  // Write index.parquet (row group and row of every chunk).
  bool build_physical_index = true;
  // Write into an existing non-empty directory, replacing the dataset files there
  // (other files are left alone). Without it such a directory is refused.
  bool overwrite = false;
};

// One image to write and its id (nullopt: the record id, else "image-NNNNN" by position,
// as the reference).
struct DatasetImage {
  std::shared_ptr<const Image> image;
  std::optional<std::string> image_id;
};

// The resolved chunking of one image: the reference's ChunkChoice.
struct DatasetChunkChoice {
  std::string layout;  // "block"
  std::array<int64_t, 5> chunk_shape{};
  std::optional<std::string> compression;
  std::string rationale;  // the reference's sentence, e.g. Selected layout="block", ...
};

// The chunking the writer uses for an image of `shape` (T, C, Z, Y, X) and `dtype`.
arrow::Result<DatasetChunkChoice> ChooseDatasetChunking(
    const std::array<int64_t, 5>& shape, DType dtype, const DatasetWriteOptions& options);

// Writes `image` as a one-image dataset into directory `dir` (created when missing).
// Pixels are read through TensorView, one band of chunks (T×C×Z×chunk_y×X) at a time,
// in the image's pixels_meta.type dtype. Files: images.parquet, chunks.parquet,
// index.parquet (optional) and, last, _ome_arrow_dataset.json.
arrow::Status WriteDataset(const Image& image, const std::string& dir,
                           const DatasetWriteOptions& options = {});

// Writes several images into one dataset; chunk ids run on across images and row
// groups of chunks.parquet may span images, as in the reference. Duplicate ids fail.
arrow::Status WriteDataset(const std::vector<DatasetImage>& images,
                           const std::string& dir,
                           const DatasetWriteOptions& options = {});

}  // namespace omearrow
