// Channel compositing for previews: percentile contrast, channel colors, tinted additive
// blend and box downscaling into an 8-bit RGB picture. Pure functions over float planes.
#pragma once

#include <arrow/result.h>

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "omearrow/image.h"

namespace omearrow {

// A linear RGB color, components in [0, 1].
struct Rgb {
  float r = 0;
  float g = 0;
  float b = 0;
  bool operator==(const Rgb&) const = default;
};

// An 8-bit RGB picture, rows top to bottom, width·3 bytes per row.
struct RgbImage {
  int64_t width = 0;
  int64_t height = 0;
  std::vector<uint8_t> pixels;
};

// The default palette when the metadata gives no usable colors (ImageJ's composite
// order): red, green, blue, white, cyan, magenta, yellow, then repeating.
Rgb PaletteColor(int64_t index);

// The color of a packed 0xRRGGBBAA value (the low 32 bits; OME stores it as a signed
// int32, -1 = opaque white). Alpha is ignored.
Rgb ColorFromRgba(int64_t rgba);

// Colors for the channels `shown` (indices into `channels`, which may be shorter than
// the image's C): each channel's `color_rgba` when every shown channel has one, none is
// black and, with more than one shown, they are not all the same (writers that give
// every channel the OME default white mean "no color"); otherwise one shown channel is
// white and several take PaletteColor(channel index).
std::vector<Rgb> ChannelColors(const std::vector<Channel>& channels,
                               const std::vector<int64_t>& shown);

// The q-th percentile (0..100) of the finite values (NaN and ±inf ignored), with
// NumPy's default linear interpolation; nullopt when no value is finite. `scratch` is
// overwritten (values are reordered in it).
std::optional<double> FinitePercentile(std::span<float> scratch, double q);

// The (low, high) contrast range of one channel: the `low`/`high` percentiles of its
// finite values ((0, 0) when none is finite).
struct ContrastRange {
  double low = 0;
  double high = 0;
};
ContrastRange PercentileRange(std::span<const float> values, double low_percentile,
                              double high_percentile);

// One channel of a composite: height·width values, its contrast range and its tint.
struct CompositeChannel {
  std::span<const float> values;
  ContrastRange range;
  Rgb color;
};

// Stretch of a value to [0, 1] over `range`: (v - low) / (high - low), clamped; NaN and
// -inf → 0, +inf → 1. When the range is empty (high <= low: a constant or mostly
// constant channel) a value above `low` is 1, a value equal to it is 1 when it is > 0
// (a constant bright plane shows bright) and 0 otherwise.
float Stretch(float value, const ContrastRange& range);

// Blends the stretched channels additively, each tinted with its color (clamped to 1),
// and shrinks the result by box averaging so its long side is at most `max_size`
// (never enlarged; each side at least 1). Every channel must hold height·width values.
arrow::Result<RgbImage> CompositeChannels(std::span<const CompositeChannel> channels,
                                          int64_t height, int64_t width,
                                          int64_t max_size);

}  // namespace omearrow
