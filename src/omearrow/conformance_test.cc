// Conformance: materialized views against a deliberately naive loop over T, Z, C, Y, X,
// for many generated records x selections x layouts x dtypes x encodings (fixed seeds).
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "omearrow/tensor_view.h"
#include "omearrow/testing/gtest_util.h"
#include "omearrow/testing/record_builder.h"

namespace omearrow {
namespace {

using testing::BuildRecord;
using testing::DenseImage;
using testing::Encoding;
using testing::MakeRandomImage;
using testing::RecordSpec;

// The documented cast, written out the slow and obvious way on doubles.
double NaiveCast(double value, DType source, DType target) {
  const bool source_float = source == DType::kFloat32 || source == DType::kFloat64;
  switch (target) {
    case DType::kFloat64: return value;
    case DType::kFloat32: return static_cast<double>(static_cast<float>(value));
    default: break;
  }
  const int bits = ItemSize(target) * 8;
  const bool is_signed = target == DType::kInt8 || target == DType::kInt16 ||
                         target == DType::kInt32 || target == DType::kInt64;
  const double lo = is_signed ? -std::ldexp(1.0, bits - 1) : 0.0;
  const double hi = is_signed ? std::ldexp(1.0, bits - 1) - 1 : std::ldexp(1.0, bits) - 1;
  if (source_float) {
    if (std::isnan(value)) return 0;
    const double truncated = std::trunc(value);
    return std::min(std::max(truncated, lo), hi);
  }
  // Integer source: wrap modulo 2^bits (all test values fit in int64).
  const int64_t v = static_cast<int64_t>(value);
  if (bits == 64) return is_signed ? static_cast<double>(v) : static_cast<double>(static_cast<uint64_t>(v));
  const uint64_t mask = (uint64_t{1} << bits) - 1;
  uint64_t wrapped = static_cast<uint64_t>(v) & mask;
  if (is_signed && wrapped >= (uint64_t{1} << (bits - 1))) {
    return static_cast<double>(static_cast<int64_t>(wrapped) - static_cast<int64_t>(uint64_t{1} << bits));
  }
  return static_cast<double>(wrapped);
}


IndexSpec RandomIndex(std::mt19937_64& rng, int64_t size) {
  std::uniform_int_distribution<int> kind(0, 3);
  std::uniform_int_distribution<int64_t> any(-size, size - 1);
  switch (kind(rng)) {
    case 0: return IndexSpec::All();
    case 1: return IndexSpec::Index(any(rng));
    case 2: {
      std::uniform_int_distribution<int64_t> bound(-size - 1, size + 1);
      std::uniform_int_distribution<int64_t> step(-3, 3);
      Slice s{bound(rng), bound(rng), step(rng)};
      if (*s.step == 0) s.step = std::nullopt;
      if (rng() % 3 == 0) s.start = std::nullopt;
      if (rng() % 3 == 0) s.stop = std::nullopt;
      return IndexSpec::FromSlice(s);
    }
    default: {
      std::vector<int64_t> items(1 + rng() % 4);
      for (auto& item : items) item = any(rng);
      return IndexSpec::List(items);
    }
  }
}

std::string RandomLayout(std::mt19937_64& rng, const std::array<int64_t, 5>& extent,
                         bool may_drop_c) {
  std::string letters;
  const char* all = "TZCYX";
  for (int axis = 0; axis < 5; ++axis) {
    const bool droppable = extent[static_cast<size_t>(axis)] == 1 || (axis == 2 && may_drop_c);
    if (droppable && rng() % 2 == 0) continue;
    letters += all[axis];
  }
  if (letters.empty()) letters = "YX";
  std::shuffle(letters.begin(), letters.end(), rng);
  if (rng() % 2) {  // use the H/W aliases sometimes
    for (char& ch : letters) ch = ch == 'Y' ? 'H' : ch == 'X' ? 'W' : ch;
  }
  return letters;
}

TEST(ConformanceTest, MaterializeMatchesNaiveLoop) {
  const Encoding encodings[] = {Encoding::kPlanes, Encoding::kListChunks, Encoding::kByteChunks,
                                Encoding::kByteChunksZstd, Encoding::kByteChunksLz4};
  int checked_views = 0;
  int64_t checked_elements = 0;
  for (uint64_t seed = 1; seed <= 150; ++seed) {
    std::mt19937_64 rng(seed);
    const int64_t st = 1 + rng() % 3, sc = 1 + rng() % 3, sz = 1 + rng() % 4;
    const int64_t sy = 1 + rng() % 40, sx = 1 + rng() % 40;
    const auto source_dtype = static_cast<DType>(rng() % kNumDTypes);
    DenseImage dense = MakeRandomImage(st, sc, sz, sy, sx, source_dtype, seed);
    RecordSpec spec;
    spec.encoding = encodings[seed % 5];
    spec.loose = rng() % 4 == 0;
    spec.chunk_z = 1 + rng() % 3;
    spec.chunk_y = 1 + rng() % 17;
    spec.chunk_x = 1 + rng() % 17;
    // The builder leaves out whole chunks starting at a missing z: only unambiguous with
    // one-plane-deep chunks.
    const bool one_deep = spec.encoding == Encoding::kPlanes || spec.chunk_z == 1;
    if (rng() % 3 == 0 && one_deep) spec.missing = {{0, 0, static_cast<int64_t>(rng() % sz)}};
    DenseImage truth = dense;
    for (auto [t, c, z] : spec.missing) {
      std::fill_n(truth.bytes.begin() + truth.Offset(t, c, z, 0, 0) * ItemSize(source_dtype),
                  sy * sx * ItemSize(source_dtype), 0);
    }
    ASSERT_OK_AND_ASSIGN(auto record, BuildRecord(dense, spec));
    ASSERT_OK_AND_ASSIGN(auto image, ImageFromStructArray(record));

    for (int trial = 0; trial < 12; ++trial) {
      SCOPED_TRACE("seed " + std::to_string(seed) + " trial " + std::to_string(trial) + " " +
                   testing::EncodingLabel(spec.encoding));
      ViewOptions options;
      options.selection.t = RandomIndex(rng, st);
      options.selection.z = RandomIndex(rng, sz);
      options.selection.c = RandomIndex(rng, sc);
      const int64_t x = rng() % sx, y = rng() % sy;
      options.selection.roi =
          std::vector<int64_t>{x, y, 1 + static_cast<int64_t>(rng() % (sx - x)),
                               1 + static_cast<int64_t>(rng() % (sy - y))};
      if (rng() % 2) options.dtype = static_cast<DType>(rng() % kNumDTypes);
      const bool first = rng() % 4 == 0;
      if (first) options.channel_policy = "first";
      auto made = TensorView::Make(image, options);
      if (!made.ok()) continue;  // e.g. an empty slice is valid but dull; errors are tested elsewhere
      TensorView view = *made;
      const Selection& sel = view.selection();
      std::array<int64_t, 5> extent = {static_cast<int64_t>(sel.t.size()),
                                       static_cast<int64_t>(sel.z.size()),
                                       static_cast<int64_t>(sel.c.size()), sel.roi.h, sel.roi.w};
      if (extent[0] * extent[1] * extent[2] == 0) continue;
      ASSERT_OK_AND_ASSIGN(view, view.WithLayout(RandomLayout(rng, extent, first)));
      ASSERT_OK_AND_ASSIGN(Geometry geometry, view.geometry());
      MaterializeOptions mopts;
      mopts.max_threads = 1 + static_cast<int>(rng() % 4);
      mopts.parallel_threshold_bytes = 0;
      const MemoryOrder order = rng() % 2 ? MemoryOrder::kContiguous : MemoryOrder::kCanonical;
      ASSERT_OK_AND_ASSIGN(Tensor tensor, view.Materialize(order, mopts));
      ASSERT_EQ(tensor.shape, geometry.shape);
      if (order == MemoryOrder::kContiguous) {
        ASSERT_TRUE(tensor.is_c_contiguous());
      } else {
        ASSERT_EQ(tensor.strides, geometry.strides);
      }

      // Naive loop over the canonical axes; C limited to the first channel if dropped.
      const int64_t nc = geometry.first_channel_only ? 1 : extent[2];
      for (int64_t ti = 0; ti < extent[0]; ++ti)
        for (int64_t zi = 0; zi < extent[1]; ++zi)
          for (int64_t ci = 0; ci < nc; ++ci)
            for (int64_t yi = 0; yi < extent[3]; ++yi)
              for (int64_t xi = 0; xi < extent[4]; ++xi) {
                const int64_t index[5] = {ti, zi, ci, yi, xi};
                int64_t offset = 0;
                for (int axis = 0; axis < 5; ++axis) {
                  const int pos = geometry.position[static_cast<size_t>(axis)];
                  if (pos >= 0) offset += index[axis] * tensor.strides[static_cast<size_t>(pos)];
                }
                const double expected = NaiveCast(
                    truth.At(sel.t[static_cast<size_t>(ti)], sel.c[static_cast<size_t>(ci)],
                             sel.z[static_cast<size_t>(zi)], sel.roi.y + yi, sel.roi.x + xi),
                    source_dtype, view.dtype());
                const double got = testing::LoadAsDouble(tensor.data + offset, view.dtype());
                ASSERT_EQ(got, expected) << "at t=" << ti << " z=" << zi << " c=" << ci
                                         << " y=" << yi << " x=" << xi << " layout "
                                         << view.layout();
                ++checked_elements;
              }
      ++checked_views;
    }
  }
  EXPECT_GT(checked_views, 1000);
  RecordProperty("checked_views", checked_views);
  RecordProperty("checked_elements", std::to_string(checked_elements));
}

}  // namespace
}  // namespace omearrow
