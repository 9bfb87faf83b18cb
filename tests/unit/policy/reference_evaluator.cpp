#include "tests/unit/policy/reference_evaluator.h"

#include <algorithm>

namespace podwall::testing {
namespace {

using LabelMap = std::map<std::string, std::string>;

bool selector_matches(const RawSelector& selector, const LabelMap& labels) {
  for (const auto& [key, value] : selector.match_labels) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  for (const RawExpression& e : selector.match_expressions) {
    auto it = labels.find(e.key);
    bool has_key = it != labels.end();
    bool in_values =
        has_key && std::find(e.values.begin(), e.values.end(), it->second) != e.values.end();
    if (e.op == "In" && !in_values) return false;
    if (e.op == "NotIn" && in_values) return false;  // a missing key satisfies NotIn
    if (e.op == "Exists" && !has_key) return false;
    if (e.op == "DoesNotExist" && has_key) return false;
  }
  return true;
}

// Bit by bit, independent of Cidr::contains.
bool prefix_contains(const std::string& cidr_text, const IpAddress& address) {
  size_t slash = cidr_text.find('/');
  IpAddress base = *IpAddress::parse(cidr_text.substr(0, slash));
  int len = std::stoi(cidr_text.substr(slash + 1));
  if (base.family != address.family) return false;
  for (int i = 0; i < len; ++i) {
    if (base.bit(unsigned(i)) != address.bit(unsigned(i))) return false;
  }
  return true;
}

const RawPod* pod_with_address(const RawCluster& cluster, const IpAddress& address) {
  for (const RawPod& pod : cluster.pods) {
    for (const std::string& text : pod.addresses) {
      if (*IpAddress::parse(text) == address) return &pod;
    }
  }
  return nullptr;
}

LabelMap namespace_labels(const RawCluster& cluster, const std::string& name) {
  LabelMap labels;
  for (const RawNamespace& ns : cluster.namespaces) {
    if (ns.name == name) labels = ns.labels;
  }
  labels["kubernetes.io/metadata.name"] = name;  // every namespace carries it
  return labels;
}

struct PolicyTypes {
  bool ingress = false;
  bool egress = false;
};

// policyTypes absent or empty: Ingress, plus Egress iff the egress section holds a rule.
PolicyTypes types_of(const RawPolicy& policy) {
  PolicyTypes types;
  if (policy.policy_types && !policy.policy_types->empty()) {
    for (const std::string& t : *policy.policy_types) {
      if (t == "Ingress") types.ingress = true;
      if (t == "Egress") types.egress = true;
    }
    return types;
  }
  types.ingress = true;
  types.egress = policy.egress_form == ListForm::entries && !policy.egress.empty();
  return types;
}

bool peer_matches(const RawCluster& cluster, const RawPeer& peer, const std::string& policy_ns,
                  const IpAddress& address, const RawPod* pod) {
  if (peer.ip_block) {  // matches any address, pod or not
    if (!prefix_contains(peer.ip_block->cidr, address)) return false;
    for (const std::string& except : peer.ip_block->except) {
      if (prefix_contains(except, address)) return false;
    }
    return true;
  }
  if (!pod) return false;  // selectors only ever name pods
  if (peer.namespace_selector) {
    if (!selector_matches(*peer.namespace_selector, namespace_labels(cluster, pod->namespace_name)))
      return false;
  } else if (pod->namespace_name != policy_ns) {
    return false;  // a podSelector alone: the policy's own namespace
  }
  if (peer.pod_selector && !selector_matches(*peer.pod_selector, pod->labels)) return false;
  return true;
}

std::string protocol_text(uint8_t ip_proto) {
  return ip_proto == 6 ? "TCP" : ip_proto == 17 ? "UDP" : ip_proto == 132 ? "SCTP" : "";
}

// `receiver` is the pod that receives the connection: named ports resolve on it.
bool port_matches(const RawPort& port, const FlowQuery& flow, const RawPod* receiver) {
  std::string proto = protocol_text(flow.ip_proto);
  if (proto.empty()) return false;  // ICMP and the like: only rules without ports
  std::string wanted = port.protocol.empty() ? "TCP" : port.protocol;
  if (proto != wanted) return false;
  if (port.port) {
    int last = port.end_port.value_or(*port.port);
    return flow.dst_port >= *port.port && flow.dst_port <= last;
  }
  if (!port.named_port.empty()) {
    if (!receiver) return false;
    for (const RawContainerPort& cp : receiver->ports) {
      if (cp.name == port.named_port && cp.protocol == wanted && cp.port == flow.dst_port)
        return true;
    }
    return false;
  }
  return true;  // no port: every port of the protocol
}

bool rule_allows(const RawCluster& cluster, const RawRule& rule, const std::string& policy_ns,
                 const IpAddress& peer_address, const RawPod* peer_pod, const FlowQuery& flow,
                 const RawPod* receiver) {
  bool peer_ok = rule.peers.empty();
  for (const RawPeer& peer : rule.peers) {
    if (peer_matches(cluster, peer, policy_ns, peer_address, peer_pod)) peer_ok = true;
  }
  bool port_ok = rule.ports.empty();
  for (const RawPort& port : rule.ports) {
    if (port_matches(port, flow, receiver)) port_ok = true;
  }
  return peer_ok && port_ok;
}

// Is `self` (a pod) allowed to talk with the peer in this direction?
bool direction_allows(const RawCluster& cluster, bool egress, const RawPod& self,
                      const IpAddress& peer_address, const RawPod* peer_pod, const FlowQuery& flow,
                      const RawPod* receiver) {
  bool isolated = false;
  bool allowed = false;
  for (const RawPolicy& policy : cluster.policies) {
    if (policy.namespace_name != self.namespace_name) continue;
    if (!selector_matches(policy.pod_selector, self.labels)) continue;
    PolicyTypes types = types_of(policy);
    if (!(egress ? types.egress : types.ingress)) continue;
    isolated = true;
    for (const RawRule& rule : egress ? policy.egress : policy.ingress) {
      if (rule_allows(cluster, rule, policy.namespace_name, peer_address, peer_pod, flow,
                      receiver)) {
        allowed = true;
      }
    }
  }
  return !isolated || allowed;
}

}  // namespace

Verdict reference_verdict(const RawCluster& cluster, const FlowQuery& flow) {
  const RawPod* src = pod_with_address(cluster, flow.src);
  const RawPod* dst = pod_with_address(cluster, flow.dst);
  bool egress_ok = !src || direction_allows(cluster, true, *src, flow.dst, dst, flow, dst);
  bool ingress_ok = !dst || direction_allows(cluster, false, *dst, flow.src, src, flow, dst);
  return egress_ok && ingress_ok ? Verdict::allow : Verdict::deny;
}

}  // namespace podwall::testing
