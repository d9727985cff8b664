// Reading ome-arrow "typed-chunk dataset" directories: `_ome_arrow_dataset.json`,
// `images.parquet` (one metadata row per image), `chunks.parquet` (one row per 5-D
// T×C×Z×Y×X block of typed pixel bytes) and the optional `index.parquet` (chunk origin,
// shape and row group of every chunk). The format is the one ome_arrow.dataset writes.
#pragma once

#include <arrow/io/interfaces.h>
#include <arrow/result.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "omearrow/image.h"

namespace omearrow {

// File names inside a dataset directory, and the layout tag its tables and manifest
// carry.
inline constexpr std::string_view kDatasetManifestFile = "_ome_arrow_dataset.json";
inline constexpr std::string_view kDatasetImagesFile = "images.parquet";
inline constexpr std::string_view kDatasetChunksFile = "chunks.parquet";
inline constexpr std::string_view kDatasetIndexFile = "index.parquet";
inline constexpr std::string_view kDatasetLayout = "typed-chunk-dataset";

// Opens one file of a dataset for random access. Lets callers substitute their own I/O
// (a remote filesystem, or a wrapper that counts the bytes read).
using DatasetFileOpener =
    std::function<arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>>(
        const std::string& path)>;

// Which image of a dataset to open, and how.
struct DatasetOpenOptions {
  // Select the image by images.parquet `image_id`; when unset, by `row`.
  std::optional<std::string> image_id;
  // Row of images.parquet (0 = the first image, as the reference's default).
  int64_t row = 0;
  // Use index.parquet when present; otherwise (or when false) the chunk coordinates are
  // read from the coordinate columns of chunks.parquet (never its pixel bytes).
  bool use_index = true;
  // Bytes of decoded chunks kept for reuse by later reads of the image (LRU).
  int64_t decoded_chunk_cache_bytes = int64_t{256} << 20;
  // Opens the dataset's files; empty = arrow::io::ReadableFile::Open (local files).
  DatasetFileOpener file_opener;
};

// True when `path` is a directory holding a dataset manifest.
bool IsDatasetDirectory(const std::string& path);

// Opens one image of the dataset in directory `dir`. Reads only metadata: the manifest,
// images.parquet, the Parquet footer of chunks.parquet and the chunk index
// (index.parquet, or the coordinate columns of chunks.parquet), and builds the (t, c, z)
// → chunks index once. Pixels are read on demand: a plane read fetches only the row
// groups of the chunks it touches and only their `pixel_bytes` and `dtype` columns,
// decodes them into a bounded cache, and serves the plane from there. Errors name the
// offending file. The returned image is thread-safe; reads of chunks.parquet are
// serialized.
//
// Consistency (a damaged or partly rewritten dataset errors, never reads wrong pixels):
// - the manifest's image_count / chunk_count, when present, must equal the rows of
//   images.parquet / chunks.parquet, and index.parquet must have as many rows as
//   chunks.parquet;
// - when images.parquet declares the image's chunk grid (chunk_t..chunk_x), every grid
//   cell must have its chunk (the first missing one is named); regions without chunks
//   read as zeros only where nothing declares them present;
// - a row located through index.parquet must hold the chunk_id, image_id, origin and
//   shape the index gives, else the chunk is looked up by chunk_id within the same row
//   group, else reading fails ("Chunk not found", naming both files and the chunk).
arrow::Result<std::shared_ptr<const Image>> OpenDataset(
    const std::string& dir, const DatasetOpenOptions& options = {});

// The image ids of a dataset, in images.parquet order (reads images.parquet only).
arrow::Result<std::vector<std::string>> ListDatasetImageIds(
    const std::string& dir, const DatasetOpenOptions& options = {});

namespace internal {

// Parses an images.parquet `channels_json` cell (the reference's json.dumps of the
// channel list; untrusted): null → no channels; errors name `label` and the entry.
arrow::Result<std::vector<Channel>> ParseChannelsJson(const std::string& text,
                                                      const std::string& label);

}  // namespace internal

}  // namespace omearrow
