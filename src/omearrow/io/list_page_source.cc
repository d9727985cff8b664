#include "omearrow/io/list_page_source.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <unordered_map>

#include <arrow/status.h>
#include <parquet/schema.h>

#include "omearrow/io/leaf_pages.h"
#include "omearrow/source/chunk_cache.h"
#include "omearrow/source/chunk_index.h"
#include "omearrow/util/load_once.h"
#include "omearrow/util/struct_row.h"
#include "omearrow/util/view_limits.h"

namespace omearrow {

using arrow::Status;
using internal::LeafPages;

namespace {

std::optional<int64_t> FieldInteger(const arrow::StructArray& array, const char* name,
                                    int64_t row) {
  auto field = array.GetFieldByName(name);
  if (field == nullptr || field->IsNull(row)) return std::nullopt;
  auto value = internal::ReadInteger(*field, row, name);
  if (!value.ok() || *value <= 0) return std::nullopt;
  return *value;
}

// Values each entry of row `r`'s `section` list should hold (0 for a null entry);
// nullopt when unknown.
std::optional<std::vector<int64_t>> EntryLengths(const arrow::StructArray& records,
                                                 int64_t r, const std::string& section) {
  std::vector<int64_t> lengths;
  auto list = records.GetFieldByName(section);
  if (records.IsNull(r) || list == nullptr || list->IsNull(r)) return lengths;
  auto range = internal::ListAt(list, r, section);
  if (!range.ok() || range->values->type_id() != arrow::Type::STRUCT) return std::nullopt;
  const auto& entries = static_cast<const arrow::StructArray&>(*range->values);
  std::optional<int64_t> plane_values;
  if (section == "planes") {
    auto meta = records.GetFieldByName("pixels_meta");
    if (meta == nullptr || meta->type_id() != arrow::Type::STRUCT) return std::nullopt;
    const auto& meta_struct = static_cast<const arrow::StructArray&>(*meta);
    auto x = FieldInteger(meta_struct, "size_x", r);
    auto y = FieldInteger(meta_struct, "size_y", r);
    if (!x || !y) return std::nullopt;
    plane_values = CheckedProduct({*x, *y});
    if (!plane_values) return std::nullopt;
  }
  for (int64_t e = range->begin; e < range->end; ++e) {
    if (entries.IsNull(e)) {
      lengths.push_back(0);
      continue;
    }
    if (plane_values) {
      lengths.push_back(*plane_values);
      continue;
    }
    auto sz = FieldInteger(entries, "shape_z", e);
    auto sy = FieldInteger(entries, "shape_y", e);
    auto sx = FieldInteger(entries, "shape_x", e);
    if (!sz || !sy || !sx) return std::nullopt;
    auto n = CheckedProduct({*sz, *sy, *sx});
    if (!n) return std::nullopt;
    lengths.push_back(*n);
  }
  return lengths;
}

// Leaf slots of a list of entries: one per value, one for a null entry, one for a null
// or empty list.
std::optional<int64_t> SlotsOf(const std::vector<int64_t>& lengths) {
  if (lengths.empty()) return 1;
  int64_t total = 0;
  for (const int64_t n : lengths) {
    const int64_t slots = std::max<int64_t>(1, n);
    if (__builtin_add_overflow(total, slots, &total)) return std::nullopt;
  }
  return total;
}

// Page tables shared by the sources of one file's row group (rows opened separately
// scan the headers once). Entries live while a source holds them.
class SharedLeafPages {
 public:
  static SharedLeafPages& Global() {
    static auto* shared = new SharedLeafPages();
    return *shared;
  }
  arrow::Result<std::shared_ptr<const LeafPages>> Get(
      const std::string& key,
      const std::function<arrow::Result<std::shared_ptr<const LeafPages>>()>& scan) {
    if (key.empty()) return scan();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = entries_.find(key);
      if (it != entries_.end()) {
        if (auto alive = it->second.lock()) return alive;
        entries_.erase(it);
      }
    }
    return loading_.Run(key, [&]() -> arrow::Result<std::shared_ptr<const LeafPages>> {
      ARROW_ASSIGN_OR_RAISE(auto pages, scan());
      std::lock_guard<std::mutex> lock(mutex_);
      entries_[key] = pages;
      SweepLocked();
      return pages;
    });
  }

