// Fuzzes record parsing: the input is an Arrow IPC stream whose first struct column is
// parsed as an OME-Arrow record (ImageFromArray), viewed with a selection taken from the
// input's last bytes, and materialized.
#include <arrow/buffer.h>
#include <arrow/io/memory.h>
#include <arrow/ipc/reader.h>
#include <arrow/record_batch.h>

#include "fuzz_util.h"
#include "omearrow/image.h"
#include "omearrow/source/record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  omearrow::fuzz::InitProcess();
  auto buffer = std::make_shared<arrow::Buffer>(data, static_cast<int64_t>(size));
  auto input = std::make_shared<arrow::io::BufferReader>(buffer);
  // IPC buffers sized by the stream (decompressed bodies) come from the capped pool.
  arrow::ipc::IpcReadOptions options = arrow::ipc::IpcReadOptions::Defaults();
  options.memory_pool = omearrow::ReaderMemoryPool();
  auto reader = arrow::ipc::RecordBatchStreamReader::Open(input, options);
  if (!reader.ok()) return 0;
  std::shared_ptr<arrow::RecordBatch> batch;
  if (!(*reader)->ReadNext(&batch).ok() || batch == nullptr) return 0;
  for (const auto& column : batch->columns()) {
    if (column->type_id() != arrow::Type::STRUCT) continue;
    auto image = omearrow::ImageFromArray(column, 0);
    if (image.ok()) omearrow::fuzz::ViewAndMaterialize(*image, data, size);
    break;
  }
  return 0;
}
