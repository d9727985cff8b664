// Planes- and list-chunk-encoded Parquet rows read page by page: a plane reads only the
// data pages of the pixel leaf that hold it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/array.h>
#include <arrow/io/interfaces.h>
#include <arrow/result.h>
#include <parquet/metadata.h>

#include "omearrow/image.h"
#include "omearrow/pixel_source.h"
#include "omearrow/source/record.h"

namespace omearrow {

// Where the payload lists of one row lie in its row group's pixel leaf, derived from the
// metadata leaves alone (plane/chunk lists, sizes and shapes), assuming every list holds
// the values its metadata implies (size_y × size_x per plane, shape_z × shape_y × shape_x
// per chunk). The decoder checks this against the levels of every page it reads.
struct ListRowPlan {
  std::vector<int64_t> row_starts;        // first leaf slot of each row, then the total
  std::vector<int64_t> entry_first_slot;  // per entry of this row's planes/chunks list
  std::vector<int64_t> entry_length;      // values per entry; 0 for a null entry (1 slot)
};

// Plans row `local_row` of `records` (the row group's metadata leaves, pixels pruned) for
// the payload list `section` ("planes" or "chunks"). nullopt when the metadata cannot
// say where the lists lie (then the caller decodes the whole row instead).
std::optional<ListRowPlan> PlanListRow(const arrow::StructArray& records, int64_t local_row,
                                       const std::string& section);

// What a page-level source needs to know about the file and the row.
struct ListPageSourceParams {
  std::shared_ptr<arrow::io::RandomAccessFile> file;
  int64_t file_size = 0;
  std::shared_ptr<parquet::FileMetaData> metadata;
  int row_group = 0;
  int leaf = 0;               // the pixel leaf column
  std::string label;          // the file, for errors
  std::string pages_key;      // shares the page table between rows ("" = not shared)
  DType dtype = DType::kUInt16;  // the leaf's logical type
  int64_t local_row = 0;
  ListRowPlan plan;
  PixelsMeta meta;
  PixelEncoding encoding = PixelEncoding::kPlanes;
  internal::ListRange entries;  // this row's planes or chunks list (metadata leaves)
  int64_t cache_bytes = 0;      // decoded pages kept per image
  // Serves mode="arrow" and takes over when a page's levels contradict the plan.
  std::shared_ptr<const PixelSource> fallback;
};

// A source over one planes/list-chunks row. Returns nullopt-equivalent errors from
// Make when the row's entries cannot be indexed (the caller then uses `fallback`).
arrow::Result<std::shared_ptr<const PixelSource>> MakeListPageSource(
    ListPageSourceParams params);

// How one planes/list-chunks row lies in its pixel leaf's pages, for `omearrow info`.
struct ListPageLayout {
  int64_t leaf_pages = 0;            // data pages of the row group's pixel leaf
  int64_t row_pages = 0;             // of which hold this row's values
  int64_t row_page_bytes = 0;        // compressed bytes (headers included) of those
  int64_t entries = 0;               // the row's planes or chunks
  int64_t min_pages_per_entry = 0;   // pages a plane/chunk spans (over non-null entries)
  int64_t max_pages_per_entry = 0;
  int64_t max_entries_per_page = 0;  // entries starting in one page
  bool has_page_index = false;       // the leaf has an offset index (not needed to read)
};

// Page tables the process keeps an entry for (in use, or expired and not yet swept):
// bounded by about twice those in use, however many files were opened. For tests.
int64_t ListPageTableEntries();

// The page layout of `source` when it reads a row page by page; nullopt for any other
// source. Scans the page headers if no read has yet.
arrow::Result<std::optional<ListPageLayout>> DescribeListPages(const PixelSource& source);

}  // namespace omearrow
