#include "dataplane/policy/explain.h"

#include <algorithm>
#include <tuple>

namespace podwall {

namespace {

// Among every rule that admits the peer, pick the earliest (policy, rule) so that the answer
// does not depend on hash order.
std::optional<RuleRef> admitting_rule(const PolicyTables& t, uint32_t group,
                                      const AddressInfo& peer, uint8_t proto, uint16_t port) {
  uint64_t keys[kPeerKinds];
  int n = peer_keys(t, group, peer, keys);
  std::optional<RuleRef> best;
  for (int k = 0; k < n; ++k) {
    const AllowSlot* slot = find_allow_slot(t, keys[k]);
    if (!slot) continue;
    const SlotProvenance& why = t.slot_provenance[size_t(slot - t.allow_map.data())];
    for (uint32_t i = 0; i < why.count; ++i) {
      const Provenance& p = t.provenance[why.first + i];
      if (!port_set_admits(t, t.port_sets[p.port_set], proto, port)) continue;
      const RuleRef& r = t.rule_refs[p.rule_ref];
      if (!best || std::tie(r.policy, r.rule) < std::tie(best->policy, best->rule)) best = r;
    }
  }
  return best;
}

DirectionExplanation explain_direction(const PolicyTables& t, const AddressInfo& self,
                                       const AddressInfo& peer, Direction dir, uint8_t proto,
                                       uint16_t port) {
  DirectionExplanation d;
  if (self.endpoint == kNoId) return d;
  d.is_pod = true;
  uint32_t group = self.group[int(dir)];
  if (group == kNoId) return d;
  d.isolated = true;
  const PolicyGroup& g = t.groups[group];
  d.isolating_policies.assign(t.group_policies.begin() + g.first_policy,
                              t.group_policies.begin() + g.first_policy + g.policy_count);
  d.allowed = group_admits(t, group, peer, proto, port);
  if (d.allowed) d.allowed_by = admitting_rule(t, group, peer, proto, port);
  return d;
}

std::string describe_direction(const PolicyTables& t, const char* label, const std::string& who,
                               const DirectionExplanation& d) {
  std::string out = std::string(label) + ": ";
  if (!d.is_pod) return out + who + " is not a pod, no " + label + " policy applies";
  if (!d.isolated) return out + who + " not isolated";
  out += who + " isolated by [";
  for (size_t i = 0; i < d.isolating_policies.size(); ++i) {
    if (i) out += ", ";
    out += t.policy_names[d.isolating_policies[i]];
  }
  out += "]";
  if (d.allowed_by) {
    out += ", allowed by " + t.policy_names[d.allowed_by->policy] + " " + label + " rule " +
           std::to_string(d.allowed_by->rule);
  } else if (d.allowed) {
    out += ", allowed";
  } else {
    out += ", no rule allows it";
  }
  return out;
}

}  // namespace

Explanation explain(const PolicyTables& t, const FlowQuery& flow) {
  Explanation e;
  uint16_t port = protocol_has_ports(flow.ip_proto) ? flow.dst_port : 0;
  e.src = describe_address(t, flow.src);
  e.dst = describe_address(t, flow.dst);
  e.egress = explain_direction(t, e.src, e.dst, Direction::egress, flow.ip_proto, port);
  e.ingress = explain_direction(t, e.dst, e.src, Direction::ingress, flow.ip_proto, port);
  e.verdict = classify(t, flow);
  return e;
}

std::string address_name(const PolicyTables& t, const AddressInfo& info) {
  if (info.endpoint == kNoId) return "external";
  return t.pod_names[t.endpoint_pod[info.endpoint]];
}

std::string format_explanation(const PolicyTables& t, const Explanation& e) {
  return describe_direction(t, "egress", address_name(t, e.src), e.egress) + "; " +
         describe_direction(t, "ingress", address_name(t, e.dst), e.ingress);
}

}  // namespace podwall
