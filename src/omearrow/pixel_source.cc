#include "omearrow/pixel_source.h"

namespace omearrow {

std::string_view PixelEncodingName(PixelEncoding encoding) {
  switch (encoding) {
    case PixelEncoding::kNone: return "none";
    case PixelEncoding::kPlanes: return "planes";
    case PixelEncoding::kListChunks: return "list-chunks";
    case PixelEncoding::kByteChunks: return "byte-chunks";
    case PixelEncoding::kCallback: return "plane-loader";
    case PixelEncoding::kTiff: return "tiff";
  }
  return "unknown";
}

arrow::Result<StoredValues> PixelSource::GetStoredValues(const PlaneIndex&,
                                                         const Rect&) const {
  return arrow::Status::Invalid("mode='arrow' requires Arrow-backed data.");
}

}  // namespace omearrow

namespace omearrow {
namespace {

class EmptySource final : public PixelSource {
 public:
  PixelEncoding encoding() const override { return PixelEncoding::kNone; }
  arrow::Status GetPlaneBlocks(const PlaneIndex&, const Rect&,
                               std::vector<PlaneBlock>*,
                               std::vector<std::shared_ptr<const void>>*) const override {
    return arrow::Status::OK();
  }
  arrow::Result<StoredValues> GetStoredValues(const PlaneIndex&,
                                              const Rect&) const override {
    return arrow::Status::Invalid("mode='arrow' requires planes data.");
  }
};

}  // namespace

std::shared_ptr<const PixelSource> MakeEmptySource() {
  return std::make_shared<EmptySource>();
}

}  // namespace omearrow
