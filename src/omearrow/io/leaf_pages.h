// The data pages of one numeric leaf column chunk of a Parquet file (e.g.
// planes[*].pixels[*]), found by their headers alone and decoded one page at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <arrow/buffer.h>
#include <arrow/io/interfaces.h>
#include <arrow/result.h>
#include <arrow/util/compression.h>
#include <parquet/metadata.h>
#include <parquet/schema.h>

#include "omearrow/io/page_cursor.h"
#include "omearrow/tensor/dtype.h"

namespace omearrow::internal {

// One data page: where its header starts in the file and which leaf slots (level
// entries, as counted by the page header's num_values) it holds.
struct LeafPage {
  int64_t header_offset = 0;
  int64_t first_slot = 0;
  int64_t num_slots = 0;
  int64_t compressed_bytes = 0;  // header + body
};

// The page table of one column chunk. Scan reads only page headers (and the dictionary
// page); OpenCursor reads and decompresses one data page for incremental decoding.
// Thread-safe after Scan.
class LeafPages {
 public:
  // Walks the page headers of leaf `leaf` in row group `row_group`. Only INT32, INT64,
  // FLOAT and DOUBLE leaves are supported (NotImplemented otherwise). `label` names the
  // file in errors.
  static arrow::Result<std::shared_ptr<const LeafPages>> Scan(
      std::shared_ptr<arrow::io::RandomAccessFile> file, int64_t file_size,
      std::shared_ptr<parquet::FileMetaData> metadata, int row_group, int leaf,
      std::string label);

  const std::vector<LeafPage>& pages() const { return pages_; }
  int64_t num_slots() const { return num_slots_; }
  bool has_dictionary() const { return dictionary_ != nullptr; }
  // Index of the page holding `slot` (pages are in slot order).
  int64_t PageOf(int64_t slot) const;

  // Reads and decompresses data page `index` (one read of its bytes) and returns a
  // cursor that decodes its slots as `dtype` (the leaf's logical type, e.g. uint16
  // stored as INT32) as far as asked.
  arrow::Result<std::shared_ptr<PageCursor>> OpenCursor(int64_t index, DType dtype) const;

 private:
  LeafPages() = default;

  std::shared_ptr<arrow::io::RandomAccessFile> file_;
  int64_t file_size_ = 0;
  std::shared_ptr<parquet::FileMetaData> metadata_;  // owns descr_
  const parquet::ColumnDescriptor* descr_ = nullptr;
  int row_group_ = 0;
  arrow::Compression::type codec_ = arrow::Compression::UNCOMPRESSED;
  int64_t chunk_end_ = 0;  // file offset just past the column chunk
  std::string label_;
  std::vector<LeafPage> pages_;
  int64_t num_slots_ = 0;
  std::shared_ptr<arrow::Buffer> dictionary_;  // the dictionary page's (PLAIN) bytes
  int32_t dictionary_values_ = 0;
};

}  // namespace omearrow::internal
