// omearrow::TensorView — the reference's TensorView over an Image, in C++.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/c/dlpack_abi.h>
#include <arrow/result.h>

#include "omearrow/cuda/cuda_runtime.h"  // kCudaUnavailable
#include "omearrow/image.h"
#include "omearrow/layout.h"
#include "omearrow/materialize.h"
#include "omearrow/selection.h"
#include "omearrow/tensor/dtype.h"
#include "omearrow/tensor/tensor.h"
#include "omearrow/util/warning.h"

namespace omearrow {

// Arguments of a view, as the reference's keyword arguments (unnormalized).
struct ViewOptions {
  SelectionArgs selection;
  // nullopt or "" = the default layout (the reference treats a falsy layout as unset).
  std::optional<std::string> layout;
  // nullopt = pixels_meta.type (uint16 with a warning when unknown).
  std::optional<DType> dtype;
  std::string channel_policy = "error";
};

// Export modes and devices of to_dlpack, parsed with the reference's messages
// ("Unsupported mode 'x'.", "Unsupported device 'x'.").
enum class ExportMode { kArrow, kNumpy };
enum class Device { kCpu, kCuda };
arrow::Result<ExportMode> ParseExportMode(std::string_view text);
arrow::Result<Device> ParseDevice(std::string_view text);

// Memory order of a materialized tensor: C-contiguous in the view's layout, or the
// reference's to_numpy() order (C-contiguous T, Z, C, Y, X, then permuted — the strides
// the `strides` property reports).
enum class MemoryOrder { kContiguous, kCanonical };

// An immutable view of selected pixels of an image with a layout and an output dtype.
// Cheap to copy (copies share the image and the materialization cache). Shape and
// strides never touch pixels; pixels move only in Materialize/Export.
class TensorView {
 public:
  // Validates options in the reference's order (layout, channel_policy, dtype, selection)
  // and normalizes the selection.
  static arrow::Result<TensorView> Make(std::shared_ptr<const Image> image,
                                        const ViewOptions& options = {});

  // A view over an already normalized selection (used by iterators and WithLayout).
  static arrow::Result<TensorView> FromSelection(std::shared_ptr<const Image> image,
                                                 Selection selection,
                                                 std::optional<std::string> layout,
                                                 DType dtype, ChannelPolicy channel_policy);

  DType dtype() const { return dtype_; }
  std::string_view device() const { return "cpu"; }
  // The effective layout, normalized (H/W letters, as the reference reports it).
  const std::string& layout() const { return layout_; }
  bool has_layout_override() const { return layout_override_; }
  ChannelPolicy channel_policy() const { return channel_policy_; }
  const Selection& selection() const { return selection_; }
  const std::shared_ptr<const Image>& image() const { return image_; }
  // Warnings raised while building the view (unknown pixels_meta.type).
  const Warnings& warnings() const { return warnings_; }

  // Shape and byte strides in the layout; fails when the layout drops a non-singleton
  // axis ("layout 'CHW' drops non-singleton dimension 'T'.").
  arrow::Result<Geometry> geometry() const;
  arrow::Result<std::vector<int64_t>> shape() const;
  arrow::Result<std::vector<int64_t>> strides() const;

  // The same selection in another layout ("" = default).
  arrow::Result<TensorView> WithLayout(std::string_view layout) const;

  // Materializes the selection into a new 64-byte-aligned buffer in one fused pass.
  arrow::Result<Tensor> Materialize(MemoryOrder order = MemoryOrder::kContiguous,
                                    const MaterializeOptions& options = {}) const;

  // Bytes a Materialize(order) result spans (the size of its buffer).
  arrow::Result<int64_t> MaterializedBytes(MemoryOrder order = MemoryOrder::kContiguous) const;

  // Materialize(order) into caller memory: `out` must hold MaterializedBytes(order)
  // bytes (`capacity`). The tensor points into `out` and has no owner (the caller sets it).
  arrow::Result<Tensor> MaterializeTo(uint8_t* out, int64_t capacity,
                                      MemoryOrder order = MemoryOrder::kContiguous,
                                      const MaterializeOptions& options = {}) const;

  // The reference's to_numpy(contiguous): the canonical-order materialization, cached in
  // the view (repeated calls return the same memory); with `contiguous` and a layout whose
  // canonical order is not C-contiguous, a fresh C-contiguous copy (the canonical array is
  // then not materialized).
  arrow::Result<Tensor> ToArray(bool contiguous = false) const;

  // mode="arrow": a read-only 1-D zero-copy tensor over the one stored plane or chunk
  // the selection names. Appends the reference's warnings for inputs that are not Arrow
  // arrays to `warnings` (even when it then fails).
  arrow::Result<Tensor> StoredValues(Warnings* warnings) const;

  // to_dlpack(device, contiguous, mode) as a Tensor: mode="arrow" → StoredValues;
  // mode="numpy" → the reference's to_numpy(contiguous): the view's cached canonical-order
  // array (the same memory ToArray returns) unless `contiguous` needs a C-contiguous copy
  // of a permuted layout. device="cuda" (checks in the reference's order: the CUDA runtime and a device
  // must be present, kCudaUnavailable plus the reason otherwise; then mode="arrow" fails
  // with "mode='arrow' does not support device='cuda'."): the materialization goes through
  // a pooled pinned buffer into new device memory on the calling thread's current device,
  // copied asynchronously (ExportToCuda); Tensor::pending is that copy.
  arrow::Result<Tensor> Export(std::string_view device, bool contiguous,
                               std::string_view mode, Warnings* warnings) const;

  // Export() handed to a DLPack consumer. A CUDA tensor's copy has finished when these
  // return (no stream to order it on); use Export() and Tensor::pending to avoid the wait.
  arrow::Result<DLManagedTensorVersioned*> ToDLPackVersioned(std::string_view device,
                                                             bool contiguous,
                                                             std::string_view mode,
                                                             Warnings* warnings) const;
  arrow::Result<DLManagedTensor*> ToDLPackLegacy(std::string_view device, bool contiguous,
                                                 std::string_view mode,
                                                 Warnings* warnings) const;

 private:
  struct Cache;
  TensorView() = default;

  std::shared_ptr<const Image> image_;
  Selection selection_;
  std::string layout_;
  bool layout_override_ = false;
  DType dtype_ = DType::kUInt16;
  ChannelPolicy channel_policy_ = ChannelPolicy::kError;
  Warnings warnings_;
  std::shared_ptr<Cache> cache_;
};

}  // namespace omearrow
