#include "omearrow/io/page_cursor.h"

#include <algorithm>
#include <cstring>

#include <parquet/encoding.h>
#include <parquet/exception.h>
#include <parquet/types.h>

#include "omearrow/io/page_stream.h"
#include "omearrow/util/view_limits.h"

namespace omearrow::internal {

using arrow::Status;

namespace {

// Level entries decoded per step: bounds the level scratch (2 × 128 KiB) whatever the
// page's size.
constexpr int64_t kBatchSlots = 64 * 1024;

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

}  // namespace

// The value decoder of a page, type-erased over the leaf's physical type.
class ValueStream {
 public:
  virtual ~ValueStream() = default;
  // Decodes the next `count` values and writes them to the slots of `out` (def.size()
  // slots of the output dtype) whose definition level is `max_def`, as Arrow's reader
  // converts (a plain C cast); other slots get zero.
  virtual Status Next(int64_t count, std::span<const int16_t> def, int16_t max_def,
                      uint8_t* out) = 0;
  // Restarts decoding at `data` (`size` bytes holding `values` values; dictionary
  // indices start with their bit width byte). The dictionary is kept.
  virtual void Reset(const uint8_t* data, int64_t size, int64_t values) = 0;
  // Decodes and drops the next `count` values.
  virtual Status Skip(int64_t count) = 0;
};

namespace {

template <typename PT>
class TypedValueStream final : public ValueStream {
 public:
  using T = typename PT::c_type;

  static arrow::Result<std::unique_ptr<ValueStream>> Make(
      const parquet::ColumnDescriptor* descr, parquet::Encoding::type encoding,
      const arrow::Buffer* dictionary, int32_t dictionary_values, const uint8_t* data,
      int64_t size, int64_t num_slots, DType dtype) {
    auto out = std::unique_ptr<TypedValueStream>(new TypedValueStream());
    out->dtype_ = dtype;
    if (encoding == parquet::Encoding::RLE_DICTIONARY ||
        encoding == parquet::Encoding::PLAIN_DICTIONARY) {
      if (dictionary == nullptr) {
        return Status::Invalid("dictionary-encoded page without a dictionary page");
      }
      auto plain = parquet::MakeTypedDecoder<PT>(parquet::Encoding::PLAIN, descr);
      plain->SetData(dictionary_values, dictionary->data(),
                     static_cast<int>(dictionary->size()));
      auto dict = parquet::MakeDictDecoder<PT>(descr, ReaderMemoryPool());
      dict->SetDict(plain.get());
      out->decoder_.reset(dynamic_cast<parquet::TypedDecoder<PT>*>(dict.release()));
    } else {
      out->decoder_ = parquet::MakeTypedDecoder<PT>(encoding, descr);
    }
    // Decoders bound their reads by the bytes; BYTE_STREAM_SPLIT's stride is the page's
    // exact value count, which its size gives.
    int64_t values = num_slots;
    if (encoding == parquet::Encoding::BYTE_STREAM_SPLIT) values = size / sizeof(T);
    out->decoder_->SetData(static_cast<int>(values), data, static_cast<int>(size));
    return std::unique_ptr<ValueStream>(std::move(out));
  }

  Status Next(int64_t count, std::span<const int16_t> def, int16_t max_def,
              uint8_t* out) override {
    ARROW_RETURN_NOT_OK(DecodeToScratch(count));
    const bool dense = count == static_cast<int64_t>(def.size());
    VisitDType(dtype_, [&](auto zero) {
      using Out = decltype(zero);
      Out* o = reinterpret_cast<Out*>(out);
      if (dense) {
        std::transform(scratch_.begin(), scratch_.end(), o,
                       [](T v) { return static_cast<Out>(v); });
        return;
      }
      size_t j = 0;
      for (size_t i = 0; i < def.size(); ++i) {
        o[i] = def[i] == max_def ? static_cast<Out>(scratch_[j++]) : Out{};
      }
    });
    return Status::OK();
  }

