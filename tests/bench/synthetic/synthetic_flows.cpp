// Flow sampling over any Cluster (not only synthetic ones).
#include <functional>
#include <unordered_map>

#include "tests/bench/synthetic/synthetic_cluster.h"
#include "tests/bench/synthetic/synthetic_random.h"

namespace podwall {
namespace {

using synthetic::Random;

struct Index {
  std::vector<const Pod*> on_wire;  // pods with an address
  std::unordered_map<std::string, std::vector<const Pod*>> by_namespace;
  std::unordered_map<std::string, const Namespace*> namespaces;
};

Index build_index(const Cluster& cluster) {
  Index index;
  for (const Namespace& ns : cluster.namespaces) index.namespaces[ns.name] = &ns;
  for (const Pod& pod : cluster.pods) {
    if (pod.addresses.empty()) continue;
    index.on_wire.push_back(&pod);
    index.by_namespace[pod.namespace_name].push_back(&pod);
  }
  return index;
}

// A few random tries; selectors in big clusters usually match plenty.
const Pod* find_pod(Random& rng, const std::vector<const Pod*>& pool,
                    const std::function<bool(const Pod&)>& wanted) {
  if (pool.empty()) return nullptr;
  for (int attempt = 0; attempt < 64; ++attempt) {
    const Pod* pod = pool[rng.below(pool.size())];
    if (wanted(*pod)) return pod;
  }
  return nullptr;
}

const Pod* peer_for(Random& rng, const Index& index, const NetworkPolicy& policy,
                    const PolicyRule& rule) {
  if (rule.peers.empty()) return index.on_wire[rng.below(index.on_wire.size())];
  const PolicyPeer& peer = rule.peers[rng.below(rule.peers.size())];
  if (peer.ip_block) {
    return find_pod(rng, index.on_wire, [&](const Pod& pod) {
      const IpAddress& a = pod.addresses[0];
      if (!peer.ip_block->cidr.contains(a)) return false;
      for (const Cidr& e : peer.ip_block->except) {
        if (e.contains(a)) return false;
      }
      return true;
    });
  }
  auto pod_ok = [&](const Pod& pod) {
    if (!peer.pod_selector) return true;
    return peer.pod_selector->matches(pod.labels);
  };
  if (!peer.namespace_selector) {
    auto it = index.by_namespace.find(policy.namespace_name);
    return it == index.by_namespace.end() ? nullptr : find_pod(rng, it->second, pod_ok);
  }
  return find_pod(rng, index.on_wire, [&](const Pod& pod) {
    const Namespace* ns = index.namespaces.at(pod.namespace_name);
    return peer.namespace_selector->matches(ns->labels) && pod_ok(pod);
  });
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

std::vector<FlowQuery> sample_flows(const Cluster& cluster, size_t n,
                                    double allowed_fraction_hint, uint64_t seed) {
  Random rng(seed);
  Index index = build_index(cluster);
  std::vector<FlowQuery> flows;
  if (index.on_wire.size() < 2) return flows;
  std::vector<const NetworkPolicy*> with_ingress;
  for (const NetworkPolicy& p : cluster.policies) {
    if (!p.ingress.empty()) with_ingress.push_back(&p);
  }
  flows.reserve(n);
  size_t misses = 0;  // rule-guided picks that found no pod; give up on them past a bound
  while (flows.size() < n) {
    const Pod* src = nullptr;
    const Pod* dst = nullptr;
    const PolicyRule* rule = nullptr;
    if (!with_ingress.empty() && misses < 100 * n + 1000 && rng.unit() < allowed_fraction_hint) {
      const NetworkPolicy& policy = *with_ingress[rng.below(with_ingress.size())];
      auto it = index.by_namespace.find(policy.namespace_name);
      if (it == index.by_namespace.end()) {
        ++misses;
        continue;
      }
      dst = find_pod(rng, it->second,
                     [&](const Pod& pod) { return policy.pod_selector.matches(pod.labels); });
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
