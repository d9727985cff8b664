#include "omearrow/collection/montage.h"

#include <arrow/array.h>
#include <arrow/scalar.h>
#include <arrow/status.h>
#include <arrow/table.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "omearrow/util/parallel.h"
#include "omearrow/util/text_raster.h"

namespace omearrow {
namespace {

constexpr int64_t kMaxPixels = int64_t{1} << 26;

std::string ScalarText(const arrow::Scalar& scalar) {
  if (!scalar.is_valid) return "\xE2\x80\x93";  // "–"
  const arrow::Type::type id = scalar.type->id();
  if (id == arrow::Type::STRING || id == arrow::Type::LARGE_STRING) {
    return std::string(static_cast<const arrow::BaseBinaryScalar&>(scalar).view());
  }
  return scalar.ToString();
}

// `picture` fitted into a size×size tile: unchanged when its long side is already `size`
// (RenderPreview shrinks larger images to that), else enlarged so its long side is
// `size` (the short side rounded, at least 1) by nearest-neighbour sampling, which
// keeps pixels sharp.
RgbImage FitToTile(RgbImage picture, int64_t size) {
  const int64_t long_side = std::max(picture.width, picture.height);
  if (long_side <= 0 || long_side >= size) return picture;
  auto scaled = [&](int64_t side) {
    return std::max<int64_t>(1, (side * size + long_side / 2) / long_side);
  };
  RgbImage out;
  out.width = scaled(picture.width);
  out.height = scaled(picture.height);
  out.pixels.resize(static_cast<size_t>(out.width * out.height * 3));
  for (int64_t y = 0; y < out.height; ++y) {
    const int64_t src_y = std::min(picture.height - 1, y * picture.height / out.height);
    const uint8_t* src_row = picture.pixels.data() + src_y * picture.width * 3;
    uint8_t* dst = out.pixels.data() + y * out.width * 3;
    for (int64_t x = 0; x < out.width; ++x) {
      const int64_t src_x = std::min(picture.width - 1, x * picture.width / out.width);
      const uint8_t* src = src_row + src_x * 3;
      dst[x * 3 + 0] = src[0];
      dst[x * 3 + 1] = src[1];
      dst[x * 3 + 2] = src[2];
    }
  }
  return out;
}

// Copies `tile` into `canvas` centred in the cell at (x, y) of side `size`.
void PlaceTile(const RgbImage& tile, int64_t x, int64_t y, int64_t size,
               RgbImage* canvas) {
  const int64_t left = x + (size - tile.width) / 2;
  const int64_t top = y + (size - tile.height) / 2;
  for (int64_t row = 0; row < tile.height; ++row) {
    std::copy_n(tile.pixels.data() + row * tile.width * 3, tile.width * 3,
                canvas->pixels.data() + ((top + row) * canvas->width + left) * 3);
  }
}

// Fills the cell at (x, y) with kMontageFailed and draws its diagonals.
void PlaceFailedTile(int64_t x, int64_t y, int64_t size, RgbImage* canvas) {
  const int64_t thickness = std::max<int64_t>(1, size / 48);
  for (int64_t row = 0; row < size; ++row) {
    for (int64_t col = 0; col < size; ++col) {
      const bool cross = std::abs(row - col) < thickness ||
                         std::abs(row - (size - 1 - col)) < thickness;
      std::copy_n(cross ? kMontageFailedCross : kMontageFailed, 3,
                  canvas->pixels.data() + ((y + row) * canvas->width + x + col) * 3);
    }
  }
}

// Blends `text` (coverage) in kMontageInk onto `canvas`, centred in [x, x + width) with
// its top at y.
void PlaceText(const TextBitmap& text, int64_t x, int64_t y, int64_t width,
               RgbImage* canvas) {
  const int64_t left = x + std::max<int64_t>(0, (width - text.width) / 2);
  for (int64_t row = 0; row < text.height; ++row) {
    for (int64_t col = 0; col < text.width; ++col) {
      const int alpha = text.coverage[static_cast<size_t>(row * text.width + col)];
      if (alpha == 0) continue;
      uint8_t* dst = canvas->pixels.data() + ((y + row) * canvas->width + left + col) * 3;
      for (int k = 0; k < 3; ++k) {
        const int mixed = kMontageInk[k] * alpha + dst[k] * (255 - alpha);
        dst[k] = static_cast<uint8_t>((mixed + 127) / 255);
      }
    }
  }
}

}  // namespace

arrow::Result<std::vector<std::string>> MontageCaptions(
    const Collection& collection, const std::vector<std::string>& by, int64_t count) {
  const auto& table = collection.metadata();
  auto column_or_error = [&](const std::string& name)
      -> arrow::Result<std::shared_ptr<arrow::ChunkedArray>> {
    auto column = table->GetColumnByName(name);
    if (column != nullptr) return column;
    std::string available;
    for (const auto& field : table->schema()->fields()) {
      available += available.empty() ? "" : ", ";
      available += field->name();
    }
    return arrow::Status::KeyError("montage: no metadata column '", name,
                                   "' to caption by (columns: ", available, ")");
  };
  std::vector<std::shared_ptr<arrow::ChunkedArray>> columns;
  for (const auto& name : by) {
    ARROW_ASSIGN_OR_RAISE(auto column, column_or_error(name));
    columns.push_back(std::move(column));
  }
  std::shared_ptr<arrow::ChunkedArray> names;
  if (by.empty()) names = table->GetColumnByName("name");
  std::vector<std::string> out;
  for (int64_t i = 0; i < count; ++i) {
    std::string caption;
    if (!by.empty()) {
      for (const auto& column : columns) {
        ARROW_ASSIGN_OR_RAISE(auto scalar, column->GetScalar(i));
        if (!caption.empty()) caption += " \xC2\xB7 ";  // " · "
        caption += ScalarText(*scalar);
      }
    } else {
      if (names != nullptr) {
        ARROW_ASSIGN_OR_RAISE(auto scalar, names->GetScalar(i));
        if (scalar->is_valid) caption = ScalarText(*scalar);
      }
      if (caption.empty()) {
        caption = std::filesystem::path(collection.path(i)).filename().string();
        if (caption.empty()) caption = collection.path(i);
        if (collection.row(i) != 0) caption += ":" + std::to_string(collection.row(i));
      }
    }
    out.push_back(std::move(caption));
  }
  return out;
}

arrow::Result<MontageLayout> PlanMontage(int64_t collection_size,
                                         const MontageOptions& options,
                                         int64_t line_height) {
  if (options.n < 1) {
    return arrow::Status::Invalid("montage: n must be at least 1, got ", options.n);
  }
  if (options.size < 16 || options.size > 4096) {
    return arrow::Status::Invalid("montage: size must be in 16..4096, got ",
                                  options.size);
  }
  if (options.columns.has_value() && *options.columns < 1) {
    return arrow::Status::Invalid("montage: columns must be at least 1, got ",
                                  *options.columns);
  }
  if (collection_size < 1) {
    return arrow::Status::Invalid("montage: the collection has no images");
  }
  MontageLayout layout;
  layout.count = std::min(options.n, collection_size);
  layout.columns = options.columns.value_or(
      static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(layout.count)))));
  layout.columns = std::clamp<int64_t>(layout.columns, 1, layout.count);
  layout.rows = (layout.count + layout.columns - 1) / layout.columns;
  layout.size = options.size;
  layout.gap = std::max<int64_t>(2, options.size / 32);
  layout.caption_height = options.captions ? line_height + layout.gap / 2 : 0;
  // count ≤ collection size and size ≤ 4096 keep these products far from overflow
  // until the pixel check (each factor < 2^40).
  layout.width = layout.columns * (layout.size + layout.gap) + layout.gap;
  layout.height =
      layout.rows * (layout.size + layout.caption_height + layout.gap) + layout.gap;
  if (layout.width > kMaxPixels || layout.height > kMaxPixels ||
      layout.width * layout.height > kMaxPixels) {
    return arrow::Status::Invalid("montage: ", layout.count, " tiles of ", layout.size,
                                  " pixels make a ", layout.width, "x", layout.height,
                                  " picture, over the limit of ", kMaxPixels,
                                  " pixels; lower n or size");
  }
  return layout;
}

