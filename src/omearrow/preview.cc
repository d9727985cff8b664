#include "omearrow/preview.h"

#include <arrow/status.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "omearrow/util/png.h"

namespace omearrow {
namespace {

std::vector<int64_t> AllIndices(int64_t n) {
  std::vector<int64_t> out(static_cast<size_t>(n));
  std::iota(out.begin(), out.end(), int64_t{0});
  return out;
}

}  // namespace

arrow::Status ValidatePreviewOptions(const PreviewOptions& options, int64_t n_t,
                                     int64_t n_z, int64_t n_c) {
  if (options.t < 0 || options.t >= n_t) {
    return arrow::Status::IndexError("preview: t=", options.t, " out of range for ", n_t,
                                     " time points");
  }
  if (options.z.has_value() && (*options.z < 0 || *options.z >= n_z)) {
    return arrow::Status::IndexError("preview: z=", *options.z, " out of range for ", n_z,
                                     " z planes");
  }
  if (options.c.has_value()) {
    if (options.c->empty()) {
      return arrow::Status::Invalid("preview: c must name at least one channel");
    }
    std::set<int64_t> seen;
    for (int64_t c : *options.c) {
      if (c < 0 || c >= n_c) {
        return arrow::Status::IndexError("preview: c=", c, " out of range for ", n_c,
                                         " channels");
      }
      if (!seen.insert(c).second) {
        return arrow::Status::Invalid("preview: channel ", c, " appears twice in c");
      }
    }
  }
  if (options.size < 1) {
    return arrow::Status::Invalid("preview: size must be at least 1, got ", options.size);
  }
  const double low = options.low_percentile;
  const double high = options.high_percentile;
  if (!(low >= 0 && low < high && high <= 100)) {
    return arrow::Status::Invalid(
        "preview: contrast must be two percentiles with 0 <= low < high <= 100, got (",
        low, ", ", high, ")");
  }
  return arrow::Status::OK();
}

arrow::Result<RgbImage> RenderPreview(const std::shared_ptr<const Image>& image,
                                      const Selection& selection,
                                      const PreviewOptions& options) {
  if (image == nullptr) return arrow::Status::Invalid("preview: no image");
  const auto n_t = static_cast<int64_t>(selection.t.size());
  const auto n_z = static_cast<int64_t>(selection.z.size());
  const auto n_c = static_cast<int64_t>(selection.c.size());
  ARROW_RETURN_NOT_OK(ValidatePreviewOptions(options, n_t, n_z, n_c));

  Selection plane;
  plane.roi = selection.roi;
  plane.t = {selection.t[static_cast<size_t>(options.t)]};
  plane.z = {selection.z[static_cast<size_t>(options.z.value_or(n_z / 2))]};
  const std::vector<int64_t> shown = options.c.value_or(AllIndices(n_c));
  for (int64_t c : shown) plane.c.push_back(selection.c[static_cast<size_t>(c)]);

  // One plane of the chosen channels, C×Y×X float32: only those planes are read.
  ARROW_ASSIGN_OR_RAISE(
      TensorView view, TensorView::FromSelection(image, plane, std::string("CYX"),
                                                 DType::kFloat32, ChannelPolicy::kError));
  ARROW_ASSIGN_OR_RAISE(Tensor tensor, view.Materialize());
  const int64_t height = plane.roi.h;
  const int64_t width = plane.roi.w;
  const auto* values = reinterpret_cast<const float*>(tensor.data);
  const size_t plane_values = static_cast<size_t>(height * width);

  const std::vector<Rgb> colors = ChannelColors(image->pixels_meta().channels, plane.c);
  std::vector<CompositeChannel> channels;
  for (size_t i = 0; i < plane.c.size(); ++i) {
    std::span<const float> channel(values + i * plane_values, plane_values);
    channels.push_back(CompositeChannel{
        channel,
        PercentileRange(channel, options.low_percentile, options.high_percentile),
        colors[i]});
  }
  return CompositeChannels(channels, height, width, options.size);
}

arrow::Result<RgbImage> RenderPreview(const std::shared_ptr<const Image>& image,
                                      const PreviewOptions& options) {
  if (image == nullptr) return arrow::Status::Invalid("preview: no image");
  const PixelsMeta& meta = image->pixels_meta();
  Selection all;
  all.t = AllIndices(meta.size_t);
  all.z = AllIndices(meta.size_z);
  all.c = AllIndices(meta.size_c);
  all.roi = Roi{0, 0, meta.size_x, meta.size_y};
  return RenderPreview(image, all, options);
}

arrow::Result<RgbImage> RenderPreview(const TensorView& view,
                                      const PreviewOptions& options) {
  return RenderPreview(view.image(), view.selection(), options);
}

arrow::Result<std::string> EncodePng(const RgbImage& picture) {
  return EncodePngRgb8(picture.pixels, picture.width, picture.height);
}

arrow::Result<std::string> PreviewPng(const std::shared_ptr<const Image>& image,
                                      const PreviewOptions& options) {
  ARROW_ASSIGN_OR_RAISE(RgbImage picture, RenderPreview(image, options));
  return EncodePng(picture);
}

arrow::Result<std::string> PreviewPng(const TensorView& view,
                                      const PreviewOptions& options) {
  ARROW_ASSIGN_OR_RAISE(RgbImage picture, RenderPreview(view, options));
  return EncodePng(picture);
}

}  // namespace omearrow
