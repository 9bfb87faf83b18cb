#include "control/watch/latency_window.h"

#include <algorithm>
#include <cmath>

namespace podwall {

void LatencyWindow::record(std::chrono::nanoseconds sample) {
  last_ = sample;
  ++total_;
  if (capacity_ == 0) return;
  if (samples_.size() < capacity_) {
    samples_.push_back(sample);
    return;
  }
  samples_[next_] = sample;
  next_ = (next_ + 1) % capacity_;
}

std::chrono::nanoseconds LatencyWindow::percentile(double p) const {
  if (samples_.empty()) return std::chrono::nanoseconds(0);
  std::vector<std::chrono::nanoseconds> sorted = samples_;
  std::sort(sorted.begin(), sorted.end());
  double rank = std::ceil(p / 100.0 * double(sorted.size()));
  size_t index = rank < 1 ? 0 : std::min(sorted.size(), size_t(rank)) - 1;
  return sorted[index];
}

}  // namespace podwall