arrow::Result<Montage> RenderMontage(const Collection& collection,
                                     const MontageOptions& options) {
  // The font first: a missing font fails before any pixel is read.
  std::unique_ptr<TextRenderer> text;
  if (options.captions) {
    std::string font = options.font_path;
    if (font.empty()) {
      ARROW_ASSIGN_OR_RAISE(font, FindCaptionFont());
    }
    const int pixels = static_cast<int>(std::clamp<int64_t>(options.size / 10, 9, 18));
    ARROW_ASSIGN_OR_RAISE(text, TextRenderer::Open(font, pixels));
  }
  ARROW_ASSIGN_OR_RAISE(
      MontageLayout layout,
      PlanMontage(collection.size(), options, text ? text->line_height() : 0));
  std::vector<std::string> captions;
  if (options.captions) {
    ARROW_ASSIGN_OR_RAISE(captions,
                          MontageCaptions(collection, options.by, layout.count));
  }

  Montage montage;
  RgbImage& canvas = montage.picture;
  canvas.width = layout.width;
  canvas.height = layout.height;
  canvas.pixels.resize(static_cast<size_t>(canvas.width * canvas.height * 3));
  for (size_t i = 0; i < canvas.pixels.size(); i += 3) {
    std::copy_n(kMontageBackground, 3, canvas.pixels.data() + i);
  }

  PreviewOptions preview = options.preview;
  preview.size = layout.size;
  // Each task writes only its own cell of the canvas and its own status; the error
  // reported is the lowest failing image's, whatever the threads' timing.
  std::vector<arrow::Status> failures(static_cast<size_t>(layout.count));
  ARROW_RETURN_NOT_OK(ParallelFor(
      layout.count, options.parallelism, [&](int64_t i) -> arrow::Status {
        auto tile = [&]() -> arrow::Result<RgbImage> {
          ARROW_ASSIGN_OR_RAISE(OpenedImage opened, collection.OpenImage(i));
          ARROW_ASSIGN_OR_RAISE(RgbImage picture, RenderPreview(opened.image, preview));
          return FitToTile(std::move(picture), layout.size);
        }();
        if (!tile.ok()) {
          failures[static_cast<size_t>(i)] = tile.status().WithMessage(
              "montage: image ", i, " (", collection.path(i), " row ", collection.row(i),
              "): ", tile.status().message());
          return arrow::Status::OK();
        }
        PlaceTile(*tile, layout.cell_x(i), layout.cell_y(i), layout.size, &canvas);
        return arrow::Status::OK();
      }));
  for (int64_t i = 0; i < layout.count; ++i) {
    const arrow::Status& failure = failures[static_cast<size_t>(i)];
    if (failure.ok()) continue;
    if (options.on_error == OnError::kRaise) return failure;
    PlaceFailedTile(layout.cell_x(i), layout.cell_y(i), layout.size, &canvas);
    montage.failures.push_back(MontageFailure{i, failure.message()});
  }

  for (int64_t i = 0; i < static_cast<int64_t>(captions.size()); ++i) {
    ARROW_ASSIGN_OR_RAISE(TextBitmap bitmap,
                          text->Render(captions[static_cast<size_t>(i)], layout.size));
    PlaceText(bitmap, layout.cell_x(i), layout.cell_y(i) + layout.size + layout.gap / 2,
              layout.size, &canvas);
  }
  return montage;
}

}  // namespace omearrow
