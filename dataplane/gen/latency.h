#pragma once
// A latency histogram with bounded relative error (log-linear buckets: 32 per power of two,
// so any percentile is within ~3 % of the true value), fixed size, no allocation after
// construction. One writer (the receiving lcore); the reporter reads a copy it takes while the
// writer is paused between trials, or tolerates slightly stale counts once a second.

#include <array>
#include <cstdint>

namespace podwall::gen {

class LatencyHistogram {
 public:
  void add(uint64_t ns) noexcept;
  void merge(const LatencyHistogram& other) noexcept;
  void clear() noexcept { *this = LatencyHistogram{}; }

  uint64_t count() const noexcept { return count_; }
  uint64_t min() const noexcept { return count_ ? min_ : 0; }
  uint64_t max() const noexcept { return max_; }
  // The value at quantile q (0..1): the upper edge of its bucket, capped at max().
  uint64_t percentile(double q) const noexcept;

 private:
  static constexpr unsigned kSubBits = 5;  // 32 buckets per power of two
  static constexpr unsigned kBuckets = (64 - kSubBits + 1) << kSubBits;
  static unsigned bucket_of(uint64_t ns) noexcept;
  static uint64_t upper_edge(unsigned bucket) noexcept;

  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace podwall::gen
