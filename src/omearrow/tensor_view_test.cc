#include "omearrow/tensor_view.h"

#include <cstring>

#include <gtest/gtest.h>

#include "omearrow/testing/gtest_util.h"
#include "omearrow/testing/record_builder.h"

namespace omearrow {
namespace {

using testing::BuildRecord;
using testing::DenseImage;
using testing::Encoding;
using testing::MakeRandomImage;
using testing::RecordSpec;

std::shared_ptr<const Image> MakeImage(const DenseImage& dense, RecordSpec spec = {}) {
  auto record = BuildRecord(dense, spec).ValueOrDie();
  return ImageFromStructArray(record).ValueOrDie();
}

template <typename T>
T ValueAt(const Tensor& tensor, const std::vector<int64_t>& index) {
  int64_t offset = 0;
  for (size_t i = 0; i < index.size(); ++i) offset += index[i] * tensor.strides[i];
  T value;
  std::memcpy(&value, tensor.data + offset, sizeof(T));
  return value;
}

TEST(TensorViewTest, DefaultLayoutIsChwForOnePlaneElseTzchw) {
  auto dense = MakeRandomImage(2, 3, 4, 5, 6, DType::kUInt16, 1);
  auto image = MakeImage(dense);
  ASSERT_OK_AND_ASSIGN(auto all, TensorView::Make(image));
  EXPECT_EQ(all.layout(), "TZCHW");
  ASSERT_OK_AND_ASSIGN(auto shape, all.shape());
  EXPECT_EQ(shape, (std::vector<int64_t>{2, 4, 3, 5, 6}));
  ASSERT_OK_AND_ASSIGN(auto strides, all.strides());
  EXPECT_EQ(strides, (std::vector<int64_t>{4 * 3 * 30 * 2, 3 * 30 * 2, 30 * 2, 12, 2}));

  ViewOptions one;
  one.selection.t = IndexSpec::Index(1);
  one.selection.z = IndexSpec::Index(-1);
  ASSERT_OK_AND_ASSIGN(auto plane, TensorView::Make(image, one));
  EXPECT_EQ(plane.layout(), "CHW");
  ASSERT_OK_AND_ASSIGN(shape, plane.shape());
  EXPECT_EQ(shape, (std::vector<int64_t>{3, 5, 6}));
}

TEST(TensorViewTest, MaterializeMatchesDenseInPermutedLayout) {
  auto dense = MakeRandomImage(2, 3, 4, 5, 6, DType::kUInt16, 2);
  auto image = MakeImage(dense);
  ViewOptions options;
  options.layout = "yxzct";
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image, options));
  EXPECT_EQ(view.layout(), "HWZCT");
  ASSERT_OK_AND_ASSIGN(Tensor tensor, view.Materialize());
  EXPECT_TRUE(tensor.is_c_contiguous());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(tensor.data) % 64, 0u);
  for (int64_t t = 0; t < 2; ++t)
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t z = 0; z < 4; ++z)
        for (int64_t y = 0; y < 5; ++y)
          for (int64_t x = 0; x < 6; ++x)
            ASSERT_EQ(ValueAt<uint16_t>(tensor, {y, x, z, c, t}), dense.At(t, c, z, y, x));
}

}  // namespace
}  // namespace omearrow

namespace omearrow {
namespace {

using testing::BuildRecord;
using testing::Encoding;
using testing::MakeRandomImage;
using testing::RecordSpec;

ViewOptions OnePlane(int64_t t, int64_t z, int64_t c) {
  ViewOptions options;
  options.selection.t = IndexSpec::Index(t);
  options.selection.z = IndexSpec::Index(z);
  options.selection.c = IndexSpec::Index(c);
  return options;
}

TEST(TensorViewArrowModeTest, ReferenceRulesForPlanes) {
  auto dense = MakeRandomImage(1, 2, 2, 6, 8, DType::kUInt16, 4);
  auto image = ImageFromStructArray(BuildRecord(dense, {}).ValueOrDie()).ValueOrDie();
  Warnings warnings;
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image, OnePlane(0, 1, 1)));
  ASSERT_OK_AND_ASSIGN(Tensor values, view.StoredValues(&warnings));
  EXPECT_TRUE(values.read_only);
  EXPECT_EQ(values.shape, (std::vector<int64_t>{48}));
  uint16_t v;
  std::memcpy(&v, values.data + 2 * (3 * 8 + 5), 2);
  EXPECT_EQ(v, dense.At(0, 1, 1, 3, 5));
  EXPECT_TRUE(warnings.empty());

  ASSERT_OK_AND_ASSIGN(auto many, TensorView::Make(image));
  EXPECT_STATUS(many.StoredValues(&warnings), Invalid,
                "mode='arrow' requires a single (t, z, c) selection.");
  auto crop_options = OnePlane(0, 0, 0);
  crop_options.selection.roi = std::vector<int64_t>{0, 0, 4, 4};
  ASSERT_OK_AND_ASSIGN(auto crop, TensorView::Make(image, crop_options));
  EXPECT_STATUS(crop.StoredValues(&warnings), Invalid,
                "mode='arrow' requires a full-frame ROI; use mode='numpy' for crops.");