  void Reset(const uint8_t* data, int64_t size, int64_t values) override {
    decoder_->SetData(static_cast<int>(values), data, static_cast<int>(size));
  }

  Status Skip(int64_t count) override {
    constexpr int64_t kStep = 64 * 1024;
    for (int64_t left = count; left > 0; left -= kStep) {
      ARROW_RETURN_NOT_OK(DecodeToScratch(std::min(left, kStep)));
    }
    return Status::OK();
  }

 private:
  // Decodes the next `count` values into scratch_.
  Status DecodeToScratch(int64_t count) {
    scratch_.resize(static_cast<size_t>(count));
    int64_t got = 0;
    while (got < count) {
      const int n = decoder_->Decode(scratch_.data() + got, static_cast<int>(count - got));
      if (n <= 0) break;
      got += n;
    }
    if (got != count) {
      return Status::Invalid("page's values end ", count - got,
                             " short of what its levels promise");
    }
    return Status::OK();
  }

  DType dtype_ = DType::kUInt16;
  std::unique_ptr<parquet::TypedDecoder<PT>> decoder_;
  std::vector<T> scratch_;
};

arrow::Result<std::unique_ptr<ValueStream>> MakeValueStream(
    const parquet::ColumnDescriptor* descr, parquet::Encoding::type encoding,
    const arrow::Buffer* dictionary, int32_t dictionary_values, const uint8_t* data,
    int64_t size, int64_t num_slots, DType dtype) {
  switch (descr->physical_type()) {
    case parquet::Type::INT32:
      return TypedValueStream<parquet::Int32Type>::Make(descr, encoding, dictionary,
                                                        dictionary_values, data, size,
                                                        num_slots, dtype);
    case parquet::Type::INT64:
      return TypedValueStream<parquet::Int64Type>::Make(descr, encoding, dictionary,
                                                        dictionary_values, data, size,
                                                        num_slots, dtype);
    case parquet::Type::FLOAT:
      return TypedValueStream<parquet::FloatType>::Make(descr, encoding, dictionary,
                                                        dictionary_values, data, size,
                                                        num_slots, dtype);
    case parquet::Type::DOUBLE:
      return TypedValueStream<parquet::DoubleType>::Make(descr, encoding, dictionary,
                                                         dictionary_values, data, size,
                                                         num_slots, dtype);
    default:
      return Status::NotImplemented("pixel leaf of physical type ",
                                    parquet::TypeToString(descr->physical_type()));
  }
}

// Positions `decoder` at the levels of a page that start at body byte `at`, making them
// available first; returns the bytes they take. v2 pages give that length in their
// header (`v2_bytes`); v1 pages prefix RLE levels with their length, and BIT_PACKED
// levels take ceil(n × bit width / 8) bytes.
arrow::Result<int64_t> StartLevels(parquet::LevelDecoder* decoder, bool v2,
                                   parquet::Encoding::type encoding, int16_t max_level,
                                   int32_t n, PageBody* body, int64_t at, int64_t v2_bytes) {
  if (max_level == 0) return 0;
  const int64_t left = body->size() - at;
  if (v2) {
    if (v2_bytes < 0 || v2_bytes > left) return Status::Invalid("level bytes beyond the page");
    ARROW_RETURN_NOT_OK(body->Ensure(at + v2_bytes));
    decoder->SetDataV2(static_cast<int32_t>(v2_bytes), max_level, n, body->data() + at);
    return v2_bytes;
  }
  int64_t bytes = 0;
  if (encoding == parquet::Encoding::RLE) {
    if (left < 4) return Status::Invalid("level bytes beyond the page");
    ARROW_RETURN_NOT_OK(body->Ensure(at + 4));
    uint32_t length = 0;
    std::memcpy(&length, body->data() + at, 4);  // little-endian on every supported host
    bytes = 4 + static_cast<int64_t>(length);
  } else {
    const int bit_width = 32 - __builtin_clz(static_cast<uint32_t>(max_level));
    bytes = (static_cast<int64_t>(n) * bit_width + 7) / 8;
  }
  if (bytes > left) return Status::Invalid("level bytes beyond the page");
  ARROW_RETURN_NOT_OK(body->Ensure(at + bytes));
  const int64_t consumed =
      decoder->SetData(encoding, max_level, n, body->data() + at, static_cast<int32_t>(left));
  if (consumed != bytes) return Status::Invalid("level bytes disagree with their length");
  return consumed;
}

// Decodes the next `levels->size()` levels (all zero when `max_level` is 0).
Status NextLevels(parquet::LevelDecoder* decoder, int16_t max_level,
                  std::vector<int16_t>* levels) {
  const int64_t n = static_cast<int64_t>(levels->size());
  if (max_level == 0) {
    std::fill(levels->begin(), levels->end(), int16_t{0});
    return Status::OK();
  }
  int64_t got = 0;
  while (got < n) {
    const int k = decoder->Decode(static_cast<int>(n - got), levels->data() + got);
    if (k <= 0) break;
    got += k;
  }
  if (got != n) return Status::Invalid("page holds fewer levels than its header's count");
  // Unsigned compare: negative levels count as out of range too; no early exit, so the
  // scan vectorizes.
  const uint16_t limit = static_cast<uint16_t>(max_level);
  uint16_t out_of_range = 0;
  for (const int16_t level : *levels) {
    out_of_range |= static_cast<uint16_t>(static_cast<uint16_t>(level) > limit);
  }
  if (out_of_range == 0) return Status::OK();
  for (const int16_t level : *levels) {
    if (level < 0 || level > max_level) {
      return Status::Invalid("level ", level, " exceeds the column's maximum ", max_level);
    }
  }
  return Status::OK();
}

}  // namespace

PageCursor::~PageCursor() = default;

arrow::Result<std::shared_ptr<PageCursor>> PageCursor::Make(
    const parquet::Page& header, std::unique_ptr<PageBody> body,
    const parquet::ColumnDescriptor* descr, std::shared_ptr<arrow::Buffer> dictionary,
    int32_t dictionary_values, DType dtype, int64_t first_slot, std::string label) {
  std::shared_ptr<PageCursor> out(new PageCursor());
  out->label_ = std::move(label);
  auto fail = [&](const Status& st) { return st.WithMessage(out->label_, ": ", st.message()); };
  try {
    const auto& data_page = static_cast<const parquet::DataPage&>(header);
    const bool v2 = header.type() == parquet::PageType::DATA_PAGE_V2;
    const int32_t n = data_page.num_values();
    out->dtype_ = dtype;
    out->first_slot_ = first_slot;
    out->num_slots_ = n;
    out->max_rep_ = descr->max_repetition_level();
    out->max_def_ = descr->max_definition_level();
    int64_t rep_v2 = 0, def_v2 = 0;
    parquet::Encoding::type rep_encoding = parquet::Encoding::RLE;
    parquet::Encoding::type def_encoding = parquet::Encoding::RLE;
    if (v2) {
      const auto& p = static_cast<const parquet::DataPageV2&>(header);
      rep_v2 = p.repetition_levels_byte_length();
      def_v2 = p.definition_levels_byte_length();
    } else {
      const auto& p = static_cast<const parquet::DataPageV1&>(header);
      rep_encoding = p.repetition_level_encoding();
      def_encoding = p.definition_level_encoding();
    }
    PageBody* b = body.get();
    out->rep_decoder_ = std::make_unique<parquet::LevelDecoder>();
    out->def_decoder_ = std::make_unique<parquet::LevelDecoder>();
    auto rep_bytes = StartLevels(out->rep_decoder_.get(), v2, rep_encoding, out->max_rep_, n,
                                 b, 0, rep_v2);
    if (!rep_bytes.ok()) return fail(rep_bytes.status());
    auto def_bytes = StartLevels(out->def_decoder_.get(), v2, def_encoding, out->max_def_, n,
                                 b, *rep_bytes, def_v2);
    if (!def_bytes.ok()) return fail(def_bytes.status());
    const int64_t values_start = *rep_bytes + *def_bytes;
    out->values_start_ = values_start;
    out->value_encoding_ = data_page.encoding();
    const bool dictionary_indices = out->value_encoding_ == parquet::Encoding::RLE_DICTIONARY ||
                                    out->value_encoding_ == parquet::Encoding::PLAIN_DICTIONARY;
    if (out->value_encoding_ == parquet::Encoding::PLAIN) {
      out->value_width_ = descr->physical_type() == parquet::Type::INT32 ||
                                  descr->physical_type() == parquet::Type::FLOAT
                              ? 4
                              : 8;
      out->seekable_ = true;
    } else if (dictionary_indices) {
      if (Status st = b->Ensure(values_start + 1); !st.ok()) return fail(st);
      out->bit_width_ = values_start < b->size() ? b->data()[values_start] : 0;
      out->run_position_ = values_start + 1;
      // Bit widths beyond 32 are not indices parquet can decode; let it say so in order.
      out->seekable_ = out->bit_width_ <= 32;
    } else {
      // Other encodings are decoded from the whole body.
      if (Status st = b->Ensure(b->size()); !st.ok()) return fail(st);
    }
    auto values = MakeValueStream(descr, data_page.encoding(), dictionary.get(),
                                  dictionary_values, b->data() + values_start,
                                  b->size() - values_start, n, dtype);
    if (!values.ok()) return fail(values.status());
    out->values_ = std::move(*values);
    out->descr_ = descr;
    out->dictionary_ = dictionary;
    out->dictionary_values_ = dictionary_values;
    const int64_t bytes = static_cast<int64_t>(n) * ItemSize(dtype);
    ARROW_RETURN_NOT_OK(CheckAllocationBytes(bytes, out->label_ + ": decoding a pixel page",
                                             MaxReaderBufferBytes()));
    // Uninitialized: the memory of a large page is touched only as far as it is decoded.
    ARROW_ASSIGN_OR_RAISE(out->output_, arrow::AllocateBuffer(bytes, ReaderMemoryPool()));
    out->body_ = std::move(body);
  } catch (const std::exception& error) {
    return Status::IOError(out->label_, ": ", error.what());
  }
  return out;
}

Status PageCursor::WalkRunsLocked(int64_t values) {
  // The RLE / bit-packed hybrid encoding: a varint header per run; bit-packed runs hold
  // groups of 8 values, RLE runs one value of ceil(bit width / 8) bytes.
  while (run_values_ < values && run_position_ < body_->size()) {
    ARROW_RETURN_NOT_OK(body_->Ensure(run_position_ + 5));
    uint64_t header = 0;
    int64_t at = run_position_;
    int shift = 0;
    while (at < body_->size() && shift < 35) {
      const uint8_t byte = body_->data()[at++];
      header |= static_cast<uint64_t>(byte & 0x7f) << shift;
      shift += 7;
      if ((byte & 0x80) == 0) break;
    }
    const int64_t count = static_cast<int64_t>(header >> 1);
    if (count == 0 || shift >= 35) {
      // Not what a writer emits: decode from the whole body, in order.
      run_position_ = body_->size();
      seekable_ = false;
      break;
    }
    const bool bit_packed = (header & 1) != 0;
    const int64_t run_bytes = bit_packed ? count * bit_width_ : (bit_width_ + 7) / 8;
    run_starts_.push_back(run_position_);
    run_first_values_.push_back(run_values_);
    run_values_ += bit_packed ? count * 8 : count;
    run_position_ = std::min(body_->size(), at + run_bytes);
  }
  return Status::OK();
}

Status PageCursor::EnsureValuesLocked(int64_t values) {
  constexpr int64_t kLookahead = 64;  // decoders read whole words ahead of their position
  int64_t need = body_->size();
  if (value_encoding_ == parquet::Encoding::PLAIN) {
    need = values_start_ + values * value_width_;
  } else if (value_encoding_ == parquet::Encoding::RLE_DICTIONARY ||
             value_encoding_ == parquet::Encoding::PLAIN_DICTIONARY) {
    ARROW_RETURN_NOT_OK(WalkRunsLocked(values));
    need = run_position_;
  }
  return body_->Ensure(std::min(body_->size(), need + kLookahead));
}

Status PageCursor::SeekValuesLocked(int64_t first, int64_t count) {
  ARROW_RETURN_NOT_OK(EnsureValuesLocked(first + count));
  if (!seekable_) {
    // Values in order only: decode (and drop) those before `first`; for an earlier value,
    // start over from the page's first value.
    if (first < values_position_ || reading_copy_) {
      ARROW_ASSIGN_OR_RAISE(values_, MakeValueStream(descr_, value_encoding_, dictionary_.get(),
                                                     dictionary_values_,
                                                     body_->data() + values_start_,
                                                     body_->size() - values_start_,
                                                     num_slots_, dtype_));
      values_position_ = 0;
      reading_copy_ = false;
    }
    ARROW_RETURN_NOT_OK(values_->Skip(first - values_position_));
    values_position_ = first;
    return Status::OK();
  }
  if (first == values_position_ && !reading_copy_) return Status::OK();
  if (value_encoding_ == parquet::Encoding::PLAIN) {
    const int64_t at = values_start_ + first * value_width_;
    if (at > body_->size()) return Status::Invalid("values beyond the page");
    values_->Reset(body_->data() + at, body_->size() - at, (body_->size() - at) / value_width_);
    values_position_ = first;
    return Status::OK();
  }
  // Dictionary indices: restart at the run holding `first`, from a copy of the runs up to
  // the last needed value prefixed by the bit width byte (where parquet reads it).
  auto run = std::upper_bound(run_first_values_.begin(), run_first_values_.end(), first);
  if (run == run_first_values_.begin()) return Status::Invalid("values beyond the page");
  const size_t r = static_cast<size_t>(run - run_first_values_.begin()) - 1;
  auto last = std::upper_bound(run_first_values_.begin(), run_first_values_.end(),
                               first + std::max<int64_t>(count, 1) - 1);
  const size_t end_run = static_cast<size_t>(last - run_first_values_.begin());
  const int64_t begin_byte = run_starts_[r];
  const int64_t end_byte = end_run < run_starts_.size() ? run_starts_[end_run] : run_position_;
  const int64_t end_value = end_run < run_first_values_.size() ? run_first_values_[end_run]
                                                                : run_values_;
  constexpr size_t kPadding = 64;  // zeros: decoders read whole words ahead
  run_copy_.assign(static_cast<size_t>(end_byte - begin_byte) + 1 + kPadding, 0);
  run_copy_[0] = static_cast<uint8_t>(bit_width_);
  std::memcpy(run_copy_.data() + 1, body_->data() + begin_byte,
              static_cast<size_t>(end_byte - begin_byte));
  values_->Reset(run_copy_.data(), end_byte - begin_byte + 1,
                 end_value - run_first_values_[r]);
  reading_copy_ = true;
  ARROW_RETURN_NOT_OK(values_->Skip(first - run_first_values_[r]));
  values_position_ = first;
  return Status::OK();
}

Status PageCursor::DecodeRange(int64_t from, int64_t until, const LevelCheck& check) {
  const int64_t end = std::clamp<int64_t>(until - first_slot_, 0, num_slots_);
  const int64_t begin = std::clamp<int64_t>(from - first_slot_, 0, end);
  std::lock_guard<std::mutex> lock(mutex_);
  ARROW_RETURN_NOT_OK(failure_);
  auto failed = [&](const Status& st) {
    failure_ = st.WithMessage(label_, ": ", st.message());
    return failure_;
  };
  try {
    while (decoded_ < end) {
      // Levels before `begin` form batches of their own, so their values can stay undecoded.
      const int64_t stop = decoded_ < begin ? begin : end;
      Status st = DecodeLevelsLocked(std::min(kBatchSlots, stop - decoded_), check);
      if (!st.ok()) return failed(st);
    }
    if (begin < end) {
      // The batches overlapping [begin, end), by their first slots.
      auto after = [](int64_t slot, const Batch& b) { return slot < b.first_slot; };
      auto first = std::upper_bound(batches_.begin(), batches_.end(), begin, after) - 1;
      for (auto batch = first; batch != batches_.end() && batch->first_slot < end; ++batch) {
        if (batch->values_done) continue;
        Status st = DecodeValuesLocked(*batch);
        if (!st.ok()) return failed(st);
      }
    }
  } catch (const std::exception& error) {
    failure_ = Status::IOError(label_, ": ", error.what());
    return failure_;
  }
  ReleaseIfDoneLocked();
  return Status::OK();
}

void PageCursor::ReleaseIfDoneLocked() {
  if (decoded_ != num_slots_ || body_ == nullptr ||
      batches_with_values_ != static_cast<int64_t>(batches_.size())) {
    return;
  }
  // Fully decoded: the page's bytes and the decoders are no longer needed.
  values_.reset();
  rep_decoder_.reset();
  def_decoder_.reset();
  body_.reset();
  std::vector<int16_t>().swap(rep_);
  std::vector<int16_t>().swap(def_);
  std::vector<uint8_t>().swap(run_copy_);
  std::vector<int64_t>().swap(run_starts_);
  std::vector<int64_t>().swap(run_first_values_);
}

int64_t PageCursor::decoded_slots() {
  std::lock_guard<std::mutex> lock(mutex_);
  return decoded_;
}

int64_t PageCursor::slots_with_values() {
  std::lock_guard<std::mutex> lock(mutex_);
  return slots_with_values_;
}

Status PageCursor::DecodeLevelsLocked(int64_t count, const LevelCheck& check) {
  rep_.resize(static_cast<size_t>(count));
  def_.resize(static_cast<size_t>(count));
  ARROW_RETURN_NOT_OK(NextLevels(rep_decoder_.get(), max_rep_, &rep_));
  ARROW_RETURN_NOT_OK(NextLevels(def_decoder_.get(), max_def_, &def_));
  if (max_def_ == 0) std::fill(def_.begin(), def_.end(), max_def_);
  ARROW_RETURN_NOT_OK(check(first_slot_ + decoded_, rep_, def_));
  Batch batch;
  batch.first_slot = decoded_;
  batch.num_slots = count;
  batch.first_value = batches_.empty()
                          ? 0
                          : batches_.back().first_value + batches_.back().num_values;
  batch.num_values = std::count(def_.begin(), def_.end(), max_def_);
  if (batch.num_values != count) batch.def = def_;
  batches_.push_back(std::move(batch));
  decoded_ += count;
  return Status::OK();
}

Status PageCursor::DecodeValuesLocked(Batch& batch) {
  ARROW_RETURN_NOT_OK(SeekValuesLocked(batch.first_value, batch.num_values));
  ARROW_RETURN_NOT_OK(EnsureValuesLocked(batch.first_value + batch.num_values));
  uint8_t* out = output_->mutable_data() + batch.first_slot * ItemSize(dtype_);
  if (batch.def.empty()) {
    // Every slot has a value: a definition level of max_def each.
    def_.assign(static_cast<size_t>(batch.num_slots), max_def_);
    ARROW_RETURN_NOT_OK(values_->Next(batch.num_values, def_, max_def_, out));
  } else {
    ARROW_RETURN_NOT_OK(values_->Next(batch.num_values, batch.def, max_def_, out));
  }
  values_position_ = batch.first_value + batch.num_values;
  batch.values_done = true;
  ++batches_with_values_;
  slots_with_values_ += batch.num_slots;
  return Status::OK();
}

}  // namespace omearrow::internal
