// Layout strings and the shape/strides of a view, computed without touching pixels.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>

#include "omearrow/selection.h"
#include "omearrow/tensor/dtype.h"

namespace omearrow {

// The internal axis order of the reference: T, Z, C, then rows (H = Y), columns (W = X).
inline constexpr std::string_view kCanonicalLayout = "TZCHW";
enum CanonicalAxis : int { kAxisT = 0, kAxisZ = 1, kAxisC = 2, kAxisY = 3, kAxisX = 4 };

// What to do when a layout leaves out C while several channels are selected.
enum class ChannelPolicy { kError, kFirst };

// Parses "error" / "first" (trimmed, case-insensitive) with the reference's message.
arrow::Result<ChannelPolicy> ParseChannelPolicy(std::string_view text);

// Normalizes a layout string like the reference: trims, upper-cases, maps Y→H and X→W,
// and rejects empty strings, other letters and repeats with its messages.
arrow::Result<std::string> NormalizeLayout(std::string_view layout);

// The reference's default layout: "CHW" when one t and one z are selected, else "TZCHW".
std::string DefaultLayout(const Selection& selection);

// Shape and byte strides of a view in its layout, as the reference computes them:
// C-contiguous strides of the (T, Z, C, H, W) selection, with left-out singleton axes
// dropped and the rest permuted into layout order. With ChannelPolicy::kFirst and C left
// out, only the first selected channel is kept (C's stride still counts all of them).
struct Geometry {
  std::string layout;               // normalized
  std::vector<int64_t> shape;       // in layout order
  std::vector<int64_t> strides;     // bytes, in layout order (the reference's `strides`)
  // Extent of each canonical axis after channel_policy (T, Z, C, Y, X).
  std::array<int64_t, 5> extent{};
  // Position of each canonical axis in the layout, or -1 when left out.
  std::array<int, 5> position{};
  bool first_channel_only = false;
  // channel_policy="first" over an empty channel selection: there is no first channel, so
  // materializing fails with the reference's "drops non-singleton dimension 'C'" error.
  bool no_channel_to_keep = false;

  int64_t num_elements() const;
  // Element strides per canonical axis for a C-contiguous buffer in layout order.
  std::array<int64_t, 5> ContiguousElementStrides() const;
  // Element strides per canonical axis for the reference's canonical-order buffer
  // (the `strides` above divided by the item size).
  std::array<int64_t, 5> CanonicalElementStrides() const;
  // Elements spanned by the canonical-order buffer (covers every channel's stride).
  int64_t CanonicalSpanElements() const;
  // True when the canonical-order buffer is C-contiguous in the layout (no permuted
  // axis, no skipped channels), so it can serve contiguous requests as it is.
  bool CanonicalIsContiguous() const;

  // Number of selected channels before channel_policy (C's extent in canonical strides).
  int64_t channels_stride_extent_ = 1;
};

// Computes the geometry of `selection` in `layout` (already normalized).
arrow::Result<Geometry> ComputeGeometry(const Selection& selection, std::string_view layout,
                                        DType dtype, ChannelPolicy channel_policy);

}  // namespace omearrow
