#include "omearrow/util/view_limits.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace omearrow {

namespace {

int64_t InitialLimit() {
  const char* text = std::getenv("OMEARROW_MAX_VIEW_BYTES");
  if (text != nullptr) {
    char* end = nullptr;
    const long long value = std::strtoll(text, &end, 10);
    if (end != text && *end == '\0' && value > 0) return static_cast<int64_t>(value);
  }
  return kDefaultMaxViewBytes;
}

std::atomic<int64_t>& Limit() {
  static std::atomic<int64_t> limit{InitialLimit()};
  return limit;
}

}  // namespace

int64_t MaxViewBytes() { return Limit().load(std::memory_order_relaxed); }

void SetMaxViewBytes(int64_t bytes) {
  Limit().store(bytes < 1 ? kDefaultMaxViewBytes : bytes, std::memory_order_relaxed);
}

int64_t MaxReaderBufferBytes() {
  const int64_t view = MaxViewBytes();
  int64_t twice = 0;
  return __builtin_mul_overflow(view, 2, &twice) ? INT64_MAX : twice;
}

namespace {

// Forwards to arrow::default_memory_pool(), refusing single buffers above the ceiling.
class ReaderPool final : public arrow::MemoryPool {
 public:
  explicit ReaderPool(arrow::MemoryPool* target) : target_(target) {}

  arrow::Status Allocate(int64_t size, int64_t alignment, uint8_t** out) override {
    ARROW_RETURN_NOT_OK(Check(size));
    return target_->Allocate(size, alignment, out);
  }
  arrow::Status Reallocate(int64_t old_size, int64_t new_size, int64_t alignment,
                           uint8_t** ptr) override {
    ARROW_RETURN_NOT_OK(Check(new_size));
    return target_->Reallocate(old_size, new_size, alignment, ptr);
  }
  void Free(uint8_t* buffer, int64_t size, int64_t alignment) override {
    target_->Free(buffer, size, alignment);
  }
  void ReleaseUnused() override { target_->ReleaseUnused(); }
  int64_t bytes_allocated() const override { return target_->bytes_allocated(); }
  int64_t max_memory() const override { return target_->max_memory(); }
  int64_t total_bytes_allocated() const override {
    return target_->total_bytes_allocated();
  }
  int64_t num_allocations() const override { return target_->num_allocations(); }
  std::string backend_name() const override { return target_->backend_name(); }

 private:
  static arrow::Status Check(int64_t size) {
    const int64_t limit = MaxReaderBufferBytes();
    if (size <= limit) return arrow::Status::OK();
    return arrow::Status::CapacityError(
        "a file reader asked for one buffer of ", size, " bytes, more than the limit of ",
        limit, " bytes (twice omearrow::SetMaxViewBytes / OMEARROW_MAX_VIEW_BYTES)");
  }

  arrow::MemoryPool* const target_;
};

}  // namespace

arrow::MemoryPool* ReaderMemoryPool() {
  static ReaderPool* pool = new ReaderPool(arrow::default_memory_pool());
  return pool;
}

arrow::Status CheckAllocationBytes(int64_t bytes, std::string_view what, int64_t limit) {
  if (limit < 0) limit = MaxViewBytes();
  if (bytes <= limit) return arrow::Status::OK();
  return arrow::Status::CapacityError(what, " needs ", bytes,
                                      " bytes, more than the limit of ", limit,
                                      " bytes (omearrow::SetMaxViewBytes / "
                                      "OMEARROW_MAX_VIEW_BYTES)");
}

std::optional<int64_t> CheckedProduct(std::initializer_list<int64_t> factors) {
  int64_t product = 1;
  for (const int64_t factor : factors) {
    if (factor < 0 || __builtin_mul_overflow(product, factor, &product)) return std::nullopt;
  }
  return product;
}

arrow::Status CheckPlaneSlots(int64_t slots, int64_t stored, std::string_view what) {
  int64_t backed = 0;
  const bool huge = __builtin_mul_overflow(std::max<int64_t>(stored, 0),
                                           kPlaneSlotsPerStoredEntry, &backed);
  if (!huge && slots > std::max(kMaxUnbackedPlaneSlots, backed)) {
    return arrow::Status::Invalid(what, " claims ", slots,
                                  " plane slots (T*C*Z) but stores only ", stored,
                                  " planes or chunks; at most max(", kMaxUnbackedPlaneSlots,
                                  ", ", kPlaneSlotsPerStoredEntry,
                                  " x stored) slots are indexed");
  }
  // The tables themselves are buffers sized from the file: they must fit the ceiling.
  const int64_t bytes = slots >= INT64_MAX / kPlaneSlotTableBytes - 1
                            ? INT64_MAX
                            : (std::max<int64_t>(slots, 0) + 1) * kPlaneSlotTableBytes;
  return CheckAllocationBytes(
      bytes, std::string(what) + ": an index of " + std::to_string(slots) + " plane slots");
}

}  // namespace omearrow
