// Helpers shared by the libFuzzer harnesses: process setup, temp files, and a view
// selection decoded from fuzzer bytes.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "omearrow/tensor_view.h"
#include "omearrow/util/view_limits.h"

namespace omearrow::fuzz {

// The largest single allocation a fuzz run may make, in MiB: MaxReaderBufferBytes() under
// the harness ceiling below. scripts/fuzz.sh reads this line and passes it (+1, as
// libFuzzer reports mallocs of at least that many MiB) as -malloc_limit_mb, so a larger
// malloc is reported as a crash.
inline constexpr int64_t kFuzzMallocLimitMiB = 256;
// The harnesses' memory ceiling (SetMaxViewBytes): views, decoded chunks and TIFF planes,
// tiles and plane tables at most 128 MiB; Arrow, Parquet and libtiff buffers at most
// twice that (MaxReaderBufferBytes), i.e. kFuzzMallocLimitMiB.
inline constexpr int64_t kFuzzMaxViewBytes = (kFuzzMallocLimitMiB << 20) / 2;

// Per-process setup: Arrow's system allocator (so ASan bounds-checks Arrow buffers) and
// the fuzz ceiling (so claims of huge images fail fast, and every allocation stays within
// -malloc_limit_mb).
inline void InitProcess() {
  static const bool done = [] {
    setenv("ARROW_DEFAULT_MEMORY_POOL", "system", /*overwrite=*/0);
    SetMaxViewBytes(kFuzzMaxViewBytes);
    if (MaxReaderBufferBytes() != kFuzzMallocLimitMiB << 20) std::abort();
    return true;
  }();
  (void)done;
}

// Writes `data` to a per-process temp file (reused by every input) and returns its path.
inline std::string WriteTempFile(const uint8_t* data, size_t size, const char* suffix) {
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/omearrow-fuzz-" +
                     std::to_string(getpid()) + suffix;
  FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, file) != size) std::abort();
  std::fclose(file);
  return path;
}

// Reads bytes from the end of the input (the selection part), zero when exhausted.
class TailReader {
 public:
  TailReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t Next() { return size_ == 0 ? 0 : data_[--size_]; }
  int64_t SmallInt() { return static_cast<int8_t>(Next()); }  // -128..127

 private:
  const uint8_t* data_;
  size_t size_;
};

inline IndexSpec SpecFrom(TailReader& in) {
  switch (in.Next() % 5) {
    case 1: return IndexSpec::Index(in.SmallInt());
    case 2: {
      Slice s;
      const uint8_t mask = in.Next();
      if (mask & 1) s.start = in.SmallInt();
      if (mask & 2) s.stop = in.SmallInt();
      if (mask & 4) s.step = in.SmallInt();
      return IndexSpec::FromSlice(s);
    }
    case 3: {
      std::vector<int64_t> items;
      const int n = in.Next() % 4;
      for (int i = 0; i < n; ++i) items.push_back(in.SmallInt());
      return IndexSpec::List(std::move(items));
    }
    default: return IndexSpec::All();
  }
}

// View options derived from the last bytes of the input: t/z/c, roi, layout, dtype and
// channel policy.
inline ViewOptions ViewOptionsFrom(const uint8_t* data, size_t size) {
  static const char* kLayouts[] = {"",    "TZCYX", "CYX", "YXC",  "ZYX",
                                   "TCZYX", "YX",  "CZYX", "HWC", "ZCYX"};
  TailReader in(data, size);
  ViewOptions options;
  const uint8_t flags = in.Next();
  if (flags & 1) options.selection.t = SpecFrom(in);
  if (flags & 2) options.selection.z = SpecFrom(in);
  if (flags & 4) options.selection.c = SpecFrom(in);
  if (flags & 8) {
    std::vector<int64_t> roi;
    for (int i = 0; i < 4; ++i) roi.push_back(in.SmallInt());
    options.selection.roi = roi;
  }
  options.layout = kLayouts[in.Next() % (sizeof(kLayouts) / sizeof(kLayouts[0]))];
  const uint8_t dtype = in.Next();
  if (dtype < kNumDTypes) options.dtype = static_cast<DType>(dtype);
  options.channel_policy = (flags & 16) ? "first" : "error";
  return options;
}

// Views `image` with options from the input's tail and materializes it, then a second
// view from an earlier window of the tail (single thread,
// and with several threads when `flags` asks, to cover the banded path).
inline void ViewAndMaterialize(const std::shared_ptr<const Image>& image, const uint8_t* data,
                               size_t size) {
  auto view = TensorView::Make(image, ViewOptionsFrom(data, size));
  if (!view.ok()) return;
  MaterializeOptions options;
  options.max_threads = 1;
  auto tensor = view->Materialize(MemoryOrder::kContiguous, options);
  (void)tensor;
  Warnings warnings;
  auto stored = view->StoredValues(&warnings);
  (void)stored;
  // A second selection (from an earlier window of the tail) reads other parts of what
  // the first left decoded, partly decoded or skipped (e.g. planes before a deep one).
  if (size > 8) {
    auto second = TensorView::Make(image, ViewOptionsFrom(data, size - 8));
    if (second.ok()) (void)second->Materialize(MemoryOrder::kContiguous, options);
  }
}

}  // namespace omearrow::fuzz
