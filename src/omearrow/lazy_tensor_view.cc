#include "omearrow/lazy_tensor_view.h"

#include <arrow/status.h>

namespace omearrow {

LazyTensorView::LazyTensorView(ImageLoader loader, ViewOptions options,
                               ViewResolver resolver)
    : loader_(std::move(loader)),
      resolver_(std::move(resolver)),
      options_(std::move(options)),
      memo_(std::make_shared<Memo>()) {}

arrow::Result<TensorView> LazyTensorView::Collect() const {
  std::lock_guard<std::mutex> lock(memo_->mutex);
  if (memo_->view.has_value()) return *memo_->view;
  if (resolver_) {
    ARROW_ASSIGN_OR_RAISE(memo_->view, resolver_(options_));
  } else {
    if (!loader_) return arrow::Status::Invalid("LazyTensorView has no loader");
    ARROW_ASSIGN_OR_RAISE(auto image, loader_());
    ARROW_ASSIGN_OR_RAISE(memo_->view, TensorView::Make(std::move(image), options_));
  }
  return *memo_->view;
}

bool LazyTensorView::is_collected() const {
  std::lock_guard<std::mutex> lock(memo_->mutex);
  return memo_->view.has_value();
}

LazyTensorView LazyTensorView::Spawn(ViewOptions options) const {
  return LazyTensorView(loader_, std::move(options), resolver_);
}

LazyTensorView LazyTensorView::WithLayout(std::string layout) const {
  ViewOptions options = options_;
  options.layout = std::move(layout);
  return Spawn(std::move(options));
}

LazyTensorView LazyTensorView::Select(const SelectionUpdate& update) const {
  ViewOptions options = options_;
  SelectionArgs& s = options.selection;
  if (update.t) s.t = *update.t;
  if (update.z) s.z = *update.z;
  if (update.c) s.c = *update.c;
  if (update.roi) s.roi = *update.roi;
  if (update.roi3d) s.roi3d = *update.roi3d;
  if (update.roi_nd) s.roi_nd = *update.roi_nd;
  if (update.roi_type) s.roi_type = *update.roi_type;
  if (update.tile) s.tile = *update.tile;
  return Spawn(std::move(options));
}

std::string LazyTensorView::device() const {
  std::lock_guard<std::mutex> lock(memo_->mutex);
  return memo_->view.has_value() ? std::string(memo_->view->device()) : "cpu";
}

arrow::Result<std::string> LazyTensorView::layout() const {
  if (options_.layout.has_value() && !options_.layout->empty()) return *options_.layout;
  ARROW_ASSIGN_OR_RAISE(TensorView view, Collect());
  return view.layout();
}

arrow::Result<DType> LazyTensorView::dtype() const {
  ARROW_ASSIGN_OR_RAISE(TensorView view, Collect());
  return view.dtype();
}

arrow::Result<std::vector<int64_t>> LazyTensorView::shape() const {
  ARROW_ASSIGN_OR_RAISE(TensorView view, Collect());
  return view.shape();
}

arrow::Result<std::vector<int64_t>> LazyTensorView::strides() const {
  ARROW_ASSIGN_OR_RAISE(TensorView view, Collect());
  return view.strides();
}

}  // namespace omearrow
