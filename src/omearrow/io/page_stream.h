// Reading untrusted Parquet files: reader properties bounded by the file, and an input
// stream over one column chunk that can skip pages without reading them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <arrow/buffer.h>
#include <arrow/io/interfaces.h>
#include <arrow/result.h>
#include <parquet/column_reader.h>
#include <parquet/properties.h>

namespace omearrow::internal {

// Reader properties for a Parquet file of `file_size` bytes: buffers from
// ReaderMemoryPool() (so page headers claiming huge pages fail instead of allocating),
// and Thrift string and container size limits no larger than the file (a footer or page
// header cannot hold a longer string, or more list elements, than it has bytes).
parquet::ReaderProperties UntrustedReaderProperties(int64_t file_size);

// Checks that the column chunk [start, start + length) named by a file's metadata lies
// inside the file (`file_size` bytes); Invalid "<label>: column chunk at offset O of L
// bytes reaches beyond the end of the file (N bytes)" otherwise.
arrow::Status CheckColumnChunkRange(int64_t start, int64_t length, int64_t file_size,
                                    const std::string& label);

// Reads a byte range [start, start + length) of a file with positional reads. Parquet's
// page reader skips a page with InputStream::Advance, which reads the skipped bytes; after
// SkipNextRead() the next read is answered without touching the file (the caller
// discards it), so skipping a page costs only its header. Peek reads small windows (a
// page header is usually tens of bytes), doubling them when asked again at the same
// position. Reads are sized by page headers: the range must lie inside the file
// (CheckColumnChunkRange), and a skipped page's buffer comes from ReaderMemoryPool().
// Not thread-safe; each reader makes its own.
class PageSkippingStream final : public arrow::io::InputStream {
 public:
  PageSkippingStream(std::shared_ptr<arrow::io::RandomAccessFile> file, int64_t start,
                     int64_t length);

  void SkipNextRead() { skip_next_read_ = true; }
  // Where the last Peek started (relative to `start`): a page header's first byte when
  // called from a data-page filter. -1 before any Peek.
  int64_t last_peek_position() const { return peeked_at_; }
  // The first window Peek reads (default 1024 bytes; page headers are usually < 100).
  void set_initial_peek_bytes(int64_t bytes) { initial_peek_ = bytes; }

  arrow::Status Close() override;
  bool closed() const override { return closed_; }
  arrow::Result<int64_t> Tell() const override { return position_; }
  arrow::Result<int64_t> Read(int64_t nbytes, void* out) override;
  arrow::Result<std::shared_ptr<arrow::Buffer>> Read(int64_t nbytes) override;
  arrow::Result<std::string_view> Peek(int64_t nbytes) override;

 private:
  int64_t Remaining() const { return length_ - position_; }

  std::shared_ptr<arrow::io::RandomAccessFile> file_;
  int64_t start_, length_;
  int64_t position_ = 0;
  bool skip_next_read_ = false;
  bool closed_ = false;
  std::shared_ptr<arrow::Buffer> peeked_;
  int64_t peeked_at_ = -1;
  int64_t peek_window_ = 1024;
  int64_t initial_peek_ = 1024;
};

// A Parquet page reader over file bytes [start, end) (a column chunk, or its tail from a
// page header on) holding `num_values` level entries. `stream` lets a data-page filter
// skip page bodies unread; `properties` outlives `pages`.
struct PageReaderAt {
  std::shared_ptr<PageSkippingStream> stream;
  std::shared_ptr<const parquet::ReaderProperties> properties;
  std::unique_ptr<parquet::PageReader> pages;
};
PageReaderAt OpenPagesAt(const std::shared_ptr<arrow::io::RandomAccessFile>& file,
                         int64_t file_size, int64_t start, int64_t end, int64_t num_values,
                         arrow::Compression::type codec,
                         const parquet::ColumnDescriptor& descr);

}  // namespace omearrow::internal
