#include "omearrow/materialize.h"

#include <cstring>

#include <gtest/gtest.h>

#include "omearrow/source/chunk_source.h"
#include "omearrow/tensor_view.h"
#include "omearrow/testing/gtest_util.h"
#include "omearrow/testing/record_builder.h"

namespace omearrow {
namespace {

using testing::BuildRecord;
using testing::Encoding;
using testing::MakeRandomImage;
using testing::RecordSpec;

TEST(MaterializeTest, ThreadedResultEqualsSingleThreaded) {
  // Few planes, many rows: the kernel splits planes into row bands across threads.
  auto dense = MakeRandomImage(1, 2, 1, 700, 650, DType::kUInt16, 9);
  for (auto encoding : {Encoding::kPlanes, Encoding::kByteChunksZstd}) {
    RecordSpec spec;
    spec.encoding = encoding;
    spec.chunk_y = 100, spec.chunk_x = 128;
    ASSERT_OK_AND_ASSIGN(auto record, BuildRecord(dense, spec));
    ASSERT_OK_AND_ASSIGN(auto image, ImageFromStructArray(record));
    ViewOptions options;
    options.layout = "YXC";
    options.dtype = DType::kFloat32;
    options.selection.roi = std::vector<int64_t>{3, 5, 640, 690};
    ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image, options));
    MaterializeOptions one, many;
    one.max_threads = 1;
    many.max_threads = 4;
    many.parallel_threshold_bytes = 0;
    ASSERT_OK_AND_ASSIGN(Tensor a, view.Materialize(MemoryOrder::kContiguous, one));
    ASSERT_OK_AND_ASSIGN(Tensor b, view.Materialize(MemoryOrder::kContiguous, many));
    ASSERT_EQ(a.num_elements(), b.num_elements());
    EXPECT_EQ(std::memcmp(a.data, b.data, static_cast<size_t>(a.num_elements()) * 4), 0);
    const float* p = reinterpret_cast<const float*>(a.data);
    EXPECT_EQ(p[(10 * 640 + 20) * 2 + 1], static_cast<float>(dense.At(0, 1, 0, 15, 23)));
  }
}

TEST(MaterializeTest, ChannelsLastEqualsTheDenseImageForEveryEncoding) {
  // Same dtype, channels adjacent in the output: the one-pass interleave (and, with a
  // missing chunk or a cast, the channel-by-channel path) must give the dense values.
  for (int64_t channels : {2, 3, 5, 17}) {
    auto dense = MakeRandomImage(2, channels, 2, 37, 45, DType::kUInt16, 11);
    for (auto encoding : {Encoding::kPlanes, Encoding::kListChunks, Encoding::kByteChunks,
                          Encoding::kByteChunksZstd}) {
      for (bool missing : {false, true}) {
        RecordSpec spec;
        spec.encoding = encoding;
        spec.chunk_y = 16, spec.chunk_x = 20;
        if (missing) spec.missing = {{1, 1, 0}};
        ASSERT_OK_AND_ASSIGN(auto record, BuildRecord(dense, spec));
        ASSERT_OK_AND_ASSIGN(auto image, ImageFromStructArray(record));
        for (const char* layout : {"TZYXC", "ZTYXC"}) {
          ViewOptions options;
          options.layout = layout;
          options.selection.roi = std::vector<int64_t>{3, 2, 40, 33};
          ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image, options));
          MaterializeOptions threads;
          threads.parallel_threshold_bytes = 0;
          ASSERT_OK_AND_ASSIGN(Tensor t,
                               view.Materialize(MemoryOrder::kContiguous, threads));
          const bool tz = std::string(layout) == "TZYXC";
          const uint16_t* p = reinterpret_cast<const uint16_t*>(t.data);
          int64_t bad = 0;
          for (int64_t a = 0; a < 2; ++a) {
            for (int64_t b = 0; b < 2; ++b) {
              const int64_t ti = tz ? a : b, zi = tz ? b : a;
              for (int64_t y = 0; y < 33; ++y) {
                for (int64_t x = 0; x < 40; ++x) {
                  for (int64_t c = 0; c < channels; ++c) {
                    const bool absent = missing && ti == 1 && c == 1 && zi == 0;
                    const double want = absent ? 0.0 : dense.At(ti, c, zi, y + 2, x + 3);
                    const int64_t i = (((a * 2 + b) * 33 + y) * 40 + x) * channels + c;
                    if (p[i] != want) ++bad;
                  }
                }
              }
            }
          }
          EXPECT_EQ(bad, 0) << channels << " channels, "
                            << testing::EncodingLabel(encoding) << ", missing=" << missing
                            << ", " << layout;
        }
      }
    }
  }
}

