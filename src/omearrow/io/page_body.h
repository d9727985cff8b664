// The body of one Parquet data page, read and decompressed only as far as a decoder needs:
// a plane near the start of a large page costs only the bytes before it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <arrow/buffer.h>
#include <arrow/io/interfaces.h>
#include <arrow/result.h>
#include <arrow/util/compression.h>

namespace omearrow::internal {

// A page body of `uncompressed_size` bytes. Bytes [0, available()) are valid; Ensure
// extends that prefix, reading the file in blocks and feeding a streaming decompressor.
// The buffer is zero-filled beyond the prefix (never uninitialized memory). Not
// thread-safe (the page cursor serializes its callers).
class PageBody {
 public:
  // Whether bodies compressed with `codec` can be decompressed incrementally.
  static bool CanStream(arrow::Compression::type codec);

  // A body at file bytes [offset, offset + compressed_size): its first `raw_prefix` bytes
  // are stored as they are (a v2 page's levels), the rest compressed with `codec`
  // (UNCOMPRESSED: stored as is). Errors do not name the file (callers do).
  static arrow::Result<std::unique_ptr<PageBody>> Open(
      std::shared_ptr<arrow::io::RandomAccessFile> file, int64_t offset,
      int64_t compressed_size, int64_t uncompressed_size, int64_t raw_prefix,
      arrow::Compression::type codec);

  // A body already in memory (decompressed by parquet's page reader).
  static std::unique_ptr<PageBody> FromBuffer(std::shared_ptr<arrow::Buffer> buffer);

  // Makes at least min(bytes, size()) bytes available.
  arrow::Status Ensure(int64_t bytes);

  const uint8_t* data() const { return data_; }
  int64_t size() const { return size_; }
  int64_t available() const { return available_; }
  int64_t bytes_read() const { return input_read_; }

 private:
  PageBody() = default;
  arrow::Status Fill(int64_t target);

  std::shared_ptr<arrow::Buffer> owned_;  // FromBuffer
  std::unique_ptr<uint8_t, void (*)(void*)> zeroed_{nullptr, nullptr};
  const uint8_t* data_ = nullptr;
  int64_t size_ = 0;
  int64_t available_ = 0;

  std::shared_ptr<arrow::io::RandomAccessFile> file_;
  int64_t offset_ = 0;
  int64_t compressed_size_ = 0;
  int64_t raw_prefix_ = 0;
  int64_t input_read_ = 0;  // body bytes read from the file
  std::shared_ptr<arrow::util::Decompressor> decompressor_;  // null: stored as is
  std::shared_ptr<arrow::Buffer> input_;  // the last block read, not yet all consumed
  int64_t input_used_ = 0;
};

}  // namespace omearrow::internal
