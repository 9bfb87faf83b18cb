#pragma once
// The generator's random source: a seeded mt19937_64 with modulo picks, because std::
// distributions differ between standard libraries and the cluster must not.

#include <cstdint>
#include <random>
#include <vector>

namespace podwall::synthetic {

class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}
  uint64_t below(uint64_t n) { return n == 0 ? 0 : engine_() % n; }
  bool chance(unsigned percent) { return engine_() % 100 < percent; }
  double unit() { return double(engine_() >> 11) / double(uint64_t(1) << 53); }
  template <typename T>
  const T& pick(const std::vector<T>& from) {
    return from[below(from.size())];
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace podwall::synthetic
