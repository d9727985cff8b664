#include "omearrow/composite.h"

#include <arrow/status.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace omearrow {

Rgb PaletteColor(int64_t index) {
  static constexpr Rgb kPalette[] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 1},
                                     {0, 1, 1}, {1, 0, 1}, {1, 1, 0}};
  constexpr int64_t kCount = sizeof(kPalette) / sizeof(kPalette[0]);
  const int64_t i = index % kCount;
  return kPalette[i < 0 ? i + kCount : i];
}

Rgb ColorFromRgba(int64_t rgba) {
  const auto bits = static_cast<uint32_t>(static_cast<uint64_t>(rgba) & 0xFFFFFFFFu);
  return Rgb{static_cast<float>((bits >> 24) & 0xFF) / 255.0f,
             static_cast<float>((bits >> 16) & 0xFF) / 255.0f,
             static_cast<float>((bits >> 8) & 0xFF) / 255.0f};
}

std::vector<Rgb> ChannelColors(const std::vector<Channel>& channels,
                               const std::vector<int64_t>& shown) {
  std::vector<Rgb> colors;
  bool usable = !shown.empty();
  for (int64_t c : shown) {
    if (c < 0 || c >= static_cast<int64_t>(channels.size()) ||
        !channels[static_cast<size_t>(c)].color_rgba.has_value()) {
      usable = false;
      break;
    }
    const Rgb color = ColorFromRgba(*channels[static_cast<size_t>(c)].color_rgba);
    if (color == Rgb{}) {
      usable = false;
      break;
    }
    colors.push_back(color);
  }
  if (usable && colors.size() > 1 &&
      std::all_of(colors.begin(), colors.end(),
                  [&](const Rgb& color) { return color == colors.front(); })) {
    usable = false;
  }
  if (usable) return colors;
  colors.clear();
  for (int64_t c : shown) {
    colors.push_back(shown.size() == 1 ? Rgb{1, 1, 1} : PaletteColor(c));
  }
  return colors;
}

std::optional<double> FinitePercentile(std::span<float> scratch, double q) {
  auto end = std::partition(scratch.begin(), scratch.end(),
                            [](float v) { return std::isfinite(v); });
  const auto n = static_cast<size_t>(end - scratch.begin());
  if (n == 0) return std::nullopt;
  const double position = std::clamp(q, 0.0, 100.0) / 100.0 * static_cast<double>(n - 1);
  const auto below = static_cast<size_t>(std::floor(position));
  const double fraction = position - static_cast<double>(below);
  std::nth_element(scratch.begin(), scratch.begin() + below, end);
  const double lower = scratch[below];
  if (fraction == 0.0 || below + 1 >= n) return lower;
  // The next order statistic is the smallest value of the upper part.
  const double upper = *std::min_element(scratch.begin() + below + 1, end);
  return lower + fraction * (upper - lower);
}

ContrastRange PercentileRange(std::span<const float> values, double low_percentile,
                              double high_percentile) {
  std::vector<float> scratch;
  scratch.reserve(values.size());
  for (float v : values) {
    if (std::isfinite(v)) scratch.push_back(v);
  }
  const auto low = FinitePercentile(scratch, low_percentile);
  if (!low.has_value()) return {};
  const auto high = FinitePercentile(scratch, high_percentile);
  return ContrastRange{*low, *high};
}

float Stretch(float value, const ContrastRange& range) {
  if (std::isnan(value)) return 0.0f;
  const double v = value;
  if (range.high <= range.low) {
    if (v > range.low) return 1.0f;
    return (v == range.low && v > 0) ? 1.0f : 0.0f;
  }
  const double scaled = (v - range.low) / (range.high - range.low);
  return static_cast<float>(std::clamp(scaled, 0.0, 1.0));
}

