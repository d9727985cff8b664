// omearrow-consumer: a program built against the installed omearrow package
// (find_package(omearrow), omearrow::omearrow). Opens an image file lazily, reads the
// whole image and a float32 crop through views, and prints what it read.
// Usage: omearrow-consumer IMAGE — exits 1 with the error on bad input.
#include <cstdio>
#include <cstring>
#include <string>

#include "omearrow/io/open.h"
#include "omearrow/tensor_view.h"
#include "omearrow/util/version.h"

namespace {

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    text += (i ? ", " : "") + std::to_string(shape[i]);
  }
  return text + "]";
}

arrow::Status Run(const std::string& path) {
  ARROW_ASSIGN_OR_RAISE(omearrow::OpenedImage opened, omearrow::Open(path));

  omearrow::ViewOptions whole;
  whole.layout = "TCZYX";
  ARROW_ASSIGN_OR_RAISE(auto view, omearrow::TensorView::Make(opened.image, whole));
  ARROW_ASSIGN_OR_RAISE(omearrow::Tensor tensor, view.Materialize());

  omearrow::ViewOptions crop;
  crop.selection.z = omearrow::IndexSpec::Index(0);
  crop.selection.roi = std::vector<int64_t>{0, 0, 16, 8};  // x, y, w, h
  crop.layout = "YX";
  crop.dtype = omearrow::DType::kFloat32;
  ARROW_ASSIGN_OR_RAISE(auto crop_view, omearrow::TensorView::Make(opened.image, crop));
  ARROW_ASSIGN_OR_RAISE(omearrow::Tensor crop_tensor, crop_view.Materialize());

  std::printf("omearrow-consumer: omearrow %s, shape %s %s, crop %s %s\n",
              omearrow::kVersion, ShapeText(tensor.shape).c_str(),
              std::string(omearrow::DTypeName(tensor.dtype)).c_str(),
              ShapeText(crop_tensor.shape).c_str(),
              std::string(omearrow::DTypeName(crop_tensor.dtype)).c_str());
  return arrow::Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s IMAGE\n", argv[0]);
    return 2;
  }
  // The version the CMake package reported must be the library's own.
  if (std::strcmp(OMEARROW_PACKAGE_VERSION, omearrow::kVersion) != 0) {
    std::fprintf(stderr, "omearrow-consumer: CMake package version %s, library %s\n",
                 OMEARROW_PACKAGE_VERSION, omearrow::kVersion);
    return 1;
  }
  arrow::Status status = Run(argv[1]);
  if (!status.ok()) {
    std::fprintf(stderr, "omearrow-consumer: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
