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

// Remembers each run's time per flow so main() can print the flatness ratio.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  std::map<int64_t, double> ns_per_flow;  // wall clock
  std::map<int64_t, double>
      cpu_ns_per_flow;  // this thread's CPU time: steadier on a shared machine
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
      std::string name = run.benchmark_name();
      int64_t arg = std::stoll(name.substr(name.find('/') + 1));
      ns_per_flow[arg] = run.GetAdjustedRealTime();
      cpu_ns_per_flow[arg] = run.GetAdjustedCPUTime();
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
  for (auto* t : {&reporter.ns_per_flow, &reporter.cpu_ns_per_flow}) {
    if (!t->count(10) || !t->count(10000)) continue;
    const char* clock = t == &reporter.ns_per_flow ? "wall" : "cpu";
    double ratio = (*t)[10000] / (*t)[10];
    std::printf(
        "\nclassify %s ns/flow: 10 policies %.1f, 1000 policies %.1f, 10000 policies %.1f\n", clock,
        (*t)[10], t->count(1000) ? (*t)[1000] : 0.0, (*t)[10000]);
    std::printf("%s ratio 10000/10 = %.2f (target <= 1.50): %s\n", clock, ratio,
                ratio <= 1.5 ? "met" : "NOT met");
  }
  benchmark::Shutdown();
  return 0;
}