  RecordSpec missing;
  missing.missing = {{0, 0, 0}};
  auto holes = ImageFromStructArray(BuildRecord(dense, missing).ValueOrDie()).ValueOrDie();
  ASSERT_OK_AND_ASSIGN(auto hole, TensorView::Make(holes, OnePlane(0, 0, 0)));
  EXPECT_STATUS(hole.StoredValues(&warnings), Invalid,
                "Plane not found for the requested (t, z, c).");
}

TEST(TensorViewArrowModeTest, ReferenceRulesForChunks) {
  auto dense = MakeRandomImage(1, 1, 2, 8, 8, DType::kUInt16, 4);
  RecordSpec spec;
  spec.encoding = Encoding::kListChunks;
  spec.chunk_y = 4, spec.chunk_x = 8;
  auto image = ImageFromStructArray(BuildRecord(dense, spec).ValueOrDie()).ValueOrDie();
  Warnings warnings;
  auto options = OnePlane(0, 1, 0);
  options.selection.tile = std::vector<int64_t>{1, 0};
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image, options));
  ASSERT_OK_AND_ASSIGN(Tensor values, view.StoredValues(&warnings));
  EXPECT_EQ(values.shape, (std::vector<int64_t>{32}));
  uint16_t v;
  std::memcpy(&v, values.data, 2);
  EXPECT_EQ(v, dense.At(0, 0, 1, 4, 0));

  options.selection.tile.reset();
  ASSERT_OK_AND_ASSIGN(view, TensorView::Make(image, options));
  EXPECT_STATUS(view.StoredValues(&warnings), Invalid,
                "mode='arrow' requires ROI to match chunk size.");
  options.selection.roi = std::vector<int64_t>{1, 0, 4, 4};
  ASSERT_OK_AND_ASSIGN(view, TensorView::Make(image, options));
  EXPECT_STATUS(view.StoredValues(&warnings), Invalid,
                "Chunk not found for the requested (t, z, c, roi).");

  spec.chunk_z = 2;
  auto deep = ImageFromStructArray(BuildRecord(dense, spec).ValueOrDie()).ValueOrDie();
  auto deep_options = OnePlane(0, 0, 0);
  deep_options.selection.roi = std::vector<int64_t>{0, 0, 8, 4};
  ASSERT_OK_AND_ASSIGN(view, TensorView::Make(deep, deep_options));
  EXPECT_STATUS(view.StoredValues(&warnings), Invalid,
                "mode='arrow' requires shape_z == 1 for chunked selections.");

  spec.encoding = Encoding::kByteChunks;
  auto bytes = ImageFromStructArray(BuildRecord(dense, spec).ValueOrDie()).ValueOrDie();
  ASSERT_OK_AND_ASSIGN(view, TensorView::Make(bytes, deep_options));
  EXPECT_STATUS(view.StoredValues(&warnings), Invalid,
                "mode='arrow' does not support byte-backed inline chunks; use mode='numpy'.");
}

TEST(TensorViewArrowModeTest, WarningsForNonArrayInputs) {
  auto dense = MakeRandomImage(1, 1, 1, 4, 4, DType::kUInt16, 4);
  auto image = ImageFromStructArray(BuildRecord(dense, {}).ValueOrDie()).ValueOrDie();
  const std::pair<RecordOrigin, std::string> cases[] = {
      {RecordOrigin::kStructScalar,
       "mode='arrow' received a StructScalar; converting via as_py(), so zero-copy is not "
       "guaranteed for this export."},
      {RecordOrigin::kDict,
       "mode='arrow' received a dict; converting to Arrow buffers, so zero-copy is not "
       "guaranteed for this export."},
      {RecordOrigin::kMultiChunkArray,
       "mode='arrow' received a multi-chunk ChunkedArray; using first record without eager "
       "combine_chunks()."}};
  for (const auto& [origin, message] : cases) {
    ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image->WithOrigin(origin)));
    Warnings warnings;
    ASSERT_OK(view.StoredValues(&warnings).status());
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0].category, Warning::Category::kUserWarning);
    EXPECT_EQ(warnings[0].message, message);
  }
}

