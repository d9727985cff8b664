// Memory ceilings: the most bytes one view (or one decoded chunk/plane) may allocate, so
// files that claim huge sizes fail fast with a clear error instead of exhausting memory.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>

#include <arrow/memory_pool.h>
#include <arrow/status.h>

namespace omearrow {

// Default ceiling: 16 GiB per allocation.
inline constexpr int64_t kDefaultMaxViewBytes = int64_t{16} << 30;

// The process-wide ceiling on the bytes one materialized view, one decoded chunk or one
// decoded TIFF plane may allocate. Starts at the environment variable
// OMEARROW_MAX_VIEW_BYTES when set to a positive integer, else kDefaultMaxViewBytes.
int64_t MaxViewBytes();

// Sets the process-wide ceiling (values < 1 restore the default). Thread-safe.
void SetMaxViewBytes(int64_t bytes);

// The ceiling on one buffer that Arrow, Parquet or libtiff allocate while an omearrow
// reader decodes a file (pages, decompression buffers, column buffers, raw strips):
// twice MaxViewBytes() (saturating), since Arrow grows buffers to the next power of two,
// so a column holding up to MaxViewBytes() may need a buffer of up to twice that.
int64_t MaxReaderBufferBytes();

// An Arrow memory pool over arrow::default_memory_pool() that refuses any single
// allocation or reallocation above MaxReaderBufferBytes() with CapacityError "a file
// reader asked for one buffer of N bytes, more than the limit of M bytes ...". Readers of
// untrusted files hand it to Arrow and Parquet, so that sizes read from a file (page
// headers, lengths) fail cleanly instead of allocating. Thread-safe; lives forever.
arrow::MemoryPool* ReaderMemoryPool();

// OK when `bytes` <= `limit` (MaxViewBytes() when `limit` < 0); else CapacityError
// "<what> needs N bytes, more than the limit of M bytes (omearrow::SetMaxViewBytes /
// OMEARROW_MAX_VIEW_BYTES)".
arrow::Status CheckAllocationBytes(int64_t bytes, std::string_view what, int64_t limit = -1);

// The product of `factors` (sizes read from a file), or nullopt when a factor is negative
// or the product overflows int64. Use it for every size computed from file contents.
std::optional<int64_t> CheckedProduct(std::initializer_list<int64_t> factors);

// Per-plane index tables (T*C*Z slots) up to this many slots are always allowed.
inline constexpr int64_t kMaxUnbackedPlaneSlots = int64_t{1} << 24;
// Beyond that, each stored plane/chunk/IFD backs this many slots.
inline constexpr int64_t kPlaneSlotsPerStoredEntry = 64;
// Most (chunk, plane) memberships a chunk index may hold (sum of the chunks' depths).
inline constexpr int64_t kMaxChunkIndexEntries = int64_t{1} << 26;

// Bytes per plane slot that CheckPlaneSlots budgets for the index tables built from it.
inline constexpr int64_t kPlaneSlotTableBytes = 16;

// Memory bound for index tables: a record or file may claim T*C*Z = `slots` planes while
// storing only `stored` planes/chunks/IFDs. Missing planes read as zeros, so such claims
// are legal, but a table of 2^31 slots backed by one plane would allocate gigabytes: OK
// when slots <= max(kMaxUnbackedPlaneSlots, kPlaneSlotsPerStoredEntry * stored), else
// Invalid "<what> claims N plane slots (T*C*Z) but stores only M planes or chunks; ...";
// and when a table of (slots + 1) * kPlaneSlotTableBytes fits MaxViewBytes(), else
// CapacityError "<what>: an index of N plane slots needs B bytes, more than the limit...".
arrow::Status CheckPlaneSlots(int64_t slots, int64_t stored, std::string_view what);

}  // namespace omearrow
