#include "omearrow/crops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "omearrow/testing/gtest_util.h"
#include "omearrow/testing/record_builder.h"

namespace omearrow {
namespace {

// Asserts that `expr` failed with status code `expected_code` and a message containing
// `fragment`.
#define EXPECT_CODE_HAS(expected_code, fragment, expr)                            \
  do {                                                                            \
    const ::arrow::Status _st = ::omearrow::testing::ToStatus(expr);              \
    EXPECT_EQ(_st.code(), ::arrow::StatusCode::expected_code) << _st.ToString();  \
    EXPECT_NE(_st.message().find(fragment), std::string::npos) << _st.ToString(); \
  } while (false)

using testing::BuildRecord;
using testing::DenseImage;
using testing::Encoding;
using testing::LoadAsDouble;
using testing::MakeRandomImage;
using testing::RecordSpec;

std::shared_ptr<const Image> MakeImage(const DenseImage& dense, RecordSpec spec = {}) {
  auto record = BuildRecord(dense, spec).ValueOrDie();
  return ImageFromStructArray(record).ValueOrDie();
}

// The expected crops: slicing the dense image with padding, computed independently of
// the kernel from the documented window rule.
void ExpectCrops(const Tensor& tensor, const DenseImage& dense,
                 const std::vector<double>& centers, int64_t t, int64_t z,
                 const std::vector<int64_t>& channels, int64_t h, int64_t w,
                 CropBoundary boundary, double fill, const std::string& label,
                 const std::vector<std::array<int64_t, 3>>& missing = {}) {
  const size_t n = centers.size() / 2;
  ASSERT_EQ(tensor.shape,
            (std::vector<int64_t>{static_cast<int64_t>(n),
                                  static_cast<int64_t>(channels.size()), h, w}))
      << label;
  ASSERT_TRUE(tensor.is_c_contiguous()) << label;
  const int64_t itemsize = ItemSize(tensor.dtype);
  for (size_t i = 0; i < n; ++i) {
    int64_t y0 = static_cast<int64_t>(std::floor(centers[2 * i])) - h / 2;
    int64_t x0 = static_cast<int64_t>(std::floor(centers[2 * i + 1])) - w / 2;
    if (boundary == CropBoundary::kShift) {
      y0 = std::clamp<int64_t>(y0, 0, dense.size_y - h);
      x0 = std::clamp<int64_t>(x0, 0, dense.size_x - w);
    }
    for (size_t k = 0; k < channels.size(); ++k) {
      const int64_t c = channels[k];
      const bool absent = std::find(missing.begin(), missing.end(),
                                    std::array<int64_t, 3>{t, c, z}) != missing.end();
      for (int64_t r = 0; r < h; ++r) {
        for (int64_t col = 0; col < w; ++col) {
          const int64_t y = y0 + r, x = x0 + col;
          const bool inside = y >= 0 && y < dense.size_y && x >= 0 && x < dense.size_x;
          const double want = !inside ? fill : absent ? 0.0 : dense.At(t, c, z, y, x);
          const int64_t offset =
              (((static_cast<int64_t>(i) * static_cast<int64_t>(channels.size()) +
                 static_cast<int64_t>(k)) *
                    h +
                r) *
                   w +
               col) *
              itemsize;
          const double got = LoadAsDouble(tensor.data + offset, tensor.dtype);
          if (got != want) {
            FAIL() << label << ": crop " << i << " channel " << c << " pixel (" << r
                   << ", " << col << ") = " << got << ", want " << want;
          }
        }
      }
    }
  }
}

// Random centers (some fractional, some far outside) plus every border case: the four
// corners, each edge, just inside and just outside.
std::vector<double> BorderCenters(int64_t sy, int64_t sx, int64_t h, int64_t w,
                                  uint64_t seed) {
  std::vector<double> out;
  const std::vector<double> ys = {0,
                                  0.5,
                                  static_cast<double>(h / 2),
                                  static_cast<double>(h / 2) - 1,
                                  sy / 2.0,
                                  sy - 1.0,
                                  sy - 0.25,
                                  static_cast<double>(sy - (h + 1) / 2),
                                  static_cast<double>(sy),
                                  -1,
                                  -0.5,
                                  sy + 100.0,
                                  -300.0};
  const std::vector<double> xs = {0,        static_cast<double>(w / 2),
                                  sx - 1.0, static_cast<double>(sx - (w + 1) / 2),
                                  -0.75,    sx + 0.5,
                                  sx / 3.0};
  for (double y : ys) {
    for (double x : xs) {
      out.push_back(y);
      out.push_back(x);
    }
  }
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uy(-h, sy + h), ux(-w, sx + w);
  for (int i = 0; i < 40; ++i) {
    out.push_back(i % 3 == 0 ? std::floor(uy(rng)) : uy(rng));
    out.push_back(ux(rng));
  }
  return out;
}

struct EncodingCase {
  Encoding encoding;
  int64_t chunk_y, chunk_x;
};

TEST(CropsTest, PadMatchesSlicingForEveryEncodingAndDtype) {
  const std::vector<EncodingCase> encodings = {
      {Encoding::kPlanes, 64, 64},        {Encoding::kListChunks, 16, 24},
      {Encoding::kByteChunks, 32, 16},    {Encoding::kByteChunksZstd, 20, 20},
      {Encoding::kByteChunksLz4, 50, 70},
  };
  const std::vector<DType> dtypes = {DType::kUInt8, DType::kUInt16, DType::kInt16,
                                     DType::kFloat32, DType::kFloat64};
  for (const auto& enc : encodings) {
    for (DType dtype : dtypes) {
      const auto dense = MakeRandomImage(2, 3, 2, 50, 70, dtype, 7);
      RecordSpec spec;
      spec.encoding = enc.encoding;
      spec.chunk_y = enc.chunk_y;
      spec.chunk_x = enc.chunk_x;
      auto image = MakeImage(dense, spec);
      const auto centers = BorderCenters(50, 70, 11, 8, 3);
      CropOptions options;
      options.height = 11;
      options.width = 8;
      options.t = IndexSpec::Index(1);
      options.z = IndexSpec::Index(-1);
      options.c = IndexSpec::List({2, 0, 2});
      options.fill = dtype == DType::kUInt8 ? 255 : -3;
      if (dtype == DType::kUInt16) options.fill = 7;
      const std::string label =
          testing::EncodingLabel(enc.encoding) + "/" + std::string(DTypeName(dtype));
      ASSERT_OK_AND_ASSIGN(Tensor tensor, Crops(*image, centers, options));
      EXPECT_EQ(tensor.dtype, dtype);
      ExpectCrops(tensor, dense, centers, 1, 1, {2, 0, 2}, 11, 8, CropBoundary::kPad,
                  options.fill, label);
    }
  }
}

TEST(CropsTest, ThreadedAndSerialAgree) {
  const auto dense = MakeRandomImage(1, 2, 1, 300, 260, DType::kUInt16, 9);
  RecordSpec spec;
  spec.encoding = Encoding::kByteChunksZstd;
  spec.chunk_y = 64;
  spec.chunk_x = 64;
  auto image = MakeImage(dense, spec);
  std::vector<double> centers;
  std::mt19937_64 rng(4);
  std::uniform_real_distribution<double> uy(-20, 320), ux(-20, 280);
  for (int i = 0; i < 3000; ++i) {
    centers.push_back(uy(rng));
    centers.push_back(ux(rng));
  }
  for (int threads : {1, 2, 4}) {
    CropOptions options;
    options.height = options.width = 33;
    options.max_threads = threads;
    options.parallel_threshold_bytes = 0;
    ASSERT_OK_AND_ASSIGN(Tensor tensor, Crops(*image, centers, options));
    ExpectCrops(tensor, dense, centers, 0, 0, {0, 1}, 33, 33, CropBoundary::kPad, 0,
                "threads=" + std::to_string(threads));
  }
}

TEST(CropsTest, ShiftMovesWindowsInside) {
  const auto dense = MakeRandomImage(1, 1, 1, 40, 30, DType::kUInt16, 5);
  for (Encoding encoding : {Encoding::kPlanes, Encoding::kListChunks}) {
    RecordSpec spec;
    spec.encoding = encoding;
    spec.chunk_y = 16;
    spec.chunk_x = 16;
    auto image = MakeImage(dense, spec);
    for (auto [h, w] : {std::pair<int64_t, int64_t>{9, 10}, {40, 30}, {1, 1}, {40, 1}}) {
      const auto centers = BorderCenters(40, 30, h, w, 8);
      CropOptions options;
      options.height = h;
      options.width = w;
      options.boundary = CropBoundary::kShift;
      options.fill = 99;  // never used: shifted windows are inside
      ASSERT_OK_AND_ASSIGN(Tensor tensor, Crops(*image, centers, options));
      ExpectCrops(tensor, dense, centers, 0, 0, {0}, h, w, CropBoundary::kShift, 99,
                  "shift " + std::to_string(h) + "x" + std::to_string(w));
    }
  }
}

TEST(CropsTest, ShiftLargerThanImageIsAnError) {
  auto image = MakeImage(MakeRandomImage(1, 1, 1, 40, 30, DType::kUInt16, 5));
  CropOptions options;
  options.height = 41;
  options.width = 5;
  options.boundary = CropBoundary::kShift;
  const std::vector<double> centers = {10, 10};
  EXPECT_CODE_HAS(Invalid, ("larger than the image (40, 30)"),
                  Crops(*image, centers, options));
}

TEST(CropsTest, ErrorModeNamesTheFirstCropOutside) {
  const auto dense = MakeRandomImage(1, 1, 1, 40, 30, DType::kUInt16, 5);
  auto image = MakeImage(dense);
  CropOptions options;
  options.height = 10;
  options.width = 10;
  options.boundary = CropBoundary::kError;
  // Crops exactly touching the edges are fine and equal slicing.
  const std::vector<double> inside = {5, 5, 35.9, 25.2, 5, 25};
  ASSERT_OK_AND_ASSIGN(Tensor tensor, Crops(*image, inside, options));
  ExpectCrops(tensor, dense, inside, 0, 0, {0}, 10, 10, CropBoundary::kError, 0, "error");
  const std::vector<double> outside = {5, 5, 20, 20, 36, 5, 4.9, 5};
  EXPECT_CODE_HAS(Invalid,
                  ("crop 2 (center y=36, x=5) covers rows [31, 41) and columns "
                   "[0, 10), outside the image of 40 rows and 30 columns"),
                  Crops(*image, outside, options));
}

TEST(CropsTest, MissingChunksReadAsZerosAndOutsideAsFill) {
  const auto dense = MakeRandomImage(1, 2, 1, 32, 32, DType::kUInt16, 2);
  for (Encoding encoding : {Encoding::kPlanes, Encoding::kByteChunks}) {
    RecordSpec spec;
    spec.encoding = encoding;
    spec.chunk_y = spec.chunk_x = 16;
    spec.missing = {{0, 1, 0}};
    auto image = MakeImage(dense, spec);
    const auto centers = BorderCenters(32, 32, 7, 7, 1);
    CropOptions options;
    options.height = options.width = 7;
    options.fill = 5;
    ASSERT_OK_AND_ASSIGN(Tensor tensor, Crops(*image, centers, options));
    ExpectCrops(tensor, dense, centers, 0, 0, {0, 1}, 7, 7, CropBoundary::kPad, 5,
                testing::EncodingLabel(encoding), spec.missing);
  }
}

TEST(CropsTest, CastsToTheRequestedDtype) {
  const auto dense = MakeRandomImage(1, 1, 1, 20, 20, DType::kUInt16, 3);
  auto image = MakeImage(dense);
  const std::vector<double> centers = {0, 0, 10, 10, 19, 19};
  CropOptions options;
  options.height = options.width = 6;
  options.dtype = DType::kFloat32;
  options.fill = -0.5;
  ASSERT_OK_AND_ASSIGN(Tensor tensor, Crops(*image, centers, options));
  EXPECT_EQ(tensor.dtype, DType::kFloat32);
  ExpectCrops(tensor, dense, centers, 0, 0, {0}, 6, 6, CropBoundary::kPad, -0.5,
              "float32");
}

TEST(CropsTest, EmptyCentersAndChannels) {
  auto image = MakeImage(MakeRandomImage(1, 3, 1, 20, 20, DType::kUInt16, 3));
  CropOptions options;
  options.height = 4;
  options.width = 5;
  ASSERT_OK_AND_ASSIGN(Tensor none, Crops(*image, std::span<const double>(), options));
  EXPECT_EQ(none.shape, (std::vector<int64_t>{0, 3, 4, 5}));
  options.c = IndexSpec::List({});
  const std::vector<double> centers = {1, 1};
  ASSERT_OK_AND_ASSIGN(Tensor no_channels, Crops(*image, centers, options));
  EXPECT_EQ(no_channels.shape, (std::vector<int64_t>{1, 0, 4, 5}));
}

TEST(CropsTest, BadArgumentsAreClearErrors) {
  auto image = MakeImage(MakeRandomImage(2, 3, 2, 20, 20, DType::kUInt16, 3));
  const std::vector<double> centers = {1, 1};
  CropOptions options;
  options.height = 0;
  options.width = 5;
  EXPECT_CODE_HAS(Invalid, ("size must be (h, w)"), Crops(*image, centers, options));
  options.height = 5;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> with_nan = {1, 1, 2, nan};
  EXPECT_CODE_HAS(Invalid, ("centers[1] = (2, nan) is not finite"),
                  Crops(*image, with_nan, options));
  const std::vector<double> with_inf = {-inf, 1};
  EXPECT_CODE_HAS(Invalid, ("centers[0]"), Crops(*image, with_inf, options));
  const std::vector<double> huge = {1e300, 1};
  EXPECT_CODE_HAS(Invalid, ("out of range"), Crops(*image, huge, options));
  const std::vector<double> odd = {1, 1, 2};
  EXPECT_CODE_HAS(Invalid, ("(y, x) pairs"), Crops(*image, odd, options));
  CropOptions bad_t = options;
  bad_t.t = IndexSpec::Index(2);
  EXPECT_CODE_HAS(Invalid, ("t index 2 out of range"), Crops(*image, centers, bad_t));
  bad_t.t = IndexSpec::All();
  EXPECT_CODE_HAS(Invalid, ("t must select one"), Crops(*image, centers, bad_t));
  CropOptions bad_c = options;
  bad_c.c = IndexSpec::List({0, 3});
  EXPECT_CODE_HAS(Invalid, ("c index 3 out of range"), Crops(*image, centers, bad_c));
  CropOptions bad_fill = options;
  bad_fill.fill = -1;
  EXPECT_CODE_HAS(Invalid, ("fill -1 is not representable in uint16"),
                  Crops(*image, centers, bad_fill));
  bad_fill.fill = 0.5;
  EXPECT_CODE_HAS(Invalid, ("not representable"), Crops(*image, centers, bad_fill));
  bad_fill.fill = 65536;
  EXPECT_CODE_HAS(Invalid, ("not representable"), Crops(*image, centers, bad_fill));
  EXPECT_CODE_HAS(Invalid, ("boundary must be"), ParseCropBoundary("wrap"));
  CropOptions capped = options;
  capped.max_output_bytes = 10;
  EXPECT_CODE_HAS(CapacityError, ("crops of shape"), Crops(*image, centers, capped));
}

TEST(CropsTest, IntoCallerBufferChecksShapeAndDtype) {
  const auto dense = MakeRandomImage(1, 2, 1, 30, 30, DType::kUInt16, 6);
  auto image = MakeImage(dense);
  const std::vector<double> centers = {0, 0, 15, 15, 29.5, 3};
  CropOptions options;
  options.height = 5;
  options.width = 4;
  std::vector<uint8_t> buffer(3 * 2 * 5 * 4 * 2, 0xAB);
  const std::vector<int64_t> shape = {3, 2, 5, 4};
  ASSERT_OK(CropsIntoBuffer(*image, centers, options, buffer.data(),
                            static_cast<int64_t>(buffer.size()), shape, DType::kUInt16));
  Tensor view;
  view.data = buffer.data();
  view.dtype = DType::kUInt16;
  view.shape = shape;
  view.strides = {80, 40, 8, 2};
  ExpectCrops(view, dense, centers, 0, 0, {0, 1}, 5, 4, CropBoundary::kPad, 0, "into");
  EXPECT_CODE_HAS(Invalid, "got shape (3, 2, 4, 5) and dtype uint16",
                  CropsIntoBuffer(*image, centers, options, buffer.data(),
                                  static_cast<int64_t>(buffer.size()),
                                  std::vector<int64_t>{3, 2, 4, 5}, DType::kUInt16));
  EXPECT_CODE_HAS(
      Invalid, "and dtype int16",
      CropsIntoBuffer(*image, centers, options, buffer.data(),
                      static_cast<int64_t>(buffer.size()), shape, DType::kInt16));
  EXPECT_CODE_HAS(Invalid, "bytes of output",
                  CropsIntoBuffer(*image, centers, options, buffer.data(), 10, shape,
                                  DType::kUInt16));
}

// A source whose two blocks overlap (the later wins), to pin the per-crop path.
class OverlappingSource : public PixelSource {
 public:
  OverlappingSource() : a_(20 * 20, 1), b_(10 * 10, 2) {}
  PixelEncoding encoding() const override { return PixelEncoding::kListChunks; }
  bool BlocksMayOverlap() const override { return true; }
  arrow::Status GetPlaneBlocks(const PlaneIndex&, const Rect& window,
                               std::vector<PlaneBlock>* blocks,
                               std::vector<std::shared_ptr<const void>>*) const override {
    const auto meets = [&](const Rect& r) {
      return r.y < window.y + window.height && window.y < r.y + r.height &&
             r.x < window.x + window.width && window.x < r.x + r.width;
    };
    const PlaneBlock a{reinterpret_cast<const uint8_t*>(a_.data()), DType::kUInt16,
                       Rect{0, 0, 20, 20}, 20};
    const PlaneBlock b{reinterpret_cast<const uint8_t*>(b_.data()), DType::kUInt16,
                       Rect{5, 5, 10, 10}, 10};
    if (meets(a.rect)) blocks->push_back(a);
    if (meets(b.rect)) blocks->push_back(b);
    return arrow::Status::OK();
  }

