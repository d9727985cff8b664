// Previews: a channel composite of one (t, z) plane of an image or a view, contrast
// stretched per channel, tinted, shrunk and encoded as PNG. Reads only the planes shown.
#pragma once

#include <arrow/result.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "omearrow/composite.h"
#include "omearrow/image.h"
#include "omearrow/tensor_view.h"

namespace omearrow {

// What a preview shows. Indices count within the previewed selection (for an image:
// the image's own indices).
struct PreviewOptions {
  int64_t t = 0;
  std::optional<int64_t> z;               // nullopt: the middle z (index size/2)
  std::optional<std::vector<int64_t>> c;  // nullopt: every channel
  int64_t size = 512;                     // most pixels on the long side (never enlarged)
  double low_percentile = 0.5;            // contrast range per channel, in percent
  double high_percentile = 99.5;
};

// Checks the options against a selection of `size_t`/`size_z`/`size_c` indices: t, z
// and each c in range, c not empty and without repeats, size ≥ 1, 0 ≤ low < high ≤ 100.
// Errors name the argument ("preview: z=7 out of range for 5 z planes").
arrow::Status ValidatePreviewOptions(const PreviewOptions& options, int64_t n_t,
                                     int64_t n_z, int64_t n_c);

// The composite of `selection` (a normalized selection of `image`) at options.t/z/c,
// which index into the selection's t/z/c lists, over its ROI. Reads the chosen channels
// of that one plane as float32 (the TensorView kernel; the view memory ceiling applies).
arrow::Result<RgbImage> RenderPreview(const std::shared_ptr<const Image>& image,
                                      const Selection& selection,
                                      const PreviewOptions& options);

// RenderPreview over the whole image.
arrow::Result<RgbImage> RenderPreview(const std::shared_ptr<const Image>& image,
                                      const PreviewOptions& options);

// RenderPreview over a view's image and selection (its layout and dtype play no part).
arrow::Result<RgbImage> RenderPreview(const TensorView& view,
                                      const PreviewOptions& options);

// A rendered picture as PNG file bytes (8-bit RGB).
arrow::Result<std::string> EncodePng(const RgbImage& picture);

// The preview as PNG file bytes (8-bit RGB).
arrow::Result<std::string> PreviewPng(const std::shared_ptr<const Image>& image,
                                      const PreviewOptions& options);
arrow::Result<std::string> PreviewPng(const TensorView& view,
                                      const PreviewOptions& options);

}  // namespace omearrow
