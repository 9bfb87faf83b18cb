#include "control/cli/flow_line.h"

#include <sstream>
#include <vector>

namespace podwall::cli {

namespace {

std::optional<IpAddress> parse_endpoint(const std::string& word, const PodResolver& resolve_pod) {
  if (auto address = IpAddress::parse(word)) return address;
  if (resolve_pod && word.find('/') != std::string::npos) return resolve_pod(word);
  return std::nullopt;
}

const char* protocol_word(const FlowQuery& flow) {
  switch (flow.ip_proto) {
    case 6:
      return "tcp";
    case 17:
      return "udp";
    case 132:
      return "sctp";
    case 1:
      return flow.src.is_v4() ? "icmp" : nullptr;
    case 58:
      return flow.src.is_v4() ? nullptr : "icmp";
  }
  return nullptr;
}

}  // namespace

PodResolver pod_resolver(const Cluster& cluster) {
  return [&cluster](const std::string& reference) -> std::optional<IpAddress> {
    const bool want_v6 = reference.size() > 3 && reference.ends_with("@v6");
    const std::string name = want_v6 ? reference.substr(0, reference.size() - 3) : reference;
    for (const auto& pod : cluster.pods) {
      if (pod.namespace_name + "/" + pod.name != name) continue;
      for (const auto& a : pod.addresses) {
        if (!want_v6 || !a.is_v4()) return a;
      }
    }
    return std::nullopt;
  };
}

FlowLineResult parse_flow_line(std::string_view line, const PodResolver& resolve_pod) {
  FlowLineResult result;
  std::vector<std::string> words;
  std::istringstream in{std::string(line)};
  for (std::string w; in >> w;) words.push_back(w);
  if (words.empty() || words[0][0] == '#') return result;
  if (words.size() != 4) {
    result.error =
        "expected 4 fields 'SRC_IP DST_IP PROTO DPORT', got " + std::to_string(words.size());
    return result;
  }
  auto src = parse_endpoint(words[0], resolve_pod);
  auto dst = parse_endpoint(words[1], resolve_pod);
  if (!src) {
    result.error = "SRC_IP: '" + words[0] + "' is not an IPv4 or IPv6 address or a pod with one";
    return result;
  }
  if (!dst) {
    result.error = "DST_IP: '" + words[1] + "' is not an IPv4 or IPv6 address or a pod with one";
    return result;
  }
  if (src->family != dst->family) {
    result.error = "SRC_IP and DST_IP are of different address families";
    return result;
  }
  FlowQuery flow{*src, *dst, 0, 0};
  const std::string& proto = words[2];
  if (proto == "tcp") {
    flow.ip_proto = 6;
  } else if (proto == "udp") {
    flow.ip_proto = 17;
  } else if (proto == "sctp") {
    flow.ip_proto = 132;
  } else if (proto == "icmp") {
    flow.ip_proto = src->is_v4() ? 1 : 58;
  } else {
    result.error = "PROTO: '" + proto + "' is not one of tcp, udp, sctp, icmp";
    return result;
  }
  const std::string& port = words[3];
  unsigned long value = 0;
  bool digits = !port.empty() && port.size() <= 5 &&
                port.find_first_not_of("0123456789") == std::string::npos;
  if (digits) value = std::stoul(port);
  if (!digits || value > 65535 || (flow.ip_proto != 1 && flow.ip_proto != 58 && value == 0)) {
    result.error = "DPORT: '" + port + "' is not a port number (1-65535; 0 for icmp)";
    return result;
  }
  flow.dst_port = uint16_t(value);
  result.flow = flow;
  return result;
}

std::optional<std::string> format_flow_line(const FlowQuery& flow) {
  const char* proto = protocol_word(flow);
  if (proto == nullptr || flow.src.family != flow.dst.family ||
      (protocol_has_ports(flow.ip_proto) && flow.dst_port == 0)) {
    return std::nullopt;
  }
  return flow.src.to_string() + " " + flow.dst.to_string() + " " + proto + " " +
         std::to_string(flow.dst_port);
}

}  // namespace podwall::cli