 private:
  std::vector<uint16_t> a_, b_;
};

TEST(CropsTest, OverlappingBlocksLaterWins) {
  PixelsMeta meta;
  meta.size_x = 24;  // columns 20..23 are covered by no block: zeros
  meta.size_y = 20;
  Image image(RecordInfo{}, meta, std::nullopt, std::make_shared<OverlappingSource>(),
              RecordOrigin::kOther);
  const std::vector<double> centers = {10, 10, 0, 22};
  CropOptions options;
  options.height = options.width = 6;
  options.fill = 9;
  ASSERT_OK_AND_ASSIGN(Tensor tensor, Crops(image, centers, options));
  auto at = [&](int64_t i, int64_t r, int64_t c) {
    return LoadAsDouble(tensor.data + ((i * 6 + r) * 6 + c) * 2, DType::kUInt16);
  };
  // Crop 0 covers rows/cols [7, 13): all inside b.
  for (int r = 0; r < 6; ++r) {
    for (int c = 0; c < 6; ++c) EXPECT_EQ(at(0, r, c), 2);
  }
  // Crop 1 covers rows [-3, 3), cols [19, 25): fill above, a at column 19, zeros, fill.
  EXPECT_EQ(at(1, 0, 0), 9);
  EXPECT_EQ(at(1, 3, 0), 1);
  EXPECT_EQ(at(1, 3, 1), 0);
  EXPECT_EQ(at(1, 3, 4), 0);
  EXPECT_EQ(at(1, 3, 5), 9);
}

}  // namespace
}  // namespace omearrow
