// Fuzzes the lazy Parquet image reader: the input is a whole Parquet file (read from
// memory through ParquetOpenOptions::open_file), opened, viewed with a selection from its
// last bytes, and materialized.
#include <atomic>
#include <cstring>

#include <arrow/buffer.h>
#include <arrow/io/memory.h>

#include "fuzz_util.h"
#include "omearrow/io/parquet_source.h"
#include "omearrow/io/row_cache.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  omearrow::fuzz::InitProcess();
  // An owned copy: the image (and any process-wide cache) may outlive `data`; a fresh
  // name per input keeps caches keyed by path from mixing inputs.
  static std::atomic<int64_t> counter{0};
  auto copy = arrow::AllocateBuffer(static_cast<int64_t>(size));
  if (!copy.ok()) return 0;
  if (size > 0) std::memcpy((*copy)->mutable_data(), data, size);
  std::shared_ptr<arrow::Buffer> bytes(std::move(*copy));
  omearrow::ParquetOpenOptions options;
  options.open_file = [bytes](const std::string&)
      -> arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>> {
    return std::make_shared<arrow::io::BufferReader>(bytes);
  };
  const std::string path = "fuzz-" + std::to_string(counter++) + ".parquet";
  auto info = omearrow::InspectParquet(path, options.open_file);
  (void)info;
  auto opened = omearrow::OpenParquet(path, options);
  if (opened.ok()) omearrow::fuzz::ViewAndMaterialize(opened->image, data, size);
  // Rows read through an injected opener are keyed to their open alone and never hit
  // again: drop them so memory stays flat over millions of inputs (-rss_limit_mb then
  // catches real blow-ups, not the 1 GiB process-wide row cache filling up).
  omearrow::RowCache::Global().Clear();
  return 0;
}
