// omearrow::LazyTensorView — a deferred TensorView plan with Polars-style collect().
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <arrow/result.h>

#include "omearrow/tensor_view.h"

namespace omearrow {

// Produces the image a plan reads (called at most once per plan, on first collect).
using ImageLoader = std::function<arrow::Result<std::shared_ptr<const Image>>()>;
// Resolves a plan's options straight to a view (e.g. reading only the needed pixels).
using ViewResolver = std::function<arrow::Result<TensorView>(const ViewOptions&)>;

// Changes to a plan's selection. An unset member keeps the current value; a set member
// replaces it, and setting it to "none" (IndexSpec::All() / an empty optional) resets it.
struct SelectionUpdate {
  std::optional<IndexSpec> t, z, c;
  std::optional<std::optional<std::vector<int64_t>>> roi, roi3d, roi_nd, tile;
  std::optional<std::optional<std::string>> roi_type;
};

// A deferred view: holds a loader (or resolver) and view options, and builds the
// TensorView on first use. collect() is thread-safe and memoized; copies of a plan share
// its memo. device() and an explicitly requested layout() answer without collecting.
class LazyTensorView {
 public:
  LazyTensorView(ImageLoader loader, ViewOptions options = {},
                 ViewResolver resolver = nullptr);

  // The concrete view: resolver(options) if a resolver was given, else
  // TensorView::Make(loader(), options). Errors are not memoized (a retry calls again).
  arrow::Result<TensorView> Collect() const;
  bool is_collected() const;

  LazyTensorView WithLayout(std::string layout) const;
  LazyTensorView Select(const SelectionUpdate& update) const;

  const ViewOptions& options() const { return options_; }

  // "cpu" before collecting, else the view's device.
  std::string device() const;
  // The requested layout exactly as given, without collecting; else the view's layout.
  arrow::Result<std::string> layout() const;
  arrow::Result<DType> dtype() const;
  arrow::Result<std::vector<int64_t>> shape() const;
  arrow::Result<std::vector<int64_t>> strides() const;

 private:
  struct Memo {
    std::mutex mutex;
    std::optional<TensorView> view;
  };
  LazyTensorView Spawn(ViewOptions options) const;

  ImageLoader loader_;
  ViewResolver resolver_;
  ViewOptions options_;
  std::shared_ptr<Memo> memo_;
};

}  // namespace omearrow
