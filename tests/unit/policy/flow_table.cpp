#include "tests/unit/policy/flow_table.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace podwall {

std::optional<uint8_t> protocol_number(const std::string& name, bool ipv6) {
  if (name == "tcp") return 6;
  if (name == "udp") return 17;
  if (name == "sctp") return 132;
  if (name == "icmp") return ipv6 ? 58 : 1;
  return std::nullopt;
}

namespace {

// Returns the address or sets `error`.
std::optional<IpAddress> resolve(const std::string& ref, const Cluster& cluster,
                                 std::string& error) {
  size_t slash = ref.find('/');
  if (slash == std::string::npos) {
    auto literal = IpAddress::parse(ref);
    if (!literal) error = "not an address or a namespace/pod reference: " + ref;
    return literal;
  }
  std::string ns = ref.substr(0, slash);
  std::string name = ref.substr(slash + 1);
  std::optional<IpFamily> family;
  size_t at = name.find('@');
  if (at != std::string::npos) {
    std::string suffix = name.substr(at + 1);
    name.resize(at);
    if (suffix == "v4") {
      family = IpFamily::v4;
    } else if (suffix == "v6") {
      family = IpFamily::v6;
    } else {
      error = "unknown address family suffix @" + suffix;
      return std::nullopt;
    }
  }
  for (const Pod& pod : cluster.pods) {
    if (pod.namespace_name != ns || pod.name != name) continue;
    for (const IpAddress& address : pod.addresses) {
      if (!family || address.family == *family) return address;
    }
    error = "pod " + ns + "/" + name + " has no " + (family ? "such family's " : "") + "address";
    return std::nullopt;
  }
  error = "no pod " + ns + "/" + name + " in the scenario";
  return std::nullopt;
}

}  // namespace

FlowTable read_flow_table(const std::string& path, const Cluster& cluster) {
  FlowTable table;
  std::ifstream in(path);
  if (!in) {
    table.errors.push_back(path + ": cannot open");
    return table;
  }
  std::string text;
  for (int line_no = 1; std::getline(in, text); ++line_no) {
    std::string where = path + ":" + std::to_string(line_no) + ": ";
    std::string body = text.substr(0, text.find('#'));
    std::istringstream words(body);
    std::string src, dst, proto, port, verdict, extra;
    if (!(words >> src)) continue;  // blank or comment-only line
    if (!(words >> dst >> proto >> port >> verdict) || (words >> extra)) {
      table.errors.push_back(where + "expected SRC DST PROTO PORT VERDICT: " + text);
      continue;
    }
    std::string error;
    auto src_address = resolve(src, cluster, error);
    auto dst_address = src_address ? resolve(dst, cluster, error) : std::nullopt;
    if (!src_address || !dst_address) {
      table.errors.push_back(where + error);
      continue;
    }
    if (src_address->family != dst_address->family) {
      table.errors.push_back(where + "source and destination are of different families");
      continue;
    }
    auto proto_number = protocol_number(proto, !src_address->is_v4());
    if (!proto_number) {
      table.errors.push_back(where + "unknown protocol " + proto);
      continue;
    }
    char* end = nullptr;
    unsigned long port_number = std::strtoul(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || port_number > 65535) {
      table.errors.push_back(where + "bad port " + port);
      continue;
    }
    if (verdict != "allow" && verdict != "deny") {
      table.errors.push_back(where + "verdict must be allow or deny, not " + verdict);
      continue;
    }
    FlowLine flow;
    flow.file = path;
    flow.line = line_no;
    flow.text = text;
    flow.query = FlowQuery{*src_address, *dst_address, *proto_number, uint16_t(port_number)};
    flow.expected = verdict == "allow" ? Verdict::allow : Verdict::deny;
    table.flows.push_back(std::move(flow));
  }
  return table;
}

}  // namespace podwall
