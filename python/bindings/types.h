// The C++ objects behind the extension's Python classes, shared by the binding files.
#pragma once

#include <memory>
#include <optional>

#include <nanobind/nanobind.h>

#include "omearrow/collection/collection.h"
#include "omearrow/image.h"
#include "omearrow/lazy_tensor_view.h"
#include "omearrow/tensor/tensor.h"
#include "omearrow/tensor_view.h"

namespace omearrow::python {

// _core.Image: an immutable parsed record.
struct PyImage {
  std::shared_ptr<const Image> image;
};

// _core.View: an immutable core TensorView.
struct PyView {
  TensorView view;
};

// _core.DLPackObject: a single-use DLPack producer over an exported tensor.
struct PyDLPack {
  std::optional<Tensor> tensor;  // empty once consumed
  DLDevice device{kDLCPU, 0};    // the tensor's device (kept after consumption)
};

// _core.Collection: images of many files (collection_binding.cc; montage_binding.cc
// draws it).
struct PyCollection {
  Collection collection;
};

// _core.LazyPlan: the memo of a deferred view.
struct PyLazyPlan {
  LazyTensorView plan;
};

void RegisterImage(nanobind::module_& m);
void RegisterDLPack(nanobind::module_& m);
void RegisterView(nanobind::module_& m);
void RegisterLazy(nanobind::module_& m);
void RegisterIterators(nanobind::module_& m);
void RegisterFiles(nanobind::module_& m);
void RegisterMeta(nanobind::module_& m);
void RegisterCollections(nanobind::module_& m);
void RegisterCrops(nanobind::module_& m);

// A NumPy array over host `tensor`'s memory, keeping the tensor's owner alive (read-only
// when the tensor is).
nanobind::object TensorToNumpy(const Tensor& tensor);
void RegisterPreview(nanobind::module_& m);
void RegisterMontage(nanobind::module_& m);  // after RegisterCollections

// A new _core.DLPackObject owning `tensor`.
nanobind::object MakeDLPackObject(Tensor tensor);

}  // namespace omearrow::python