TEST(TensorViewTest, ToArrayIsCachedAndUsesReferenceStrides) {
  auto dense = MakeRandomImage(2, 3, 1, 4, 5, DType::kUInt8, 8);
  auto image = ImageFromStructArray(BuildRecord(dense, {}).ValueOrDie()).ValueOrDie();
  ViewOptions options;
  options.layout = "HWTC";  // Z dropped (singleton), permuted
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image, options));
  ASSERT_OK_AND_ASSIGN(Tensor a, view.ToArray(false));
  ASSERT_OK_AND_ASSIGN(Tensor b, view.ToArray(false));
  EXPECT_EQ(a.data, b.data);
  ASSERT_OK_AND_ASSIGN(auto strides, view.strides());
  EXPECT_EQ(a.strides, strides);
  EXPECT_FALSE(a.is_c_contiguous());
  ASSERT_OK_AND_ASSIGN(Tensor c, view.ToArray(true));
  EXPECT_NE(c.data, a.data);
  EXPECT_TRUE(c.is_c_contiguous());
  for (int64_t y = 0; y < 4; ++y)
    for (int64_t x = 0; x < 5; ++x)
      for (int64_t t = 0; t < 2; ++t)
        for (int64_t ch = 0; ch < 3; ++ch) {
          ASSERT_EQ(ValueAt<uint8_t>(a, {y, x, t, ch}), dense.At(t, ch, 0, y, x));
          ASSERT_EQ(ValueAt<uint8_t>(c, {y, x, t, ch}), dense.At(t, ch, 0, y, x));
        }
}

TEST(TensorViewTest, ChannelPolicyFirstKeepsFirstSelectedChannel) {
  auto dense = MakeRandomImage(1, 3, 1, 4, 5, DType::kUInt16, 8);
  auto image = ImageFromStructArray(BuildRecord(dense, {}).ValueOrDie()).ValueOrDie();
  ViewOptions options;
  options.layout = "YX";
  options.selection.c = IndexSpec::List({2, 0});
  ASSERT_OK_AND_ASSIGN(auto strict, TensorView::Make(image, options));
  EXPECT_STATUS(strict.shape(), Invalid, "layout 'HW' drops non-singleton dimension 'C'.");
  options.channel_policy = "first";
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image, options));
  ASSERT_OK_AND_ASSIGN(auto shape, view.shape());
  EXPECT_EQ(shape, (std::vector<int64_t>{4, 5}));
  for (bool contiguous : {false, true}) {
    ASSERT_OK_AND_ASSIGN(Tensor tensor, view.ToArray(contiguous));
    for (int64_t y = 0; y < 4; ++y)
      for (int64_t x = 0; x < 5; ++x)
        ASSERT_EQ(ValueAt<uint16_t>(tensor, {y, x}), dense.At(0, 2, 0, y, x));
  }
}

TEST(TensorViewTest, DTypeOverrideAndMetaFallbackWarning) {
  auto dense = MakeRandomImage(1, 1, 1, 3, 3, DType::kUInt16, 8);
  RecordSpec spec;
  spec.meta_type = "uint12";
  auto image = ImageFromStructArray(BuildRecord(dense, spec).ValueOrDie()).ValueOrDie();
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image));
  EXPECT_EQ(view.dtype(), DType::kUInt16);
  ASSERT_EQ(view.warnings().size(), 1u);
  EXPECT_EQ(view.warnings()[0].category, Warning::Category::kRuntimeWarning);
  EXPECT_EQ(view.warnings()[0].message,
            "_dtype_from_meta: failed to convert dtype 'uint12' (data type 'uint12' not "
            "understood); falling back to uint16.");
  ViewOptions options;
  options.dtype = DType::kFloat64;
  ASSERT_OK_AND_ASSIGN(view, TensorView::Make(image, options));
  EXPECT_TRUE(view.warnings().empty());
  ASSERT_OK_AND_ASSIGN(Tensor tensor, view.Materialize());
  EXPECT_EQ(ValueAt<double>(tensor, {0, 2, 1}), dense.At(0, 0, 0, 2, 1));
  ASSERT_OK_AND_ASSIGN(auto strides, view.strides());
  EXPECT_EQ(strides, (std::vector<int64_t>{72, 24, 8}));
}

TEST(TensorViewTest, LayoutValidationOrderAndWithLayout) {
  auto dense = MakeRandomImage(2, 1, 1, 3, 3, DType::kUInt16, 8);
  auto image = ImageFromStructArray(BuildRecord(dense, {}).ValueOrDie()).ValueOrDie();
  ViewOptions options;
  options.layout = "";  // falsy: default layout, as in the reference
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image, options));
  EXPECT_EQ(view.layout(), "TZCHW");
  EXPECT_FALSE(view.has_layout_override());
  options.layout = "  ";
  EXPECT_STATUS(TensorView::Make(image, options), Invalid, "layout must be non-empty");
  options.layout = "CYX";  // drops T (2 timepoints): fails on use, not on construction
  ASSERT_OK_AND_ASSIGN(view, TensorView::Make(image, options));
  EXPECT_STATUS(view.Materialize(), Invalid, "layout 'CHW' drops non-singleton dimension 'T'.");
  ASSERT_OK_AND_ASSIGN(auto relaid, view.WithLayout("tyx"));
  EXPECT_EQ(relaid.layout(), "THW");
  ASSERT_OK_AND_ASSIGN(auto shape, relaid.shape());
  EXPECT_EQ(shape, (std::vector<int64_t>{2, 3, 3}));
  options.channel_policy = "sometimes";
  EXPECT_STATUS(TensorView::Make(image, options), Invalid,
                "Unsupported channel_policy 'sometimes'. Expected one of: error, first.");
}

}  // namespace
}  // namespace omearrow
