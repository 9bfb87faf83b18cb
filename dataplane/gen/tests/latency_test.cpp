#include <gtest/gtest.h>

#include "dataplane/gen/latency.h"

namespace podwall::gen {
namespace {

TEST(Latency, PercentilesWithinBucketError) {
  LatencyHistogram h;
  for (uint64_t ns = 1; ns <= 100000; ++ns) h.add(ns);
  EXPECT_EQ(h.count(), 100000u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 100000u);
  EXPECT_NEAR(double(h.percentile(0.5)), 50000, 50000 * 0.035);
  EXPECT_NEAR(double(h.percentile(0.99)), 99000, 99000 * 0.035);
  EXPECT_EQ(h.percentile(1.0), 100000u);
}

TEST(Latency, SmallValuesAreExactAndMergeAdds) {
  LatencyHistogram a, b;
  a.add(3);
  b.add(5);
  b.add(7);
  a.merge(b);
  EXPECT_EQ(a.count(), 3u);
  EXPECT_EQ(a.percentile(0.5), 5u);
  EXPECT_EQ(a.min(), 3u);
  a.clear();
  EXPECT_EQ(a.count(), 0u);
  EXPECT_EQ(a.percentile(0.5), 0u);
}

}  // namespace
}  // namespace podwall::gen
