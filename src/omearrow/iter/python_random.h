// CPython's random.Random (Mersenne Twister MT19937) reproduced bit for bit, so that C++
// shuffles visit items in the order `random.Random(seed).shuffle(items)` does.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace omearrow {

// The key CPython's Random.seed(int) feeds to init_by_array: |seed| split into 32-bit
// words, least significant first, leading zero words dropped ({0} for seed 0).
struct PythonSeed {
  std::vector<uint32_t> key{0};

  // The key of an int seed (negative seeds use their absolute value, as CPython).
  static PythonSeed FromInt(int64_t seed);
  static PythonSeed FromUInt(uint64_t seed);
  // The key of an arbitrary-size non-negative int given as 32-bit words, least
  // significant first (leading zero words may be present; they are dropped).
  static PythonSeed FromWords(std::span<const uint32_t> words);
};

// random.Random with the methods a shuffle needs. Not thread-safe (one per iterator).
class PythonRandom {
 public:
  // random.Random(seed) for an int seed.
  explicit PythonRandom(const PythonSeed& seed);
  // random.Random(None): seeded from std::random_device (different every time).
  static PythonRandom FromEntropy();

  // The next 32-bit output of the generator (CPython's genrand_uint32).
  uint32_t NextUInt32();
  // random.getrandbits(k) for 0 <= k <= 64.
  uint64_t GetRandBits(int k);
  // random._randbelow_with_getrandbits(n): uniform in [0, n), n > 0.
  uint64_t RandBelow(uint64_t n);
  // random.shuffle(x) applied to `items`.
  template <typename T>
  void Shuffle(std::vector<T>* items) {
    for (size_t i = items->size(); i-- > 1;) {
      const size_t j = static_cast<size_t>(RandBelow(static_cast<uint64_t>(i) + 1));
      std::swap((*items)[i], (*items)[j]);
    }
  }

 private:
  PythonRandom() = default;
  void InitGenrand(uint32_t s);
  void InitByArray(std::span<const uint32_t> key);

  static constexpr int kN = 624;
  std::array<uint32_t, kN> state_{};
  int index_ = kN + 1;
};

// The order in which `random.Random(seed).shuffle` visits n items: a permutation p of
// 0..n-1 with item p[i] going i-th (seed nullopt = random each time, as seed=None).
std::vector<int64_t> PythonShuffleOrder(int64_t n, const std::optional<PythonSeed>& seed);

}  // namespace omearrow
