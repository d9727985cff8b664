#include "omearrow/io/leaf_pages.h"

#include <algorithm>
#include <cstring>

#include <arrow/status.h>
#include <parquet/column_page.h>
#include <parquet/column_reader.h>
#include <parquet/encoding.h>
#include <parquet/exception.h>
#include <parquet/types.h>

#include "omearrow/io/page_stream.h"
#include "omearrow/util/view_limits.h"

namespace omearrow::internal {

using arrow::Status;

namespace {

// Calls `f(Out{})` with a value of the C type of `dtype`.
template <typename F>
void VisitDType(DType dtype, F&& f) {
  switch (dtype) {
    case DType::kUInt8: f(uint8_t{}); break;
    case DType::kInt8: f(int8_t{}); break;
    case DType::kUInt16: f(uint16_t{}); break;
    case DType::kInt16: f(int16_t{}); break;
    case DType::kUInt32: f(uint32_t{}); break;
    case DType::kInt32: f(int32_t{}); break;
    case DType::kUInt64: f(uint64_t{}); break;
    case DType::kInt64: f(int64_t{}); break;
    case DType::kFloat32: f(float{}); break;
    case DType::kFloat64: f(double{}); break;
  }
}

// Decodes `count` values of physical type `PT` and writes them to the slots of `out`
// whose definition level is `max_def` (as Arrow's reader converts: a plain C cast).
template <typename PT>
Status DecodeValues(const parquet::ColumnDescriptor* descr, parquet::Encoding::type encoding,
                    const arrow::Buffer* dictionary, int32_t dictionary_values,
                    const uint8_t* data, int64_t size, int64_t count,
                    std::span<const int16_t> def, int16_t max_def, DType dtype,
                    uint8_t* out) {
  using T = typename PT::c_type;
  std::unique_ptr<parquet::TypedDecoder<PT>> decoder;
  std::unique_ptr<parquet::TypedDecoder<PT>> dictionary_decoder;
  if (encoding == parquet::Encoding::RLE_DICTIONARY ||
      encoding == parquet::Encoding::PLAIN_DICTIONARY) {
    if (dictionary == nullptr) return Status::Invalid("dictionary-encoded page without a dictionary page");
    dictionary_decoder = parquet::MakeTypedDecoder<PT>(parquet::Encoding::PLAIN, descr);
    dictionary_decoder->SetData(dictionary_values, dictionary->data(),
                                static_cast<int>(dictionary->size()));
    auto dict = parquet::MakeDictDecoder<PT>(descr, ReaderMemoryPool());
    dict->SetDict(dictionary_decoder.get());
    decoder.reset(dynamic_cast<parquet::TypedDecoder<PT>*>(dict.release()));
  } else {
    decoder = parquet::MakeTypedDecoder<PT>(encoding, descr);
  }
  std::vector<T> values(static_cast<size_t>(count));
  decoder->SetData(static_cast<int>(count), data, static_cast<int>(size));
  int64_t got = 0;
  while (got < count) {
    const int n = decoder->Decode(values.data() + got, static_cast<int>(count - got));
    if (n <= 0) break;
    got += n;
  }
  if (got != count) {
    return Status::Invalid("page holds ", got, " values where its levels promise ", count);
  }
  VisitDType(dtype, [&](auto zero) {
    using Out = decltype(zero);
    Out* o = reinterpret_cast<Out*>(out);
    size_t j = 0;
    for (size_t i = 0; i < def.size(); ++i) {
      o[i] = def[i] == max_def ? static_cast<Out>(values[j++]) : Out{};
    }
  });
  return Status::OK();
}

// Decodes `n` levels of a page into `levels`; returns the bytes consumed.
arrow::Result<int64_t> DecodeLevels(parquet::LevelDecoder* decoder, bool v2,
                                    parquet::Encoding::type encoding, int16_t max_level,
                                    int32_t n, const uint8_t* data, int64_t size,
                                    int64_t v2_bytes, std::vector<int16_t>* levels) {
  levels->assign(static_cast<size_t>(n), 0);
  if (max_level == 0) return 0;
  int64_t consumed = 0;
  if (v2) {
    if (v2_bytes < 0 || v2_bytes > size) return Status::Invalid("level bytes beyond the page");
    decoder->SetDataV2(static_cast<int32_t>(v2_bytes), max_level, n, data);
    consumed = v2_bytes;
  } else {
    consumed = decoder->SetData(encoding, max_level, n, data, static_cast<int32_t>(size));
  }
  int32_t got = 0;
  while (got < n) {
    const int k = decoder->Decode(n - got, levels->data() + got);
    if (k <= 0) break;
    got += k;
  }
  if (got != n) return Status::Invalid("page holds ", got, " levels of ", n);
  for (const int16_t level : *levels) {
    if (level < 0 || level > max_level) {
      return Status::Invalid("level ", level, " exceeds the column's maximum ", max_level);
    }
  }
  return consumed;
}

}  // namespace

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

arrow::Result<std::shared_ptr<arrow::Buffer>> LeafPages::Decode(int64_t index, DType dtype,
                                                                const LevelCheck& check) const {
  const LeafPage& entry = pages_[static_cast<size_t>(index)];
  const std::string label = label_ + ": pixel page " + std::to_string(index);
  try {
    PageReaderAt reader =
        OpenPagesAt(file_, file_size_, entry.header_offset, chunk_end_, entry.num_slots,
                    codec_, *descr_);
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
    const bool v2 = page->type() == parquet::PageType::DATA_PAGE_V2;
    const uint8_t* data = page->data();
    int64_t size = page->size();
    const int16_t max_rep = descr_->max_repetition_level();
    const int16_t max_def = descr_->max_definition_level();
    std::vector<int16_t> rep, def;
    parquet::LevelDecoder rep_decoder, def_decoder;
    int64_t rep_v2 = 0, def_v2 = 0;
    parquet::Encoding::type rep_encoding = parquet::Encoding::RLE;
    parquet::Encoding::type def_encoding = parquet::Encoding::RLE;
    if (v2) {
      const auto& p = static_cast<const parquet::DataPageV2&>(*page);
      rep_v2 = p.repetition_levels_byte_length();
      def_v2 = p.definition_levels_byte_length();
    } else {
      const auto& p = static_cast<const parquet::DataPageV1&>(*page);
      rep_encoding = p.repetition_level_encoding();
      def_encoding = p.definition_level_encoding();
    }
    auto consumed = DecodeLevels(&rep_decoder, v2, rep_encoding, max_rep, n, data, size,
                                 rep_v2, &rep);
    if (!consumed.ok()) return consumed.status().WithMessage(label, ": ", consumed.status().message());
    data += *consumed;
    size -= *consumed;
    consumed = DecodeLevels(&def_decoder, v2, def_encoding, max_def, n, data, size, def_v2,
                            &def);
    if (!consumed.ok()) return consumed.status().WithMessage(label, ": ", consumed.status().message());
    data += *consumed;
    size -= *consumed;
    if (max_def == 0) std::fill(def.begin(), def.end(), max_def);
    ARROW_RETURN_NOT_OK(check(entry.first_slot, rep, def));
    const int64_t count = std::count(def.begin(), def.end(), max_def);
    const int64_t bytes = static_cast<int64_t>(n) * ItemSize(dtype);
    ARROW_RETURN_NOT_OK(CheckAllocationBytes(bytes, label + ": decoding a pixel page",
                                             MaxReaderBufferBytes()));
    ARROW_ASSIGN_OR_RAISE(auto out, arrow::AllocateBuffer(bytes, ReaderMemoryPool()));
    Status st;
    const auto encoding = data_page.encoding();
    const arrow::Buffer* dictionary = dictionary_.get();
    switch (descr_->physical_type()) {
      case parquet::Type::INT32:
        st = DecodeValues<parquet::Int32Type>(descr_, encoding, dictionary, dictionary_values_,
                                              data, size, count, def, max_def, dtype,
                                              out->mutable_data());
        break;
      case parquet::Type::INT64:
        st = DecodeValues<parquet::Int64Type>(descr_, encoding, dictionary, dictionary_values_,
                                              data, size, count, def, max_def, dtype,
                                              out->mutable_data());
        break;
      case parquet::Type::FLOAT:
        st = DecodeValues<parquet::FloatType>(descr_, encoding, dictionary, dictionary_values_,
                                              data, size, count, def, max_def, dtype,
                                              out->mutable_data());
        break;
      case parquet::Type::DOUBLE:
        st = DecodeValues<parquet::DoubleType>(descr_, encoding, dictionary,
                                               dictionary_values_, data, size, count, def,
                                               max_def, dtype, out->mutable_data());
        break;
      default:
        st = Status::NotImplemented("physical type");
    }
    if (!st.ok()) return st.WithMessage(label, ": ", st.message());
    return std::shared_ptr<arrow::Buffer>(std::move(out));
  } catch (const std::exception& error) {
    return Status::IOError(label, ": ", error.what());
  }
}

}  // namespace omearrow::internal
