// New flows per second: every frame opens a new flow, so every frame is parsed, misses
// conntrack, is classified and (if allowed) inserted — the worker's whole per-frame pipeline
// (decide_burst over bursts of 32, as the worker calls it) minus the PMD, on one core, for 10
// to 10,000 policies over 100,000 pods.
// Flows are 100,000 IPv4 TCP SYNs / UDP datagrams sampled from the cluster (about half
// allowed); between passes the clock jumps past every timeout, so each frame meets an expired
// entry (removed on lookup) and is judged as new.
//
//   build/tests/bench/new_flows_bench [POLICIES...]   (default 10 100 1000 10000)

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "control/compiler/compiler.h"
#include "dataplane/conntrack/firewall.h"
#include "tests/bench/synthetic/synthetic_cluster.h"

namespace {

using namespace podwall;

void put16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}

// A 60-byte frame: Ethernet, IPv4, and a TCP SYN or a UDP header.
std::vector<uint8_t> frame_of(const FlowQuery& f, uint16_t sport) {
  std::vector<uint8_t> b(60, 0);
  b[0] = 0x02;
  b[6] = 0x02;
  b[11] = 1;
  put16(&b[12], 0x0800);
  uint8_t* ip = &b[14];
  ip[0] = 0x45;
  put16(ip + 2, 46);
  ip[8] = 64;
  ip[9] = f.ip_proto;
  uint32_t s = f.src.v4_host_order(), d = f.dst.v4_host_order();
  for (int i = 0; i < 4; ++i) {
    ip[12 + i] = uint8_t(s >> (24 - 8 * i));
    ip[16 + i] = uint8_t(d >> (24 - 8 * i));
  }
  uint8_t* l4 = ip + 20;
  put16(l4, sport);
  put16(l4 + 2, f.dst_port);
  if (f.ip_proto == 6) {
    l4[12] = 5 << 4;
    l4[13] = 0x02;  // SYN
    put16(l4 + 14, 65535);
  } else {
    put16(l4 + 4, 26);
  }
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  using Clock = std::chrono::steady_clock;
  std::vector<size_t> counts = {10, 100, 1000, 10000};
  if (argc > 1) {
    counts.clear();
    for (int i = 1; i < argc; ++i) counts.push_back(std::strtoull(argv[i], nullptr, 10));
  }
  std::printf("%9s %10s %12s %10s %10s\n", "policies", "flows", "new flows/s", "ns/frame",
              "allowed");
  for (size_t policies : counts) {
    SyntheticSpec spec;
    spec.policies = policies;
    Cluster cluster = make_synthetic_cluster(spec);
    auto tables = compile_policy(cluster);
    std::vector<std::vector<uint8_t>> frames;
    uint16_t sport = 10000;
    for (const FlowQuery& f : sample_flows(cluster, 200000, 0.5, 11)) {
      if (!f.src.is_v4() || (f.ip_proto != 6 && f.ip_proto != 17)) continue;
      frames.push_back(frame_of(f, sport++));
      if (sport == 60000) sport = 10000;
      if (frames.size() == 100000) break;
    }
    FlowTable flows(1u << 20, FlowTimeouts{}, 42);
    FragmentTracker fragments(FragmentTracker::kDefaultCapacity, FragmentTracker::kDefaultTimeoutNs,
                              43);
    FirewallConfig config;
    WorkerCounters counters;
    auto scratch = std::make_unique<BurstScratch>();
    const uint64_t hour = 3600ull * 1'000'000'000ull;
    uint64_t now = hour, passed = 0, judged = 0;
    const uint8_t* burst[kMaxBurst];
    uint32_t lengths[kMaxBurst];
    Decision decisions[kMaxBurst];
    auto start = Clock::now();
    for (int pass = 0; pass < 10; ++pass, now += 25 * hour) {
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
    }
    double s = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("%9zu %10zu %12.0f %10.1f %9.0f%%\n", policies, frames.size(), double(judged) / s,
                s * 1e9 / double(judged), 100.0 * double(passed) / double(judged));
    std::printf("CSV newflows,%zu,%.0f\n", policies, double(judged) / s);
    std::fflush(stdout);
  }
  return 0;
}
