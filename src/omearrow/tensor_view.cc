#include "omearrow/tensor_view.h"

#include <cctype>
#include <cstring>
#include <mutex>

#include <arrow/status.h>

#include "omearrow/cuda/cuda_export.h"
#include "omearrow/tensor/dlpack.h"
#include "omearrow/util/aligned_buffer.h"
#include "omearrow/util/text.h"
#include "omearrow/util/view_limits.h"

namespace omearrow {

using arrow::Status;


arrow::Result<ExportMode> ParseExportMode(std::string_view text) {
  const std::string mode = internal::TrimLower(text);
  if (mode == "arrow") return ExportMode::kArrow;
  if (mode == "numpy") return ExportMode::kNumpy;
  return Status::Invalid("Unsupported mode '", mode, "'.");
}

arrow::Result<Device> ParseDevice(std::string_view text) {
  const std::string device = internal::TrimLower(text);
  if (device == "cpu") return Device::kCpu;
  if (device == "cuda") return Device::kCuda;
  return Status::Invalid("Unsupported device '", device, "'.");
}

// The cached canonical-order materialization behind ToArray().
struct TensorView::Cache {
  std::mutex mutex;
  std::optional<Tensor> canonical;
};

arrow::Result<TensorView> TensorView::Make(std::shared_ptr<const Image> image,
                                           const ViewOptions& options) {
  if (image == nullptr) return Status::Invalid("No OME-Arrow scalar available.");
  std::optional<std::string> layout;
  if (options.layout.has_value() && !options.layout->empty()) {
    ARROW_ASSIGN_OR_RAISE(layout, NormalizeLayout(*options.layout));
  }
  ARROW_ASSIGN_OR_RAISE(ChannelPolicy policy, ParseChannelPolicy(options.channel_policy));
  Warnings warnings;
  DType dtype;
  if (options.dtype.has_value()) {
    dtype = *options.dtype;
  } else {
    std::string warning;
    dtype = DTypeFromMeta(image->pixels_meta().type, &warning);
    if (!warning.empty()) {
      warnings.push_back({Warning::Category::kRuntimeWarning, std::move(warning)});
    }
  }
  ARROW_ASSIGN_OR_RAISE(
      Selection selection,
      NormalizeSelection(options.selection, image->pixels_meta(), image->chunk_grid()));
  ARROW_ASSIGN_OR_RAISE(TensorView view,
                        FromSelection(std::move(image), std::move(selection),
                                      std::move(layout), dtype, policy));
  view.warnings_ = std::move(warnings);
  return view;
}

arrow::Result<TensorView> TensorView::FromSelection(std::shared_ptr<const Image> image,
                                                    Selection selection,
                                                    std::optional<std::string> layout,
                                                    DType dtype,
                                                    ChannelPolicy channel_policy) {
  if (image == nullptr) return Status::Invalid("TensorView needs an image");
  ARROW_RETURN_NOT_OK(ValidateSelection(selection, image->pixels_meta()));
  TensorView view;
  view.image_ = std::move(image);
  view.selection_ = std::move(selection);
  view.layout_override_ = layout.has_value() && !layout->empty();
  if (view.layout_override_) {
    ARROW_ASSIGN_OR_RAISE(view.layout_, NormalizeLayout(*layout));
  } else {
    view.layout_ = DefaultLayout(view.selection_);
  }
  view.dtype_ = dtype;
  view.channel_policy_ = channel_policy;
  view.cache_ = std::make_shared<Cache>();
  return view;
}

arrow::Result<Geometry> TensorView::geometry() const {
  return ComputeGeometry(selection_, layout_, dtype_, channel_policy_);
}

arrow::Result<std::vector<int64_t>> TensorView::shape() const {
  ARROW_ASSIGN_OR_RAISE(Geometry g, geometry());
  return g.shape;
}

arrow::Result<std::vector<int64_t>> TensorView::strides() const {
  ARROW_ASSIGN_OR_RAISE(Geometry g, geometry());
  return g.strides;
}

namespace {

// Memory bound: a record may claim sizes its payload cannot back (missing planes read as
// zeros), so a view's output alone could be huge; refuse it before allocating, naming
// the view's shape and size and the limit.
Status CheckViewBytes(const std::vector<int64_t>& shape, DType dtype, int64_t bytes,
                      int64_t limit) {
  if (bytes <= (limit < 0 ? MaxViewBytes() : limit)) return Status::OK();  // no message
  std::string what = "materializing a view of shape (";
  for (size_t i = 0; i < shape.size(); ++i) {
    what += (i ? ", " : "") + std::to_string(shape[i]);
  }
  what += ") " + std::string(DTypeName(dtype));
  return CheckAllocationBytes(bytes, what, limit);
}

}  // namespace

arrow::Result<TensorView> TensorView::WithLayout(std::string_view layout) const {
  return FromSelection(image_, selection_,
                       layout.empty() ? std::nullopt : std::optional<std::string>(layout),
                       dtype_, channel_policy_);
}

namespace {

// Views whose geometry has no pixels to give (channel_policy="first" over no channels)
// fail here, with the reference's message, before anything is allocated or copied.
Status CheckMaterializable(const Geometry& g) {
  if (g.no_channel_to_keep) {
    return Status::Invalid("layout '", g.layout, "' drops non-singleton dimension 'C'.");
  }
  return Status::OK();
}

}  // namespace

arrow::Result<int64_t> TensorView::MaterializedBytes(MemoryOrder order) const {
  ARROW_ASSIGN_OR_RAISE(Geometry g, geometry());
  ARROW_RETURN_NOT_OK(CheckMaterializable(g));
  const int64_t span = order == MemoryOrder::kCanonical ? g.CanonicalSpanElements()
                                                        : g.num_elements();
  return span * ItemSize(dtype_);
}

namespace {

// MaterializeTo for an already computed geometry `g` of a view (image, selection, dtype).
arrow::Result<Tensor> MaterializeGeometry(const Image& image, const Selection& selection,
                                          DType dtype, const Geometry& g, uint8_t* out,
                                          int64_t capacity, MemoryOrder order,
                                          const MaterializeOptions& options) {
  ARROW_RETURN_NOT_OK(CheckMaterializable(g));
  const int64_t itemsize = ItemSize(dtype);
  const bool canonical = order == MemoryOrder::kCanonical;
  const std::array<int64_t, 5> element_strides =
      canonical ? g.CanonicalElementStrides() : g.ContiguousElementStrides();
  const int64_t span = canonical ? g.CanonicalSpanElements() : g.num_elements();
  if (capacity < span * itemsize || (out == nullptr && span > 0)) {
    return Status::Invalid("materialization needs ", span * itemsize, " bytes, got ",
                           capacity);
  }
  if (canonical && span != g.num_elements()) {
    // channel_policy="first" with several channels: only channel 0 is addressed; clear
    // the rest so no uninitialized memory is ever handed out.
    std::memset(out, 0, static_cast<size_t>(span * itemsize));
  }
  ARROW_RETURN_NOT_OK(MaterializeInto(image, selection, g.first_channel_only, dtype, out,
                                      element_strides, options));
  Tensor tensor;
  tensor.data = out;
  tensor.dtype = dtype;
  tensor.shape = g.shape;
  tensor.is_copy = true;
  tensor.strides.resize(g.shape.size());
  for (size_t pos = 0; pos < g.layout.size(); ++pos) {
    const auto axis = kCanonicalLayout.find(g.layout[pos]);
    tensor.strides[pos] = element_strides[axis] * itemsize;
  }
  return tensor;
}

}  // namespace

arrow::Result<Tensor> TensorView::MaterializeTo(uint8_t* out, int64_t capacity,
                                                MemoryOrder order,
                                                const MaterializeOptions& options) const {
  ARROW_ASSIGN_OR_RAISE(Geometry g, geometry());
  return MaterializeGeometry(*image_, selection_, dtype_, g, out, capacity, order,
                             options);
}

arrow::Result<Tensor> TensorView::Materialize(MemoryOrder order,
                                              const MaterializeOptions& options) const {
  // One geometry for the size check, the allocation and the copy.
  ARROW_ASSIGN_OR_RAISE(Geometry g, geometry());
  ARROW_RETURN_NOT_OK(CheckMaterializable(g));
  const int64_t span =
      order == MemoryOrder::kCanonical ? g.CanonicalSpanElements() : g.num_elements();
  const int64_t bytes = span * ItemSize(dtype_);
  ARROW_RETURN_NOT_OK(CheckViewBytes(g.shape, dtype_, bytes, options.max_output_bytes));
  ARROW_ASSIGN_OR_RAISE(std::shared_ptr<arrow::Buffer> buffer, AllocateAligned(bytes));
  ARROW_ASSIGN_OR_RAISE(
      Tensor tensor, MaterializeGeometry(*image_, selection_, dtype_, g,
                                         buffer->mutable_data(), bytes, order, options));
  tensor.owner = std::move(buffer);
  return tensor;
}

arrow::Result<Tensor> TensorView::ToArray(bool contiguous) const {
  if (contiguous) {
    // A permuted layout needs a C-contiguous copy of its own; the canonical array would
    // be materialized for nothing.
    ARROW_ASSIGN_OR_RAISE(Geometry g, geometry());
    if (!g.CanonicalIsContiguous()) return Materialize(MemoryOrder::kContiguous);
  }
  std::lock_guard<std::mutex> lock(cache_->mutex);
  if (!cache_->canonical.has_value()) {
    ARROW_ASSIGN_OR_RAISE(cache_->canonical, Materialize(MemoryOrder::kCanonical));
    cache_->canonical->is_copy = false;  // the view keeps sharing it
  }
  return *cache_->canonical;
}

arrow::Result<Tensor> TensorView::StoredValues(Warnings* warnings) const {
  if (selection_.t.size() != 1 || selection_.z.size() != 1 || selection_.c.size() != 1) {
    return Status::Invalid("mode='arrow' requires a single (t, z, c) selection.");
  }
  const char* warning = nullptr;
  switch (image_->origin()) {
    case RecordOrigin::kStructScalar:
      warning =
          "mode='arrow' received a StructScalar; converting via as_py(), so zero-copy is "
          "not guaranteed for this export.";
      break;
    case RecordOrigin::kDict:
      warning =
          "mode='arrow' received a dict; converting to Arrow buffers, so zero-copy is not "
          "guaranteed for this export.";
      break;
    case RecordOrigin::kMultiChunkArray:
      warning =
          "mode='arrow' received a multi-chunk ChunkedArray; using first record without "
          "eager combine_chunks().";
      break;
    default:
      break;
  }
  if (warning != nullptr && warnings != nullptr) {
    warnings->push_back({Warning::Category::kUserWarning, warning});
  }
  const Roi& roi = selection_.roi;
  ARROW_ASSIGN_OR_RAISE(
      auto stored,
      image_->source().GetStoredValues(
          PlaneIndex{selection_.t[0], selection_.c[0], selection_.z[0]},
          Rect{roi.y, roi.x, roi.h, roi.w}));
  ARROW_ASSIGN_OR_RAISE(DType dtype, DTypeFromArrow(*stored.values->type()));
  Tensor tensor;
  const auto& data = stored.values->data();
  tensor.data = data->buffers[1] == nullptr
                    ? nullptr
                    : data->buffers[1]->data() + data->offset * ItemSize(dtype);
  tensor.owner = data;
  tensor.dtype = dtype;
  tensor.shape = {stored.values->length()};
  tensor.strides = {ItemSize(dtype)};
  tensor.read_only = true;
  return tensor;
}

arrow::Result<Tensor> TensorView::Export(std::string_view device, bool contiguous,
                                         std::string_view mode, Warnings* warnings) const {
  ARROW_ASSIGN_OR_RAISE(Device parsed_device, ParseDevice(device));
  ARROW_ASSIGN_OR_RAISE(ExportMode parsed_mode, ParseExportMode(mode));
  const MemoryOrder order = contiguous ? MemoryOrder::kContiguous : MemoryOrder::kCanonical;
  if (parsed_device == Device::kCuda) {
    ARROW_RETURN_NOT_OK(CudaAvailable());
    if (parsed_mode == ExportMode::kArrow) {
      return Status::Invalid("mode='arrow' does not support device='cuda'.");
    }
    ARROW_ASSIGN_OR_RAISE(int64_t bytes, MaterializedBytes(order));
    return ExportToCuda(bytes, [&](uint8_t* destination, int64_t capacity) {
      return MaterializeTo(destination, capacity, order);
    });
  }
  if (parsed_mode == ExportMode::kArrow) return StoredValues(warnings);
  // The reference exports to_numpy(contiguous): shared with later to_numpy() calls.
  return ToArray(contiguous);
}

arrow::Result<DLManagedTensorVersioned*> TensorView::ToDLPackVersioned(
    std::string_view device, bool contiguous, std::string_view mode,
    Warnings* warnings) const {
  ARROW_ASSIGN_OR_RAISE(Tensor tensor, Export(device, contiguous, mode, warnings));
  if (tensor.pending != nullptr) ARROW_RETURN_NOT_OK(tensor.pending->Wait());
  return ExportVersioned(std::move(tensor));
}

arrow::Result<DLManagedTensor*> TensorView::ToDLPackLegacy(std::string_view device,
                                                           bool contiguous,
                                                           std::string_view mode,
                                                           Warnings* warnings) const {
  ARROW_ASSIGN_OR_RAISE(Tensor tensor, Export(device, contiguous, mode, warnings));
  if (tensor.pending != nullptr) ARROW_RETURN_NOT_OK(tensor.pending->Wait());
  return ExportLegacy(std::move(tensor));
}

}  // namespace omearrow
