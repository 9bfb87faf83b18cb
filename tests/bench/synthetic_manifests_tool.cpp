// Writes a synthetic cluster as manifests, and optionally candidate flows for `podwallctl eval`,
// so that the whole-system benchmarks (scripts/bench) run podwall on the very clusters the
// compile and classify benchmarks measure.
//
//   synthetic_manifests_tool DIR NAMESPACES PODS POLICIES [--flows N FILE] [--seed S]
//
// FILE gets N lines `SRC DST PROTO PORT` (podwallctl eval's input). Flows are sampled with a
// 50 % allowed hint; podwallctl eval, not this tool, says which are allowed.

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>

#include "control/cli/flow_line.h"
#include "tests/bench/synthetic/synthetic_cluster.h"

namespace {

int usage() {
  std::fputs(
      "usage: synthetic_manifests_tool DIR NAMESPACES PODS POLICIES [--flows N FILE] "
      "[--seed S]\n",
      stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace podwall;
  if (argc < 5) return usage();
  SyntheticSpec spec;
  std::string dir = argv[1];
  spec.namespaces = std::strtoul(argv[2], nullptr, 10);
  spec.pods = std::strtoul(argv[3], nullptr, 10);
  spec.policies = std::strtoul(argv[4], nullptr, 10);
  size_t flow_count = 0;
  std::string flow_file;
  for (int i = 5; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--flows" && i + 2 < argc) {
      flow_count = std::strtoul(argv[i + 1], nullptr, 10);
      flow_file = argv[i + 2];
      i += 2;
    } else if (arg == "--seed" && i + 1 < argc) {
      spec.seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      return usage();
    }
  }
  try {
    Cluster cluster = make_synthetic_cluster(spec);
    write_synthetic_manifests(cluster, dir);
    std::printf("%s: %zu namespaces, %zu pods, %zu policies\n", dir.c_str(),
                cluster.namespaces.size(), cluster.pods.size(), cluster.policies.size());
    if (flow_count > 0) {
      std::ofstream out(flow_file);
      for (const FlowQuery& f : sample_flows(cluster, flow_count, 0.5, spec.seed + 1)) {
        const std::optional<std::string> line = cli::format_flow_line(f);
        if (!line)
          throw std::runtime_error("a sampled flow has no flow line: " + f.src.to_string());
        out << *line << '\n';
      }
      if (!out) throw std::runtime_error("cannot write " + flow_file);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "synthetic_manifests_tool: %s\n", e.what());
    return 1;
  }
  return 0;
}