  // Keys held (live or expired), for tests.
  size_t size() {
    std::lock_guard<std::mutex> lock(mutex_);
    return entries_.size();
  }

 private:
  // Drops expired entries once the map has doubled since the last sweep, so a process
  // opening millions of files keeps only the tables still in use (amortized O(1)).
  void SweepLocked() {
    if (entries_.size() < 2 * after_last_sweep_ + 64) return;
    std::erase_if(entries_, [](const auto& entry) { return entry.second.expired(); });
    after_last_sweep_ = entries_.size();
  }

  std::mutex mutex_;
  std::unordered_map<std::string, std::weak_ptr<const LeafPages>> entries_;
  size_t after_last_sweep_ = 0;
  internal::LoadOnce<std::string, std::shared_ptr<const LeafPages>> loading_;
};

// The level structure a plan implies, checked page by page: rep 0 exactly at row
// starts; in this row, rep ≤ 1 at entry starts and the maximum inside an entry; every
// slot of a non-null entry holds a value.
class LevelVerifier {
 public:
  // `descr`: the pixel leaf (its maximum repetition and definition levels).
  LevelVerifier(const ListRowPlan& plan, int64_t local_row,
                const parquet::ColumnDescriptor& descr)
      : plan_(plan),
        row_begin_(plan.row_starts[static_cast<size_t>(local_row)]),
        row_end_(plan.row_starts[static_cast<size_t>(local_row) + 1]),
        max_rep_(descr.max_repetition_level()),
        max_def_(descr.max_definition_level()) {}

  Status Check(int64_t first, std::span<const int16_t> rep,
               std::span<const int16_t> def) const {
    const int16_t max_rep = max_rep_, max_def = max_def_;
    const int64_t end = first + static_cast<int64_t>(rep.size());
    auto at = [&](std::span<const int16_t> levels, int64_t slot) {
      return levels[static_cast<size_t>(slot - first)];
    };
    // Rows: level 0 exactly at the row starts.
    const auto& starts = plan_.row_starts;
    auto next_row = std::lower_bound(starts.begin(), starts.end(), first);
    for (int64_t pos = first; pos < end;) {
      const int64_t row_start = next_row != starts.end() ? *next_row : end;
      const int64_t stop = std::min(end, row_start);
      if (auto bad = FirstWhere(rep, first, pos, stop, [](int16_t r) { return r == 0; })) {
        return Mismatch(*bad, "no row to start");
      }
      if (stop == end) break;
      if (at(rep, stop) != 0) return Mismatch(stop, "a row to start");
      pos = stop + 1;
      ++next_row;
    }
    // This row's entries: a list starts (rep < max) where the plan puts one and
    // continues (rep == max) to its end; every slot of a non-null entry holds a value.
    const auto& entry_starts = plan_.entry_first_slot;
    const int64_t lo = std::max(first, row_begin_), hi = std::min(end, row_end_);
    if (lo >= hi || entry_starts.empty()) return Status::OK();
    size_t e = static_cast<size_t>(
        std::upper_bound(entry_starts.begin(), entry_starts.end(), lo) - entry_starts.begin());
    if (e == 0) return Mismatch(lo, "an entry");
    --e;
    for (int64_t pos = lo; pos < hi; ++e) {
      const int64_t begin = entry_starts[e];
      const int64_t entry_end = e + 1 < entry_starts.size() ? entry_starts[e + 1] : row_end_;
      const int64_t stop = std::min(hi, entry_end);
      const int64_t segment = pos;
      if (pos == begin) {
        if (at(rep, pos) > max_rep - 1) return Mismatch(pos, "a list to start");
        ++pos;
      }
      if (auto bad = FirstWhere(rep, first, pos, stop, [&](int16_t r) { return r != max_rep; })) {
        return Mismatch(*bad, "a list to continue");
      }
      const bool has_values = plan_.entry_length[e] > 0;
      if (auto bad = FirstWhere(def, first, segment, stop,
                                [&](int16_t d) { return (d == max_def) != has_values; })) {
        return Mismatch(*bad, has_values ? "a pixel value" : "a null entry");
      }
      pos = stop;
    }
    return Status::OK();
  }

