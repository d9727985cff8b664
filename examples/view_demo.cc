// Example: builds a synthetic multi-channel 3-D time series as an in-memory OME-Arrow
// record (zstd byte chunks, like the reference's recommended encoding), then serves views
// over it and prints what it did with throughput figures. (`omearrow demo` is the
// file-based demo.)
#include <chrono>
#include <cstdio>

#include "omearrow/io/record_writer.h"
#include "omearrow/source/record.h"
#include "omearrow/source/synthetic.h"
#include "omearrow/tensor/dlpack.h"
#include "omearrow/tensor_view.h"

using namespace omearrow;

namespace {

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
  auto cells = MakeSyntheticCells(T, C, Z, Y, X);
  if (!cells.ok()) return Fail(cells.status());
  RecordWriteOptions encode;
  encode.chunk_shape = {1, 256, 256};  // byte chunks, zstd-1 (the defaults otherwise)
  auto start = std::chrono::steady_clock::now();
  auto record = EncodeRecord(**cells, encode);
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
