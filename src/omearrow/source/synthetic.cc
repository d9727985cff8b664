#include "omearrow/source/synthetic.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "omearrow/source/dense_source.h"
#include "omearrow/util/parallel.h"

namespace omearrow {

arrow::Result<std::shared_ptr<const Image>> MakeSyntheticCells(int64_t st, int64_t sc,
                                                               int64_t sz, int64_t sy,
                                                               int64_t sx, uint64_t seed) {
  if (st <= 0 || sc <= 0 || sz <= 0 || sy <= 0 || sx <= 0) {
    return arrow::Status::Invalid("synthetic image sizes must be positive");
  }
  auto pixels = std::make_shared<std::vector<uint16_t>>(
      static_cast<size_t>(st * sc * sz * sy * sx));
  struct Blob {
    double y, x, z, radius, brightness;
  };
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const int64_t count = std::max<int64_t>(8, sy * sx / 6000);
  std::vector<Blob> blobs(static_cast<size_t>(count));
  for (auto& b : blobs) {
    b = {unit(rng) * sy, unit(rng) * sx, unit(rng) * sz, 5 + 9 * unit(rng), 0.6 + 0.4 * unit(rng)};
  }
  const int64_t plane = sy * sx;
  // One task per (t, c, z) plane; each plane has its own noise stream (deterministic).
  ARROW_RETURN_NOT_OK(ParallelFor(st * sc * sz, 0, [&](int64_t index) {
    const int64_t t = index / (sc * sz), c = (index / sz) % sc, z = index % sz;
    std::mt19937 noise_rng(static_cast<uint32_t>(seed * 1000003 + static_cast<uint64_t>(index)));
    std::normal_distribution<double> noise(0.0, 6.0);
    uint16_t* out = pixels->data() + index * plane;
    std::vector<double> row(static_cast<size_t>(sx));
    for (int64_t y = 0; y < sy; ++y) {
      std::fill(row.begin(), row.end(), 100.0 + 8.0 * c);
      for (const auto& b : blobs) {
        const double cy = b.y + 1.5 * t, dz = (z - b.z) * 3.0, dy = y - cy;
        const double reach = 3 * b.radius;
        if (std::fabs(dy) > reach || std::fabs(dz) > reach) continue;
        const int64_t x0 = std::max<int64_t>(0, static_cast<int64_t>(b.x - reach));
        const int64_t x1 = std::min<int64_t>(sx, static_cast<int64_t>(b.x + reach) + 1);
        const double peak = (700.0 + 500.0 * c) * b.brightness;
        for (int64_t x = x0; x < x1; ++x) {
          const double dx = x - b.x, d2 = dy * dy + dx * dx + dz * dz;
          row[static_cast<size_t>(x)] += peak * std::exp(-d2 / (2 * b.radius * b.radius));
        }
      }
      for (int64_t x = 0; x < sx; ++x) {
        out[y * sx + x] = static_cast<uint16_t>(
            std::clamp(row[static_cast<size_t>(x)] + noise(noise_rng), 0.0, 4095.0));
      }
    }
    return arrow::Status::OK();
  }));
  DenseArray array;
  array.data = pixels->data();
  array.dtype = DType::kUInt16;
  array.shape = {st, sc, sz, sy, sx};
  array.dim_order = "TCZYX";
  array.owner = pixels;
  DenseImageInfo info;
  info.id = "synthetic-cells";
  info.name = "synthetic nuclei time series";
  info.channel_names = {"DNA", "ER", "Mito", "AGP", "RNA"};
  info.physical_size_x = info.physical_size_y = 0.65;
  info.physical_size_z = 2.0;
  return ImageFromDense(array, info);
}

}  // namespace omearrow
