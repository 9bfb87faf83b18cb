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
  matrix   --manifests DIR [--port P ...] [--ipv6]
                                          pod x pod reachability grid per port (80/tcp, 53/udp,
                                          icmp; default: every declared container port)
  describe --manifests DIR                what each policy selects and allows; pod isolation
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
  };
  const Command commands[] = {
      {"check", run_check, {"manifests"}, {"quiet"}},
      {"eval", run_eval, {"manifests"}, {"explain"}},
      {"matrix", run_matrix, {"manifests", "port"}, {"ipv6"}},
      {"describe", run_describe, {"manifests"}, {}},
  };
  for (const auto& c : commands) {
    if (command != c.name) continue;
    auto args = Args::parse(argc, argv, 2, c.valued, c.flags);
    if (!args) return kExitUsage;
    if (!args->positional.empty()) {
      std::fprintf(stderr, "podwallctl %s: unexpected argument '%s'\n", c.name,
                   args->positional[0].c_str());
      return kExitUsage;
    }
    return c.run(*args);
  }
  std::fprintf(stderr, "podwallctl: unknown command '%s'\n%s", command.c_str(), kUsage);
  return kExitUsage;
}
