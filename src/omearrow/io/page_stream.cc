#include "omearrow/io/page_stream.h"

#include <algorithm>
#include <cstring>

#include <arrow/status.h>

#include "omearrow/util/view_limits.h"

namespace omearrow::internal {

parquet::ReaderProperties UntrustedReaderProperties(int64_t file_size) {
  parquet::ReaderProperties properties(ReaderMemoryPool());
  const auto bounded = [&](int32_t limit) {
    return static_cast<int32_t>(std::clamp<int64_t>(file_size, 1, limit));
  };
  properties.set_thrift_string_size_limit(
      bounded(properties.thrift_string_size_limit()));
  properties.set_thrift_container_size_limit(
      bounded(properties.thrift_container_size_limit()));
  return properties;
}

arrow::Status CheckColumnChunkRange(int64_t start, int64_t length, int64_t file_size,
                                    const std::string& label) {
  if (start >= 0 && length >= 0 && start <= file_size && length <= file_size - start) {
    return arrow::Status::OK();
  }
  return arrow::Status::Invalid(label, ": column chunk at offset ", start, " of ", length,
                                " bytes reaches beyond the end of the file (", file_size,
                                " bytes)");
}

PageSkippingStream::PageSkippingStream(std::shared_ptr<arrow::io::RandomAccessFile> file,
                                       int64_t start, int64_t length)
    : file_(std::move(file)), start_(start), length_(length) {}

arrow::Status PageSkippingStream::Close() {
  closed_ = true;
  return arrow::Status::OK();
}

arrow::Result<int64_t> PageSkippingStream::Read(int64_t nbytes, void* out) {
  ARROW_ASSIGN_OR_RAISE(auto buffer, Read(nbytes));
  if (buffer->size() > 0) std::memcpy(out, buffer->data(), static_cast<size_t>(buffer->size()));
  return buffer->size();
}

arrow::Result<std::shared_ptr<arrow::Buffer>> PageSkippingStream::Read(int64_t nbytes) {
  const int64_t n = std::max<int64_t>(0, std::min(nbytes, Remaining()));
  if (skip_next_read_) {
    // A skipped page: hand back an unread (uninitialized) buffer of the right size,
    // which the page reader discards.
    skip_next_read_ = false;
    position_ += n;
    ARROW_ASSIGN_OR_RAISE(auto unread, arrow::AllocateBuffer(n, ReaderMemoryPool()));
    return std::shared_ptr<arrow::Buffer>(std::move(unread));
  }
  std::shared_ptr<arrow::Buffer> out;
  if (peeked_ != nullptr && peeked_at_ == position_ && peeked_->size() >= n) {
    out = arrow::SliceBuffer(peeked_, 0, n);
  } else {
    ARROW_ASSIGN_OR_RAISE(out, file_->ReadAt(start_ + position_, n));
  }
  position_ += out->size();
  return out;
}

arrow::Result<std::string_view> PageSkippingStream::Peek(int64_t nbytes) {
  if (peeked_at_ == position_ && peeked_ != nullptr) {
    // Asked again at the same place: the header did not fit; widen the window.
    if (nbytes > peeked_->size() && peeked_->size() < Remaining()) {
      peek_window_ = std::max<int64_t>(peek_window_ * 2, peeked_->size() * 2);
    } else {
      return std::string_view(reinterpret_cast<const char*>(peeked_->data()),
                              static_cast<size_t>(std::min(nbytes, peeked_->size())));
    }
  } else {
    peek_window_ = initial_peek_;
  }
  const int64_t n = std::max<int64_t>(0, std::min({nbytes, peek_window_, Remaining()}));
  ARROW_ASSIGN_OR_RAISE(peeked_, file_->ReadAt(start_ + position_, n));
  peeked_at_ = position_;
  return std::string_view(reinterpret_cast<const char*>(peeked_->data()),
                          static_cast<size_t>(peeked_->size()));
}

PageReaderAt OpenPagesAt(const std::shared_ptr<arrow::io::RandomAccessFile>& file,
                         int64_t file_size, int64_t start, int64_t end, int64_t num_values,
                         arrow::Compression::type codec,
                         const parquet::ColumnDescriptor& descr) {
  PageReaderAt out;
  out.stream = std::make_shared<PageSkippingStream>(file, start, end - start);
  out.stream->set_initial_peek_bytes(256);
  out.properties = std::make_shared<const parquet::ReaderProperties>(
      UntrustedReaderProperties(file_size));
  out.pages = parquet::PageReader::Open(out.stream, num_values, codec, *out.properties, descr);
  return out;
}

}  // namespace omearrow::internal