arrow::Result<RgbImage> CompositeChannels(std::span<const CompositeChannel> channels,
                                          int64_t height, int64_t width,
                                          int64_t max_size) {
  if (height <= 0 || width <= 0) {
    return arrow::Status::Invalid("composite size must be positive, got ", height, "x",
                                  width);
  }
  if (max_size <= 0) {
    return arrow::Status::Invalid("size must be a positive number of pixels, got ",
                                  max_size);
  }
  if (height > std::numeric_limits<int64_t>::max() / width) {
    return arrow::Status::Invalid("composite size overflows: ", height, "x", width);
  }
  const int64_t pixels = height * width;
  for (size_t i = 0; i < channels.size(); ++i) {
    if (static_cast<int64_t>(channels[i].values.size()) != pixels) {
      return arrow::Status::Invalid("composite channel ", i, " holds ",
                                    channels[i].values.size(), " values, expected ",
                                    height, "x", width);
    }
  }
  const int64_t long_side = std::max(height, width);
  int64_t out_h = height;
  int64_t out_w = width;
  if (long_side > max_size) {
    const double scale = static_cast<double>(max_size) / static_cast<double>(long_side);
    out_h = std::clamp<int64_t>(std::llround(static_cast<double>(height) * scale), 1,
                                max_size);
    out_w = std::clamp<int64_t>(std::llround(static_cast<double>(width) * scale), 1,
                                max_size);
  }
  // Source column x and row y fall into output bin x·out_w/width, y·out_h/height.
  std::vector<int64_t> column_bin(static_cast<size_t>(width));
  std::vector<double> column_count(static_cast<size_t>(out_w), 0.0);
  for (int64_t x = 0; x < width; ++x) {
    column_bin[static_cast<size_t>(x)] = x * out_w / width;
    column_count[static_cast<size_t>(x * out_w / width)] += 1;
  }
  std::vector<double> row_count(static_cast<size_t>(out_h), 0.0);
  for (int64_t y = 0; y < height; ++y)
    row_count[static_cast<size_t>(y * out_h / height)] += 1;

  std::vector<double> sums(static_cast<size_t>(out_h * out_w * 3), 0.0);
  std::vector<float> row_rgb(static_cast<size_t>(width * 3));
  for (int64_t y = 0; y < height; ++y) {
    std::fill(row_rgb.begin(), row_rgb.end(), 0.0f);
    for (const CompositeChannel& channel : channels) {
      const float* values = channel.values.data() + y * width;
      for (int64_t x = 0; x < width; ++x) {
        const float s = Stretch(values[x], channel.range);
        float* rgb = row_rgb.data() + x * 3;
        rgb[0] += s * channel.color.r;
        rgb[1] += s * channel.color.g;
        rgb[2] += s * channel.color.b;
      }
    }
    double* out_row = sums.data() + (y * out_h / height) * out_w * 3;
    for (int64_t x = 0; x < width; ++x) {
      double* out = out_row + column_bin[static_cast<size_t>(x)] * 3;
      const float* rgb = row_rgb.data() + x * 3;
      for (int k = 0; k < 3; ++k) out[k] += std::min(rgb[k], 1.0f);
    }
  }
  RgbImage image;
  image.width = out_w;
  image.height = out_h;
  image.pixels.resize(static_cast<size_t>(out_h * out_w * 3));
  for (int64_t oy = 0; oy < out_h; ++oy) {
    for (int64_t ox = 0; ox < out_w; ++ox) {
      const double count =
          row_count[static_cast<size_t>(oy)] * column_count[static_cast<size_t>(ox)];
      for (int k = 0; k < 3; ++k) {
        const size_t i = static_cast<size_t>((oy * out_w + ox) * 3 + k);
        const double mean = count > 0 ? sums[i] / count : 0.0;
        image.pixels[i] =
            static_cast<uint8_t>(std::lround(std::clamp(mean, 0.0, 1.0) * 255.0));
      }
    }
  }
  return image;
}

}  // namespace omearrow
