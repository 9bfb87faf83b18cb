// Random clusters, random flows: the compiled tables must agree with the reference evaluator
// (reference_evaluator.cpp, a literal reading of DESIGN.md) on every flow. Each cluster goes in
// twice: built directly as a model (the compiler alone) and written as YAML for the loader
// (loader + compiler, policyTypes inference included).
//
// Deterministic: cluster i uses seed base+i. A failure prints the seed; replay one cluster with
// PODWALL_PROPERTY_SEED=<seed> PODWALL_PROPERTY_CLUSTERS=1.

#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "control/compiler/compiler.h"
#include "control/loader/loader.h"
#include "dataplane/policy/classify.h"
#include "dataplane/policy/explain.h"
#include "tests/unit/policy/random_cluster.h"
#include "tests/unit/policy/reference_evaluator.h"

namespace podwall::testing {
namespace {

namespace fs = std::filesystem;

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  return value ? std::strtoull(value, nullptr, 0) : fallback;
}

const char* verdict_name(Verdict v) {
  return v == Verdict::allow ? "allow" : "deny";
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("podwall-property-" + std::to_string(getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

struct Totals {
  size_t clusters = 0;
  size_t flows = 0;
  size_t allowed = 0;
  size_t failures = 0;
};

// Compares every flow; returns false after too many failures to keep the log readable.
void check_flows(const char* path_name, uint64_t seed, const RawCluster& raw,
                 const PolicyTables& tables, const std::vector<FlowQuery>& flows, Totals& totals) {
  bool printed_cluster = false;
  // The batched classifier must give each flow the very verdict classify() gives it alone.
  std::vector<Verdict> batched(flows.size());
  classify_burst(tables, flows.data(), uint32_t(flows.size()), batched.data());
  for (size_t i = 0; i < flows.size(); ++i) {
    const FlowQuery& flow = flows[i];
    Verdict want = reference_verdict(raw, flow);
    Verdict got = classify(tables, flow);
    if (batched[i] != got && ++totals.failures <= 20) {
      ADD_FAILURE() << "seed " << seed << " (" << path_name << "): " << describe_flow(flow)
                    << ": classify() says " << verdict_name(got) << ", classify_burst() says "
                    << verdict_name(batched[i]);
    }
    if (want == got) continue;
    if (++totals.failures > 20) continue;
    ADD_FAILURE() << "seed " << seed << " (" << path_name << "): " << describe_flow(flow)
                  << ": reference says " << verdict_name(want) << ", classify() says "
                  << verdict_name(got)
                  << "\n  why: " << format_explanation(tables, explain(tables, flow))
                  << (printed_cluster ? "" : "\n  cluster:\n" + to_yaml(raw));
    printed_cluster = true;
  }
}

TEST(PolicyProperty, CompiledTablesAgreeWithTheReferenceEvaluator) {
  const uint64_t base = env_or("PODWALL_PROPERTY_SEED", 0x9e3779b9);
  const uint64_t clusters = env_or("PODWALL_PROPERTY_CLUSTERS", 400);
  const size_t flows_per_cluster = 40;
  Totals totals;
  for (uint64_t i = 0; i < clusters; ++i) {
    const uint64_t seed = base + i;
    std::mt19937_64 rng(seed);
    RawCluster raw = random_cluster(rng);
    std::vector<FlowQuery> flows = random_flows(raw, flows_per_cluster, rng);
    ++totals.clusters;
    totals.flows += flows.size();
    for (const FlowQuery& flow : flows) {
      totals.allowed += reference_verdict(raw, flow) == Verdict::allow;
    }

    auto direct = compile_policy(to_model(raw));
    ASSERT_NE(direct, nullptr) << "seed " << seed;
    check_flows("model", seed, raw, *direct, flows, totals);

    TempDir dir;
    std::ofstream(dir.path() / "cluster.yaml") << to_yaml(raw);
    LoadResult loaded = load_directory(dir.path().string());
    for (const Diagnostic& error : loaded.errors) {
      ADD_FAILURE() << "seed " << seed
                    << ": the loader rejects a valid cluster: " << error.to_string() << "\n"
                    << to_yaml(raw);
    }
    if (!loaded.errors.empty()) continue;
    auto via_yaml = compile_policy(loaded.cluster);
    ASSERT_NE(via_yaml, nullptr) << "seed " << seed;
    check_flows("yaml", seed, raw, *via_yaml, flows, totals);
  }
  EXPECT_EQ(totals.failures, 0u) << "disagreements (first 20 shown above)";
  // The generator must keep producing both verdicts, or the test proves little.
  if (clusters >= 100) {
    EXPECT_GE(totals.flows, 10000u);
    EXPECT_GT(totals.allowed, totals.flows / 10);
    EXPECT_LT(totals.allowed, totals.flows * 9 / 10);
  }
  std::printf("property: %zu clusters, %zu flows (%zu allowed), each checked twice\n",
              totals.clusters, totals.flows, totals.allowed);
}

// The generator is part of the test: make sure it is deterministic for a seed.
TEST(PolicyProperty, GeneratorIsDeterministic) {
  std::mt19937_64 a(42), b(42);
  EXPECT_EQ(to_yaml(random_cluster(a)), to_yaml(random_cluster(b)));
}

}  // namespace
}  // namespace podwall::testing
