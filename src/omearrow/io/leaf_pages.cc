#include "omearrow/io/leaf_pages.h"

#include <algorithm>
#include <cstring>

#include <arrow/status.h>
#include <parquet/column_page.h>
#include <parquet/column_reader.h>
#include <parquet/exception.h>
#include <parquet/types.h>

#include "omearrow/io/page_stream.h"
#include "omearrow/util/view_limits.h"

namespace omearrow::internal {

using arrow::Status;

arrow::Result<std::shared_ptr<const LeafPages>> LeafPages::Scan(
    std::shared_ptr<arrow::io::RandomAccessFile> file, int64_t file_size,
    std::shared_ptr<parquet::FileMetaData> metadata, int row_group, int leaf,
    std::string label) {
  std::shared_ptr<LeafPages> out(new LeafPages());
  try {
    auto column_chunk = metadata->RowGroup(row_group)->ColumnChunk(leaf);
    const parquet::ColumnDescriptor* descr = metadata->schema()->Column(leaf);
    switch (descr->physical_type()) {
      case parquet::Type::INT32:
      case parquet::Type::INT64:
      case parquet::Type::FLOAT:
      case parquet::Type::DOUBLE:
        break;
      default:
        return Status::NotImplemented(label, ": pixel leaf of physical type ",
                                      parquet::TypeToString(descr->physical_type()));
    }
    if (column_chunk->crypto_metadata() != nullptr) {
      return Status::NotImplemented(label, ": encrypted pixel column");
    }
    int64_t start = column_chunk->data_page_offset();
    if (column_chunk->has_dictionary_page() && column_chunk->dictionary_page_offset() > 0 &&
        column_chunk->dictionary_page_offset() < start) {
      start = column_chunk->dictionary_page_offset();
    }
    const int64_t length = column_chunk->total_compressed_size();
    ARROW_RETURN_NOT_OK(CheckColumnChunkRange(start, length, file_size, label));
    out->file_ = file;
    out->file_size_ = file_size;
    out->metadata_ = metadata;
    out->descr_ = descr;
    out->row_group_ = row_group;
    out->chunk_end_ = start + length;
    out->label_ = label;
    out->codec_ = column_chunk->compression();
    const int64_t total = column_chunk->num_values();
    PageReaderAt reader = OpenPagesAt(file, file_size, start, start + length, total,
                                      column_chunk->compression(), *descr);
    int64_t next_slot = 0;
    auto& stream = reader.stream;
    reader.pages->set_data_page_filter([&](const parquet::DataPageStats& stats) {
      LeafPage page;
      page.header_offset = start + stream->last_peek_position();
      page.first_slot = next_slot;
      page.num_slots = stats.num_values;
      next_slot += stats.num_values;
      out->pages_.push_back(page);
      stream->SkipNextRead();
      return true;  // headers only
    });
    while (auto page = reader.pages->NextPage()) {
      if (page->type() != parquet::PageType::DICTIONARY_PAGE) continue;
      if (out->dictionary_ != nullptr) {
        return Status::Invalid(label, ": the pixel column has more than one dictionary");
      }
      const auto& dictionary = static_cast<const parquet::DictionaryPage&>(*page);
      if (dictionary.encoding() != parquet::Encoding::PLAIN &&
          dictionary.encoding() != parquet::Encoding::PLAIN_DICTIONARY) {
        return Status::NotImplemented(label, ": dictionary page encoding ",
                                      parquet::EncodingToString(dictionary.encoding()));
      }
      ARROW_ASSIGN_OR_RAISE(out->dictionary_,
                            arrow::AllocateBuffer(dictionary.size(), ReaderMemoryPool()));
      if (dictionary.size() > 0) {
        std::memcpy(out->dictionary_->mutable_data(), dictionary.data(),
                    static_cast<size_t>(dictionary.size()));
      }
      out->dictionary_values_ = dictionary.num_values();
    }
    for (size_t i = 0; i < out->pages_.size(); ++i) {
      const int64_t end =
          i + 1 < out->pages_.size() ? out->pages_[i + 1].header_offset : out->chunk_end_;
      out->pages_[i].compressed_bytes = end - out->pages_[i].header_offset;
    }
    out->num_slots_ = next_slot;
    if (next_slot != total) {
      return Status::Invalid(label, ": the pixel column's pages hold ", next_slot,
                             " values where the column chunk declares ", total);
    }
  } catch (const std::exception& error) {
    return Status::IOError(label, ": ", error.what());
  }
  return std::shared_ptr<const LeafPages>(std::move(out));
}

int64_t LeafPages::PageOf(int64_t slot) const {
  auto it = std::upper_bound(pages_.begin(), pages_.end(), slot,
                             [](int64_t s, const LeafPage& p) { return s < p.first_slot; });
  return static_cast<int64_t>(it - pages_.begin()) - 1;
}

arrow::Result<std::shared_ptr<PageCursor>> LeafPages::OpenCursor(int64_t index,
                                                                 DType dtype) const {
  const LeafPage& entry = pages_[static_cast<size_t>(index)];
  std::string label = label_ + ": pixel page " + std::to_string(index);
  try {
    // With a codec that decompresses incrementally, parquet parses the page header
    // (opened as UNCOMPRESSED, its body is handed back unread) and the body is read and
    // decompressed only as far as decoding goes; otherwise parquet decompresses it whole.
    const bool stream_body = PageBody::CanStream(codec_);
    PageReaderAt reader =
        OpenPagesAt(file_, file_size_, entry.header_offset, chunk_end_, entry.num_slots,
                    stream_body ? arrow::Compression::UNCOMPRESSED : codec_, *descr_);
    int64_t body_offset = -1;
    if (stream_body) {
      reader.pages->set_data_page_filter([&](const parquet::DataPageStats&) {
        body_offset = entry.header_offset + reader.stream->Tell().ValueOr(-1);
        reader.stream->SkipNextRead();
        return false;  // keep the page: its header, with an unread body
      });
    }
    std::shared_ptr<parquet::Page> page = reader.pages->NextPage();
    if (page == nullptr || (page->type() != parquet::PageType::DATA_PAGE &&
                            page->type() != parquet::PageType::DATA_PAGE_V2)) {
      return Status::Invalid(label, ": no data page where the page headers placed one");
    }
    const auto& data_page = static_cast<const parquet::DataPage&>(*page);
    const int32_t n = data_page.num_values();
    if (n != entry.num_slots) {
      return Status::Invalid(label, ": holds ", n, " values, its header said ",
                             entry.num_slots);
    }
    std::unique_ptr<PageBody> body;
    if (!stream_body) {
      body = PageBody::FromBuffer(page->buffer());
    } else {
      const int64_t stored = page->size();
      if (body_offset < entry.header_offset || body_offset + stored > chunk_end_) {
        return Status::Invalid(label, ": page body beyond its column chunk");
      }
      int64_t raw_prefix = 0;
      arrow::Compression::type codec = codec_;
      if (page->type() == parquet::PageType::DATA_PAGE_V2) {
        const auto& v2 = static_cast<const parquet::DataPageV2&>(*page);
        raw_prefix = static_cast<int64_t>(v2.repetition_levels_byte_length()) +
                     v2.definition_levels_byte_length();
        if (!v2.is_compressed()) codec = arrow::Compression::UNCOMPRESSED;
      }
      auto opened = PageBody::Open(file_, body_offset, stored, data_page.uncompressed_size(),
                                   raw_prefix, codec);
      if (!opened.ok()) return opened.status().WithMessage(label, ": ", opened.status().message());
      body = std::move(*opened);
    }
    return PageCursor::Make(*page, std::move(body), descr_, dictionary_, dictionary_values_,
                            dtype, entry.first_slot, std::move(label));
  } catch (const std::exception& error) {
    return Status::IOError(label, ": ", error.what());
  }
}

}  // namespace omearrow::internal