 private:
  // The first slot in [from, to) whose level (levels[0] is slot `first`) satisfies
  // `bad`; the scan has no early exit, so it vectorizes.
  template <typename Pred>
  static std::optional<int64_t> FirstWhere(std::span<const int16_t> levels, int64_t first,
                                           int64_t from, int64_t to, Pred bad) {
    if (from >= to) return std::nullopt;
    const int16_t* p = levels.data() + (from - first);
    const int64_t n = to - from;
    int16_t any = 0;  // (an int16 accumulator is what GCC vectorizes)
    for (int64_t i = 0; i < n; ++i) any |= static_cast<int16_t>(bad(p[i]));
    if (any == 0) return std::nullopt;
    return from + (std::find_if(p, p + n, bad) - p);
  }
  static Status Mismatch(int64_t slot, const char* expected) {
    return Status::Invalid("pixel leaf slot ", slot, ": expected ", expected,
                           " from the record's metadata");
  }
  const ListRowPlan& plan_;
  int64_t row_begin_, row_end_;
  int16_t max_rep_, max_def_;
};

// A cache entry: a page's cursor, whose output (charged at its full size) is decoded as
// far as readers have asked.
class CursorBuffer final : public arrow::Buffer {
 public:
  explicit CursorBuffer(std::shared_ptr<internal::PageCursor> cursor)
      : arrow::Buffer(cursor->output()->data(), cursor->output()->size()),
        cursor_(std::move(cursor)) {}
  internal::PageCursor& cursor() const { return *cursor_; }

 private:
  std::shared_ptr<internal::PageCursor> cursor_;
};

class ListPageSource final : public PixelSource {
 public:
  ListPageSource(ListPageSourceParams params, std::vector<int32_t> slot_to_entry,
                 std::optional<ChunkTable> chunks, std::optional<ChunkIndex> index)
      : p_(std::move(params)),
        slot_to_entry_(std::move(slot_to_entry)),
        chunks_(std::move(chunks)),
        index_(std::move(index)),
        verifier_(p_.plan, p_.local_row, *p_.metadata->schema()->Column(p_.leaf)),
        cache_(p_.cache_bytes) {}

  PixelEncoding encoding() const override { return p_.encoding; }
  bool BlocksMayOverlap() const override {
    return index_.has_value() && index_->may_overlap();
  }

  Status GetPlaneBlocks(const PlaneIndex& plane, const Rect& window,
                        std::vector<PlaneBlock>* blocks,
                        std::vector<std::shared_ptr<const void>>* pins) const override {
    if (use_fallback_.load()) return p_.fallback->GetPlaneBlocks(plane, window, blocks, pins);
    const size_t first_block = blocks->size(), first_pin = pins->size();
    Status st = AppendBlocks(plane, window, blocks, pins);
    if (st.ok() || !layout_mismatch_.load()) return st;
    // The file's lists do not have the lengths the metadata implies: read whole rows
    // (Arrow's assembly of the lists reports what is wrong).
    use_fallback_.store(true);
    blocks->resize(first_block);
    pins->resize(first_pin);
    return p_.fallback->GetPlaneBlocks(plane, window, blocks, pins);
  }

  arrow::Result<StoredValues> GetStoredValues(const PlaneIndex& plane,
                                              const Rect& roi) const override {
    return p_.fallback->GetStoredValues(plane, roi);
  }

