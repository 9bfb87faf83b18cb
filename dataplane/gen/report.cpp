#include "dataplane/gen/report.h"

#include <cinttypes>
#include <cstdio>

namespace podwall::gen {

void print_result(const std::string& label, const char* kind, double offered_pps,
                  const TrialResult& r) {
  const Snapshot& t = r.totals;
  double s = r.seconds > 0 ? r.seconds : 1;
  const LatencyHistogram& l = r.latency;
  uint64_t allowed_lost = t.tx_by[int(Expect::allow)] > t.rx_by[int(Expect::allow)]
                              ? t.tx_by[int(Expect::allow)] - t.rx_by[int(Expect::allow)]
                              : 0;
  std::printf(
      "%s %s: tx %" PRIu64 " (%.3f Mpps, %.3f Gbps)  rx %" PRIu64
      " (%.3f Mpps, %.3f Gbps)  "
      "loss %.3f%%  latency us min %.1f p50 %.1f p99 %.1f max %.1f  denied flows received %" PRIu64
      "%s  allowed flows lost %" PRIu64 "\n",
      kind, label.c_str(), t.tx, double(t.tx) / s / 1e6, double(t.tx_bytes) * 8 / s / 1e9, t.rx,
      double(t.rx) / s / 1e6, double(t.rx_bytes) * 8 / s / 1e9, t.loss_percent(),
      double(l.min()) / 1e3, double(l.percentile(0.5)) / 1e3, double(l.percentile(0.99)) / 1e3,
      double(l.max()) / 1e3, t.rx_by[int(Expect::deny)],
      t.rx_by[int(Expect::deny)] ? " (MUST BE 0)" : "", allowed_lost);
  std::printf("RESULT kind=%s size=%s offered_pps=%.0f tx=%" PRIu64 " rx=%" PRIu64
              " seconds=%.3f tx_pps=%.0f rx_pps=%.0f loss_pct=%.4f lat_min_ns=%" PRIu64
              " lat_p50_ns=%" PRIu64 " lat_p99_ns=%" PRIu64 " lat_max_ns=%" PRIu64
              " denied_rx=%" PRIu64 " allowed_lost=%" PRIu64 " foreign_rx=%" PRIu64 "\n",
              kind, label.c_str(), offered_pps, t.tx, t.rx, s, double(t.tx) / s, double(t.rx) / s,
              t.loss_percent(), l.min(), l.percentile(0.5), l.percentile(0.99), l.max(),
              t.rx_by[int(Expect::deny)], allowed_lost, t.foreign);
  std::fflush(stdout);
}

}  // namespace podwall::gen
