// podwallctl: check, evaluate and explain podwall policy from a manifest directory.

#include <cstdio>
#include <cstring>
#include <string>

#include "control/cli/commands.h"

namespace {

constexpr const char* kUsage = R"(usage: podwallctl COMMAND [options]

commands:
  check    --manifests DIR [--quiet]      validate; print errors, or a summary; exit 1 on error
  eval     --manifests DIR [--explain]    verdicts for 'SRC_IP DST_IP PROTO DPORT' lines on stdin
  explain  --manifests DIR SRC DST PROTO [DPORT]
                                          one flow: what isolates each end, the rule that
                                          allows it (quoted) or that none does; SRC and DST
                                          may be pods (namespace/pod, namespace/pod@v6)
  matrix   --manifests DIR [--port P ...] [--ipv6]
                                          pod x pod reachability grid per port (80/tcp, 53/udp,
                                          icmp; default: every declared container port)
  describe --manifests DIR                what each policy selects and allows; pod isolation

talking to the running daemon (--socket PATH, else $PODWALL_SOCKET, else
/run/podwall/podwall.sock; --timeout S):
  status                                  generation, workers, reload latency, files in error
  stats [--all]                           the dataplane's counters: totals, drop reasons (--all:
                                          the zeros too), per port and per worker
  reload                                  re-read the whole manifest directory now
  wait GENERATION                         until every worker runs it; exit 1 on timeout
  flows [--limit N] [--address IP] [--pod NS/NAME]
                                          the connections the workers track: who opened
                                          each, its state, when it expires, the generation
                                          that approved it (default 100, at most 3000)
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace podwall::cli;
  if (argc < 2 || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? kExitUsage : kExitOk;
  }
  std::string command = argv[1];
  struct Command {
    const char* name;
    int (*run)(const Args&);
    std::vector<std::string> valued, flags;
    size_t positional = 0;  // how many positional arguments the command takes
  };
  const Command commands[] = {
      {"check", run_check, {"manifests"}, {"quiet"}},
      {"eval", run_eval, {"manifests"}, {"explain"}},
      {"explain", run_explain, {"manifests"}, {}, 4},
      {"matrix", run_matrix, {"manifests", "port"}, {"ipv6"}},
      {"describe", run_describe, {"manifests"}, {}},
      {"status", run_status, {"socket", "timeout"}, {}},
      {"stats", run_stats, {"socket", "timeout"}, {"all"}},
      {"reload", run_reload, {"socket", "timeout"}, {}},
      {"wait", run_wait, {"socket", "timeout"}, {}, 1},
      {"flows", run_flows, {"socket", "timeout", "limit", "address", "pod"}, {}},
  };
  for (const auto& c : commands) {
    if (command != c.name) continue;
    auto args = Args::parse(argc, argv, 2, c.valued, c.flags);
    if (!args) return kExitUsage;
    if (args->positional.size() > c.positional) {
      std::fprintf(stderr, "podwallctl %s: unexpected argument '%s'\n", c.name,
                   args->positional[c.positional].c_str());
      return kExitUsage;
    }
    return c.run(*args);
  }
  std::fprintf(stderr, "podwallctl: unknown command '%s'\n%s", command.c_str(), kUsage);
  return kExitUsage;
}