  arrow::Result<ListPageLayout> Describe() const {
    ARROW_ASSIGN_OR_RAISE(auto pages, Pages());
    ListPageLayout layout;
    layout.leaf_pages = static_cast<int64_t>(pages->pages().size());
    const auto& plan = p_.plan;
    const int64_t row_begin = plan.row_starts[static_cast<size_t>(p_.local_row)];
    const int64_t row_end = plan.row_starts[static_cast<size_t>(p_.local_row) + 1];
    const int64_t first_page = pages->PageOf(row_begin);
    const int64_t last_page = pages->PageOf(row_end - 1);
    layout.row_pages = last_page - first_page + 1;
    for (int64_t i = first_page; i <= last_page; ++i) {
      layout.row_page_bytes += pages->pages()[static_cast<size_t>(i)].compressed_bytes;
    }
    layout.entries = static_cast<int64_t>(plan.entry_first_slot.size());
    std::vector<int64_t> starts_per_page(static_cast<size_t>(layout.leaf_pages), 0);
    bool any = false;
    for (size_t e = 0; e < plan.entry_first_slot.size(); ++e) {
      const int64_t first = plan.entry_first_slot[e];
      ++starts_per_page[static_cast<size_t>(pages->PageOf(first))];
      if (plan.entry_length[e] == 0) continue;
      const int64_t spans = pages->PageOf(first + plan.entry_length[e] - 1) -
                            pages->PageOf(first) + 1;
      layout.min_pages_per_entry = any ? std::min(layout.min_pages_per_entry, spans) : spans;
      layout.max_pages_per_entry = std::max(layout.max_pages_per_entry, spans);
      any = true;
    }
    for (const int64_t n : starts_per_page) {
      layout.max_entries_per_page = std::max(layout.max_entries_per_page, n);
    }
    try {
      layout.has_page_index = p_.metadata->RowGroup(p_.row_group)
                                  ->ColumnChunk(p_.leaf)
                                  ->GetOffsetIndexLocation()
                                  .has_value();
    } catch (const std::exception& error) {
      return Status::IOError(p_.label, ": ", error.what());
    }
    return layout;
  }

 private:
  Status AppendBlocks(const PlaneIndex& plane, const Rect& window,
                      std::vector<PlaneBlock>* blocks,
                      std::vector<std::shared_ptr<const void>>* pins) const {
    const int64_t y_end = window.y + window.height;
    if (!index_.has_value()) {
      const int64_t slot = (plane.t * p_.meta.size_c + plane.c) * p_.meta.size_z + plane.z;
      const int32_t entry = slot_to_entry_[static_cast<size_t>(slot)];
      if (entry < 0) return Status::OK();
      const int64_t base = p_.plan.entry_first_slot[static_cast<size_t>(entry)];
      const int64_t width = p_.meta.size_x;
      const int64_t y0 = std::max<int64_t>(0, window.y);
      const int64_t y1 = std::min(p_.meta.size_y, y_end);
      if (y0 >= y1) return Status::OK();
      return AppendPieces(base + y0 * width, base + y1 * width, base, 0, 0, width, blocks,
                          pins);
    }
    for (const int32_t id : index_->Covering(plane.t, plane.c, plane.z)) {
      const StoredChunk& chunk = chunks_->chunks[static_cast<size_t>(id)];
      if (!ChunkMeetsWindow(chunk, window)) continue;
      const int64_t cy0 = std::max(window.y, chunk.y) - chunk.y;
      const int64_t cy1 = std::min(y_end, chunk.y + chunk.shape_y) - chunk.y;
      if (cy0 >= cy1) continue;
      const int64_t plane_values = chunk.shape_y * chunk.shape_x;
      const int64_t base = p_.plan.entry_first_slot[static_cast<size_t>(chunk.entry)] +
                           (plane.z - chunk.z) * plane_values;
      ARROW_RETURN_NOT_OK(AppendPieces(base + cy0 * chunk.shape_x, base + cy1 * chunk.shape_x,
                                       base, chunk.y, chunk.x, chunk.shape_x, blocks, pins));
    }
    return Status::OK();
  }

