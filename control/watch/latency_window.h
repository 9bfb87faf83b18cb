#pragma once
// The last N reload latencies and their percentiles (nearest rank). Small and exact: a window
// of a thousand samples sorts in microseconds, and only `status` asks.
//
// Thread: not thread-safe; the control thread records and reads.

#include <chrono>
#include <cstddef>
#include <vector>

namespace podwall {

class LatencyWindow {
 public:
  explicit LatencyWindow(size_t capacity = 1000) : capacity_(capacity) {}

  void record(std::chrono::nanoseconds sample);
  // Nearest-rank percentile (0 < p <= 100) of the samples in the window; 0 when empty.
  std::chrono::nanoseconds percentile(double p) const;
  size_t size() const { return samples_.size(); }
  size_t total() const { return total_; }  // every sample ever recorded
  std::chrono::nanoseconds last() const { return last_; }

 private:
  size_t capacity_;
  std::vector<std::chrono::nanoseconds> samples_;  // ring once full
  size_t next_ = 0;
  size_t total_ = 0;
  std::chrono::nanoseconds last_{0};
};

}  // namespace podwall
