// New flows per second: every frame opens a new flow, so every frame is parsed, misses
// conntrack, is classified and (if allowed) inserted — the worker's whole per-frame pipeline
// (decide_burst over bursts of 32, as the worker calls it) minus the PMD, on one core, for 10
// to 10,000 policies over 100,000 pods.
// Flows are 100,000 IPv4 TCP SYNs / UDP datagrams sampled from the cluster (about half
// allowed); between passes the clock jumps past every timeout, so each frame meets an expired
// entry (removed on lookup) and is judged as new. A second run sweeps the expired entries away
// between passes, so that each frame finds no entry at all, as most new connections do.
//
//   build/tests/bench/new_flows_bench [POLICIES...]   (default 10 100 1000 10000)

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "control/compiler/compiler.h"
#include "dataplane/conntrack/firewall.h"
#include "tests/bench/bench_frames.h"
#include "tests/bench/synthetic/synthetic_cluster.h"

using namespace podwall;

int main(int argc, char** argv) {
  using Clock = std::chrono::steady_clock;
  std::vector<size_t> counts = {10, 100, 1000, 10000};
  if (argc > 1) {
    counts.clear();
    for (int i = 1; i < argc; ++i) counts.push_back(std::strtoull(argv[i], nullptr, 10));
  }
  std::printf("%9s %10s %12s %10s %10s %12s %10s\n", "policies", "flows", "new flows/s", "ns/frame",
              "allowed", "no entry/s", "ns/frame");
  for (size_t policies : counts) {
    SyntheticSpec spec;
    spec.policies = policies;
    Cluster cluster = make_synthetic_cluster(spec);
    auto tables = compile_policy(cluster);
    std::vector<std::vector<uint8_t>> frames;
    uint16_t sport = 10000;
    for (const FlowQuery& f : sample_flows(cluster, 200000, 0.5, 11)) {
      if (!f.src.is_v4() || (f.ip_proto != 6 && f.ip_proto != 17)) continue;
      frames.push_back(bench_frame(f, sport++, tcp_flag::syn));
      if (sport == 60000) sport = 10000;
      if (frames.size() == 100000) break;
    }
    // `sweep`: the expired entries are swept away between passes (untimed), so that a frame
    // finds no entry at all, as most new connections do; otherwise each frame meets its flow's
    // expired entry and removes it on the way.
    auto measure = [&](bool sweep, double& allowed_share) {
      FlowTable flows(1u << 20, FlowTimeouts{}, 42);
      FragmentTracker fragments(FragmentTracker::kDefaultCapacity,
                                FragmentTracker::kDefaultTimeoutNs, 43);
      FirewallConfig config;
      WorkerCounters counters;
      auto scratch = std::make_unique<BurstScratch>();
      const uint64_t hour = 3600ull * 1'000'000'000ull;
      uint64_t now = hour, passed = 0, judged = 0;
      const uint8_t* burst[kMaxBurst];
      uint32_t lengths[kMaxBurst];
      Decision decisions[kMaxBurst];
      Clock::duration spent{};
      for (int pass = 0; pass < 10; ++pass, now += 25 * hour) {
        if (sweep) flows.expire(now, flows.capacity());
        auto start = Clock::now();
        for (size_t i = 0; i + kMaxBurst <= frames.size(); i += kMaxBurst) {
          for (uint32_t j = 0; j < kMaxBurst; ++j) {
            burst[j] = frames[i + j].data();
            lengths[j] = uint32_t(frames[i + j].size());
          }
          decide_burst(burst, lengths, kMaxBurst, *scratch, tables.get(), tables->generation, flows,
                       fragments, now, config, counters, decisions);
          for (const Decision& d : decisions) passed += d.passed();
          judged += kMaxBurst;
        }
        spent += Clock::now() - start;
      }
      allowed_share = double(passed) / double(judged);
      return double(judged) / std::chrono::duration<double>(spent).count();
    };
    double allowed = 0;
    const double stale = measure(false, allowed);
    const double fresh = measure(true, allowed);
    std::printf("%9zu %10zu %12.0f %10.1f %9.0f%% %12.0f %10.1f\n", policies, frames.size(), stale,
                1e9 / stale, 100.0 * allowed, fresh, 1e9 / fresh);
    std::printf("CSV newflows,%zu,%.0f\n", policies, stale);
    std::printf("CSV newflows_no_entry,%zu,%.0f\n", policies, fresh);
    std::fflush(stdout);
  }
  return 0;
}