  // Blocks for leaf slots [begin, end) of a 2-D piece whose element (0, 0) is slot
  // `base` at (origin_y, origin_x), `width` elements a row: per page, a partial first
  // row, whole rows, a partial last row.
  Status AppendPieces(int64_t begin, int64_t end, int64_t base, int64_t origin_y,
                      int64_t origin_x, int64_t width, std::vector<PlaneBlock>* blocks,
                      std::vector<std::shared_ptr<const void>>* pins) const {
    ARROW_ASSIGN_OR_RAISE(auto pages, Pages());
    const int64_t itemsize = ItemSize(p_.dtype);
    int64_t index = pages->PageOf(begin);
    while (begin < end) {
      if (index < 0 || index >= static_cast<int64_t>(pages->pages().size())) {
        return Status::Invalid(p_.label, ": pixel values beyond the pixel column's pages");
      }
      const internal::LeafPage& page = pages->pages()[static_cast<size_t>(index)];
      const int64_t stop = std::min(end, page.first_slot + page.num_slots);
      ARROW_ASSIGN_OR_RAISE(auto buffer, Page(*pages, index, begin, stop));
      auto add = [&](int64_t from, int64_t rows, int64_t cols) {
        const int64_t e = from - base;
        PlaneBlock block;
        block.data = buffer->data() + (from - page.first_slot) * itemsize;
        block.dtype = p_.dtype;
        block.rect = Rect{origin_y + e / width, origin_x + e % width, rows, cols};
        block.row_stride = width;
        blocks->push_back(block);
      };
      int64_t at = begin;
      if ((at - base) % width != 0) {
        const int64_t n = std::min(stop - at, width - (at - base) % width);
        add(at, 1, n);
        at += n;
      }
      if (stop - at >= width) {
        const int64_t rows = (stop - at) / width;
        add(at, rows, width);
        at += rows * width;
      }
      if (at < stop) {
        add(at, 1, stop - at);
        at = stop;
      }
      pins->push_back(buffer);
      begin = stop;
      ++index;
    }
    return Status::OK();
  }

  arrow::Result<std::shared_ptr<const LeafPages>> Pages() const {
    std::call_once(pages_once_, [this] {
      pages_ = SharedLeafPages::Global().Get(p_.pages_key, [this] {
        return LeafPages::Scan(p_.file, p_.file_size, p_.metadata, p_.row_group, p_.leaf,
                               p_.label);
      });
      if (pages_.ok() && (*pages_)->num_slots() != p_.plan.row_starts.back()) {
        pages_ = Status::Invalid(p_.label, ": pixel column holds ", (*pages_)->num_slots(),
                                 " values, the metadata implies ", p_.plan.row_starts.back());
      }
    });
    return pages_;
  }

  // Page `index` with leaf slots [from, until) decoded.
  arrow::Result<std::shared_ptr<arrow::Buffer>> Page(const LeafPages& pages, int64_t index,
                                                     int64_t from, int64_t until) const {
    ARROW_ASSIGN_OR_RAISE(
        auto buffer,
        cache_.GetOrDecode(index, [&]() -> arrow::Result<std::shared_ptr<arrow::Buffer>> {
          ARROW_ASSIGN_OR_RAISE(auto cursor, pages.OpenCursor(index, p_.dtype));
          return std::make_shared<CursorBuffer>(std::move(cursor));
        }));
    internal::PageCursor& cursor = static_cast<const CursorBuffer&>(*buffer).cursor();
    ARROW_RETURN_NOT_OK(cursor.DecodeRange(from, until, [&](int64_t first, auto rep, auto def) {
      Status st = verifier_.Check(first, rep, def);
      if (!st.ok()) layout_mismatch_.store(true);
      return st;
    }));
    return buffer;
  }

  ListPageSourceParams p_;
  std::vector<int32_t> slot_to_entry_;  // planes: (t, c, z) → entry or -1
  std::optional<ChunkTable> chunks_;    // list chunks
  std::optional<ChunkIndex> index_;
  LevelVerifier verifier_;
  mutable DecodedChunkCache cache_;  // CursorBuffers, by page index
  mutable std::once_flag pages_once_;
  mutable arrow::Result<std::shared_ptr<const LeafPages>> pages_;
  mutable std::atomic<bool> layout_mismatch_{false};
  mutable std::atomic<bool> use_fallback_{false};
};

}  // namespace

int64_t ListPageTableEntries() {
  return static_cast<int64_t>(SharedLeafPages::Global().size());
}

