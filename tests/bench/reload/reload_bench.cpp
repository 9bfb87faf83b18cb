// Hot reload latency without DPDK: the directory watcher, the per-file loader and the compiler,
// from a file landing in the watched directory (close + rename) to the new tables being ready.
// For the lab (config/lab/10-three-tier-zero-trust) and the synthetic 100,000-pod /
// 10,000-policy cluster: a forced full reload, a cold load (every file parsed), and one-object
// changes (a pod relabelled, a policy edited, alternately), p50 and p99. Prints a table.
//
//   build/tests/bench/reload/reload_bench [--scale lab|big|both] [--changes N] [--full N]
//
// The daemon's side (close-write -> every worker on the new generation) is measured by
// scripts/bench_reload.py over net_null ports.

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "control/compiler/compiler.h"
#include "control/loader/loader.h"
#include "control/watch/hot_reloader.h"
#include "tests/bench/synthetic/synthetic_cluster.h"

namespace podwall {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

struct Sample {
  std::vector<double> total, apply, build, compile;
  void add(double t, const ReloadStatus& s) {
    total.push_back(t);
    apply.push_back(ms(s.last_apply));
    build.push_back(ms(s.last_build));
    compile.push_back(ms(s.last_compile));
  }
};

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = size_t(std::max(1.0, std::ceil(p / 100 * double(v.size()))));
  return v[std::min(rank, v.size()) - 1];
}

// Records when tables become ready (publish is called): the end of the measured interval.
class TimingSink : public TableSink {
 public:
  uint64_t publish(std::unique_ptr<PolicyTables> tables) override {
    ready_at = Clock::now();
    tables->generation = ++generation_;
    bytes = tables->bytes();
    last_ = std::move(tables);  // the reloader patches these next time (table_sink.h)
    return generation_;
  }
  uint64_t generation() const override { return generation_; }
  std::vector<uint64_t> worker_generations() const override { return {generation_}; }
  bool wait_all(uint64_t, std::chrono::milliseconds) const override { return true; }
  Clock::time_point ready_at{};
  size_t bytes = 0;

 private:
  uint64_t generation_ = 0;
  std::unique_ptr<PolicyTables> last_;
};

// The cluster kept in memory, rewritten one namespace file at a time (staged, then renamed in,
// as deployment tools land files).
class Workspace {
 public:
  Workspace(Cluster cluster, std::string dir) : cluster_(std::move(cluster)), dir_(std::move(dir)) {
    staging_ = dir_ + ".staging";
    fs::create_directories(staging_);
    write_synthetic_manifests(cluster_, dir_);
  }
  ~Workspace() {
    fs::remove_all(staging_);
    fs::remove_all(dir_);
  }

  // Relabels pod `n` (mod pods) and lands its namespace's file.
  void relabel_pod(size_t n) {
    Pod& pod = cluster_.pods[(n * 7919) % cluster_.pods.size()];
    std::string& v = pod.labels["podwall.bench/edit"];
    // One character in place: assigning a literal here trips GCC 12's -Wrestrict false alarm.
    v.assign(1, v == "a" ? 'b' : 'a');
    land(pod.namespace_name);
  }
  // Edits policy `n` (mod policies): adds or removes one ingress rule, and lands its file.
  void edit_policy(size_t n) {
    NetworkPolicy& p = cluster_.policies[(n * 104729) % cluster_.policies.size()];
    PolicyRule extra;
    PolicyPort port;
    port.port = 9999;
    extra.ports.push_back(port);
    // Only sections of the types the policy isolates are written out: edit one of those.
    std::vector<PolicyRule>& rules = p.isolates_ingress ? p.ingress : p.egress;
    if (!rules.empty() && rules.back().ports.size() == 1 && rules.back().ports[0].port == 9999 &&
        rules.back().peers.empty()) {
      rules.pop_back();
    } else {
      rules.push_back(extra);
    }
    land(p.namespace_name);
  }
  const std::string& dir() const { return dir_; }
  const Cluster& cluster() const { return cluster_; }

 private:
  void land(const std::string& ns) {
    Cluster one;
    for (const Namespace& n : cluster_.namespaces)
      if (n.name == ns) one.namespaces.push_back(n);
    for (const Pod& p : cluster_.pods)
      if (p.namespace_name == ns) one.pods.push_back(p);
    for (const NetworkPolicy& p : cluster_.policies)
      if (p.namespace_name == ns) one.policies.push_back(p);
    write_synthetic_manifests(one, staging_);
    fs::rename(staging_ + "/" + ns + ".yaml", dir_ + "/" + ns + ".yaml");
  }

  Cluster cluster_;
  std::string dir_, staging_;
};

// Polls the reloader as the daemon does until the sink sees generation `g`.
bool pump(HotReloader& r, TimingSink& sink, uint64_t g) {
  auto deadline = Clock::now() + std::chrono::seconds(120);
  while (sink.generation() < g) {
    if (Clock::now() > deadline) return false;
    int timeout = 5;
    if (auto due = r.time_until_due(Clock::now()))
      timeout = int(std::chrono::ceil<std::chrono::milliseconds>(*due).count());
    pollfd p{r.fd(), POLLIN, 0};
    if (::poll(&p, 1, timeout) > 0) r.on_readable();
    r.run_if_due(Clock::now());
  }
  return true;
}

