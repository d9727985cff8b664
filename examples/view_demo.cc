// omearrow demo: builds a synthetic multi-channel 3-D time series as an OME-Arrow record
// (zstd byte chunks, like the reference's recommended encoding), then serves views over it
// and prints what it did with throughput figures.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>

#include "omearrow/dlpack.h"
#include "omearrow/tensor_view.h"
#include "omearrow/testing/record_builder.h"

using namespace omearrow;

namespace {

// Nuclei-like Gaussian blobs on a dim background with Poisson-ish noise, 12-bit range.
testing::DenseImage SyntheticCells(int64_t t, int64_t c, int64_t z, int64_t y, int64_t x) {
  testing::DenseImage image{t, c, z, y, x, DType::kUInt16, {}};
  image.bytes.resize(static_cast<size_t>(t * c * z * y * x * 2));
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0.0, 6.0);
  std::uniform_real_distribution<double> pos(0.0, 1.0);
  struct Blob { double y, x, z, r; };
  std::vector<Blob> blobs(40);
  for (auto& b : blobs) b = {pos(rng) * y, pos(rng) * x, pos(rng) * z, 6 + 10 * pos(rng)};
  auto* out = reinterpret_cast<uint16_t*>(image.bytes.data());
  for (int64_t ti = 0; ti < t; ++ti)
    for (int64_t ci = 0; ci < c; ++ci)
      for (int64_t zi = 0; zi < z; ++zi)
        for (int64_t yi = 0; yi < y; ++yi)
          for (int64_t xi = 0; xi < x; ++xi) {
            double v = 100 + noise(rng);
            for (const auto& b : blobs) {
              const double dy = yi - b.y - 2.0 * ti, dx = xi - b.x, dz = (zi - b.z) * 3;
              const double d2 = dy * dy + dx * dx + dz * dz;
              if (d2 < 9 * b.r * b.r) v += (800 + 600 * ci) * std::exp(-d2 / (2 * b.r * b.r));
            }
            *out++ = static_cast<uint16_t>(std::clamp(v, 0.0, 4095.0));
          }
  return image;
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int Fail(const arrow::Status& status) {
  std::fprintf(stderr, "error: %s\n", status.ToString().c_str());
  return 1;
}

}  // namespace

int main() {
  const int64_t T = 4, C = 3, Z = 8, Y = 512, X = 512;
  std::printf("omearrow demo: synthetic cells, T=%lld C=%lld Z=%lld Y=%lld X=%lld uint16\n",
              (long long)T, (long long)C, (long long)Z, (long long)Y, (long long)X);
  auto dense = SyntheticCells(T, C, Z, Y, X);
  testing::RecordSpec spec;
  spec.encoding = testing::Encoding::kByteChunksZstd;
  spec.chunk_z = 1, spec.chunk_y = 256, spec.chunk_x = 256;
  auto start = std::chrono::steady_clock::now();
  auto record = testing::BuildRecord(dense, spec);
  if (!record.ok()) return Fail(record.status());
  std::printf("  encoded as OME-Arrow byte chunks (zstd, 1x256x256) in %.0f ms\n",
              1e3 * Seconds(start));

  start = std::chrono::steady_clock::now();
  auto image = ImageFromStructArray(*record);
  if (!image.ok()) return Fail(image.status());
  std::printf("  parsed record + chunk index in %.3f ms (encoding: %s, %zu channels)\n",
              1e3 * Seconds(start), std::string(PixelEncodingName((*image)->encoding())).c_str(),
              (*image)->pixels_meta().channels.size());

  auto run = [&](const char* label, ViewOptions options) -> arrow::Status {
    ARROW_ASSIGN_OR_RAISE(auto view, TensorView::Make(*image, options));
    ARROW_ASSIGN_OR_RAISE(auto shape, view.shape());
    const auto t0 = std::chrono::steady_clock::now();
    ARROW_ASSIGN_OR_RAISE(auto tensor, view.Materialize());
    const double s = Seconds(t0);
    const double mb = tensor.num_elements() * ItemSize(view.dtype()) / 1e6;
    std::string dims;
    for (auto e : shape) dims += (dims.empty() ? "" : "x") + std::to_string(e);
    std::printf("  %-34s layout %-6s shape %-16s %8.2f ms  %7.0f MB/s\n", label,
                view.layout().c_str(), dims.c_str(), 1e3 * s, mb / s);
    return arrow::Status::OK();
  };
  ViewOptions plane;
  plane.selection.t = IndexSpec::Index(0);
  plane.selection.z = IndexSpec::Index(4);
  auto status = run("one plane, all channels", plane);
  ViewOptions crop = plane;
  crop.selection.roi = std::vector<int64_t>{128, 128, 256, 256};
  crop.selection.c = IndexSpec::Index(1);
  if (status.ok()) status = run("256x256 crop of channel 1", crop);
  ViewOptions volume;
  volume.layout = "TCZYX";
  if (status.ok()) status = run("full 5-D volume", volume);
  ViewOptions channels_last;
  channels_last.layout = "TZYXC";
  channels_last.dtype = DType::kFloat32;
  if (status.ok()) status = run("full volume, channels-last float32", channels_last);
  if (!status.ok()) return Fail(status);

  // 2-D tiles of one plane, exported through DLPack as a trainer would consume them.
  start = std::chrono::steady_clock::now();
  int tiles = 0;
  for (int64_t ty = 0; ty < 2; ++ty)
    for (int64_t tx = 0; tx < 2; ++tx) {
      ViewOptions tile = plane;
      tile.selection.tile = std::vector<int64_t>{ty, tx};
      auto view = TensorView::Make(*image, tile);
      if (!view.ok()) return Fail(view.status());
      auto managed = view->ToDLPackVersioned("cpu", true, "numpy", nullptr);
      if (!managed.ok()) return Fail(managed.status());
      (*managed)->deleter(*managed);
      ++tiles;
    }
  std::printf("  %d chunk-aligned 256x256 tiles exported via DLPack in %.2f ms\n", tiles,
              1e3 * Seconds(start));
  std::printf("done.\n");
  return 0;
}