arrow::Result<std::optional<ListPageLayout>> DescribeListPages(const PixelSource& source) {
  const auto* by_pages = dynamic_cast<const ListPageSource*>(&source);
  if (by_pages == nullptr) return std::nullopt;
  ARROW_ASSIGN_OR_RAISE(ListPageLayout layout, by_pages->Describe());
  return layout;
}

std::optional<ListRowPlan> PlanListRow(const arrow::StructArray& records, int64_t local_row,
                                       const std::string& section) {
  ListRowPlan plan;
  plan.row_starts.reserve(static_cast<size_t>(records.length()) + 1);
  int64_t total = 0;
  for (int64_t r = 0; r < records.length(); ++r) {
    auto lengths = EntryLengths(records, r, section);
    if (!lengths) return std::nullopt;
    auto slots = SlotsOf(*lengths);
    if (!slots) return std::nullopt;
    plan.row_starts.push_back(total);
    if (r == local_row) {
      int64_t at = total;
      for (const int64_t n : *lengths) {
        plan.entry_first_slot.push_back(at);
        plan.entry_length.push_back(n);
        at += std::max<int64_t>(1, n);
      }
    }
    if (__builtin_add_overflow(total, *slots, &total)) return std::nullopt;
  }
  plan.row_starts.push_back(total);
  return plan;
}

arrow::Result<std::shared_ptr<const PixelSource>> MakeListPageSource(
    ListPageSourceParams params) {
  const PixelsMeta& meta = params.meta;
  if (params.plan.entry_first_slot.size() != static_cast<size_t>(params.entries.size())) {
    return Status::Invalid("plan and entries disagree");
  }
  if (params.encoding == PixelEncoding::kPlanes) {
    const auto slots = CheckedProduct({meta.size_t, meta.size_c, meta.size_z});
    if (!slots) return Status::Invalid("too many planes");
    std::vector<int32_t> slot_to_entry(static_cast<size_t>(*slots), -1);
    const auto& entries = static_cast<const arrow::StructArray&>(*params.entries.values);
    auto t_field = entries.GetFieldByName("t");
    auto z_field = entries.GetFieldByName("z");
    auto c_field = entries.GetFieldByName("c");
    if (!t_field || !z_field || !c_field) return Status::Invalid("planes without t/z/c");
    for (int64_t i = 0; i < params.entries.size(); ++i) {
      const int64_t row = params.entries.begin + i;
      if (entries.IsNull(row)) continue;
      ARROW_ASSIGN_OR_RAISE(int64_t t, internal::ReadInteger(*t_field, row, "t"));
      ARROW_ASSIGN_OR_RAISE(int64_t z, internal::ReadInteger(*z_field, row, "z"));
      ARROW_ASSIGN_OR_RAISE(int64_t c, internal::ReadInteger(*c_field, row, "c"));
      if (!(0 <= z && z < meta.size_z && 0 <= t && t < meta.size_t && 0 <= c &&
            c < meta.size_c)) {
        return Status::Invalid("plane index out of range");
      }
      slot_to_entry[static_cast<size_t>((t * meta.size_c + c) * meta.size_z + z)] =
          static_cast<int32_t>(i);
    }
    return std::make_shared<const ListPageSource>(std::move(params), std::move(slot_to_entry),
                                                  std::nullopt, std::nullopt);
  }
  ARROW_ASSIGN_OR_RAISE(auto table, ParseChunkTable(params.entries, meta, params.dtype,
                                                    /*locate_payload=*/false,
                                                    /*byte_chunks=*/false));
  for (const StoredChunk& chunk : table.chunks) {
    if (chunk.entry < 0 || chunk.entry >= params.entries.size() ||
        params.plan.entry_length[static_cast<size_t>(chunk.entry)] != chunk.num_elements()) {
      return Status::Invalid("chunk entries disagree with the plan");
    }
  }
  ChunkIndex index = ChunkIndex::Build(table.chunks, meta);
  return std::make_shared<const ListPageSource>(std::move(params), std::vector<int32_t>{},
                                                std::move(table), std::move(index));
}

}  // namespace omearrow
