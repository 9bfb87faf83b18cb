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

class RuleBuilder {
 public:
  // `block_of_peer` maps each ipBlock peer of the cluster's policies to its CidrClasses block.
  RuleBuilder(ClusterIndex& index, const CidrClasses& cidrs,
              const std::unordered_map<const PolicyPeer*, uint32_t>& block_of_peer);

  // Stage 3: per identity and direction, the policies selecting it, grouped.
  void build_groups();
  // Stage 4: rows for every rule of every group.
  void build_rows();

  std::vector<GroupRecord> groups;
  std::vector<std::array<uint32_t, 2>> identity_groups;  // per identity, per Direction
  std::vector<RuleRef> rule_refs;
  std::vector<PortSpec> port_specs;  // interned; index = port set id
  std::vector<AllowRow> rows;

  uint32_t intern(const PortSpec& spec);

 private:
  void add_rule(uint32_t group, const NetworkPolicy& policy, const PolicyRule& rule,
                uint32_t rule_ref);
  void add_named_egress(uint32_t group, const NetworkPolicy& policy, const PolicyPeer* peer,
                        const std::vector<const PolicyPort*>& named, uint32_t rule_ref);
  void emit(uint32_t group, PeerKind kind, uint64_t value, uint32_t rule_ref, uint32_t set);
  // The keys naming a peer entry's pods; the same for every group, so computed once.
  const std::vector<RemoteKey>& remote_keys(const NetworkPolicy& policy, const PolicyPeer& peer);
  std::vector<RemoteKey> namespace_keys(const std::vector<uint32_t>& namespaces);
  std::vector<RemoteKey> namespace_pod_keys(const std::vector<uint32_t>& namespaces,
                                            const LabelSelector& pod_selector);

  ClusterIndex& index_;
  const CidrClasses& cidrs_;
  const std::unordered_map<const PolicyPeer*, uint32_t>& block_of_peer_;
  std::vector<uint32_t> first_rule_ref_;  // per policy: its ingress rules, then its egress rules
  std::unordered_map<std::string, uint32_t> spec_ids_;
  std::unordered_map<std::string, std::vector<RemoteKey>> remote_memo_;
};

// Resolves a named port against a pod's container ports; 0 when the pod has no such port.
uint16_t resolve_named_port(const IdentityRecord& identity, const std::string& name,
                            Protocol protocol);

void merge_ranges(std::vector<PortRange>& ranges);

}  // namespace podwall
