// `omearrow demo` and `omearrow bench`.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <vector>

#include "commands.h"
#include "omearrow/io/open.h"
#include "omearrow/io/record_writer.h"
#include "omearrow/io/row_cache.h"
#include "omearrow/iter/view_iterator.h"
#include "omearrow/source/synthetic.h"
#include "omearrow/tensor_view.h"

namespace omearrow::cli {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Median seconds of `repeats` runs of `step` (after one warm-up run when `warm`).
arrow::Result<double> MedianSeconds(int repeats, bool warm,
                                    const std::function<arrow::Status()>& step) {
  if (warm) ARROW_RETURN_NOT_OK(step());
  std::vector<double> times;
  for (int i = 0; i < std::max(1, repeats); ++i) {
    const auto start = Clock::now();
    ARROW_RETURN_NOT_OK(step());
    times.push_back(Since(start));
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

arrow::Status Materialize(const std::shared_ptr<const Image>& image, ViewOptions options) {
  ARROW_ASSIGN_OR_RAISE(auto view, TensorView::Make(image, options));
  return view.Materialize().status();
}

// Iterates 2-D tiles of plane (t=0, z) with `prefetch`; returns the number of tiles.
arrow::Result<int64_t> IterateTiles(const std::shared_ptr<const Image>& image, int64_t z,
                                    int64_t tile, int64_t prefetch) {
  ViewOptions options;
  options.selection.t = IndexSpec::Index(0);
  options.selection.z = IndexSpec::Index(z);
  ARROW_ASSIGN_OR_RAISE(auto view, TensorView::Make(image, options));
  IteratorOptions iterate;
  iterate.tile_size = std::vector<int64_t>{tile, tile};
  iterate.prefetch = prefetch;
  iterate.mode = "numpy";
  ARROW_ASSIGN_OR_RAISE(auto iterator, ViewIterator::Make(view, iterate));
  int64_t count = 0;
  for (;;) {
    ARROW_ASSIGN_OR_RAISE(auto item, iterator->Next());
    if (!item.has_value()) break;
    ++count;
  }
  return count;
}

void Report(const char* label, double seconds, double megabytes) {
  if (megabytes > 0) {
    std::printf("     %-44s %9.2f ms  %8.0f MB/s\n", label, 1e3 * seconds, megabytes / seconds);
  } else {
    std::printf("     %-44s %9.2f ms\n", label, 1e3 * seconds);
  }
}

struct Measured {
  double first_open_s = 0, open_s = 0, plane_s = 0, crop_s = 0, volume_s = 0;
};

// Times the views every file gets; `volume_mb` is the full image in MB.
arrow::Result<Measured> MeasureViews(const std::string& path, const OpenOptions& open,
                                     int repeats) {
  Measured m;
  std::shared_ptr<const Image> image;
  const auto first = Clock::now();
  ARROW_RETURN_NOT_OK(Open(path, open).status());
  m.first_open_s = Since(first);
  ARROW_ASSIGN_OR_RAISE(m.open_s, MedianSeconds(repeats, false, [&]() -> arrow::Status {
    ARROW_ASSIGN_OR_RAISE(auto opened, Open(path, open));
    image = opened.image;
    return arrow::Status::OK();
  }));
  const PixelsMeta& pm = image->pixels_meta();
  ViewOptions plane;
  plane.selection.t = IndexSpec::Index(0);
  plane.selection.z = IndexSpec::Index(pm.size_z / 2);
  plane.selection.c = IndexSpec::Index(0);
  ViewOptions crop = plane;
  crop.selection.roi = std::vector<int64_t>{pm.size_x / 4, pm.size_y / 4,
                                            std::min<int64_t>(256, pm.size_x / 2),
                                            std::min<int64_t>(256, pm.size_y / 2)};
  ViewOptions volume;
  volume.layout = "TCZYX";
  // Each timing reopens the file so no decoded data carries over between runs.
  auto fresh = [&](const ViewOptions& options) -> arrow::Status {
    RowCache::Global().Clear();
    ARROW_ASSIGN_OR_RAISE(auto opened, Open(path, open));
    return Materialize(opened.image, options);
  };
  ARROW_ASSIGN_OR_RAISE(m.plane_s, MedianSeconds(repeats, true, [&] { return fresh(plane); }));
  ARROW_ASSIGN_OR_RAISE(m.crop_s, MedianSeconds(repeats, true, [&] { return fresh(crop); }));
  ARROW_ASSIGN_OR_RAISE(m.volume_s, MedianSeconds(repeats, true, [&] { return fresh(volume); }));
  return m;
}

}  // namespace

arrow::Status RunDemo(const std::string& directory, bool small) {
  namespace fs = std::filesystem;
  const int64_t T = small ? 2 : 4, C = 3, Z = small ? 4 : 16, Y = small ? 256 : 512,
                X = small ? 256 : 512;
  const double volume_mb = T * C * Z * Y * X * 2 / 1e6;
  std::printf("omearrow demo\n\n1. Generate a synthetic multi-channel 3-D time series\n");
  auto start = Clock::now();
  ARROW_ASSIGN_OR_RAISE(auto image, MakeSyntheticCells(T, C, Z, Y, X));
  std::printf("   nuclei-like blobs, T=%lld C=%lld Z=%lld Y=%lld X=%lld uint16 (%.1f MB) in %.0f ms\n",
              static_cast<long long>(T), static_cast<long long>(C), static_cast<long long>(Z),
              static_cast<long long>(Y), static_cast<long long>(X), volume_mb,
              1e3 * Since(start));

  std::error_code error;
  fs::create_directories(directory, error);
  if (error) return arrow::Status::IOError(directory, ": ", error.message());
  std::printf("\n2. Convert to OME-Arrow Parquet (%s)\n", directory.c_str());
  struct Variant {
    const char* label;
    const char* file;
    ChunkEncoding encoding;
    const char* codec;
  };
  const Variant variants[] = {
      {"byte chunks, zstd-1, 1x256x256", "cells.zstd.ome.parquet", ChunkEncoding::kBytes, "zstd"},
      {"byte chunks, lz4, 1x256x256", "cells.lz4.ome.parquet", ChunkEncoding::kBytes, "lz4"},
      {"list encoding (reference-compatible)", "cells.list.ome.parquet", ChunkEncoding::kList,
       "none"}};
  for (const auto& variant : variants) {
    ParquetWriteOptions write;
    write.record.encoding = variant.encoding;
    write.record.chunk_compression = variant.codec;
    write.record.chunk_shape = {1, 256, 256};
    const std::string path = (fs::path(directory) / variant.file).string();
    start = Clock::now();
    ARROW_RETURN_NOT_OK(WriteParquet({image}, path, write));
    const double seconds = Since(start);
    const double size_mb = static_cast<double>(fs::file_size(path)) / 1e6;
    std::printf("   %-38s %7.2f MB on disk (%.2fx smaller), written at %.0f MB/s\n",
                variant.label, size_mb, volume_mb / size_mb, volume_mb / seconds);
  }

  std::printf("\n3. Open lazily and read (medians of 5; each read reopens the file with empty\n"
              "   pixel caches, so it pays for the pixel I/O and decoding it needs; the parsed\n"
              "   metadata of an unchanged file is reused)\n");
  for (const auto& variant : variants) {
    const std::string path = (fs::path(directory) / variant.file).string();
    ARROW_ASSIGN_OR_RAISE(Measured m, MeasureViews(path, {}, 5));
    std::printf("   %s\n", variant.label);
    Report("first open (reads footer + metadata only)", m.first_open_s, 0);
    Report("reopen (metadata cached)", m.open_s, 0);
    Report("one 512x512 plane (t=0, z=mid, c=0)", m.plane_s, Y * X * 2 / 1e6);
    Report("256x256 crop of that plane", m.crop_s, 256.0 * 256 * 2 / 1e6);
    Report("full 5-D volume (TCZYX)", m.volume_s, volume_mb);
  }

  std::printf("\n4. Tile planes for training: tiles of (t=0, every z), all channels\n");
  std::printf("   (file reopened for each run, so chunks are decoded on first use; medians "
              "of 3 runs)\n");
  const std::string zstd_path = (fs::path(directory) / variants[0].file).string();
  for (int64_t tile : {32, 64, 128, 256}) {
    double rate[2] = {0, 0};
    int64_t tiles = 0;
    for (int pass = 0; pass < 2; ++pass) {
      const int64_t prefetch = pass == 0 ? 0 : 2;
      std::vector<double> rates;  // median of 3 runs
      for (int run = 0; run < 3; ++run) {
        ARROW_ASSIGN_OR_RAISE(auto opened, Open(zstd_path, {}));
        start = Clock::now();
        tiles = 0;
        for (int64_t z = 0; z < Z; ++z) {  // one iterator per plane, as a training loop
          ARROW_ASSIGN_OR_RAISE(const int64_t n,
                                IterateTiles(opened.image, z, tile, prefetch));
          tiles += n;
        }
        rates.push_back(tiles / Since(start));
      }
      std::sort(rates.begin(), rates.end());
      rate[pass] = rates[1];
    }
    std::printf("   %3lldx%-3lld tiles (%4lld): prefetch=0 %8.0f tiles/s, prefetch=2 %8.0f "
                "tiles/s (%.2fx)\n",
                static_cast<long long>(tile), static_cast<long long>(tile),
                static_cast<long long>(tiles), rate[0], rate[1], rate[1] / rate[0]);
  }
  std::printf("\nDone. Try: omearrow info %s\n", zstd_path.c_str());
  std::printf(
      "omearrow info/convert/bench also open OME-TIFF, Fiji/ImageJ hyperstacks (TZCYX "
      "from the ImageJ description), tifffile multi-series TIFFs and plain TIFF.\n");
  return arrow::Status::OK();
}

arrow::Status RunBench(const InputSelection& input, int repeats) {
  OpenOptions open;
  open.column = input.column;
  open.row = input.row;
  open.image_id = input.image_id;
  ARROW_ASSIGN_OR_RAISE(auto opened, Open(input.path, open));
  const PixelsMeta& pm = opened.image->pixels_meta();
  std::string warning;
  const double itemsize = ItemSize(DTypeFromMeta(pm.type, &warning));
  const double plane_mb = pm.size_y * pm.size_x * itemsize / 1e6;
  ARROW_ASSIGN_OR_RAISE(Measured m, MeasureViews(input.path, open, repeats));
  std::printf("%s (T=%lld C=%lld Z=%lld Y=%lld X=%lld), medians of %d\n", input.path.c_str(),
              static_cast<long long>(pm.size_t), static_cast<long long>(pm.size_c),
              static_cast<long long>(pm.size_z), static_cast<long long>(pm.size_y),
              static_cast<long long>(pm.size_x), repeats);
  Report("first open (footer + metadata)", m.first_open_s, 0);
  Report("reopen (metadata cached)", m.open_s, 0);
  Report("one plane", m.plane_s, plane_mb);
  Report("crop (up to 256x256)", m.crop_s,
         std::min<int64_t>(256, pm.size_x / 2) * std::min<int64_t>(256, pm.size_y / 2) *
             itemsize / 1e6);
  Report("full image", m.volume_s, plane_mb * pm.size_t * pm.size_c * pm.size_z);
  return arrow::Status::OK();
}

}  // namespace omearrow::cli
