#include "omearrow/iter/python_random.h"

#include <bit>
#include <numeric>
#include <random>

namespace omearrow {

PythonSeed PythonSeed::FromUInt(uint64_t seed) {
  const uint32_t words[2] = {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
  return FromWords(words);
}

PythonSeed PythonSeed::FromInt(int64_t seed) {
  // |INT64_MIN| does not fit int64_t; compute the magnitude in uint64_t.
  const uint64_t magnitude =
      seed < 0 ? ~static_cast<uint64_t>(seed) + 1 : static_cast<uint64_t>(seed);
  return FromUInt(magnitude);
}

PythonSeed PythonSeed::FromWords(std::span<const uint32_t> words) {
  size_t used = words.size();
  while (used > 1 && words[used - 1] == 0) --used;
  PythonSeed seed;
  if (used == 0) return seed;  // {0}
  seed.key.assign(words.begin(), words.begin() + static_cast<std::ptrdiff_t>(used));
  return seed;
}

// The constants and loops below are those of CPython's Modules/_randommodule.c (itself
// the reference MT19937 by Matsumoto and Nishimura).
void PythonRandom::InitGenrand(uint32_t s) {
  state_[0] = s;
  for (int i = 1; i < kN; ++i) {
    state_[i] = 1812433253U * (state_[i - 1] ^ (state_[i - 1] >> 30)) + static_cast<uint32_t>(i);
  }
  index_ = kN;
}

void PythonRandom::InitByArray(std::span<const uint32_t> key) {
  InitGenrand(19650218U);
  const size_t key_length = key.size();
  size_t i = 1, j = 0;
  for (size_t k = (kN > key_length ? kN : key_length); k; --k) {
    state_[i] = (state_[i] ^ ((state_[i - 1] ^ (state_[i - 1] >> 30)) * 1664525U)) + key[j] +
                static_cast<uint32_t>(j);
    ++i;
    ++j;
    if (i >= kN) {
      state_[0] = state_[kN - 1];
      i = 1;
    }
    if (j >= key_length) j = 0;
  }
  for (size_t k = kN - 1; k; --k) {
    state_[i] = (state_[i] ^ ((state_[i - 1] ^ (state_[i - 1] >> 30)) * 1566083941U)) -
                static_cast<uint32_t>(i);
    ++i;
    if (i >= kN) {
      state_[0] = state_[kN - 1];
      i = 1;
    }
  }
  state_[0] = 0x80000000U;  // MSB is 1, assuring a non-zero initial array
}

PythonRandom::PythonRandom(const PythonSeed& seed) {
  static constexpr uint32_t kZero[1] = {0};
  InitByArray(seed.key.empty() ? std::span<const uint32_t>(kZero) : seed.key);
}

PythonRandom PythonRandom::FromEntropy() {
  std::random_device device;
  std::vector<uint32_t> key(kN);  // CPython also seeds with 624 words of OS entropy
  for (uint32_t& word : key) word = device();
  PythonRandom random;
  random.InitByArray(key);
  return random;
}

uint32_t PythonRandom::NextUInt32() {
  constexpr int kM = 397;
  constexpr uint32_t kMatrixA = 0x9908b0dfU, kUpper = 0x80000000U, kLower = 0x7fffffffU;
  if (index_ >= kN) {
    int kk = 0;
    auto twist = [&](uint32_t a, uint32_t b, uint32_t c) {
      const uint32_t y = (a & kUpper) | (b & kLower);
      return c ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
    };
    for (; kk < kN - kM; ++kk) state_[kk] = twist(state_[kk], state_[kk + 1], state_[kk + kM]);
    for (; kk < kN - 1; ++kk) {
      state_[kk] = twist(state_[kk], state_[kk + 1], state_[kk + (kM - kN)]);
    }
    state_[kN - 1] = twist(state_[kN - 1], state_[0], state_[kM - 1]);
    index_ = 0;
  }
  uint32_t y = state_[index_++];
  y ^= (y >> 11);
  y ^= (y << 7) & 0x9d2c5680U;
  y ^= (y << 15) & 0xefc60000U;
  y ^= (y >> 18);
  return y;
}

uint64_t PythonRandom::GetRandBits(int k) {
  if (k <= 0) return 0;
  if (k <= 32) return NextUInt32() >> (32 - k);
  // Words least significant first; the last (most significant) word keeps its top bits.
  const uint64_t low = NextUInt32();
  const uint64_t high = NextUInt32() >> (64 - k);
  return low | (high << 32);
}

uint64_t PythonRandom::RandBelow(uint64_t n) {
  const int k = std::bit_width(n);  // n.bit_length()
  uint64_t r = GetRandBits(k);
  while (r >= n) r = GetRandBits(k);
  return r;
}

std::vector<int64_t> PythonShuffleOrder(int64_t n, const std::optional<PythonSeed>& seed) {
  std::vector<int64_t> order(static_cast<size_t>(n < 0 ? 0 : n));
  std::iota(order.begin(), order.end(), int64_t{0});
  PythonRandom random = seed.has_value() ? PythonRandom(*seed) : PythonRandom::FromEntropy();
  random.Shuffle(&order);
  return order;
}

}  // namespace omearrow
