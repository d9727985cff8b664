#include "omearrow/io/page_body.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <arrow/status.h>

#include "omearrow/util/view_limits.h"

namespace omearrow::internal {

using arrow::Status;

namespace {

// File bytes read per step: a plane of a large page costs about its own compressed bytes
// plus one block.
constexpr int64_t kReadBlock = 256 * 1024;

}  // namespace

bool PageBody::CanStream(arrow::Compression::type codec) {
  return codec == arrow::Compression::UNCOMPRESSED || codec == arrow::Compression::ZSTD ||
         codec == arrow::Compression::GZIP;
}

arrow::Result<std::unique_ptr<PageBody>> PageBody::Open(
    std::shared_ptr<arrow::io::RandomAccessFile> file, int64_t offset, int64_t compressed_size,
    int64_t uncompressed_size, int64_t raw_prefix, arrow::Compression::type codec) {
  if (!CanStream(codec)) {
    return Status::NotImplemented("incremental decompression of ",
                                  arrow::util::Codec::GetCodecAsString(codec));
  }
  if (compressed_size < 0 || uncompressed_size < 0 || raw_prefix < 0 ||
      raw_prefix > compressed_size || raw_prefix > uncompressed_size) {
    return Status::Invalid("page sizes are inconsistent (", compressed_size,
                           " bytes stored, ", uncompressed_size, " decompressed, ", raw_prefix,
                           " of levels)");
  }
  if (codec == arrow::Compression::UNCOMPRESSED && compressed_size != uncompressed_size) {
    return Status::Invalid("an uncompressed page of ", compressed_size,
                           " bytes whose header says ", uncompressed_size);
  }
  ARROW_RETURN_NOT_OK(CheckAllocationBytes(uncompressed_size, "decompressing a page",
                                           MaxReaderBufferBytes()));
  std::unique_ptr<PageBody> body(new PageBody());
  body->file_ = std::move(file);
  body->offset_ = offset;
  body->compressed_size_ = compressed_size;
  body->raw_prefix_ = raw_prefix;
  body->size_ = uncompressed_size;
  // calloc: large blocks come zeroed from the OS and are touched only as far as filled.
  void* memory = std::calloc(static_cast<size_t>(std::max<int64_t>(1, uncompressed_size)), 1);
  if (memory == nullptr) {
    return Status::OutOfMemory("a page of ", uncompressed_size, " bytes");
  }
  body->zeroed_ =
      std::unique_ptr<uint8_t, void (*)(void*)>(static_cast<uint8_t*>(memory), std::free);
  body->data_ = body->zeroed_.get();
  if (codec != arrow::Compression::UNCOMPRESSED) {
    ARROW_ASSIGN_OR_RAISE(auto codec_impl, arrow::util::Codec::Create(codec));
    ARROW_ASSIGN_OR_RAISE(body->decompressor_, codec_impl->MakeDecompressor());
  }
  return body;
}

std::unique_ptr<PageBody> PageBody::FromBuffer(std::shared_ptr<arrow::Buffer> buffer) {
  std::unique_ptr<PageBody> body(new PageBody());
  body->data_ = buffer->data();
  body->size_ = buffer->size();
  body->available_ = body->size_;
  body->owned_ = std::move(buffer);
  return body;
}

Status PageBody::Ensure(int64_t bytes) {
  const int64_t target = std::min(bytes, size_);
  if (available_ >= target) return Status::OK();
  return Fill(target);
}

Status PageBody::Fill(int64_t target) {
  uint8_t* out = zeroed_.get();
  while (available_ < target) {
    const bool stored = decompressor_ == nullptr || available_ < raw_prefix_;
    if (stored) {
      // Stored bytes (an uncompressed body, or a v2 page's levels) map 1:1 to the file.
      const int64_t end = decompressor_ == nullptr ? size_ : raw_prefix_;
      const int64_t n =
          std::min(end, std::max(target, available_ + kReadBlock)) - available_;
      ARROW_ASSIGN_OR_RAISE(int64_t got,
                            file_->ReadAt(offset_ + input_read_, n, out + available_));
      if (got != n) return Status::IOError("the file ends inside the page");
      input_read_ += n;
      available_ += n;
      continue;
    }
    if (input_ == nullptr || input_used_ == input_->size()) {
      if (input_read_ >= compressed_size_) {
        return Status::Invalid("the page's compressed bytes end after ", available_,
                               " of the ", size_, " bytes its header promises");
      }
      const int64_t n = std::min(kReadBlock, compressed_size_ - input_read_);
      ARROW_ASSIGN_OR_RAISE(input_, file_->ReadAt(offset_ + input_read_, n));
      if (input_->size() != n) return Status::IOError("the file ends inside the page");
      input_read_ += n;
      input_used_ = 0;
    }
    auto result = decompressor_->Decompress(input_->size() - input_used_,
                                            input_->data() + input_used_, size_ - available_,
                                            out + available_);
    if (!result.ok()) {
      return Status::Invalid("decompressing the page: ", result.status().message());
    }
    input_used_ += result->bytes_read;
    available_ += result->bytes_written;
    if (result->bytes_read == 0 && result->bytes_written == 0 &&
        input_used_ < input_->size()) {
      return Status::Invalid("the page decompresses to fewer than the ", size_,
                             " bytes its header promises");
    }
    if (decompressor_->IsFinished() && available_ < size_) {
      return Status::Invalid("the page decompresses to ", available_,
                             " bytes, its header promises ", size_);
    }
  }
  return Status::OK();
}

}  // namespace omearrow::internal
