#include "omearrow/util/aligned_buffer.h"

#include <arrow/memory_pool.h>
#include <arrow/status.h>

namespace omearrow {

arrow::Result<std::unique_ptr<arrow::Buffer>> AllocateAligned(int64_t size) {
  if (size < 0) return arrow::Status::Invalid("cannot allocate a negative size: ", size);
  return arrow::AllocateBuffer(size, kOutputAlignment, arrow::default_memory_pool());
}

}  // namespace omearrow
