#include "omearrow/util/view_limits.h"

#include <algorithm>
#include <atomic>
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
  if (__builtin_mul_overflow(std::max<int64_t>(stored, 0), kPlaneSlotsPerStoredEntry,
                             &backed)) {
    return arrow::Status::OK();
  }
  if (slots <= std::max(kMaxUnbackedPlaneSlots, backed)) return arrow::Status::OK();
  return arrow::Status::Invalid(what, " claims ", slots,
                                " plane slots (T*C*Z) but stores only ", stored,
                                " planes or chunks; at most max(", kMaxUnbackedPlaneSlots,
                                ", ", kPlaneSlotsPerStoredEntry,
                                " x stored) slots are indexed");
}

}  // namespace omearrow