TEST(MaterializeTest, WritesOnlyAddressedElements) {
  auto dense = MakeRandomImage(1, 1, 1, 8, 8, DType::kUInt8, 1);
  ASSERT_OK_AND_ASSIGN(auto record, BuildRecord(dense, {}));
  ASSERT_OK_AND_ASSIGN(auto image, ImageFromStructArray(record));
  ASSERT_OK_AND_ASSIGN(Selection sel,
                       NormalizeSelection({}, image->pixels_meta(), image->chunk_grid()));
  // Write into every other element of a 2x larger buffer (x stride 2).
  std::vector<uint8_t> out(8 * 16, 0xEE);
  ASSERT_OK(MaterializeInto(*image, sel, false, DType::kUInt8, out.data(),
                            {0, 0, 0, 16, 2}));
  for (int64_t y = 0; y < 8; ++y) {
    for (int64_t x = 0; x < 8; ++x) {
      EXPECT_EQ(out[static_cast<size_t>(y * 16 + 2 * x)], dense.At(0, 0, 0, y, x));
      EXPECT_EQ(out[static_cast<size_t>(y * 16 + 2 * x + 1)], 0xEE);
    }
  }
}

TEST(MaterializeTest, DecodedChunksAreCachedAcrossViews) {
  auto dense = MakeRandomImage(1, 1, 1, 64, 64, DType::kUInt16, 2);
  RecordSpec spec;
  spec.encoding = Encoding::kByteChunksZstd;
  spec.chunk_y = 32, spec.chunk_x = 32;
  ASSERT_OK_AND_ASSIGN(auto record, BuildRecord(dense, spec));
  ASSERT_OK_AND_ASSIGN(auto image, ImageFromStructArray(record));
  const auto& source = static_cast<const ArrowChunkSource&>(image->source());
  for (int tile = 0; tile < 4; ++tile) {
    ViewOptions options;
    options.selection.roi = std::vector<int64_t>{(tile % 2) * 16, 0, 16, 16};  // chunk 0
    ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image, options));
    ASSERT_OK(view.Materialize().status());
  }
  EXPECT_EQ(source.cache().misses(), 1);  // only the one chunk the ROIs touch, once
  EXPECT_EQ(source.cache().hits(), 3);
}

TEST(MaterializeTest, PlaneLoaderSourceIsCalledOncePerPlaneAndChecked) {
  PixelsMeta meta;
  meta.size_t = 2, meta.size_c = 1, meta.size_z = 3, meta.size_y = 4, meta.size_x = 5;
  std::atomic<int> calls{0};
  auto loader = [&](int64_t t, int64_t z, int64_t c) -> arrow::Result<LoadedPlane> {
    ++calls;
    auto values = std::make_shared<std::vector<int32_t>>(20);
    for (int i = 0; i < 20; ++i) (*values)[static_cast<size_t>(i)] = static_cast<int32_t>(t * 1000 + z * 100 + c * 10 + i);
    return LoadedPlane{values, values->data(), DType::kInt32, 20};
  };
  ASSERT_OK_AND_ASSIGN(auto image, ImageFromPlaneLoader({}, meta, std::nullopt, loader));
  ViewOptions options;
  options.dtype = DType::kInt64;
  options.selection.z = IndexSpec::List({2, 0});
  ASSERT_OK_AND_ASSIGN(auto view, TensorView::Make(image, options));
  ASSERT_OK_AND_ASSIGN(Tensor tensor, view.Materialize());
  EXPECT_EQ(calls.load(), 4);
  const int64_t* p = reinterpret_cast<const int64_t*>(tensor.data);
  // TZCHW: t=1, z index 0 (= z 2), c 0, y 1, x 2 -> 1000 + 200 + 7
  EXPECT_EQ(p[((1 * 2 + 0) * 1 + 0) * 20 + 7], 1207);

  auto bad_loader = [](int64_t, int64_t, int64_t) -> arrow::Result<LoadedPlane> {
    auto values = std::make_shared<std::vector<uint8_t>>(7);
    return LoadedPlane{values, values->data(), DType::kUInt8, 7};
  };
  ASSERT_OK_AND_ASSIGN(image, ImageFromPlaneLoader({}, meta, std::nullopt, bad_loader));
  ASSERT_OK_AND_ASSIGN(view, TensorView::Make(image));
  EXPECT_STATUS(view.Materialize().status(), Invalid,
                "plane_loader returned 7 values for plane (t=0, z=0, c=0); expected "
                "size_y*size_x = 20 (4x5)");
}

}  // namespace
}  // namespace omearrow
