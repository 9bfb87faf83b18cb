#include "control/compiler/rule_builder.h"

#include <algorithm>
#include <iterator>

namespace podwall {

namespace {

bool uses_named_ports(const std::vector<PolicyRule>& rules) {
  for (const auto& rule : rules) {
    for (const auto& port : rule.ports) {
      if (!port.named_port.empty()) return true;
    }
  }
  return false;
}

PortRange numeric_range(const PolicyPort& port) {
  uint8_t proto = uint8_t(port.protocol);
  if (!port.port) return {proto, 0, 65535};  // no port: every port of the protocol
  return {proto, *port.port, port.end_port.value_or(*port.port)};
}

}  // namespace

uint16_t resolve_named_port(const IdentityRecord& identity, const std::string& name,
                            Protocol protocol) {
  for (const auto& p : identity.named_ports) {
    if (p.name == name) return p.protocol == protocol ? p.port : 0;
  }
  return 0;
}

void merge_ranges(std::vector<PortRange>& ranges) {
  std::sort(ranges.begin(), ranges.end(), [](const PortRange& a, const PortRange& b) {
    return std::tie(a.ip_proto, a.first, a.last) < std::tie(b.ip_proto, b.first, b.last);
  });
  std::vector<PortRange> merged;
  for (const auto& r : ranges) {
    if (!merged.empty() && merged.back().ip_proto == r.ip_proto &&
        uint32_t(r.first) <= uint32_t(merged.back().last) + 1) {
      merged.back().last = std::max(merged.back().last, r.last);
    } else {
      merged.push_back(r);
    }
  }
  ranges = std::move(merged);
}

PolicySelection selection_of(const NetworkPolicy& policy) {
  return {policy.pod_selector.canonical(), policy.isolates_ingress, policy.isolates_egress,
          uses_named_ports(policy.ingress)};
}

RuleBuilder::RuleBuilder(ClusterIndex& index, const CidrClasses& cidrs)
    : index_(index), cidrs_(cidrs) {
  const auto& policies = index.cluster().policies;
  policy_groups_.resize(policies.size());
  for (const auto& policy : policies) {
    first_rule_ref_.push_back(uint32_t(rule_refs.size()));
    selections_.push_back(selection_of(policy));
    uint32_t policy_id = uint32_t(first_rule_ref_.size() - 1);
    for (uint32_t r = 0; r < policy.ingress.size(); ++r) {
      rule_refs.push_back({policy_id, Direction::ingress, r});
    }
    for (uint32_t r = 0; r < policy.egress.size(); ++r) {
      rule_refs.push_back({policy_id, Direction::egress, r});
    }
  }
}

void RuleBuilder::rebind() {
  block_of_peer_.clear();
}

void RuleBuilder::renumber_rules(uint32_t p) {
  const NetworkPolicy& policy = index_.cluster().policies[p];
  first_rule_ref_[p] = uint32_t(rule_refs.size());
  for (uint32_t r = 0; r < policy.ingress.size(); ++r) {
    rule_refs.push_back({p, Direction::ingress, r});
  }
  for (uint32_t r = 0; r < policy.egress.size(); ++r) {
    rule_refs.push_back({p, Direction::egress, r});
  }
}

uint32_t RuleBuilder::block_of(const PolicyPeer& peer) {
  auto [it, inserted] = block_of_peer_.try_emplace(&peer, kNoId);
  if (inserted) it->second = cidrs_.find_block(*peer.ip_block);
  return it->second;
}

uint32_t RuleBuilder::intern(const PortSpec& spec) {
  std::string key = spec.all_protocols ? "*" : "";
  for (const auto& r : spec.ranges) {
    key += std::to_string(r.ip_proto) + ":" + std::to_string(r.first) + "-" +
           std::to_string(r.last) + ",";
  }
  auto [it, inserted] = spec_ids_.try_emplace(key, uint32_t(port_specs.size()));
  if (inserted) port_specs.push_back(spec);
  return it->second;
}

// Identities selected by the same policies share a group. Named ports on ingress resolve
// against the selected pod, so such groups also split by the pod's named ports.
std::string RuleBuilder::group_key(int dir, const std::vector<uint32_t>& policies,
                                   const IdentityRecord& identity) const {
  std::string key = std::to_string(dir) + ":";
  bool named = false;
  for (uint32_t p : policies) {
    key += std::to_string(p) + ",";
    if (dir == int(Direction::ingress) && selections_[p].named_ingress_ports) named = true;
  }
  if (named) {
    for (const auto& np : identity.named_ports) {
      key += "|" + np.name + "=" + std::to_string(np.port) + "/" + std::to_string(int(np.protocol));
    }
  }
  return key;
}

void RuleBuilder::build_groups() {
  const auto& policies = index_.cluster().policies;
  size_t identity_count = index_.identities().size();
  std::vector<std::vector<uint32_t>> selecting[2];
  selecting[0].resize(identity_count);
  selecting[1].resize(identity_count);
  for (uint32_t p = 0; p < policies.size(); ++p) {
    const NetworkPolicy& policy = policies[p];
    uint32_t ns = index_.namespace_id(policy.namespace_name);
    if (ns == kNoId) continue;
    for (uint32_t id : index_.identities_matching(ns, policy.pod_selector)) {
      if (policy.isolates_ingress) selecting[int(Direction::ingress)][id].push_back(p);
      if (policy.isolates_egress) selecting[int(Direction::egress)][id].push_back(p);
    }
  }

  identity_groups.assign(identity_count, {kNoId, kNoId});
  for (int dir = 0; dir < 2; ++dir) {
    for (uint32_t id = 0; id < identity_count; ++id) {
      const auto& list = selecting[dir][id];
      if (list.empty()) continue;
      auto [it, inserted] = group_ids_.try_emplace(group_key(dir, list, index_.identities()[id]),
                                                   uint32_t(groups.size()));
      if (inserted) {
        groups.push_back({Direction(dir), list, id});
        for (uint32_t p : list) policy_groups_[p].push_back(it->second);
      }
      identity_groups[id][dir] = it->second;
    }
  }
}

std::vector<uint32_t> RuleBuilder::selecting_policies(const IdentityRecord& identity,
                                                      Direction dir) const {
  const auto& policies = index_.cluster().policies;
  const std::string& ns = index_.namespace_names()[identity.namespace_id];
  // The cluster is sorted by (namespace, name): the namespace's policies are one run.
  auto first = std::lower_bound(
      policies.begin(), policies.end(), ns,
      [](const NetworkPolicy& p, const std::string& name) { return p.namespace_name < name; });
  std::vector<uint32_t> selecting;
  for (auto it = first; it != policies.end() && it->namespace_name == ns; ++it) {
    bool isolates = dir == Direction::ingress ? it->isolates_ingress : it->isolates_egress;
    if (isolates && it->pod_selector.matches(identity.labels)) {
      selecting.push_back(uint32_t(it - policies.begin()));
    }
  }
  return selecting;
}

uint32_t RuleBuilder::find_or_add_group(uint32_t id, Direction dir) {
  const IdentityRecord& identity = index_.identities()[id];
  std::vector<uint32_t> selecting = selecting_policies(identity, dir);
  if (selecting.empty()) return kNoId;
  auto [it, inserted] =
      group_ids_.try_emplace(group_key(int(dir), selecting, identity), uint32_t(groups.size()));
  if (inserted) {
    for (uint32_t p : selecting) policy_groups_[p].push_back(it->second);
    groups.push_back({dir, std::move(selecting), id});
  }
  return it->second;
}

void RuleBuilder::emit(uint32_t group, PeerKind kind, uint64_t value, uint32_t rule_ref,
                       uint32_t set) {
  out_->push_back({PolicyTables::allow_key(group, kind, value), rule_ref, set});
}

void RuleBuilder::build_rows() {
  for (uint32_t g = 0; g < groups.size(); ++g) add_group_rules(g);
}

// Rows for every rule, of the group's direction, of every policy in group `g`.
void RuleBuilder::add_group_rules(uint32_t g) {
  const auto& policies = index_.cluster().policies;
  const GroupRecord& group = groups[g];
  for (uint32_t p : group.policies) {
    const NetworkPolicy& policy = policies[p];
    bool ingress = group.direction == Direction::ingress;
    const auto& rules = ingress ? policy.ingress : policy.egress;
    uint32_t ref = first_rule_ref_[p] + (ingress ? 0 : uint32_t(policy.ingress.size()));
    for (uint32_t r = 0; r < rules.size(); ++r) add_rule(g, p, rules[r], ref + r);
  }
}

std::vector<AllowRow> RuleBuilder::rows_of_group(uint32_t g) {
  std::erase_if(named_egress_, [g](const NamedEgressRule& n) { return n.group == g; });
  std::vector<AllowRow> out;
  out_ = &out;
  add_group_rules(g);
  out_ = &rows;
  return out;
}

std::vector<AllowRow> RuleBuilder::identity_rows(uint32_t id, const std::vector<uint32_t>& skip) {
  std::vector<AllowRow> out;
  out_ = &out;
  const auto& policies = index_.cluster().policies;
  const IdentityRecord& remote = index_.identities()[id];
  for (const NamedEgressRule& n : named_egress_) {
    if (std::binary_search(skip.begin(), skip.end(), n.group)) continue;
    const NetworkPolicy& policy = policies[n.policy];
    const PolicyRule& rule = policy.egress[n.rule];
    std::vector<const PolicyPort*> named;
    for (const auto& port : rule.ports) {
      if (!port.named_port.empty()) named.push_back(&port);
    }
    PortSpec spec = named_spec(remote, named);
    if (spec.ranges.empty()) continue;
    uint32_t ref = first_rule_ref_[n.policy] + uint32_t(policy.ingress.size()) + n.rule;
    bool selected = rule.peers.empty();
    for (const auto& peer : rule.peers) selected = selected || peer_selects(policy, &peer, id);
    if (selected) emit(n.group, PeerKind::identity, id, ref, intern(spec));
  }
  out_ = &rows;
  return out;
}

void RuleBuilder::add_rule(uint32_t g, uint32_t policy_id, const PolicyRule& rule,
                           uint32_t rule_ref) {
  const NetworkPolicy& policy = index_.cluster().policies[policy_id];
  const GroupRecord& group = groups[g];
  bool ingress = group.direction == Direction::ingress;

  // The ports every peer of this rule gets; egress named ports depend on the peer, below.
  PortSpec spec;
  std::vector<const PolicyPort*> peer_named;
  spec.all_protocols = rule.ports.empty();
  for (const auto& port : rule.ports) {
    if (port.named_port.empty()) {
      spec.ranges.push_back(numeric_range(port));
    } else if (ingress) {
      const IdentityRecord& self = index_.identities()[group.representative];
      if (uint16_t n = resolve_named_port(self, port.named_port, port.protocol)) {
        spec.ranges.push_back({uint8_t(port.protocol), n, n});
      }
    } else {
      peer_named.push_back(&port);
    }
  }
  merge_ranges(spec.ranges);
  bool has_fixed_ports = spec.all_protocols || !spec.ranges.empty();
  uint32_t set = intern(spec);
  if (!peer_named.empty()) {
    uint32_t index = uint32_t(&rule - policy.egress.data());
    named_egress_.push_back({g, policy_id, index});
  }

  if (rule.peers.empty()) {
    if (has_fixed_ports) emit(g, PeerKind::any_peer, 0, rule_ref, set);
    if (!peer_named.empty()) add_named_egress(g, policy, nullptr, peer_named, rule_ref);
    return;
  }
  for (const auto& peer : rule.peers) {
    if (!peer_named.empty()) add_named_egress(g, policy, &peer, peer_named, rule_ref);
    if (!has_fixed_ports) continue;
    for (const RemoteKey& key : remote_keys(policy, peer)) {
      emit(g, key.kind, key.value, rule_ref, set);
    }
  }
}

namespace {

std::vector<uint32_t> intersect(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  std::vector<uint32_t> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

// Every pod of some namespaces: by namespace id or by namespace class, whichever takes fewer
// keys (a class lies wholly inside or outside a selector's namespaces).
std::vector<RemoteKey> RuleBuilder::namespace_keys(const std::vector<uint32_t>& namespaces) {
  if (namespaces.size() == index_.namespace_count()) return {{PeerKind::any_pod, 0}};
  std::vector<uint32_t> classes;
  for (uint32_t ns : namespaces) classes.push_back(index_.ns_class(ns));
  std::sort(classes.begin(), classes.end());
  classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
  std::vector<RemoteKey> keys;
  if (classes.size() < namespaces.size()) {
    for (uint32_t nc : classes) keys.push_back({PeerKind::ns_class, nc});
  } else {
    for (uint32_t ns : namespaces) keys.push_back({PeerKind::namespace_, ns});
  }
  return keys;
}

// Matching pods of some namespaces: pairs by namespace, by namespace class, or -- when every
// namespace counts -- pod classes alone; whichever takes fewest keys.
std::vector<RemoteKey> RuleBuilder::namespace_pod_keys(const std::vector<uint32_t>& namespaces,
                                                       const LabelSelector& pod_selector) {
  const auto& matching = index_.pod_classes_matching(pod_selector);
  std::vector<RemoteKey> by_ns, by_class, by_pod_class;
  for (uint32_t ns : namespaces) {
    for (uint32_t pc : intersect(index_.pod_classes_in(ns), matching)) {
      by_ns.push_back({PeerKind::namespace_pod, pair_value(ns, pc)});
    }
  }
  std::vector<uint32_t> classes;
  for (uint32_t ns : namespaces) classes.push_back(index_.ns_class(ns));
  std::sort(classes.begin(), classes.end());
  classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
  for (uint32_t nc : classes) {
    for (uint32_t pc : intersect(index_.pod_classes_in_class(nc), matching)) {
      by_class.push_back({PeerKind::ns_class_pod, pair_value(nc, pc)});
    }
  }
  auto* best = by_ns.size() <= by_class.size() ? &by_ns : &by_class;
  if (namespaces.size() == index_.namespace_count()) {
    for (uint32_t pc : matching) by_pod_class.push_back({PeerKind::pod_class, pc});
    if (by_pod_class.size() < best->size()) best = &by_pod_class;
  }
  return std::move(*best);
}

const std::vector<RemoteKey>& RuleBuilder::remote_keys(const NetworkPolicy& policy,
                                                       const PolicyPeer& peer) {
  std::string memo_key;
  if (peer.ip_block) {
    memo_key = "b" + std::to_string(block_of(peer));
  } else if (!peer.namespace_selector) {
    memo_key = "p" + policy.namespace_name + "\n" + peer.pod_selector->canonical();
  } else {
    memo_key = "n" + peer.namespace_selector->canonical() + "\n" +
               (peer.pod_selector ? "p" + peer.pod_selector->canonical() : "");
  }
  auto [it, inserted] = remote_memo_.try_emplace(memo_key);
  if (!inserted) return it->second;
  auto& keys = it->second;

  if (peer.ip_block) {
    for (uint32_t cls : cidrs_.classes_of_block(block_of(peer))) {
      keys.push_back({PeerKind::cidr, cls});
    }
  } else if (!peer.namespace_selector) {
    uint32_t own = index_.namespace_id(policy.namespace_name);
    if (peer.pod_selector->empty()) {
      keys.push_back({PeerKind::namespace_, own});
    } else {
      keys = namespace_pod_keys({own}, *peer.pod_selector);
    }
  } else {
    const auto& namespaces = index_.namespaces_matching(*peer.namespace_selector);
    if (!peer.pod_selector || peer.pod_selector->empty()) {
      keys = namespace_keys(namespaces);
    } else {
      keys = namespace_pod_keys(namespaces, *peer.pod_selector);
    }
  }
  return keys;
}

PortSpec RuleBuilder::named_spec(const IdentityRecord& remote,
                                 const std::vector<const PolicyPort*>& named) {
  PortSpec spec;
  for (const PolicyPort* port : named) {
    if (uint16_t n = resolve_named_port(remote, port->named_port, port->protocol)) {
      spec.ranges.push_back({uint8_t(port->protocol), n, n});
    }
  }
  merge_ranges(spec.ranges);
  return spec;
}

// Does a pod-naming peer entry (not an ipBlock; nullptr = every peer) select identity `id`?
bool RuleBuilder::peer_selects(const NetworkPolicy& policy, const PolicyPeer* peer, uint32_t id) {
  if (!peer) return true;
  if (peer->ip_block) return false;
  const IdentityRecord& identity = index_.identities()[id];
  if (!peer->namespace_selector) {
    return identity.namespace_id == index_.namespace_id(policy.namespace_name) &&
           peer->pod_selector->matches(identity.labels);
  }
  const auto& namespaces = index_.namespaces_matching(*peer->namespace_selector);
  if (!std::binary_search(namespaces.begin(), namespaces.end(), identity.namespace_id)) {
    return false;
  }
  return !peer->pod_selector || peer->pod_selector->matches(identity.labels);
}

// Egress named ports resolve against the destination pod, so the rows go per identity (or,
// for an ipBlock peer, per endpoint whose address lies in the block). Non-pod destinations
// have no container ports and never match a named port.
void RuleBuilder::add_named_egress(uint32_t g, const NetworkPolicy& policy, const PolicyPeer* peer,
                                   const std::vector<const PolicyPort*>& named, uint32_t rule_ref) {
  auto emit_identity = [&](uint32_t id) {
    PortSpec spec = named_spec(index_.identities()[id], named);
    if (!spec.ranges.empty()) emit(g, PeerKind::identity, id, rule_ref, intern(spec));
  };

  const auto& identities = index_.identities();
  if (!peer) {
    for (uint32_t id = 0; id < identities.size(); ++id) emit_identity(id);
    return;
  }
  if (peer->ip_block) {
    const auto& classes = cidrs_.classes_of_block(block_of(*peer));
    const auto& endpoints = index_.endpoints();
    for (uint32_t e = 0; e < endpoints.size(); ++e) {
      if (endpoints[e].pod == kNoId) continue;  // its pod left (a patch)
      uint32_t cls = cidrs_.class_of(endpoints[e].address);
      if (cls == kNoId || !std::binary_search(classes.begin(), classes.end(), cls)) continue;
      PortSpec spec = named_spec(identities[endpoints[e].identity], named);
      if (!spec.ranges.empty()) emit(g, PeerKind::endpoint, e, rule_ref, intern(spec));
    }
    return;
  }
  uint32_t own_ns = index_.namespace_id(policy.namespace_name);
  if (!peer->namespace_selector) {
    for (uint32_t id : index_.identities_matching(own_ns, *peer->pod_selector)) emit_identity(id);
    return;
  }
  for (uint32_t ns : index_.namespaces_matching(*peer->namespace_selector)) {
    if (peer->pod_selector) {
      for (uint32_t id : index_.identities_matching(ns, *peer->pod_selector)) emit_identity(id);
    } else {
      for (uint32_t id : index_.identities_in(ns)) emit_identity(id);
    }
  }
}

}  // namespace podwall
