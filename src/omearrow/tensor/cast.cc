#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "omearrow/tensor/cast_internal.h"

namespace omearrow::internal {
namespace {

template <typename S, typename D>
inline D CastValue(S value) {
  if constexpr (std::is_floating_point_v<S> && std::is_integral_v<D>) {
    if (std::isnan(value)) return D{0};
    constexpr D kMin = std::numeric_limits<D>::lowest();
    constexpr D kMax = std::numeric_limits<D>::max();
    if (value <= static_cast<S>(kMin)) return kMin;
    if (value >= static_cast<S>(kMax)) return kMax;
    return static_cast<D>(value);
  } else if constexpr (std::is_same_v<S, double> && std::is_same_v<D, float>) {
    constexpr double kMax = std::numeric_limits<float>::max();
    if (value > kMax) return std::numeric_limits<float>::infinity();
    if (value < -kMax) return -std::numeric_limits<float>::infinity();
    return static_cast<float>(value);
  } else {
    return static_cast<D>(value);
  }
}

template <typename S, typename D>
void CopyRow(const uint8_t* src, uint8_t* dst, int64_t n, int64_t dst_stride) {
  if constexpr (std::is_same_v<S, D>) {
    if (dst_stride == 1) {
      std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(S));
      return;
    }
  }
  D* out = reinterpret_cast<D*>(dst);
  if (dst_stride == 1) {
    for (int64_t i = 0; i < n; ++i) {
      S value;
      std::memcpy(&value, src + i * static_cast<int64_t>(sizeof(S)), sizeof(S));
      out[i] = CastValue<S, D>(value);
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      S value;
      std::memcpy(&value, src + i * static_cast<int64_t>(sizeof(S)), sizeof(S));
      out[i * dst_stride] = CastValue<S, D>(value);
    }
  }
}

template <typename D>
void FillZero(uint8_t* dst, int64_t n, int64_t dst_stride) {
  if (dst_stride == 1) {
    std::memset(dst, 0, static_cast<size_t>(n) * sizeof(D));
    return;
  }
  D* out = reinterpret_cast<D*>(dst);
  for (int64_t i = 0; i < n; ++i) out[i * dst_stride] = D{0};
}

// C++ element types in DType enum order.
template <typename... Ts>
struct TypeList {};
using AllTypes = TypeList<uint8_t, int8_t, uint16_t, int16_t, uint32_t, int32_t, uint64_t,
                          int64_t, float, double>;

template <typename S, typename... Ds>
constexpr std::array<RowCopyFn, kNumDTypes> RowFor(TypeList<Ds...>) {
  return {&CopyRow<S, Ds>...};
}

template <typename... Ss>
constexpr std::array<std::array<RowCopyFn, kNumDTypes>, kNumDTypes> Table(TypeList<Ss...>) {
  return {RowFor<Ss>(AllTypes{})...};
}

template <typename... Ds>
constexpr std::array<void (*)(uint8_t*, int64_t, int64_t), kNumDTypes> ZeroTable(
    TypeList<Ds...>) {
  return {&FillZero<Ds>...};
}

constexpr auto kRowCopy = Table(AllTypes{});
constexpr auto kZero = ZeroTable(AllTypes{});

}  // namespace

RowCopyFn GetRowCopy(DType from, DType to) {
  return kRowCopy[static_cast<size_t>(from)][static_cast<size_t>(to)];
}

void ZeroRow(DType to, uint8_t* dst, int64_t n, int64_t dst_stride) {
  kZero[static_cast<size_t>(to)](dst, n, dst_stride);
}

}  // namespace omearrow::internal