void row(const char* scale, const char* what, const Sample& s) {
  std::printf("%-5s %-30s %5zu %9.1f %9.1f %9.1f %9.1f %9.1f\n", scale, what, s.total.size(),
              pct(s.total, 50), pct(s.total, 99), pct(s.apply, 50), pct(s.build, 50),
              pct(s.compile, 50));
  std::fflush(stdout);
}

int run_scale(const char* scale, Cluster cluster, size_t changes, size_t fulls) {
  char tmpl[] = "/tmp/pw-reload-bench-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  fs::remove(dir);
  Workspace ws(std::move(cluster), dir);
  std::fprintf(stderr, "%s: %zu namespaces, %zu pods, %zu policies in %s\n", scale,
               ws.cluster().namespaces.size(), ws.cluster().pods.size(),
               ws.cluster().policies.size(), dir.c_str());

  // Cold: a fresh loader parses every file.
  Sample cold;
  for (size_t i = 0; i < std::max<size_t>(1, fulls / 10); ++i) {
    auto t0 = Clock::now();
    IncrementalLoader loader(dir);
    loader.rescan();
    auto t1 = Clock::now();
    Cluster c = loader.build_cluster();
    auto t2 = Clock::now();
    auto tables = compile_policy(c);
    auto t3 = Clock::now();
    cold.total.push_back(ms(t3 - t0));
    cold.apply.push_back(ms(t1 - t0));
    cold.build.push_back(ms(t2 - t1));
    cold.compile.push_back(ms(t3 - t2));
  }
  row(scale, "cold load (parse every file)", cold);

  TimingSink sink;
  ReloadSettings settings;
  settings.debounce = std::chrono::milliseconds(0);  // the target excludes the debounce
  HotReloader reloader(dir, sink, settings, [](const std::string&) {});
  std::string error;
  if (!reloader.start_watching(error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  sink.publish(reloader.initial_tables());

  Sample full;
  for (size_t i = 0; i < fulls; ++i) {
    auto t0 = Clock::now();
    reloader.force_reload();
    full.add(ms(sink.ready_at - t0), reloader.status());
  }
  row(scale, "full reload (forced re-scan)", full);

  Sample pod, policy;
  const uint64_t patched_before = reloader.status().patched;
  for (size_t i = 0; i < changes; ++i) {
    bool relabel = i % 2 == 0;
    uint64_t next = sink.generation() + 1;
    if (relabel) {
      ws.relabel_pod(i);
    } else {
      ws.edit_policy(i);
    }
    auto landed = Clock::now();
    if (!pump(reloader, sink, next)) {
      std::fprintf(stderr, "no reload after change %zu\n", i);
      return 1;
    }
    (relabel ? pod : policy).add(ms(sink.ready_at - landed), reloader.status());
  }
  row(scale, "one pod relabelled", pod);
  row(scale, "one policy edited", policy);
  Sample both = pod;
  for (size_t k = 0; k < policy.total.size(); ++k) {
    both.total.push_back(policy.total[k]);
    both.apply.push_back(policy.apply[k]);
    both.build.push_back(policy.build[k]);
    both.compile.push_back(policy.compile[k]);
  }
  row(scale, "one-object change (both)", both);
  std::printf("%-5s %llu of %zu one-object changes patched the previous tables\n", scale,
              static_cast<unsigned long long>(reloader.status().patched - patched_before), changes);
  return 0;
}

}  // namespace
}  // namespace podwall

int main(int argc, char** argv) {
  using namespace podwall;
  std::string scale = "both";
  size_t changes = 100, fulls = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--scale") {
      scale = value();
    } else if (a == "--changes") {
      changes = std::strtoul(value().c_str(), nullptr, 10);
    } else if (a == "--full") {
      fulls = std::strtoul(value().c_str(), nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: reload_bench [--scale lab|big|both] [--changes N] [--full N]\n");
      return 2;
    }
  }
  std::printf("%-5s %-30s %5s %9s %9s %9s %9s %9s\n", "scale", "change", "n", "p50 ms", "p99 ms",
              "parse50", "build50", "compile50");
  std::printf("%-5s %-30s %5s %9s %9s %9s %9s %9s\n", "", "", "", "(total)", "(total)", "", "", "");
  int rc = 0;
  if (scale == "lab" || scale == "both") {
    const char* root = std::getenv("PODWALL_SOURCE_ROOT");
    std::string lab = std::string(root ? root : ".") + "/config/lab/10-three-tier-zero-trust";
    LoadResult loaded = load_directory(lab);
    if (loaded.cluster.pods.empty()) {
      std::fprintf(stderr, "cannot load %s (set PODWALL_SOURCE_ROOT)\n", lab.c_str());
      return 1;
    }
    rc |= run_scale("lab", loaded.cluster, changes, fulls ? fulls : 100);
  }
  if (scale == "big" || scale == "both")
    rc |= run_scale("big", make_synthetic_cluster(), changes, fulls ? fulls : 10);
  return rc;
}
