// Incremental decoding of one Parquet data page of a numeric leaf: levels and values are
// decoded only as far as a caller needs, so a plane at the start of a large page (a
// single-row file's whole pixel column is often one page) costs only its own values.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include <arrow/buffer.h>
#include <arrow/result.h>
#include <arrow/status.h>
#include <parquet/column_page.h>
#include <parquet/column_reader.h>
#include <parquet/schema.h>

#include "omearrow/io/page_body.h"
#include "omearrow/tensor/dtype.h"

namespace omearrow::internal {

// Checks a batch of decoded levels against what the caller expects; `first_slot` is the
// leaf slot of rep[0]. Returns an error naming the mismatch.
using LevelCheck = std::function<arrow::Status(int64_t first_slot,
                                               std::span<const int16_t> rep,
                                               std::span<const int16_t> def)>;

class ValueStream;

// A decompressed data page (v1 or v2) and decoders positioned at its next undecoded
// slot. DecodeUntil extends the decoded prefix; data() holds one element of the leaf's
// logical dtype per slot (zero where a slot has no value: a null or empty list).
// Thread-safe: DecodeUntil serializes callers; slots below a completed DecodeUntil's
// `until` may be read concurrently. A failed decode fails every later call.
class PageCursor {
 public:
  // `header` is the data page as parquet's page reader parsed it (its header fields are
  // used, not its bytes); `body` its bytes, decompressed as decoding needs them;
  // `dictionary` the column chunk's PLAIN dictionary page bytes (nullptr if none);
  // `first_slot` the leaf slot of its first level entry; `label` names the page in errors.
  static arrow::Result<std::shared_ptr<PageCursor>> Make(
      const parquet::Page& header, std::unique_ptr<PageBody> body,
      const parquet::ColumnDescriptor* descr,
      std::shared_ptr<arrow::Buffer> dictionary, int32_t dictionary_values, DType dtype,
      int64_t first_slot, std::string label);
  ~PageCursor();

  // Decodes slots up to the leaf slot `until` (clamped to the page's end), passing each
  // batch of levels to `check` before its values are decoded.
  arrow::Status DecodeUntil(int64_t until, const LevelCheck& check);

  int64_t first_slot() const { return first_slot_; }
  int64_t num_slots() const { return num_slots_; }
  // How many slots, from the page's start, are decoded.
  int64_t decoded_slots();
  // The slot-indexed output: num_slots() × itemsize bytes, of which the decoded prefix
  // is valid.
  const std::shared_ptr<arrow::Buffer>& output() const { return output_; }

 private:
  PageCursor() = default;
  arrow::Status DecodeBatchLocked(int64_t count, const LevelCheck& check);
  // Makes the body bytes of the first `values` values available.
  arrow::Status EnsureValuesLocked(int64_t values);

  std::string label_;
  DType dtype_ = DType::kUInt16;
  int64_t first_slot_ = 0;
  int64_t num_slots_ = 0;
  int16_t max_rep_ = 0;
  int16_t max_def_ = 0;
  std::shared_ptr<arrow::Buffer> output_;

  std::mutex mutex_;
  int64_t decoded_ = 0;  // slots decoded, from the page's start
  arrow::Status failure_;
  // Released once the page is decoded to its end.
  std::unique_ptr<PageBody> body_;
  std::unique_ptr<parquet::LevelDecoder> rep_decoder_, def_decoder_;
  std::unique_ptr<ValueStream> values_;
  std::vector<int16_t> rep_, def_;  // one batch of levels
  int64_t values_decoded_ = 0;

  // Where the values' bytes lie in the body (to decompress only as far as needed).
  parquet::Encoding::type value_encoding_ = parquet::Encoding::PLAIN;
  int64_t values_start_ = 0;
  int64_t value_width_ = 0;       // PLAIN: bytes per value
  int64_t run_position_ = 0;      // dictionary indices: end of the runs scanned so far
  int64_t run_values_ = 0;        // values those runs hold
  int bit_width_ = 0;
};

}  // namespace omearrow::internal
