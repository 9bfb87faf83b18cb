// Full compile of a synthetic cluster: 1,000 namespaces, 100,000 pods, 10,000 policies mixing
// every feature. Prints the compile time (best and median of N runs), the packed table size
// and the process's peak memory, against the targets (<= 2 s, <= 512 MiB of tables).
//
//   build/tests/bench/compile_bench [NAMESPACES PODS POLICIES [RUNS]]

#include <sys/resource.h>
#include <sys/time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "control/compiler/compiler.h"
#include "tests/bench/synthetic/synthetic_cluster.h"

int main(int argc, char** argv) {
  using namespace podwall;
  using Clock = std::chrono::steady_clock;
  SyntheticSpec spec;
  int runs = 5;
  if (argc >= 4) {
    spec.namespaces = std::strtoul(argv[1], nullptr, 10);
    spec.pods = std::strtoul(argv[2], nullptr, 10);
    spec.policies = std::strtoul(argv[3], nullptr, 10);
  }
  if (argc >= 5) runs = std::max(1, std::atoi(argv[4]));

  auto t0 = Clock::now();
  Cluster cluster = make_synthetic_cluster(spec);
  double generate_s = std::chrono::duration<double>(Clock::now() - t0).count();

  // CPU time as well as wall time: on a shared machine the wall clock also counts the time
  // other processes held the core.
  auto cpu_now = [] {
    rusage u{};
    getrusage(RUSAGE_THREAD, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  };
  std::vector<double> seconds, cpu_seconds;
  TableStats stats;
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    double cpu_start = cpu_now();
    auto tables = compile_policy(cluster);
    seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    cpu_seconds.push_back(cpu_now() - cpu_start);
    stats = tables->stats;
  }
  std::sort(seconds.begin(), seconds.end());
  std::sort(cpu_seconds.begin(), cpu_seconds.end());
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);

  double mib = double(stats.bytes) / (1 << 20);
  std::printf("synthetic cluster: %zu namespaces, %zu pods, %zu policies (generated in %.2f s)\n",
              spec.namespaces, spec.pods, spec.policies, generate_s);
  std::printf(
      "identities %zu, isolation groups %zu, IP sets %zu, CIDR classes %zu, "
      "allow entries %zu\n",
      stats.identities, stats.groups, stats.ip_sets, stats.cidr_classes, stats.allow_entries);
  std::printf("%-28s %12s %12s %10s\n", "figure", "value", "target", "status");
  std::printf("%-28s %11.3fs %11.1fs %10s\n", "full compile (best)", seconds.front(), 2.0,
              seconds.front() <= 2.0 ? "met" : "NOT met");
  std::printf("%-28s %11.3fs %12s %10s\n", "full compile (median)", seconds[seconds.size() / 2], "",
              "");
  std::printf("%-28s %11.3fs %12s %10s\n", "full compile CPU (median)",
              cpu_seconds[cpu_seconds.size() / 2], "", "");
  std::printf("%-28s %10.1fMiB %9.0fMiB %10s\n", "packed tables", mib, 512.0,
              mib <= 512 ? "met" : "NOT met");
  std::printf("%-28s %10.1fMiB %12s %10s\n", "peak RSS (whole process)",
              double(usage.ru_maxrss) / 1024, "", "");
  return 0;
}
