#include "tests/bench/acl_expand.h"

#include <unordered_map>

namespace podwall {

namespace {

struct Index {
  std::unordered_map<std::string, std::vector<const Pod*>> pods_by_namespace;
  std::vector<const Namespace*> namespaces;
};

std::vector<uint32_t> v4_of(const Pod& pod) {
  std::vector<uint32_t> out;
  for (const IpAddress& a : pod.addresses)
    if (a.is_v4()) out.push_back(a.v4_host_order());
  return out;
}

// Source prefixes a peer stands for: pod addresses (/32) or the ipBlock's CIDR.
void peer_sources(const Index& index, const NetworkPolicy& policy, const PolicyPeer& peer,
                  std::vector<std::pair<uint32_t, uint8_t>>& out) {
  if (peer.ip_block) {
    if (peer.ip_block->cidr.base.is_v4())
      out.push_back({peer.ip_block->cidr.base.v4_host_order(), peer.ip_block->cidr.prefix_len});
    return;
  }
  auto add_pods = [&](const std::string& ns) {
    auto it = index.pods_by_namespace.find(ns);
    if (it == index.pods_by_namespace.end()) return;
    for (const Pod* pod : it->second) {
      if (peer.pod_selector && !peer.pod_selector->matches(pod->labels)) continue;
      for (uint32_t a : v4_of(*pod)) out.push_back({a, 32});
    }
  };
  if (!peer.namespace_selector) {
    add_pods(policy.namespace_name);
    return;
  }
  for (const Namespace* ns : index.namespaces)
    if (peer.namespace_selector->matches(ns->labels)) add_pods(ns->name);
}

// (proto, lo, hi) of a policy port on the receiving pod; false if a named port does not
// resolve there.
bool port_range(const PolicyPort& p, const Pod& receiver, uint8_t& proto, uint16_t& lo,
                uint16_t& hi) {
  proto = uint8_t(p.protocol);
  if (!p.named_port.empty()) {
    for (const ContainerPort& c : receiver.ports) {
      if (c.name == p.named_port && c.protocol == p.protocol) {
        lo = hi = c.port;
        return true;
      }
    }
    return false;
  }
  lo = p.port.value_or(0);
  hi = p.port ? p.end_port.value_or(*p.port) : 65535;
  return true;
}

}  // namespace

std::vector<AclRule> expand_ingress(const Cluster& cluster, size_t limit, size_t& policies_used) {
  Index index;
  for (const Namespace& ns : cluster.namespaces) index.namespaces.push_back(&ns);
  for (const Pod& pod : cluster.pods) index.pods_by_namespace[pod.namespace_name].push_back(&pod);
  std::vector<AclRule> rules;
  policies_used = 0;
  std::vector<std::pair<uint32_t, uint8_t>> sources;
  for (const NetworkPolicy& policy : cluster.policies) {
    if (rules.size() >= limit) break;
    ++policies_used;
    auto it = index.pods_by_namespace.find(policy.namespace_name);
    if (it == index.pods_by_namespace.end()) continue;
    for (const PolicyRule& rule : policy.ingress) {
      sources.clear();
      if (rule.peers.empty()) sources.push_back({0, 0});
      for (const PolicyPeer& peer : rule.peers) peer_sources(index, policy, peer, sources);
      for (const Pod* dst : it->second) {
        if (!policy.pod_selector.matches(dst->labels)) continue;
        for (uint32_t dst_addr : v4_of(*dst)) {
          for (auto [src, prefix] : sources) {
            auto emit = [&](uint8_t proto, uint16_t lo, uint16_t hi) {
              if (rules.size() < limit) rules.push_back({src, prefix, dst_addr, proto, lo, hi});
            };
            if (rule.ports.empty()) emit(0, 0, 65535);
            for (const PolicyPort& p : rule.ports) {
              uint8_t proto;
              uint16_t lo, hi;
              if (port_range(p, *dst, proto, lo, hi)) emit(proto, lo, hi);
            }
            if (rules.size() >= limit) return rules;
          }
        }
      }
    }
  }
  return rules;
}

}  // namespace podwall
