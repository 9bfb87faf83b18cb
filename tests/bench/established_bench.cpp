// Established flows: what the worker's decision path costs for the frames that make up nearly
// all of a firewall's traffic -- segments of TCP connections it already tracks. Each flow is
// opened with a real handshake (SYN, SYN+ACK, ACK), then every flow sends one ACK per round,
// the direction alternating from round to round, through decide_burst() in bursts of 32 as
// the worker calls it, minus the PMD, on one core. 10,000 policies over 100,000 pods; the
// flow count sets how much of the flow table a round touches (64: all in L1; 10,000: the
// benchmarks' working set).
//
//   build/tests/bench/established_bench [FLOWS...]   (default 64 1000 10000)

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <utility>
#include <vector>

#include "control/compiler/compiler.h"
#include "dataplane/conntrack/firewall.h"
#include "tests/bench/bench_frames.h"
#include "tests/bench/synthetic/synthetic_cluster.h"

using namespace podwall;

namespace {

FlowQuery reversed(const FlowQuery& f, uint16_t sport) {
  FlowQuery r = f;
  std::swap(r.src, r.dst);
  r.dst_port = sport;
  return r;
}

struct Run {
  explicit Run(const PolicyTables& t) : tables(t) {}

  const PolicyTables& tables;
  FlowTable flows{1u << 20, FlowTimeouts{}, 42};
  FragmentTracker fragments{FragmentTracker::kDefaultCapacity, FragmentTracker::kDefaultTimeoutNs,
                            43};
  FirewallConfig config;
  WorkerCounters counters;
  std::unique_ptr<BurstScratch> scratch = std::make_unique<BurstScratch>();
  uint64_t now = 3600ull * 1'000'000'000ull;
  uint64_t passed = 0;
  uint64_t judged = 0;

  // Frames in bursts of kMaxBurst (a short last one included).
  void judge(const std::vector<std::vector<uint8_t>>& frames) {
    const uint8_t* burst[kMaxBurst];
    uint32_t lengths[kMaxBurst];
    Decision decisions[kMaxBurst];
    for (size_t i = 0; i < frames.size(); i += kMaxBurst) {
      uint32_t n = uint32_t(std::min<size_t>(kMaxBurst, frames.size() - i));
      for (uint32_t j = 0; j < n; ++j) {
        burst[j] = frames[i + j].data();
        lengths[j] = uint32_t(frames[i + j].size());
      }
      decide_burst(burst, lengths, n, *scratch, &tables, tables.generation, flows, fragments, now,
                   config, counters, decisions);
      for (uint32_t j = 0; j < n; ++j) passed += decisions[j].passed();
      judged += n;
    }
    now += 1000;
  }
};

}  // namespace

int main(int argc, char** argv) {
  using Clock = std::chrono::steady_clock;
  std::vector<size_t> counts = {64, 1000, 10000};
  if (argc > 1) {
    counts.clear();
    for (int i = 1; i < argc; ++i) counts.push_back(std::strtoull(argv[i], nullptr, 10));
  }
  SyntheticSpec spec;
  spec.policies = 10000;
  Cluster cluster = make_synthetic_cluster(spec);
  auto tables = compile_policy(cluster);
  std::vector<FlowQuery> allowed;
  for (const FlowQuery& f : sample_flows(cluster, 200000, 1.0, 11)) {
    if (f.src.is_v4() && f.ip_proto == 6 && classify(*tables, f) == Verdict::allow) {
      allowed.push_back(f);
    }
  }
  std::printf("%9s %9s %12s %10s %9s\n", "flows", "frames", "frames/s", "ns/frame", "passed");
  for (size_t count : counts) {
    if (count > allowed.size()) {
      std::fprintf(stderr, "only %zu allowed TCP flows in the sample\n", allowed.size());
      return 1;
    }
    std::vector<std::vector<uint8_t>> syns, syn_acks, forward, backward;
    for (size_t i = 0; i < count; ++i) {
      const uint16_t sport = uint16_t(10000 + i % 50000);
      syns.push_back(bench_frame(allowed[i], sport, tcp_flag::syn));
      syn_acks.push_back(bench_frame(reversed(allowed[i], sport), allowed[i].dst_port,
                                     tcp_flag::syn | tcp_flag::ack));
      forward.push_back(bench_frame(allowed[i], sport, tcp_flag::ack));
      backward.push_back(
          bench_frame(reversed(allowed[i], sport), allowed[i].dst_port, tcp_flag::ack));
    }
    Run run(*tables);
    run.judge(syns);
    run.judge(syn_acks);
    run.judge(forward);
    if (run.passed != 3 * count) {
      std::fprintf(stderr, "%zu flows: the handshakes passed %llu of %zu frames\n", count,
                   static_cast<unsigned long long>(run.passed), 3 * count);
      return 1;
    }
    run.passed = run.judged = 0;
    const size_t rounds = 20'000'000 / count + 1;
    auto start = Clock::now();
    for (size_t r = 0; r < rounds; ++r) run.judge(r % 2 ? backward : forward);
    double s = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("%9zu %9llu %12.0f %10.1f %8.0f%%\n", count,
                static_cast<unsigned long long>(run.judged), double(run.judged) / s,
                s * 1e9 / double(run.judged), 100.0 * double(run.passed) / double(run.judged));
    std::printf("CSV established,%zu,%.1f\n", count, s * 1e9 / double(run.judged));
    std::fflush(stdout);
  }
  return 0;
}
