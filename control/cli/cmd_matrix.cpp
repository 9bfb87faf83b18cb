// podwallctl matrix: the pod x pod reachability grid, one per port, in the style of the
// Kubernetes e2e network-policy truth tables ('.' allowed, 'X' denied, '-' a pod to itself,
// which never crosses the network).

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "control/cli/commands.h"

namespace podwall::cli {

namespace {

struct Probe {
  uint8_t ip_proto;
  uint16_t port;
  std::string label;
};

std::optional<Probe> parse_probe(const std::string& text) {
  if (text == "icmp") return Probe{1, 0, "ICMP"};
  size_t slash = text.find('/');
  std::string number = text.substr(0, slash);
  std::string proto = slash == std::string::npos ? "tcp" : text.substr(slash + 1);
  if (number.empty() || number.size() > 5 ||
      number.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  unsigned long port = std::stoul(number);
  if (port == 0 || port > 65535) return std::nullopt;
  uint8_t ip_proto = proto == "tcp" ? 6 : proto == "udp" ? 17 : proto == "sctp" ? 132 : 0;
  if (!ip_proto) return std::nullopt;
  std::string upper = proto;
  for (auto& c : upper) c = char(std::toupper(c));
  return Probe{ip_proto, uint16_t(port), number + "/" + upper};
}

// Without --port: every container port the cluster declares, so each grid shows a port
// something listens on.
std::vector<Probe> default_probes(const Cluster& cluster) {
  std::set<std::pair<int, int>> seen;
  for (const auto& pod : cluster.pods) {
    for (const auto& p : pod.ports) seen.insert({int(p.protocol), p.port});
  }
  std::vector<Probe> probes;
  for (auto [proto, port] : seen) {
    const char* name = protocol_name(Protocol(proto));
    probes.push_back({uint8_t(proto), uint16_t(port), std::to_string(port) + "/" + name});
  }
  if (probes.empty()) probes.push_back({6, 80, "80/TCP"});
  return probes;
}

}  // namespace

int run_matrix(const Args& args) {
  auto dir = manifests_dir(args);
  if (!dir) return kExitUsage;
  Loaded loaded = load_and_compile(*dir, false);
  if (loaded.unreadable) return kExitInvalid;

  std::vector<Probe> probes;
  for (const auto& text : args.all("port")) {
    auto probe = parse_probe(text);
    if (!probe) {
      std::fprintf(stderr, "podwallctl: --port %s: expected PORT[/tcp|udp|sctp] or icmp\n",
                   text.c_str());
      return kExitUsage;
    }
    probes.push_back(*probe);
  }
  if (probes.empty()) probes = default_probes(loaded.cluster);

  struct Row {
    std::string name;
    IpAddress address;
  };
  std::vector<Row> rows;
  bool want_v6 = args.flag("ipv6");
  for (const auto& pod : loaded.cluster.pods) {
    for (const auto& a : pod.addresses) {
      if (a.is_v4() != want_v6) {
        rows.push_back({pod.namespace_name + "/" + pod.name, a});
        break;
      }
    }
  }
  if (rows.empty()) {
    std::printf("no pods with an %s address\n", want_v6 ? "IPv6" : "IPv4");
    return loaded.error_count ? kExitInvalid : kExitOk;
  }
  size_t width = 4;
  for (const auto& r : rows) width = std::max(width, r.name.size() + 4);

  for (const auto& probe : probes) {
    std::printf("%s  (rows: from, columns: to; '.' allowed, 'X' denied)\n", probe.label.c_str());
    std::printf("%*s", int(width), "");
    for (size_t c = 0; c < rows.size(); ++c) std::printf(" %2zu", c + 1);
    std::printf("\n");
    for (size_t r = 0; r < rows.size(); ++r) {
      std::printf("%2zu %-*s", r + 1, int(width - 3), rows[r].name.c_str());
      for (size_t c = 0; c < rows.size(); ++c) {
        char cell = '-';
        if (r != c) {
          uint8_t proto = probe.ip_proto == 1 && !rows[r].address.is_v4() ? 58 : probe.ip_proto;
          FlowQuery flow{rows[r].address, rows[c].address, proto, probe.port};
          cell = classify(*loaded.tables, flow) == Verdict::allow ? '.' : 'X';
        }
        std::printf("  %c", cell);
      }
      std::printf("\n");
    }
    std::printf("\n");
  }
  return loaded.error_count ? kExitInvalid : kExitOk;
}

}  // namespace podwall::cli
