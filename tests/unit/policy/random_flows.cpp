// Flow sampling for the property test: where the interesting verdicts are.
#include <algorithm>
#include <set>

#include "tests/unit/policy/random_cluster.h"

namespace podwall::testing {
namespace {

size_t below(std::mt19937_64& rng, size_t n) {
  return n == 0 ? 0 : size_t(rng() % n);
}

template <typename T>
const T& pick(std::mt19937_64& rng, const std::vector<T>& from) {
  return from[below(rng, from.size())];
}

IpAddress address(const std::string& text) {
  return *IpAddress::parse(text);
}

// The first and last address of a prefix, and their outside neighbours.
void add_edges(const std::string& text, std::vector<IpAddress>& out) {
  auto cidr = Cidr::parse(text);
  if (!cidr) return;
  IpAddress first = cidr->base;
  IpAddress last = first;
  for (unsigned i = cidr->prefix_len; i < first.bit_width(); ++i) {
    last.bytes[i / 8] |= uint8_t(0x80u >> (i % 8));
  }
  auto step = [](IpAddress a, int delta) {
    unsigned width = a.bit_width() / 8;
    for (int i = int(width) - 1; i >= 0; --i) {
      int v = a.bytes[i] + delta;
      a.bytes[i] = uint8_t(v);
      if (v >= 0 && v <= 255) break;  // no carry
    }
    return a;
  };
  out.push_back(first);
  out.push_back(last);
  out.push_back(step(first, -1));
  out.push_back(step(last, +1));
}

void add_rule_ports(const std::vector<RawRule>& rules, std::set<int>& ports,
                    std::vector<std::string>& blocks) {
  for (const RawRule& rule : rules) {
    for (const RawPort& port : rule.ports) {
      for (int p : {port.port.value_or(0), port.end_port.value_or(0)}) {
        for (int q : {p - 1, p, p + 1}) {
          if (q >= 1 && q <= 65535) ports.insert(q);
        }
      }
    }
    for (const RawPeer& peer : rule.peers) {
      if (!peer.ip_block) continue;
      blocks.push_back(peer.ip_block->cidr);
      for (const auto& e : peer.ip_block->except) blocks.push_back(e);
    }
  }
}

}  // namespace

std::vector<FlowQuery> random_flows(const RawCluster& cluster, size_t count, std::mt19937_64& rng) {
  // Candidate addresses per family, tagged with the pod they belong to (or none).
  std::vector<std::pair<IpAddress, int>> pods[2];
  std::vector<IpAddress> others[2];
  std::set<int> port_set = {1, 65535};
  std::vector<std::string> blocks;
  for (size_t i = 0; i < cluster.pods.size(); ++i) {
    for (const auto& text : cluster.pods[i].addresses) {
      IpAddress a = address(text);
      pods[a.is_v4() ? 0 : 1].push_back({a, int(i)});
    }
    for (const auto& port : cluster.pods[i].ports) port_set.insert(port.port);
  }
  for (const RawPolicy& policy : cluster.policies) {
    add_rule_ports(policy.ingress, port_set, blocks);
    add_rule_ports(policy.egress, port_set, blocks);
  }
  std::vector<IpAddress> edges;
  for (const auto& block : blocks) add_edges(block, edges);
  // Unused addresses near the pods, and some far away.
  for (const char* text : {"198.18.0.63", "198.18.0.0", "198.18.1.7", "10.1.2.3", "2001:2::3f",
                           "2001:2::1:0", "2001:db8::1", "fe80::1"}) {
    edges.push_back(address(text));
  }
  for (const IpAddress& a : edges) {
    bool is_pod = false;
    for (const auto& [pa, pi] : pods[a.is_v4() ? 0 : 1]) is_pod = is_pod || pa == a;
    if (!is_pod) others[a.is_v4() ? 0 : 1].push_back(a);
  }
  std::vector<int> ports(port_set.begin(), port_set.end());

  std::vector<FlowQuery> flows;
  while (flows.size() < count) {
    int family = pods[1].empty() || rng() % 4 != 0 ? 0 : 1;
    if (pods[family].empty()) family = 1 - family;
    if (pods[family].empty()) break;  // no pod on the wire at all
    auto choose = [&](int pod_percent, int& pod_index) {
      if (others[family].empty() || int(rng() % 100) < pod_percent) {
        const auto& [a, i] = pick(rng, pods[family]);
        pod_index = i;
        return a;
      }
      pod_index = -1;
      return pick(rng, others[family]);
    };
    int src_pod, dst_pod;
    IpAddress src = choose(70, src_pod);
    IpAddress dst = choose(80, dst_pod);
    // A pod talking to itself never crosses the firewall.
    if (src == dst || (src_pod >= 0 && src_pod == dst_pod)) continue;
    FlowQuery flow{src, dst, 0, 0};
    size_t proto = below(rng, 20);
    if (proto < 3) {
      flow.ip_proto = family == 0 ? 1 : 58;
    } else {
      flow.ip_proto = proto < 11 ? 6 : proto < 16 ? 17 : 132;
      flow.dst_port = uint16_t(rng() % 8 == 0 ? 1 + below(rng, 65535) : pick(rng, ports));
    }
    flows.push_back(flow);
  }
  return flows;
}

std::string describe_flow(const FlowQuery& flow) {
  return flow.src.to_string() + " -> " + flow.dst.to_string() + " proto " +
         std::to_string(flow.ip_proto) + " port " + std::to_string(flow.dst_port);
}

}  // namespace podwall::testing
