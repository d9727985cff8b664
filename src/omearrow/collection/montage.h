// Montages: a grid of preview thumbnails of a collection's images, each with a caption
// (its name or chosen metadata values), as one RGB picture or PNG.
#pragma once

#include <arrow/result.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "omearrow/collection/collection.h"
#include "omearrow/composite.h"
#include "omearrow/preview.h"

namespace omearrow {

// What a montage shows and how.
struct MontageOptions {
  int64_t n = 16;                // the first min(n, size()) images, in collection order
  std::vector<std::string> by;   // caption columns of metadata(); empty: the image name
  int64_t size = 128;            // tile side in pixels (16..4096)
  std::optional<int64_t> columns;  // tiles per row; nullopt: ceil(sqrt(count))
  // t, z, c and the contrast percentiles of every tile (preview.h; each tile is stretched
  // on its own). `preview.size` is ignored: tiles are `size`.
  PreviewOptions preview;
  bool captions = true;    // false: no caption band (no font needed)
  std::string font_path;   // empty: FindCaptionFont() (util/text_raster.h)
  int parallelism = 0;     // images read at once; 0: DefaultParallelism()
  // An image that cannot be read or previewed: kRaise fails the montage; kSkip draws
  // its tile as a placeholder (kMontageFailed, crossed) and reports it in `failures`.
  OnError on_error = OnError::kRaise;
};

// An image a montage could not show (OnError::kSkip).
struct MontageFailure {
  int64_t index = 0;    // in the collection
  std::string message;  // "montage: image I (PATH row R): ..."
};

// A rendered montage and the images it could not show.
struct Montage {
  RgbImage picture;
  std::vector<MontageFailure> failures;
};

// The geometry of a montage of `count` tiles: every tile is a `size`×`size` cell at
// (x, y) with its caption band (`caption_height` rows, 0 without captions) below it,
// `gap` pixels between cells and around the edge.
struct MontageLayout {
  int64_t count = 0;
  int64_t columns = 0;
  int64_t rows = 0;
  int64_t size = 0;
  int64_t gap = 0;
  int64_t caption_height = 0;
  int64_t width = 0;
  int64_t height = 0;
  int64_t cell_x(int64_t i) const { return gap + (i % columns) * (size + gap); }
  int64_t cell_y(int64_t i) const {
    return gap + (i / columns) * (size + caption_height + gap);
  }
};

// The background of a montage (between tiles, around images that do not fill their cell,
// behind captions) and the caption ink.
inline constexpr uint8_t kMontageBackground[3] = {40, 40, 40};
inline constexpr uint8_t kMontageInk[3] = {235, 235, 235};
// The fill of a placeholder tile (an image that could not be read, OnError::kSkip) and
// the color of the cross drawn over it.
inline constexpr uint8_t kMontageFailed[3] = {90, 28, 28};
inline constexpr uint8_t kMontageFailedCross[3] = {210, 70, 70};

// The caption of each of the first `count` images: the metadata values of `by` joined by
// " · " (null values as "–"), or with `by` empty the `name` column, falling back to the
// file name (and ":row" for rows past 0) when the name is null or empty. Errors name an
// unknown column and list the available ones.
arrow::Result<std::vector<std::string>> MontageCaptions(
    const Collection& collection, const std::vector<std::string>& by, int64_t count);

// Checks the options and computes the layout (`line_height`: the caption font's line
// height, ignored without captions). Errors name the argument: n < 1, size outside
// 16..4096, columns < 1, an empty collection, a picture over 2^26 pixels.
arrow::Result<MontageLayout> PlanMontage(int64_t collection_size,
                                         const MontageOptions& options,
                                         int64_t line_height);

// Renders the montage: the images are opened and previewed on `parallelism` threads
// (each reads only its one previewed plane), shrunk to fit their tile (box average) or
// enlarged to fill it (nearest neighbour) when smaller, and centred in it; captions are
// drawn centred below each tile, cut with "…" when too long. An image that cannot be read
// or previewed fails the montage (the lowest such index), naming its index, file and
// row, or with OnError::kSkip becomes a placeholder tile listed in `failures`.
arrow::Result<Montage> RenderMontage(const Collection& collection,
                                     const MontageOptions& options);

}  // namespace omearrow
