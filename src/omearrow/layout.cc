#include "omearrow/layout.h"

#include "omearrow/util/text.h"
#include "omearrow/util/view_limits.h"

#include <algorithm>
#include <cctype>

#include <arrow/status.h>

namespace omearrow {

using arrow::Status;


arrow::Result<ChannelPolicy> ParseChannelPolicy(std::string_view text) {
  const std::string value = internal::TrimLower(text);
  if (value == "error") return ChannelPolicy::kError;
  if (value == "first") return ChannelPolicy::kFirst;
  return Status::Invalid("Unsupported channel_policy '", text,
                         "'. Expected one of: error, first.");
}

arrow::Result<std::string> NormalizeLayout(std::string_view layout) {
  std::string value;
  const auto begin = layout.find_first_not_of(" \t\n\r\f\v");
  if (begin != std::string_view::npos) {
    const auto end = layout.find_last_not_of(" \t\n\r\f\v");
    value = std::string(layout.substr(begin, end - begin + 1));
  }
  if (value.empty()) return Status::Invalid("layout must be non-empty");
  for (char& ch : value) {
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (ch == 'Y') ch = 'H';
    if (ch == 'X') ch = 'W';
  }
  for (char ch : value) {
    if (kCanonicalLayout.find(ch) == std::string_view::npos) {
      return Status::Invalid(
          "layout must use only TZC + (Y/X or H/W) letters (for example CYX, YXC, "
          "TZCYX).");
    }
  }
  std::string sorted = value;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    return Status::Invalid("layout cannot repeat dimensions");
  }
  return value;
}

std::string DefaultLayout(const Selection& selection) {
  if (selection.t.size() == 1 && selection.z.size() == 1) return "CHW";
  return std::string(kCanonicalLayout);
}

int64_t Geometry::num_elements() const {
  int64_t n = 1;
  for (int64_t e : extent) n *= e;
  return n;
}

std::array<int64_t, 5> Geometry::ContiguousElementStrides() const {
  std::array<int64_t, 5> strides{};
  int64_t stride = 1;
  for (int pos = static_cast<int>(layout.size()) - 1; pos >= 0; --pos) {
    const int axis = static_cast<int>(kCanonicalLayout.find(layout[static_cast<size_t>(pos)]));
    strides[static_cast<size_t>(axis)] = stride;
    stride *= extent[static_cast<size_t>(axis)];
  }
  return strides;  // left-out axes have extent 1; their stride is never used
}

std::array<int64_t, 5> Geometry::CanonicalElementStrides() const {
  // C-contiguous over (T, Z, C_all, H, W): C counts every selected channel.
  std::array<int64_t, 5> strides{};
  int64_t stride = 1;
  for (int axis = 4; axis >= 0; --axis) {
    strides[static_cast<size_t>(axis)] = stride;
    stride *= axis == kAxisC ? channels_stride_extent_ : extent[static_cast<size_t>(axis)];
  }
  return strides;
}

int64_t Geometry::CanonicalSpanElements() const {
  int64_t n = channels_stride_extent_;
  for (int axis : {kAxisT, kAxisZ, kAxisY, kAxisX}) n *= extent[static_cast<size_t>(axis)];
  return n;
}

bool Geometry::CanonicalIsContiguous() const {
  if (CanonicalSpanElements() != num_elements()) return false;
  const auto canonical = CanonicalElementStrides();
  const auto contiguous = ContiguousElementStrides();
  for (char letter : layout) {
    const auto axis = static_cast<size_t>(kCanonicalLayout.find(letter));
    if (extent[axis] != 1 && canonical[axis] != contiguous[axis]) return false;
  }
  return true;
}

arrow::Result<Geometry> ComputeGeometry(const Selection& selection, std::string_view layout,
                                        DType dtype, ChannelPolicy channel_policy) {
  Geometry g;
  g.layout = std::string(layout);
  g.extent = {static_cast<int64_t>(selection.t.size()),
              static_cast<int64_t>(selection.z.size()),
              static_cast<int64_t>(selection.c.size()), selection.roi.h, selection.roi.w};
  g.channels_stride_extent_ = g.extent[kAxisC];
  for (int axis = 0; axis < 5; ++axis) {
    const char letter = kCanonicalLayout[static_cast<size_t>(axis)];
    const auto pos = layout.find(letter);
    g.position[static_cast<size_t>(axis)] =
        pos == std::string_view::npos ? -1 : static_cast<int>(pos);
    if (pos != std::string_view::npos || g.extent[static_cast<size_t>(axis)] == 1) continue;
    if (axis == kAxisC && channel_policy == ChannelPolicy::kFirst) {
      // The reference reports shape and strides with C dropped even for an empty channel
      // selection; materializing that view fails (no_channel_to_keep).
      g.extent[kAxisC] = 1;
      g.first_channel_only = true;
      g.no_channel_to_keep = g.channels_stride_extent_ == 0;
      continue;
    }
    return Status::Invalid("layout '", layout, "' drops non-singleton dimension '", letter,
                           "'.");
  }
  const int64_t itemsize = ItemSize(dtype);
  // Index lists keep duplicates, so extents can exceed the image's: check that the largest
  // buffer any layout or memory order of this view spans (every selected channel × the
  // other extents × the item size) fits in int64, so every product derived from the
  // geometry below (element counts, strides, byte sizes) is exact.
  if (!CheckedProduct({itemsize, g.channels_stride_extent_, g.extent[kAxisT],
                       g.extent[kAxisZ], g.extent[kAxisY], g.extent[kAxisX]})) {
    return Status::CapacityError(
        "view of extents (T=", g.extent[kAxisT], ", Z=", g.extent[kAxisZ],
        ", C=", g.channels_stride_extent_, ", Y=", g.extent[kAxisY], ", X=",
        g.extent[kAxisX], ") x ", itemsize, " bytes does not fit in 64-bit sizes");
  }
  const auto canonical = g.CanonicalElementStrides();
  g.shape.resize(layout.size());
  g.strides.resize(layout.size());
  for (size_t pos = 0; pos < layout.size(); ++pos) {
    const auto axis = static_cast<size_t>(kCanonicalLayout.find(layout[pos]));
    g.shape[pos] = g.extent[axis];
    g.strides[pos] = canonical[axis] * itemsize;
  }
  return g;
}

}  // namespace omearrow
