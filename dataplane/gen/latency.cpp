#include "dataplane/gen/latency.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace podwall::gen {

unsigned LatencyHistogram::bucket_of(uint64_t ns) noexcept {
  // Values below 2^kSubBits get a bucket each; above, the top kSubBits bits after the leading
  // one pick the bucket within its power of two.
  if (ns < (uint64_t(1) << kSubBits)) return unsigned(ns);
  unsigned exponent = 63 - unsigned(std::countl_zero(ns));
  unsigned shift = exponent - kSubBits;
  unsigned sub = unsigned(ns >> shift) & ((1u << kSubBits) - 1);
  return ((shift + 1) << kSubBits) | sub;
}

uint64_t LatencyHistogram::upper_edge(unsigned bucket) noexcept {
  unsigned shift_plus_one = bucket >> kSubBits;
  uint64_t sub = bucket & ((1u << kSubBits) - 1);
  if (shift_plus_one == 0) return sub;
  unsigned shift = shift_plus_one - 1;
  uint64_t base = (uint64_t(1) << kSubBits | sub) << shift;
  return base + ((uint64_t(1) << shift) - 1);
}

void LatencyHistogram::add(uint64_t ns) noexcept {
  buckets_[bucket_of(ns)]++;
  count_++;
  min_ = std::min(min_, ns);
  max_ = std::max(max_, ns);
}

void LatencyHistogram::merge(const LatencyHistogram& other) noexcept {
  for (unsigned i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

uint64_t LatencyHistogram::percentile(double q) const noexcept {
  if (count_ == 0) return 0;
  uint64_t rank = uint64_t(std::ceil(std::clamp(q, 0.0, 1.0) * double(count_)));
  if (rank == 0) rank = 1;
  uint64_t seen = 0;
  for (unsigned i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::clamp(upper_edge(i), min(), max_);
  }
  return max_;
}

}  // namespace podwall::gen
