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

// A decompressed data page (v1 or v2) with its levels decoded up to a prefix and its
// values decoded only where callers asked: a plane deep inside a large page costs the
// levels before it (cheap: long runs) but not their values. data() holds one element of
// the leaf's logical dtype per slot (zero where a slot has no value: a null or empty list);
// a slot is valid once a DecodeRange covering it returned OK.
// Values are located without decoding those before them for PLAIN pages (by offset) and
// dictionary-index pages (by their run headers); other encodings decode values in order.
// Thread-safe: DecodeRange serializes callers; slots of a completed DecodeRange may be
// read concurrently. A failed decode fails every later call.
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

  // Makes leaf slots [from, until) (clamped to the page) valid: decodes levels up to
  // `until`, passing each batch of levels to `check` before any value is used, and the
  // values of the batches that overlap the range.
  arrow::Status DecodeRange(int64_t from, int64_t until, const LevelCheck& check);

  int64_t first_slot() const { return first_slot_; }
  int64_t num_slots() const { return num_slots_; }
  // How many slots, from the page's start, have their levels decoded and checked.
  int64_t decoded_slots();
  // How many slots have their values decoded (at most decoded_slots()).
  int64_t slots_with_values();
  // The slot-indexed output: num_slots() × itemsize bytes.
  const std::shared_ptr<arrow::Buffer>& output() const { return output_; }

 private:
  // A run of slots whose levels were decoded together, and where its values start.
  struct Batch {
    int64_t first_slot = 0;   // from the page's start
    int64_t num_slots = 0;
    int64_t first_value = 0;  // index of its first value in the page's value stream
    int64_t num_values = 0;
    std::vector<int16_t> def;  // kept only when some slot has no value
    bool values_done = false;
  };

  PageCursor() = default;
  arrow::Status DecodeLevelsLocked(int64_t count, const LevelCheck& check);
  arrow::Status DecodeValuesLocked(Batch& batch);
  // Positions the value decoder at value `first` of the page, valid for `count` values.
  arrow::Status SeekValuesLocked(int64_t first, int64_t count);
  // Walks dictionary-index run headers until they cover `values` values.
  arrow::Status WalkRunsLocked(int64_t values);
  // Makes the body bytes of the first `values` values available.
  arrow::Status EnsureValuesLocked(int64_t values);
  void ReleaseIfDoneLocked();

  std::string label_;
  DType dtype_ = DType::kUInt16;
  int64_t first_slot_ = 0;
  int64_t num_slots_ = 0;
  int16_t max_rep_ = 0;
  int16_t max_def_ = 0;
  std::shared_ptr<arrow::Buffer> output_;

  std::mutex mutex_;
  int64_t decoded_ = 0;  // slots whose levels are decoded, from the page's start
  int64_t slots_with_values_ = 0;
  int64_t batches_with_values_ = 0;
  arrow::Status failure_;
  std::vector<Batch> batches_;
  // Released once every value of the page is decoded.
  std::unique_ptr<PageBody> body_;
  std::unique_ptr<parquet::LevelDecoder> rep_decoder_, def_decoder_;
  std::unique_ptr<ValueStream> values_;
  std::vector<int16_t> rep_, def_;  // one batch of levels
  int64_t values_position_ = 0;     // the value the decoder will produce next

  // Where the values' bytes lie in the body (to decompress only as far as needed).
  parquet::Encoding::type value_encoding_ = parquet::Encoding::PLAIN;
  bool seekable_ = false;
  bool reading_copy_ = false;  // the value decoder reads run_copy_, not the body
  // What restarting the value decoder at the page's first value needs.
  const parquet::ColumnDescriptor* descr_ = nullptr;
  std::shared_ptr<arrow::Buffer> dictionary_;
  int32_t dictionary_values_ = 0;
  int64_t values_start_ = 0;
  int64_t value_width_ = 0;       // PLAIN: bytes per value
  int64_t run_position_ = 0;      // dictionary indices: end of the runs scanned so far
  int64_t run_values_ = 0;        // values those runs hold
  std::vector<int64_t> run_starts_, run_first_values_;  // each run header's byte and value
  std::vector<uint8_t> run_copy_;  // a bit width byte and the runs a seek decodes
  int bit_width_ = 0;
};

}  // namespace omearrow::internal
