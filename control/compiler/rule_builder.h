#pragma once
// Stages 3 and 4 of the compiler: isolation groups, and the allow rows each group's rules
// produce. Mutable builder; table_packer turns its output into the immutable tables.

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "control/compiler/cidr_classes.h"
#include "control/compiler/cluster_index.h"
#include "dataplane/policy/tables.h"

namespace podwall {

// A port set before packing: every port of every protocol, or a list of ranges.
struct PortSpec {
  bool all_protocols = false;
  std::vector<PortRange> ranges;  // sorted, merged
};

// One reason to allow: (group, peer kind, value) may use `port_set` because of `rule_ref`.
struct AllowRow {
  uint64_t key;
  uint32_t rule_ref;
  uint32_t port_set;
};

// A way to name a set of peers in the allow map.
struct RemoteKey {
  PeerKind kind;
  uint64_t value;
};

struct GroupRecord {
  Direction direction;
  std::vector<uint32_t> policies;  // in cluster order
  uint32_t representative;         // an identity of the group, for named ports on ingress
};

// What decides which identities a policy selects, and so which groups exist.
struct PolicySelection {
  std::string pod_selector;  // canonical
  bool isolates_ingress = false;
  bool isolates_egress = false;
  bool named_ingress_ports = false;  // ingress groups then split by the pod's named ports
  bool operator==(const PolicySelection&) const = default;
};
PolicySelection selection_of(const NetworkPolicy& policy);

class RuleBuilder {
 public:
  RuleBuilder(ClusterIndex& index, const CidrClasses& cidrs);

  // Stage 3: per identity and direction, the policies selecting it, grouped.
  void build_groups();
  // Stage 4: rows for every rule of every group.
  void build_rows();

  std::vector<GroupRecord> groups;
  std::vector<std::array<uint32_t, 2>> identity_groups;  // per identity, per Direction
  std::vector<RuleRef> rule_refs;
  std::vector<PortSpec> port_specs;  // interned; index = port set id
  std::vector<AllowRow> rows;        // sorted by key once packed (table_packer)

  uint32_t intern(const PortSpec& spec);

  // --- for patches (policy_compiler.cpp) ---
  // Points the builder at the index's (changed) cluster: same policies in the same order.
  void rebind();
  size_t policy_count() const { return selections_.size(); }
  const PolicySelection& selection(uint32_t policy) const { return selections_[policy]; }
  const std::vector<uint32_t>& groups_of_policy(uint32_t policy) const {
    return policy_groups_[policy];
  }
  // The group identity `id` belongs to in direction `dir`, made if it does not exist yet (the
  // identity then represents it); kNoId when no policy selects it that way. New groups have no
  // rows until rows_of_group().
  uint32_t find_or_add_group(uint32_t id, Direction dir);
  // Gives policy `policy` fresh rule references (its rules may have changed in number).
  void renumber_rules(uint32_t policy);
  // Every row of group `g`, from the current rules; unsorted.
  std::vector<AllowRow> rows_of_group(uint32_t g);
  // The rows naming identity `id` itself (egress named ports), in every group but those in
  // `skip` (sorted); unsorted.
  std::vector<AllowRow> identity_rows(uint32_t id, const std::vector<uint32_t>& skip);
  // True when some egress rule names ports by name (so rows depend on peers' named ports).
  bool has_named_egress() const { return !named_egress_.empty(); }

 private:
  struct NamedEgressRule {
    uint32_t group;
    uint32_t policy;
    uint32_t rule;  // index in the policy's egress list
  };

  void add_group_rules(uint32_t group);
  std::string group_key(int dir, const std::vector<uint32_t>& policies,
                        const IdentityRecord& identity) const;
  // The policies of the identity's namespace that select it for `dir`, in cluster order.
  std::vector<uint32_t> selecting_policies(const IdentityRecord& identity, Direction dir) const;
  void add_rule(uint32_t group, uint32_t policy, const PolicyRule& rule, uint32_t rule_ref);
  void add_named_egress(uint32_t group, const NetworkPolicy& policy, const PolicyPeer* peer,
                        const std::vector<const PolicyPort*>& named, uint32_t rule_ref);
  bool peer_selects(const NetworkPolicy& policy, const PolicyPeer* peer, uint32_t id);
  PortSpec named_spec(const IdentityRecord& remote, const std::vector<const PolicyPort*>& named);
  void emit(uint32_t group, PeerKind kind, uint64_t value, uint32_t rule_ref, uint32_t set);
  uint32_t block_of(const PolicyPeer& peer);
  // The keys naming a peer entry's pods; the same for every group, so computed once.
  const std::vector<RemoteKey>& remote_keys(const NetworkPolicy& policy, const PolicyPeer& peer);
  std::vector<RemoteKey> namespace_keys(const std::vector<uint32_t>& namespaces);
  std::vector<RemoteKey> namespace_pod_keys(const std::vector<uint32_t>& namespaces,
                                            const LabelSelector& pod_selector);

  ClusterIndex& index_;
  const CidrClasses& cidrs_;
  std::vector<AllowRow>* out_ = &rows;       // where emit() writes
  std::vector<uint32_t> first_rule_ref_;     // per policy: its ingress rules, then its egress rules
  std::vector<PolicySelection> selections_;  // per policy
  std::vector<std::vector<uint32_t>> policy_groups_;  // per policy: the groups it is in
  std::unordered_map<std::string, uint32_t> group_ids_;
  std::vector<NamedEgressRule> named_egress_;
  std::unordered_map<std::string, uint32_t> spec_ids_;
  std::unordered_map<std::string, std::vector<RemoteKey>> remote_memo_;
  // ipBlock peer -> CidrClasses block; peers are the bound cluster's, so rebind() clears it.
  std::unordered_map<const PolicyPeer*, uint32_t> block_of_peer_;
};

// Resolves a named port against a pod's container ports; 0 when the pod has no such port.
uint16_t resolve_named_port(const IdentityRecord& identity, const std::string& name,
                            Protocol protocol);

void merge_ranges(std::vector<PortRange>& ranges);

}  // namespace podwall
