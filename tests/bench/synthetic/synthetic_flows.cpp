// Flow sampling over any Cluster (not only synthetic ones).
#include <algorithm>
#include <functional>
#include <unordered_map>

#include "tests/bench/synthetic/synthetic_cluster.h"
#include "tests/bench/synthetic/synthetic_random.h"

namespace podwall {
namespace {

using synthetic::Random;

struct Index {
  std::vector<const Pod*> on_wire;                           // pods with an address
  std::vector<std::pair<IpAddress, const Pod*>> by_address;  // sorted, every family
  std::unordered_map<std::string, std::vector<const Pod*>> by_namespace;
  std::unordered_map<std::string, const Namespace*> namespaces;
  // Namespaces a peer's namespaceSelector matches, filled on first use.
  std::unordered_map<const PolicyPeer*, std::vector<const std::string*>> namespaces_of_peer;
};

Index build_index(const Cluster& cluster) {
  Index index;
  for (const Namespace& ns : cluster.namespaces) index.namespaces[ns.name] = &ns;
  for (const Pod& pod : cluster.pods) {
    if (pod.addresses.empty()) continue;
    index.on_wire.push_back(&pod);
    index.by_namespace[pod.namespace_name].push_back(&pod);
    for (const IpAddress& a : pod.addresses) index.by_address.push_back({a, &pod});
  }
  std::sort(index.by_address.begin(), index.by_address.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  return index;
}

// Scans (at most 256 pods of) the pool from a random start: a namespace's pods are all seen,
// so a peer that exists is found, and the first match after a random point is a fair pick.
const Pod* find_pod(Random& rng, const std::vector<const Pod*>& pool,
                    const std::function<bool(const Pod&)>& wanted) {
  if (pool.empty()) return nullptr;
  size_t start = rng.below(pool.size());
  size_t limit = std::min<size_t>(pool.size(), 256);
  for (size_t k = 0; k < limit; ++k) {
    const Pod* pod = pool[(start + k) % pool.size()];
    if (wanted(*pod)) return pod;
  }
  return nullptr;
}

const Pod* peer_for(Random& rng, Index& index, const NetworkPolicy& policy,
                    const PolicyRule& rule) {
  if (rule.peers.empty()) return index.on_wire[rng.below(index.on_wire.size())];
  const PolicyPeer& peer = rule.peers[rng.below(rule.peers.size())];
  if (peer.ip_block) {
    // Pods inside the block form one run of the sorted address list; try a few of them
    // against the excepts. (Only the pod's first address becomes the flow's address.)
    const Cidr& cidr = peer.ip_block->cidr;
    auto first = std::partition_point(index.by_address.begin(), index.by_address.end(),
                                      [&](const auto& e) { return e.first < cidr.base; });
    auto last = std::partition_point(first, index.by_address.end(),
                                     [&](const auto& e) { return cidr.contains(e.first); });
    if (first == last) return nullptr;
    for (int attempt = 0; attempt < 16; ++attempt) {
      const auto& [address, pod] = *(first + long(rng.below(uint64_t(last - first))));
      bool excepted = false;
      for (const Cidr& e : peer.ip_block->except) excepted = excepted || e.contains(address);
      if (!excepted && pod->addresses[0] == address) return pod;
    }
    return nullptr;
  }
  auto pod_ok = [&](const Pod& pod) {
    if (!peer.pod_selector) return true;
    return peer.pod_selector->matches(pod.labels);
  };
  std::string ns_name = policy.namespace_name;
  if (peer.namespace_selector) {
    auto [cached, fresh] = index.namespaces_of_peer.try_emplace(&peer);
    std::vector<const std::string*>& matching = cached->second;
    if (fresh) {
      for (const auto& [name, ns] : index.namespaces) {
        if (peer.namespace_selector->matches(ns->labels)) matching.push_back(&name);
      }
    }
    if (matching.empty()) return nullptr;
    ns_name = *matching[rng.below(matching.size())];
  }
  auto it = index.by_namespace.find(ns_name);
  return it == index.by_namespace.end() ? nullptr : find_pod(rng, it->second, pod_ok);
}

// A port the rule opens on `dst`, or one of dst's own ports.
void choose_port(Random& rng, const PolicyRule* rule, const Pod& dst, FlowQuery& flow) {
  if (rule && !rule->ports.empty()) {
    const PolicyPort& port = rule->ports[rng.below(rule->ports.size())];
    flow.ip_proto = uint8_t(port.protocol);
    if (port.port) {
      uint16_t last = port.end_port.value_or(*port.port);
      flow.dst_port = uint16_t(*port.port + rng.below(uint64_t(last - *port.port) + 1));
      return;
    }
    for (const ContainerPort& cp : dst.ports) {
      if (cp.name == port.named_port && cp.protocol == port.protocol) {
        flow.dst_port = cp.port;
        return;
      }
    }
    flow.dst_port = 80;
    return;
  }
  if (!dst.ports.empty()) {
    const ContainerPort& cp = dst.ports[rng.below(dst.ports.size())];
    flow.ip_proto = uint8_t(cp.protocol);
    flow.dst_port = cp.port;
    return;
  }
  flow.ip_proto = 6;
  flow.dst_port = 80;
}

}  // namespace

std::vector<FlowQuery> sample_flows(const Cluster& cluster, size_t n, double allowed_fraction_hint,
                                    uint64_t seed) {
  Random rng(seed);
  Index index = build_index(cluster);
  std::vector<FlowQuery> flows;
  if (index.on_wire.size() < 2) return flows;
  // Policies with ingress rules, with the pods each selects (computed once: a policy only
  // looks at its own namespace).
  std::vector<std::pair<const NetworkPolicy*, std::vector<const Pod*>>> with_ingress;
  for (const NetworkPolicy& p : cluster.policies) {
    auto it = index.by_namespace.find(p.namespace_name);
    if (p.ingress.empty() || it == index.by_namespace.end()) continue;
    std::vector<const Pod*> selected;
    for (const Pod* pod : it->second) {
      if (p.pod_selector.matches(pod->labels)) selected.push_back(pod);
    }
    if (!selected.empty()) with_ingress.push_back({&p, std::move(selected)});
  }
  flows.reserve(n);
  size_t misses = 0;  // rule-guided picks that found no pod; give up on them past a bound
  while (flows.size() < n) {
    const Pod* src = nullptr;
    const Pod* dst = nullptr;
    const PolicyRule* rule = nullptr;
    if (!with_ingress.empty() && misses < 2 * n + 1000 && rng.unit() < allowed_fraction_hint) {
      const auto& [policy_ptr, selected] = with_ingress[rng.below(with_ingress.size())];
      const NetworkPolicy& policy = *policy_ptr;
      dst = selected[rng.below(selected.size())];
      rule = &policy.ingress[rng.below(policy.ingress.size())];
      src = peer_for(rng, index, policy, *rule);
      if (!dst || !src) {
        ++misses;
        continue;
      }
    } else {
      src = index.on_wire[rng.below(index.on_wire.size())];
      dst = index.on_wire[rng.below(index.on_wire.size())];
    }
    if (src == dst) continue;
    FlowQuery flow;
    flow.src = src->addresses[0];
    flow.dst = dst->addresses[0];
    // Use IPv6 when both ends have it, now and then.
    if (src->addresses.size() > 1 && dst->addresses.size() > 1 && rng.chance(50)) {
      flow.src = src->addresses[1];
      flow.dst = dst->addresses[1];
    }
    choose_port(rng, rule, *dst, flow);
    flows.push_back(flow);
  }
  return flows;
}

}  // namespace podwall
