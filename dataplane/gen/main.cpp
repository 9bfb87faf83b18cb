// podwall-gen: a DPDK traffic generator for podwall's benchmarks. Transmits a profile's flows
// on one port, receives on another, and reports rates, loss, latency and whether any frame of
// a flow the policy denies came through. With --rfc2544, a zero-loss (or <= threshold) rate
// search per frame size.

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <string>

#include "dataplane/gen/engine.h"
#include "dataplane/gen/frame.h"
#include "dataplane/gen/options.h"
#include "dataplane/gen/ports.h"
#include "dataplane/gen/profile.h"
#include "dataplane/gen/report.h"

namespace {

using namespace podwall::gen;

constexpr int kExitEnvironment = 1;
constexpr int kExitUsage = 2;
constexpr int kExitDeniedReceived = 3;
constexpr double kDefaultSeconds = 10;

void on_signal(int) {
  request_stop();
}

double mean_frame(const SizeMix& mix) {
  double sum = 0, weight = 0;
  for (auto [size, w] : mix.sizes) {
    sum += double(size) * w;
    weight += w;
  }
  return sum / weight;
}

// pps for the profile's rate at this size mix; 0 = unlimited. False if % has no line rate.
bool offered_pps(const Profile& p, const SizeMix& mix, uint64_t link_bps, double& pps,
                 std::string& error) {
  switch (p.rate.kind) {
    case Rate::Kind::unlimited:
      pps = 0;
      return true;
    case Rate::Kind::pps:
      pps = p.rate.value;
      return true;
    case Rate::Kind::percent: {
      uint64_t bps = p.rate.line_bps ? p.rate.line_bps : link_bps;
      if (bps == 0) {
        error = p.path + ": rate " + std::to_string(p.rate.value) +
                "% needs line_rate: the tx port reports no link speed";
        return false;
      }
      // On the wire a frame also takes 8 B of preamble and a 12 B gap.
      pps = double(bps) * p.rate.value / 100 / ((mean_frame(mix) + 20) * 8);
      return true;
    }
  }
  return false;
}

// Highest rate with loss <= threshold: first at full speed, then a binary search below what
// the generator managed to send. Stops when the bracket is within 1 % or after 12 trials.
TrialResult rfc2544(Engine& engine, const SizeMix& mix, const GenOptions& o, double& best_pps) {
  TrialSpec spec{&mix, 0, o.trial_seconds, 0, false};
  TrialResult probe, best;
  engine.run(spec, probe);
  double top = double(probe.totals.tx) / probe.seconds;
  std::printf("rfc2544 %s: full speed %.3f Mpps, loss %.3f%%\n", mix.label.c_str(), top / 1e6,
              probe.totals.loss_percent());
  if (probe.totals.loss_percent() <= o.loss_threshold) {
    best_pps = top;
    return probe;
  }
  double lo = 0, hi = top;
  best_pps = 0;
  for (int i = 0; i < 12 && hi - lo > top * 0.01 && !stop_requested(); ++i) {
    double mid = (lo + hi) / 2;
    spec.pps = mid;
    TrialResult r;
    engine.run(spec, r);
    bool ok = r.totals.loss_percent() <= o.loss_threshold;
    std::printf("rfc2544 %s: %.3f Mpps -> loss %.3f%% %s\n", mix.label.c_str(), mid / 1e6,
                r.totals.loss_percent(), ok ? "pass" : "fail");
    std::fflush(stdout);
    if (ok) {
      lo = mid;
      best = r;
      best_pps = mid;
    } else {
      hi = mid;
    }
  }
  return best;
}

int run(int argc, char** argv) {
  int consumed = rte_eal_init(argc, argv);
  if (consumed < 0) {
    std::fprintf(stderr, "podwall-gen: EAL init failed: %s\n", rte_strerror(rte_errno));
    return kExitEnvironment;
  }
  int first = consumed + 1;
  if (first < argc && std::string(argv[first]) == "--") ++first;
  bool help = false;
  std::string error;
  auto options = parse_gen_options(argc, argv, first, help, error);
  if (!options) {
    std::fputs(kGenUsage, help ? stdout : stderr);
    if (!help) std::fprintf(stderr, "podwall-gen: %s\n", error.c_str());
    return help ? 0 : kExitUsage;
  }
  auto profile = load_profile(options->profile, error);
  if (!profile) {
    std::fprintf(stderr, "podwall-gen: %s\n", error.c_str());
    return kExitUsage;
  }
  if (profile->flows.size() > kMaxGroups) {
    std::fprintf(stderr, "podwall-gen: %s: at most %u flow entries\n", profile->path.c_str(),
                 kMaxGroups);
    return kExitUsage;
  }
  if (rte_lcore_count() < 2) {
    std::fprintf(stderr,
                 "podwall-gen: needs a lcore besides the main one (e.g. -l 0,1; "
                 "-l 0,1,2 transmits and receives on separate cores)\n");
    return kExitEnvironment;
  }
  uint16_t max_frame = 0;
  for (const SizeMix& m : profile->sweep)
    for (auto [size, w] : m.sizes) max_frame = std::max(max_frame, size);

  GenPorts ports;
  if (!open_ports(*options, max_frame, ports, error)) {
    std::fprintf(stderr, "podwall-gen: %s\n", error.c_str());
    return kExitEnvironment;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  Engine engine(*profile, ports, options->drain_ms);
  uint64_t denied = 0;
  int status = 0;
  for (const SizeMix& mix : profile->sweep) {
    if (stop_requested()) break;
    TrialResult result;
    double pps = 0;
    if (options->rfc2544) {
      result = rfc2544(engine, mix, *options, pps);
      print_result(mix.label, "rfc2544", pps, result);
    } else {
      if (!offered_pps(*profile, mix, ports.tx_link_bps, pps, error)) {
        std::fprintf(stderr, "podwall-gen: %s\n", error.c_str());
        status = kExitUsage;
        break;
      }
      double seconds =
          profile->duration_s > 0 || profile->count > 0 ? profile->duration_s : kDefaultSeconds;
      TrialSpec spec{&mix, pps, seconds, profile->count, !options->quiet};
      engine.run(spec, result);
      print_result(mix.label, "run", pps, result);
    }
    denied += result.totals.rx_by[int(Expect::deny)];
  }
  close_ports(ports);
  rte_eal_cleanup();
  if (status != 0) return status;
  return denied > 0 ? kExitDeniedReceived : 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "podwall-gen: fatal: %s\n", e.what());
    return kExitEnvironment;
  }
}
