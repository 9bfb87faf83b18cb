// classify() cost per new flow as the policy count grows: 10, 1,000 and 10,000 policies over
// the same synthetic cluster of 1,000 namespaces and 100,000 pods. The verdict cost must not
// depend on the number of policies (target: 10,000 within 1.5x of 10).
//
//   build/tests/bench/classify_bench [--benchmark_min_time=1]

#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <memory>

#include "control/compiler/compiler.h"
#include "tests/bench/synthetic/synthetic_cluster.h"

namespace podwall {
namespace {

// Flows per classify_burst() call: a receive burst.
constexpr size_t kBurstFlows = 32;

struct Fixture {
  std::unique_ptr<PolicyTables> tables;
  std::vector<FlowQuery> flows;
  double allowed = 0;
};

const Fixture& fixture(size_t policies) {
  static std::map<size_t, Fixture> cache;
  auto [it, inserted] = cache.try_emplace(policies);
  if (inserted) {
    Cluster cluster = make_synthetic_cluster({1000, 100000, policies, 1});
    it->second.tables = compile_policy(cluster);
    // Many distinct flows, so the benchmark sees cache misses like a busy worker does.
    it->second.flows = sample_flows(cluster, 1 << 16, 0.5, 7);
    size_t allowed = 0;
    for (const auto& f : it->second.flows)
      allowed += classify(*it->second.tables, f) == Verdict::allow;
    it->second.allowed = double(allowed) / double(it->second.flows.size());
  }
  return it->second;
}

void BM_classify(benchmark::State& state) {
  const Fixture& f = fixture(size_t(state.range(0)));
  size_t i = 0, allowed = 0;
  for (auto _ : state) {
    allowed += classify(*f.tables, f.flows[i]) == Verdict::allow;
    i = (i + 1) & (f.flows.size() - 1);
  }
  benchmark::DoNotOptimize(allowed);
  state.SetItemsProcessed(int64_t(state.iterations()));
  state.counters["allowed_share"] = f.allowed;
}
BENCHMARK(BM_classify)->Arg(10)->Arg(1000)->Arg(10000)->Unit(benchmark::kNanosecond);

// The same flows through classify_burst() in batches of kBurstFlows, the way new flows
// arrive at a worker and the way rte_acl_classify() is fed. Time is per flow.
void BM_classify_burst(benchmark::State& state) {
  const Fixture& f = fixture(size_t(state.range(0)));
  size_t i = 0, allowed = 0;
  Verdict verdicts[kBurstFlows];
  for (auto _ : state) {
    classify_burst(*f.tables, &f.flows[i], kBurstFlows, verdicts);
    for (Verdict v : verdicts) allowed += v == Verdict::allow;
    i = (i + kBurstFlows) & (f.flows.size() - 1);
  }
  benchmark::DoNotOptimize(allowed);
  state.SetItemsProcessed(int64_t(state.iterations() * kBurstFlows));
  state.counters["allowed_share"] = f.allowed;
}
BENCHMARK(BM_classify_burst)->Arg(10)->Arg(1000)->Arg(10000)->Unit(benchmark::kNanosecond);

// Remembers each run's time per flow so main() can print the flatness ratios.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  struct PerFlow {
    std::map<int64_t, double> wall_ns;
    std::map<int64_t, double> cpu_ns;  // this thread's CPU time: steadier on a shared machine
  };
  std::map<std::string, PerFlow> by_benchmark;  // "BM_classify", "BM_classify_burst"

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
      std::string name = run.benchmark_name();
      size_t slash = name.find('/');
      int64_t arg = std::stoll(name.substr(slash + 1));
      // Per flow: a burst iteration judges a whole batch.
      double flows = name.starts_with("BM_classify_burst/") ? double(kBurstFlows) : 1.0;
      PerFlow& t = by_benchmark[name.substr(0, slash)];
      t.wall_ns[arg] = run.GetAdjustedRealTime() / flows;
      t.cpu_ns[arg] = run.GetAdjustedCPUTime() / flows;
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

}  // namespace
}  // namespace podwall

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  podwall::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  for (const auto& [name, per_flow] : reporter.by_benchmark) {
    const char* what = name == "BM_classify" ? "classify()" : "classify_burst()";
    for (const auto* t : {&per_flow.wall_ns, &per_flow.cpu_ns}) {
      if (!t->count(10) || !t->count(10000)) continue;
      const char* clock = t == &per_flow.wall_ns ? "wall" : "cpu";
      double ratio = t->at(10000) / t->at(10);
      std::printf("\n%s %s ns/flow: 10 policies %.1f, 1000 policies %.1f, 10000 policies %.1f\n",
                  what, clock, t->at(10), t->count(1000) ? t->at(1000) : 0.0, t->at(10000));
      std::printf("%s %s ratio 10000/10 = %.2f (target <= 1.50): %s\n", what, clock, ratio,
                  ratio <= 1.5 ? "met" : "NOT met");
    }
  }
  benchmark::Shutdown();
  return 0;
}
